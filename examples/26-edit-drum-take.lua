-- 26-edit-drum-take.lua — editing a drum take: strip silence, quantize, sample replacement.
--
--   build/lute render examples/26-edit-drum-take.lua -o drums.wav
--   build/lute examples/26-edit-drum-take.lua     then, at the REPL:
--       quantize_audio("overheads", "1/16", 0.5)   halfway to the grid: some of the feel back
--       strip_silence("kick", { threshold = -20 }) a harder gate on the kick mic
--       undo()   edits()
--
-- A drummer played a 4-bar groove (kick, snare, closed hats) at 100 bpm, a little loose: every hit
-- up to 18 ms early or late.  Two microphones: a close one on the kick, which hears the snare too
-- (bleed, about 32 dB down), and overheads that hear everything.  The edits, none of them changing
-- the takes on disk:
--   1. strip silence on the kick mic: only the kicks are kept, the bleed between them is gone
--      (pre: 5 ms before each hit stay, so the beater's first click is kept whole);
--   2. quantize both to sixteenths: each hit is sliced off and moved onto its grid line, keeping its
--      own sound (pre: the 5 ms before each attack go with it, crossfading with the slice before —
--      these kit samples start a few ms before the attack the detector finds);
--   3. sample replacement: an 808 kick on every hit of the cleaned kick, as loud as the hit was
--      (velocity 1 for the loudest, 1/40 less per dB under it), for the low end the kick mic lacks.
--
-- The takes come from demo_takes("drums"), which writes them into takes/ beside this script the
-- first time (lute builds them from the GM Rock kit's samples, see lua/demo_takes.lua).  With your
-- own recordings: takes("kick"), takes("drums").

tempo(100)

local kick = demo_takes("drums")       -- the kick mic's take
local over = takes("drums")            -- the overheads' take (made by the same call)

clip "kick" { take = kick[1], strip_silence = { threshold = -30, min = 0.05, pre = 0.005, post = 0.1 },
              quantize = { grid = "1/16", pre = 0.005 } }
clip "overheads" { take = over[1], quantize = { grid = "1/16", pre = 0.005 } }

track "drums" { clips = { [1] = "overheads", [5] = "overheads" }, gain = 0 }
track "kick"  { clips = { [1] = "kick", [5] = "kick" }, gain = -6 }
track "boom"  { kit = "808", s = replace{ clip = "kick", sound = "bd", threshold = -30, loop = true },
                gain = -10, fx = { lpf{ cutoff = 300 } } }

-- Something to play along: a bass on the kicks' grid.
track "bass" { patch = "fm_bass", notes = "<[e1 ~ ~ ~ ~ ~ e1 ~ e2 ~ ~ e1 ~ ~ ~ ~] [a0 ~ ~ ~ ~ ~ a0 ~ a1 ~ ~ a0 ~ ~ ~ ~]>", gain = -14 }
