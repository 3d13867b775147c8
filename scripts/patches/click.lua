-- click — a metronome's click: a short sine blip at the note's pitch (the count-in and recording click)
--
-- Controls:
--   decay     s of the blip
-- record{ click = true } plays it at c6 on the first beat of a bar and g5 on the others.
return function(v)
  local e = env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0.0005, v.decay(0.025, 0.005, 0.2), "2")
  return sine(v.freq) * e * e * v.vel * 0.5
end
