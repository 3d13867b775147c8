-- brass — synth brass: detuned saws with a pitch scoop and a low-pass that swells open, brighter when hard
--
-- Controls:
--   cutoff      Hz of the low-pass at rest
--   brightness  octaves the swell opens the filter (times velocity)
--   swell       s to open
--   attack      s
--   release     s
--   detune      cents between the two saws
return function(v)
  local amp = adsr(v.gate, v.attack(0.03, 0.001, 4), 0.3, 0.85, v.release(0.2, 0.005, 8))
  local swell = adsr(v.gate, v.swell(0.08, 0.001, 4), 0.5, 0.55, 0.25)
  -- the lips reach the pitch from a few cents under it
  local scoop = adsr(v.gate, 0, 0.06, 0, 0.01) * -0.4
  local d = v.detune(8, 0, 50) * 0.005
  local osc = saw(midi_to_hz(v.note + scoop + d)) + saw(midi_to_hz(v.note + scoop - d))
  local open = midi_to_hz(69 + 12 * v.brightness(2.5, 0, 6) * swell * (0.4 + 0.6 * v.vel)) * (1 / 440)
  local y = lpf(osc, v.cutoff(500, 40, 8000) * open, 0.15)
  return y * amp * (0.4 + 0.6 * v.vel) * 0.25
end
