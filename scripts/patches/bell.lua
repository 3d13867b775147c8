-- bell — an FM bell: a sine modulated at 3.5 times its pitch, bright at the strike, mellowing as it rings
--
-- Controls:
--   index     radians of modulation at the strike (times velocity)
--   ratio     modulator : carrier; 3.5 and 1.4 are bells, integers are harmonic
--   decay     s of the ring
--   release   s
-- A second, quieter bell an octave and 2 cents above gives the hum-and-strike beating of a real bell.
return function(v)
  local d = v.decay(4, 0.1, 30)
  local amp = adsr(v.gate, 0.001, d, 0, v.release(2, 0.01, 30), "exp")
  local ienv = adsr(v.gate, 0.001, d * 0.4, 0, d * 0.4, "exp")
  local index = v.index(3, 0, 16) * (0.3 + 0.7 * v.vel) * ienv + 0.3
  local y = fm(v.freq, v.ratio(3.5, 0.5, 16), index)
  -- a second, quieter bell an octave and a few cents above: the beating of a real bell's partials
  local hum = fm(v.freq * 2.004, 3.5, index * 0.5) * 0.25
  return (pan(y, -0.2) + pan(hum, 0.3)) * amp * v.vel * 0.3
end
