-- string_pad — a string-machine ensemble pad: saws and a pulse shimmering under three slow chorus LFOs
--
-- Controls:
--   attack      s
--   release     s
--   ensemble    cents of the chorus movement (three triangle LFOs at unrelated rates)
--   brightness  Hz of the low-pass
--   body        Hz of the high-pass that thins the low end
return function(v)
  local amp = adsr(v.gate, v.attack(0.45, 0.001, 20), 0.3, 1, v.release(1.2, 0.01, 20))
  local depth = v.ensemble(9, 0, 50) * 0.01              -- semitones
  -- three voices, each with its own chorus LFO at an unrelated rate and a place in the stereo field
  local rates, places = { 0.61, 0.83, 1.07 }, { -0.7, 0, 0.7 }
  local sum = 0
  for k = 1, 3 do
    local f = midi_to_hz(v.note + depth * lfo(rates[k], "tri"))
    sum = sum + pan(saw(f) + 0.4 * square(f * 2, 0.3), places[k])
  end
  local y = lpf(hpf(sum, v.body(220, 20, 2000), 0.1), v.brightness(3800, 200, 16000), 0.05)
  return y * amp * (0.3 + 0.7 * v.vel) * 0.17
end
