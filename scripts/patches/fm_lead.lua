-- fm_lead — a bright two-operator FM lead with feedback, an index that follows velocity, delayed vibrato
--
-- Controls:
--   index         radians of modulation (times the envelope and velocity)
--   ratio         modulator : carrier; integers stay harmonic
--   feedback      the modulator's self-feedback in radians: from a sine towards a saw
--   attack        s
--   release       s
--   vibrato       cents, fading in over 0.4 s
--   vibrato_rate  Hz
-- With ratio 1 a sideband falls at 0 Hz (carrier - modulator): a 20 Hz high-pass keeps it out.
return function(v)
  local amp = adsr(v.gate, v.attack(0.008, 0.001, 4), 0.4, 0.8, v.release(0.2, 0.005, 8))
  local ienv = adsr(v.gate, 0.005, 0.5, 0.6, 0.3)
  local vib_depth = v.vibrato(15, 0, 100) * ar(v.gate, 0.4, 0.1)
  local f = v.freq * midi_to_hz(69 + 0.01 * vib_depth * lfo(v.vibrato_rate(5.2, 0.1, 12))) * (1 / 440)
  local index = v.index(2.2, 0, 16) * ienv * (0.4 + 0.6 * v.vel)
  local y = fm(f, v.ratio(1, 0.5, 16), index, v.feedback(0.6, 0, 3))
  -- with ratio 1 a sideband falls at 0 Hz (fc - fm): the high-pass keeps the DC out
  return hpf(y, 20, 0) * amp * v.vel * 0.3
end
