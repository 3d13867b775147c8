-- clav — a funky clavinet: a narrow pulse plucked bright and snapped shut by a quick filter envelope
--
-- Controls:
--   width       0.05..0.5: the pulse; narrower is thinner and more nasal
--   brightness  octaves the envelope opens the filter (times velocity)
--   decay       s while held
--   damp        s the key's felt takes to stop the string on release
return function(v)
  local amp = adsr(v.gate, 0.0005, v.decay(1.2, 0.05, 8), 0.25, v.damp(0.06, 0.005, 1), "exp")
  local fenv = adsr(v.gate, 0.0005, 0.15, 0.2, 0.05, "exp")
  local osc = square(v.freq, v.width(0.18, 0.05, 0.5)) + 0.5 * saw(v.freq)
  local open = midi_to_hz(69 + 12 * v.brightness(3.5, 0, 7) * fenv * (0.3 + 0.7 * v.vel)) * (1 / 440)
  local y = lpf(hpf(osc, 180, 0.2), 500 * open, 0.35)
  return y * amp * v.vel * 0.16
end
