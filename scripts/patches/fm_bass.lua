-- fm_bass — a DX-style FM bass: an index that falls fast after the attack, a punchy pluck into a round tone
--
-- Controls:
--   index          radians of modulation at the attack (times velocity): the pluck's bite
--   sustain_index  radians it settles to: the held tone's brightness
--   ratio          modulator : carrier; 1 or 2 keep it harmonic, 0.5 adds a sub-octave
--   feedback       the modulator's self-feedback in radians: brighter and rougher
--   decay          s of the index's fall
--   release        s
return function(v)
  local amp = adsr(v.gate, 0.002, 0.6, 0.75, v.release(0.08, 0.005, 4), "exp")
  local ienv = adsr(v.gate, 0.001, v.decay(0.18, 0.01, 3), 0, 0.1, "exp")
  local index = v.sustain_index(0.6, 0, 8) + v.index(5, 0, 16) * ienv * v.vel
  local y = fm(v.freq, v.ratio(1, 0.5, 8), index, v.feedback(0.4, 0, 2))
  return y * amp * (0.35 + 0.65 * v.vel) * 0.38
end
