-- epiano — an FM electric piano: a round tine tone that barks with velocity, a bell-like strike, tremolo
--
-- Controls:
--   bark          radians of modulation at full velocity: how hard the tines bite
--   tine          0..1: the level of the high strike partials
--   decay         s: the note's fall while held
--   release       s
--   tremolo       0..1: depth of the tremolo and its stereo auto-pan
--   tremolo_rate  Hz
return function(v)
  local amp = adsr(v.gate, 0.002, v.decay(3.5, 0.1, 20), 0, v.release(0.35, 0.005, 8), "exp")
  local bark = adsr(v.gate, 0.001, 0.9, 0.15, 0.3, "exp")
  local strike = adsr(v.gate, 0.0005, 0.12, 0, 0.05, "exp")
  local body = fm(v.freq, 1, 0.2 + v.bark(1.8, 0, 8) * bark * v.vel * v.vel)
  -- the tine: a carrier modulated 14 times higher, gone in a tenth of a second
  local tine = fm(v.freq, 14, 1.5 * v.vel) * strike * v.tine(0.35, 0, 1)
  local trem = 1 - v.tremolo(0.15, 0, 1) * (0.5 + 0.5 * lfo(v.tremolo_rate(4.5, 0.1, 12)))
  local y = (body + tine) * amp * trem * v.vel
  -- a touch of auto-pan with the tremolo, as a suitcase piano's stereo vibrato has
  return pan(y * 0.36, 0.35 * v.tremolo(0.15, 0, 1) * lfo(v.tremolo_rate(4.5, 0.1, 12)))
end
