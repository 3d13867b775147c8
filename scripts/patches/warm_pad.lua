-- warm_pad — a slow, warm analogue pad: detuned saws spread wide through a breathing low-pass
--
-- Controls:
--   attack    s
--   release   s
--   cutoff    Hz of the low-pass (opened a little by velocity)
--   res       0..1
--   detune    cents across the five saws
--   width     0..1: the saws' spread in stereo
--   breathe   octaves a slow triangle LFO moves the filter
return function(v)
  local amp = adsr(v.gate, v.attack(0.8, 0.001, 20), 0.5, 1, v.release(1.5, 0.01, 20))
  local detune, width = v.detune(18, 0, 100), v.width(0.9, 0, 1)
  -- a hand-made unison so the detune and the width are controls (unison() takes numbers)
  local n, sum = 5, 0
  for k = 1, n do
    local x = (k - 1) / (n - 1) * 2 - 1
    sum = sum + pan(saw(midi_to_hz(v.note + x * detune * 0.005)), x * width)
  end
  local breathe = midi_to_hz(69 + 12 * v.breathe(0.5, 0, 3) * lfo(0.13, "tri")) * (1 / 440)
  local cutoff = v.cutoff(1400, 40, 16000) * breathe * (0.7 + 0.3 * v.vel)
  local y = lpf(sum * (1 / math.sqrt(n)), cutoff, v.res(0.1, 0, 1))
  return y * amp * (0.3 + 0.7 * v.vel) * 0.22
end
