-- hat — a hi-hat: high-passed noise with a metallic edge; decay 0.05 is closed, 0.4 open (ignores the note)
--
-- Controls:
--   decay     s: 0.05 a closed hat, 0.4 an open one
--   tone      Hz of the high-pass
--   metal     0..1: the share of six inharmonic pulses (the 808's frequencies) against the noise
-- A one-shot: how long the note is held does not matter.
return function(v)
  local function hit(t) local e = env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0, t, "2"); return e * e * e end
  -- the 808's six square oscillators (Hz), summed: an inharmonic metallic cluster
  local freqs = { 205.3, 304.4, 369.6, 522.7, 540, 800 }
  local metal = 0
  for _, f in ipairs(freqs) do metal = metal + square(f) end
  local m = v.metal(0.35, 0, 1)
  local src = noise() * (1 - m) + metal * (m / 6)
  local tone = v.tone(7500, 2000, 16000)
  local y = hpf(bpf(src, tone * 1.4, 0) + 0.6 * src, tone, 0.2)
  return y * hit(v.decay(0.05, 0.01, 2)) * v.vel * 0.24
end
