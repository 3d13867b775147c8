-- tom — a tom-tom: a sine dropping to the note's pitch from above, with a soft stick noise (c2 .. c4)
--
-- Controls:
--   bend      semitones above the note the pitch starts
--   sweep     s of the drop
--   decay     s
--   stick     0..1: the noise of the stick
-- A one-shot: how long the note is held does not matter.
return function(v)
  local function hit(t) local e = env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0, t, "2"); return e * e * e end
  local drop = hit(v.sweep(0.12, 0.01, 1))
  local f = midi_to_hz(v.note + v.bend(7, 0, 24) * drop)
  local body = sine(f) * hit(v.decay(0.5, 0.05, 4))
  local stick = bpf(noise(), 2500, 0.1) * hit(0.012) * v.stick(0.3, 0, 1)
  return hpf(body + stick, 25, 0) * v.vel * 0.4
end
