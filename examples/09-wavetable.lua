-- 09-wavetable.lua — wavetable synthesis: single-cycle waveforms, and moving between them.
--
--   build/lute render examples/09-wavetable.lua -o wavetable.wav --bars 8
--   build/lute examples/09-wavetable.lua
--
-- wavetable(table, freq [, position]) plays one cycle of a waveform over and over at `freq`;
-- a table holds several such frames and `position` (0 .. 1) moves through them, mixing the two
-- nearest, so a control or an LFO on the position changes the timbre while the note sounds.
-- Built-in tables: "basic" (sine, triangle, saw, square), "pwm" (pulses from 50 % to 6 % wide),
-- "harmonics" (1 to 16 equal harmonics).  Each frame is band-limited per octave, so high notes do
-- not alias.  A table can also be written in Lua: { frames, length, sample, sample, ... }.

tempo(90)

-- "basic" with the position as a control: the track steps it through the four frames, one a bar,
-- so the same note goes sine, triangle, saw, square.
patch "morph" (function(v)
  local amp = adsr(v.gate, 0.01, 0.2, 0.8, 0.2)
  return wavetable("basic", v.freq, v.position(0, 0, 1)) * amp * 0.2
end)
track "lead" { patch = "morph", notes = "a3 ~ a3 ~ a3 ~ a3 ~", position = "<0 0.3333 0.6667 1>", gain = -6 }

-- A table made here: 8 frames of 512 samples, each a sum of harmonics whose weights move from the
-- low ones (a soft, flute-like frame) to the high ones (a thin, nasal frame).
local frames, len = 8, 512
local tbl = { frames, len }
for k = 0, frames - 1 do
  local centre = 1 + k * 1.5                    -- the harmonic this frame leans on
  for i = 0, len - 1 do
    local x = 0
    for h = 1, 16 do
      local w = math.exp(-((h - centre) / 1.6) ^ 2) / h ^ 0.5
      x = x + w * math.sin(2 * math.pi * h * i / len)
    end
    tbl[#tbl + 1] = x
  end
end

-- A pad sweeping through that table with a slow triangle LFO, two voices a few cents apart.
patch "sweep_pad" (function(v)
  local amp = adsr(v.gate, 0.6, 0.5, 0.8, 1.2)
  local pos = 0.5 + 0.5 * lfo(0.15, "tri")
  local y = wavetable(tbl, v.freq * 1.002, pos) + wavetable(tbl, v.freq * 0.998, pos)
  return lpf(y, 5000, 0.1) * amp * 0.05
end)
track "pad" { patch = "sweep_pad", notes = "<[a2,e3,c4] [f2,c3,a3] [d2,a2,f3] [e2,b2,g#3]>", gain = -6, pan = -0.2 }
