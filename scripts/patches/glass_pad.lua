-- glass_pad — an evolving glassy FM pad whose brightness wanders under smooth-random LFOs, wide in stereo
--
-- Controls:
--   attack    s
--   release   s
--   index     radians: the mean brightness
--   motion    0..1: how far the smooth-random LFOs move the brightness
--   rate      Hz of the wandering
--   shimmer   0..1: the level of the octave-up partial that sways between the sides
return function(v)
  local amp = adsr(v.gate, v.attack(1.2, 0.001, 20), 1, 0.85, v.release(2.5, 0.01, 30))
  local index, motion, rate = v.index(1.6, 0, 8), v.motion(0.7, 0, 1), v.rate(0.2, 0.01, 5)
  local i1 = index * (1 + motion * lfo(rate, "smooth"))
  local i2 = index * (1 + motion * lfo(rate * 1.37, "smooth"))
  -- the octave-up shimmer sways from side to side
  local shimmer, sway = v.shimmer(0.35, 0, 1), lfo(rate * 0.7)
  local left = fm(v.freq * 0.999, 2, i1) + shimmer * sine(v.freq * 1.998) * (0.5 + 0.5 * sway)
  local right = fm(v.freq * 1.001, 2, i2) + shimmer * sine(v.freq * 2.002) * (0.5 - 0.5 * sway)
  local y = pan(left, -0.6) + pan(right, 0.6)
  return y * amp * (0.3 + 0.7 * v.vel) * 0.2
end
