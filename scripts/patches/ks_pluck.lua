-- ks_pluck — a plucked string by Karplus-Strong: a short noise burst ringing in a tuned, damped comb
--
-- Controls:
--   decay     s for the string to fall 60 dB (sets the comb's feedback from the pitch)
--   damp      0..0.9: the loop's low-pass, duller and shorter-lived with more
--   pick      Hz of the low-pass on the burst: a soft finger to a hard pick (times velocity)
--   release   s: the damping when the note ends
-- The comb's loop filter delays the loop by damp / (1 - damp) samples; the comb's delay is shortened by
-- that much (reckoned at 48 kHz: the patch cannot read the sample rate) so the string stays in tune.
return function(v)
  local burst = env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0.006, "2")     -- a 6 ms one-shot ramp down
  local pick = lpf(noise() * burst, v.pick(5000, 200, 16000) * (0.4 + 0.6 * v.vel), 0)
  local damp = v.damp(0.35, 0, 0.9)
  local delay = 1 / v.freq - damp / (1 - damp) * (1 / 48000)
  local fb = db(-60 / (v.freq * v.decay(2.5, 0.05, 20)))               -- the loop gain for that decay
  local str = comb(pick, delay, fb, damp)
  local amp = adsr(v.gate, 0, 0, 1, v.release(0.3, 0.005, 10))
  -- the burst's lowest partials would ring as a rumble under the string: a 30 Hz high-pass
  return hpf(str, 30) * amp * v.vel * 0.45
end
