-- 01-rhythm.lua — rhythm with patterns: subdivision, rests, Euclidean rhythms, polymeter.
--
--   build/lute render examples/01-rhythm.lua -o rhythm.wav --bars 8
--   build/lute examples/01-rhythm.lua          (live; try changing a (k,n) and saving)
--
-- One cycle of a pattern is one bar.  "x(3,8)" spreads 3 hits over 8 steps as evenly as possible
-- (Toussaint's Euclidean rhythms: the tresillo); "x(5,8,2)" is the cinquillo rotated by 2 steps.
-- {a b c}%4 plays a 3-step pattern over 4 steps per bar, so it drifts against the bar: polymeter.

tempo(112)

-- A low, short "kick": a square wave whose filter envelope snaps shut.
track "kick" {
  notes = "c2(3,8)",
  wave = "square", cutoff = 120, res = 0.1, fenv = 4,
  attack = 0, decay = 0.08, sustain = 0, release = 0.02, legato = 0.5,
  gain = 6,
}

-- A bright tick on the off-beats, every bar a little different: ? drops a hit at random (seeded).
track "tick" {
  notes = "[~ g6]*4 [~ g6?]*4",
  wave = "saw", cutoff = 6000, res = 0.2, fenv = 0,
  attack = 0, decay = 0.03, sustain = 0, release = 0.01, legato = 0.5,
  gain = -8, pan = 0.4,
}

-- The cinquillo on a plucked mid note, against a three-note cell spread over four steps.
track "pluck" {
  notes = "e4(5,8,2)",
  wave = "saw", cutoff = 1500, res = 0.4, fenv = 1,
  attack = 0.001, decay = 0.1, sustain = 0, release = 0.05,
  gain = -3, pan = -0.3,
}
track "poly" {
  notes = "{a3 c4 e4}%4",
  wave = "square", cutoff = 900, res = 0.3, fenv = 1,
  attack = 0.002, decay = 0.15, sustain = 0.2, release = 0.05, legato = 0.6,
  gain = -8, pan = 0.1,
}
