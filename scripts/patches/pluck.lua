-- pluck — a synth pluck: saw and pulse through a resonant low-pass that snaps shut, a short body
--
-- Controls:
--   cutoff    Hz the filter closes to at middle C
--   keytrack  0..1: how far the cutoff follows the note (1: every note has the same tone)
--   env_mod   octaves the filter opens at the attack, times velocity
--   decay     s, of both the filter and the level
--   res       0..1
--   release   s
-- The pulse's mean (2 width - 1) is subtracted, so the pluck has no DC.  A filter swept down across the
-- fundamental bends its phase, so the first 0.1 s is a few cents flat, as an analogue pluck is; the key
-- tracking keeps the sweep above the fundamental, where the bend is small.
return function(v)
  local d = v.decay(0.35, 0.02, 4)
  local amp = adsr(v.gate, 0.001, d, 0, v.release(0.2, 0.005, 4), "exp")
  local fenv = adsr(v.gate, 0.001, d * 0.5, 0, 0.1, "exp")
  local osc = saw(v.freq) + 0.5 * (square(v.freq, 0.35) + 0.3)     -- + 0.3: the pulse's mean, 2 w - 1
  local track = midi_to_hz(69 + v.keytrack(1, 0, 1) * (v.note - 60)) * (1 / 440)
  local open = midi_to_hz(69 + 12 * v.env_mod(4.5, 0, 8) * fenv * v.vel) * (1 / 440)
  local y = lpf(osc, v.cutoff(700, 30, 8000) * track * open, v.res(0.3, 0, 1))
  return y * amp * v.vel * 0.3
end
