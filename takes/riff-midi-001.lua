-- lute MIDI take 1 'riff', recorded 2026-11-29T22:29:26Z from bar 2: 4 notes, 1 controller moves, 1 bends.
-- notes = dofile("./takes/riff-midi-001.lua") plays it; exact frames: first note at engine frame 95000
return midi_clip{ meter = 4, bars = 1,
  { at = -1/24, dur = 1/12, note = "b3", vel = 70 },  -- 0:119/24
  { at = 0.0042, dur = 0.4958, note = "c4", vel = 100 },  -- 1:1.0042
  { at = 1.0004, dur = 0.9996, note = "e4", vel = 80 },  -- 1:2.0004
  { at = 3, dur = 1, note = "g4", vel = 127, ch = 2 },  -- 1:4
  cc = {
    { at = 5/4, cc = 1, value = 64 },
  },
  bend = {
    { at = 5/3, value = 4096 },
  },
}
