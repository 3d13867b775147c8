-- square_lead — a hollow PWM lead: a pulse whose width a slow LFO sweeps, through a gently resonant low-pass
--
-- Controls:
--   width     0.05..0.95: the pulse's width at the centre of the sweep (0.5 a square)
--   pwm       0..0.45: how far the LFO moves the width
--   pwm_rate  Hz of the width's sweep
--   cutoff    Hz of the low-pass (opened further by velocity)
--   res       0..1
--   attack    s
--   release   s
-- A pulse's mean is 2 width - 1; it is subtracted as the width moves, so the lead has no DC.  For a
-- glide, give the track mono = true and glide = seconds.
return function(v)
  local amp = adsr(v.gate, v.attack(0.005, 0.001, 4), 0.2, 0.85, v.release(0.15, 0.005, 8))
  local w = v.width(0.5, 0.05, 0.95) + v.pwm(0.3, 0, 0.45) * lfo(v.pwm_rate(0.8, 0.01, 20), "tri")
  local wc = clip(w, 0.03, 0.97)
  local osc = square(v.freq, wc) - (2 * wc - 1)      -- a pulse's mean is 2 width - 1: take it out
  local y = lpf(osc, v.cutoff(3200, 40, 16000) * (0.6 + 0.4 * v.vel), v.res(0.2, 0, 1))
  return y * amp * v.vel * 0.3
end
