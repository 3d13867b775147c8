-- 18-parallel.lua — parallel ("New York") compression: the drums as they are, plus a crushed copy.
--
--   build/lute render examples/18-parallel.lua -o parallel.wav --bars 8
--   (set PARALLEL = false below to hear the drums without the crushed copy)
--   build/lute examples/18-parallel.lua    then in the REPL: mix() shows both paths and the latency
--
-- Heavy compression flattens a drum kit's hits; none leaves the room and the tails too quiet.
-- Parallel compression keeps both: the dry drums go on untouched while a copy, crushed hard (ratio
-- 10, a fast attack, a low threshold), is mixed in under them.  The crushed copy is loud where the
-- dry kit is quiet (tails, ghost notes, the room) and adds little on the hits, so the quiet parts
-- come up and the peaks barely move.
--
-- Here it is built from what every mixer has: the drums go to a group bus "drums"; the bus sends
-- (after its fader, so the blend stays when the drums' level moves) to a bus "crush" with the
-- compressor; both buses go to the master, and the crush bus's gain is the blend.  (An insert form,
-- parallel{ dry = {}, crushed = { comp{ ratio = 10 } } }, is coming to the engine; this is the same
-- signal flow with a send.)
--
-- The crush comp looks 2 ms ahead (lookahead = 2), which delays its path by 96 frames.  lute delays
-- the dry path to match where the two meet (latency compensation), so the copy lands exactly under
-- the original — no comb filtering, no flam.  mix() reports the 96 frames as the master's latency:
-- the time from a note to its sound through the whole mix.
--
-- Measured in tests/e2e/test_mixing_examples (the drums alone, PARALLEL against PARALLEL = false):
-- the quiet moments (the 10th percentile of the 20 ms levels) come up about 8 dB while the loud ones
-- (the 95th) and the peak rise about 1 dB; the crushed copy alone lines up with the dry drums at
-- lag 0, to the frame; mix() reports 96 frames.

tempo(100)

local PARALLEL = true

bus "drums" { sends = PARALLEL and { crush = 0 } or nil }
bus "crush" { gain = -6,
              fx = { comp{ threshold = -40, ratio = 10, attack = 1, release = 60, knee = 0, lookahead = 2, makeup = 12 } } }

track "kick"  { kit = "808", s = "bd ~ ~ bd ~ ~ bd ~",          out = "drums", gain = -3 }
track "snare" { kit = "808", s = "~ ~ sd ~ ~ ~ sd ~",           out = "drums", gain = -6 }
track "ghost" { kit = "808", s = "~ sd ~ ~ ~ ~ ~ sd",           out = "drums", gain = -20 }
track "hats"  { kit = "808", s = "hh*8",                        out = "drums", gain = -14, pan = 0.25 }
track "keys"  { patch = "epiano", notes = chords(prog("i iv v i", "E minor"), { range = { 55, 72 } }), gain = -16 }
