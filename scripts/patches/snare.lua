-- snare — a snare drum: two drum-head tones with a pitch drop under a burst of noise (ignores the note)
--
-- Controls:
--   tune        Hz of the head's lower tone (the upper one is 1.63 times it)
--   tone        0..1: the level of the head
--   tone_decay  s of the head
--   snappy      0..1: the level of the wires
--   decay       s of the wires
-- A one-shot: how long the note is held does not matter.
return function(v)
  local function hit(t) local e = env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0, t, "2"); return e * e * e end
  local tune = v.tune(190, 80, 500)
  local drop = 1 + 0.3 * hit(0.02)
  local head = (sine(tune * drop) + 0.6 * sine(tune * 1.63 * drop)) * hit(v.tone_decay(0.12, 0.01, 1))
      * v.tone(0.6, 0, 1)
  local n = noise()
  local wires = bpf(n, 3500, 0) + 0.3 * hpf(n, 6000, 0)
  local snap = wires * hit(v.decay(0.22, 0.02, 2)) * v.snappy(0.8, 0, 1)
  return hpf(head * 0.6 + snap, 60, 0) * v.vel * 0.45
end
