-- sub — a deep sine sub-bass, warmed by soft clipping and a touch of the octave for small speakers
--
-- Controls:
--   drive     0..1: 0 a pure sine, 1 a round, tube-like tone with audible upper partials
--   octave    whole octaves from the note: 0 at it, -1 below
--   attack    s
--   release   s
return function(v)
  local amp = adsr(v.gate, v.attack(0.004, 0.001, 2), 0.3, 0.9, v.release(0.08, 0.005, 4))
  local f = v.freq * midi_to_hz(69 + 12 * v.octave(0, -2, 1)) * (1 / 440)
  local drive = v.drive(0.3, 0, 1)
  local g = 1 + 3 * drive
  -- tanh(g x) / tanh(g) keeps the peak while the shape rounds towards a square (odd harmonics); a
  -- little of the octave adds the even one a small speaker can play
  local body = tanh(sine(f) * g) / tanh(g) + 0.15 * drive * sine(2 * f)
  return hpf(body, 12, 0) * amp * v.vel * 0.4
end
