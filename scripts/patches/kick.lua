-- kick — an electronic kick: a sine swept down to its low tone, a decaying body, a click (ignores the note)
--
-- Controls:
--   tune      Hz of the body's tone
--   bend      how many times higher than that the sweep starts
--   sweep     s of the pitch's fall
--   decay     s of the body
--   click     0..1: the noise click at the strike
--   drive     0..1: rounder to harder (soft clipping)
-- A one-shot: how long the note is held does not matter.  A 25 Hz high-pass keeps the first cycle's
-- offset out of the mix.
return function(v)
  -- env(gate, level0 .. level7, time1 .. time7, "segments"): 0 -> 1 at once, then -> 0 in t
  local function hit(t) local e = env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0, t, "2"); return e * e * e end
  local pitch = hit(v.sweep(0.06, 0.005, 1))
  local f = v.tune(52, 30, 120) * (1 + (v.bend(5, 1, 16) - 1) * pitch)
  local body = sine(f) * hit(v.decay(0.45, 0.05, 3))
  local click = hpf(noise(), 2500, 0.1) * hit(0.004) * v.click(0.5, 0, 1)
  local g = 1 + 3 * v.drive(0.3, 0, 1)
  -- a 25 Hz high-pass keeps the first half-cycle's offset out of the mix
  return hpf(tanh((body + 0.5 * click) * g) * (1 / g), 25, 0) * v.vel * 0.85
end
