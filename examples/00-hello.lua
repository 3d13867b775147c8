-- 00-hello.lua — lute's first sound: a short phrase in a loop.
--
-- Run it live with `build/lute examples/00-hello.lua` (or `make run`), then edit and save this file:
-- the change is heard at the next bar.  Render it with
--   build/lute render examples/00-hello.lua -o hello.wav --bars 8
--
-- A track is a polyphonic subtractive synth (saw or square, resonant low-pass, ADSR) plus a pattern
-- of notes in Tidal/Strudel mini-notation: one cycle of the pattern is one bar.

tempo(120)

-- The melody: eight notes a bar; <...> picks a different ending each bar.
track "lead" {
  notes   = "a4 c5 e5 a5 g5 e5 c5 <d5 b4>",
  wave    = "saw",
  cutoff  = 1800, res = 0.35, fenv = 1.5,
  attack  = 0.005, decay = 0.12, sustain = 0.5, release = 0.04,
  legato  = 0.8,           -- each note lasts 80% of its step: a light, detached arpeggio
  gain    = -2, pan = 0.2,
  midi    = true,          -- a MIDI keyboard plays this sound too
}

-- The bass: a square wave, one note per half bar.
track "bass" {
  notes   = "<a2 f2> <a2 g2>",
  wave    = "square",
  cutoff  = 600, res = 0.2, fenv = 2,
  attack  = 0.002, decay = 0.3, sustain = 0.4, release = 0.05,
  legato  = 0.85,
  gain    = -3, pan = -0.2,
}
