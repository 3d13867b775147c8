-- organ — a drawbar tonewheel organ: nine sine drawbars, third-harmonic percussion, key click, tremolo
--
-- Controls:
--   d16         drawbar 16' (an octave below), 0..8: each step 3 dB, 0 off
--   d513        drawbar 5 1/3' (a fifth above the octave below)
--   d8          drawbar 8' (the note)
--   d4          drawbar 4' (an octave up)
--   d223        drawbar 2 2/3' (an octave and a fifth)
--   d2          drawbar 2' (two octaves)
--   d135        drawbar 1 3/5' (two octaves and a third)
--   d113        drawbar 1 1/3' (two octaves and a fifth)
--   d1          drawbar 1' (three octaves)
--   percussion  0..1: the level of the decaying 2 2/3' percussion
--   click       0..1: the key click
--   tremolo     0..1: depth of the 6.5 Hz tremolo
-- The default registration is 00 8864 000, a bright jazz sound.  Velocity does not change the level:
-- an organ's keys are switches.
local bars = {  -- name, default, the footage as a multiple of the note's pitch
  { "d16", 0, 0.5 }, { "d513", 0, 1.5 }, { "d8", 8, 1 }, { "d4", 8, 2 }, { "d223", 6, 3 },
  { "d2", 4, 4 }, { "d135", 0, 5 }, { "d113", 0, 6 }, { "d1", 0, 8 },
}
return function(v)
  local sum = 0
  for _, b in ipairs(bars) do
    local d = v[b[1]](b[2], 0, 8)
    -- 8 is full (0 dB), each step down 3 dB, 0 silent
    sum = sum + sine(v.freq * b[3]) * db(3 * d - 24) * min(d, 1)
  end
  local gate = adsr(v.gate, 0.004, 0, 1, 0.03)
  local perc = sine(v.freq * 3) * adsr(v.gate, 0.001, 0.25, 0, 0.05, "exp") * v.percussion(0.5, 0, 1)
  local click = bpf(noise(), 3000, 0.1) * adsr(v.gate, 0, 0.004, 0, 0.004) * v.click(0.4, 0, 1) * 0.5
  local trem = 1 - v.tremolo(0.2, 0, 1) * (0.5 + 0.5 * lfo(6.5))
  return (sum * 0.33 + perc * 0.3 + click) * gate * trem * 0.35
end
