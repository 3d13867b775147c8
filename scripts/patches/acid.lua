-- acid — a 303-style bass: a resonant ladder swept by a decaying envelope; velocity is the accent
--
-- Controls:
--   cutoff    Hz: the filter's floor, where the sweep falls back to
--   res       0..1.2: resonance; the ladder sings from 1
--   env_mod   octaves the envelope opens the filter at full accent
--   decay     s: how fast the sweep falls
--   drive     0..1: the ladder's saturation, rounder to harder
--   wave      0 saw, 1 square
--   release   s
-- The accent is velocity: the sweep is scaled by 0.3 + 0.7 vel^2, so soft notes barely open the filter
-- and a velocity-1 note screams, as the 303's accent does; the level follows velocity too.  Give the
-- track mono = true and a short glide for the 303's slides.
return function(v)
  local accent = v.vel * v.vel
  local fenv = adsr(v.gate, 0.002, v.decay(0.3, 0.02, 3), 0, 0.05, "exp")
  local amp = adsr(v.gate, 0.002, 1.2, 0.7, v.release(0.03, 0.005, 2), "exp")
  local f = v.freq
  local osc = select(v.wave(0, 0, 1), saw(f), square(f))
  -- the sweep in octaves above the cutoff: 2^(octaves) as midi_to_hz(69 + 12 x) / 440
  local sweep = midi_to_hz(69 + 12 * v.env_mod(4, 0, 8) * fenv * (0.3 + 0.7 * accent)) * (1 / 440)
  local res = v.res(0.75, 0, 1.2)
  local y = ladder(osc, v.cutoff(450, 30, 8000) * sweep, res, v.drive(0.35, 0, 1))
  -- the ladder's pass band falls with resonance (1 / (1 + 4 res) for small signals; its saturating
  -- input stage gives much of that back for a full-scale saw), so the level rises gently with res.
  -- Its saturation bends
  -- the filtered saw's lopsided shape into a DC offset, which a 20 Hz high-pass takes out (as the
  -- coupling capacitor after an analogue filter does)
  return hpf(y, 20, 0) * amp * (0.3 + 0.7 * v.vel) * (0.28 * (1 + 0.8 * res))
end
