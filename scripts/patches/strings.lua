-- strings — a bowed string section: detuned saws, a body resonance, a bowed attack, vibrato growing in
--
-- Controls:
--   attack        s: the bow's start
--   release       s
--   brightness    Hz of the low-pass (opened further by velocity)
--   vibrato       cents, growing in over 0.7 s, each player at a slightly different rate
--   vibrato_rate  Hz
--   detune        cents across the four players
return function(v)
  local amp = adsr(v.gate, v.attack(0.18, 0.001, 10), 0.4, 0.9, v.release(0.45, 0.01, 10))
  local vib = v.vibrato(14, 0, 100) * ar(v.gate, 0.7, 0.2) * 0.01
  local d = v.detune(10, 0, 60) * 0.005
  local places = { -0.6, -0.2, 0.2, 0.6 }
  local offs = { -1, -0.33, 0.33, 1 }
  local rates = { 1.0, 0.93, 1.06, 0.97 }
  local rate = v.vibrato_rate(5.2, 0.1, 12)
  local sum = 0
  for k = 1, 4 do
    local f = midi_to_hz(v.note + offs[k] * d + vib * lfo(rate * rates[k]))
    sum = sum + pan(saw(f), places[k])
  end
  local bright = v.brightness(2600, 200, 16000) * (0.6 + 0.4 * v.vel)
  local body = lpf(sum, bright, 0.1) + 0.3 * bpf(sum, 900, 0.3)
  return hpf(body, 120, 0) * amp * (0.3 + 0.7 * v.vel) * 0.12
end
