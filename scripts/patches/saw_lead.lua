-- saw_lead — a big supersaw lead: seven detuned saws in stereo, a low-pass opened by velocity, vibrato
--
-- Controls:
--   cutoff        Hz of the low-pass at rest
--   res           0..1
--   brightness    octaves the envelope opens the filter at full velocity
--   attack        s
--   decay         s
--   sustain       0..1
--   release       s
--   vibrato       cents, fading in over half a second
--   vibrato_rate  Hz
-- The unison's detune (14 cents) and width (0.8) are numbers in the patch: unison() takes numbers, so
-- they are not controls (warm_pad builds its unison by hand to make them controls).
return function(v)
  local amp = adsr(v.gate, v.attack(0.01, 0.001, 4), v.decay(0.3, 0.01, 4), v.sustain(0.8, 0, 1),
                   v.release(0.25, 0.005, 8))
  local fenv = adsr(v.gate, 0.005, 0.4, 0.3, 0.3, "exp")
  -- vibrato fades in over half a second, so short notes stay straight
  local vib_depth = v.vibrato(12, 0, 100) * ar(v.gate, 0.5, 0.1)
  local f = v.freq * midi_to_hz(69 + 0.01 * vib_depth * lfo(v.vibrato_rate(5.5, 0.1, 12))) * (1 / 440)
  local osc = unison(saw(f), 7, 14, 0.8)
  local open = midi_to_hz(69 + 12 * v.brightness(2, 0, 6) * fenv * v.vel) * (1 / 440)
  local y = lpf(osc, v.cutoff(2500, 40, 16000) * open, v.res(0.15, 0, 1))
  return y * amp * v.vel * 0.2
end
