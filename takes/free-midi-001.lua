-- lute MIDI take 2 'free', recorded 2026-11-29T22:29:26Z from bar 5: 1 notes, 0 controller moves, 0 bends.
-- notes = dofile("./takes/free-midi-001.lua") plays it; exact frames: first note at engine frame 408500
return midi_clip{ meter = 4, bars = 1,
  { at = 1/48, dur = 95/48, note = "d4", vel = 99 },  -- 1:49/48
}
