-- 03-variation.lua — one idea, many bars: transformations make a two-bar riff evolve.
--
--   build/lute render examples/03-variation.lua -o variation.wav --bars 16
--
-- Each line changes the riff in a way a listener can follow: every 4th bar it plays backwards,
-- every 3rd bar twice as fast in its second half, an echo an eighth later an octave up, and now and
-- then a note drops out.  All randomness is seeded: every render is the same.

tempo(124)

local riff = mini("a3 c4 e4 <g4 b4> a4 e4 c4 <d4 [d4 e4]>")

track "riff" {
  notes = riff
    :every(4, function(p) return p:rev() end)             -- bar 0, 4, 8, ...: backwards
    :every(3, function(p) return p:chunk(2, function(q) return q:fast(2) end) end)
    :degradeBy(0.1),                                        -- 10% of notes rest (seeded)
  wave = "saw", cutoff = 1400, res = 0.4, fenv = 1.5,
  attack = 0.003, decay = 0.12, sustain = 0.3, release = 0.08, legato = 0.8,
  gain = -4, pan = -0.15,
}

-- The echo: the same riff, an eighth of a bar later and an octave up, quieter and brighter.
track "echo" {
  notes = riff:late(1/8):add(12):sometimesBy(0.3, function(p) return p:add(7) end),
  wave = "square", cutoff = 2600, res = 0.2, fenv = 1,
  attack = 0.002, decay = 0.08, sustain = 0.2, release = 0.06, legato = 0.5,
  gain = -12, pan = 0.35,
}

-- A swung bass: swingBy(1/3, 4) delays every second eighth by a third of its length.
track "bass" {
  notes = mini("a1*8"):swingBy(1/3, 4):ply("<1 2>"),
  wave = "square", cutoff = 300, res = 0.3, fenv = 2,
  attack = 0.002, decay = 0.1, sustain = 0.4, release = 0.04, legato = 0.6,
  gain = -2,
}
