-- 15-sends.lua — a reverb and a delay on sends: two return buses that several tracks share.
--
--   build/lute render examples/15-sends.lua -o sends.wav --bars 8 --tail 3
--   (set SENDS = false below to hear every track dry)
--   build/lute examples/15-sends.lua    then in the REPL: mix(), set("lead", "send.echo", -6)
--
-- An insert (fx = { ... }) processes one track; a send copies some of a track to a bus, and the
-- bus's effect runs once for everyone who sends to it.  Put the reverb and the delay on return
-- buses, set them 100 % wet (mix = 1: the dry sound is already in the mix through the track), and
-- choose how much of each track goes there with its send level in dB:
--   sends = { plate = -8 }             after the track's fader: the send follows the gain
--   sends = { echo = { -12, pre = true } }   before the fader: the send stays when the gain moves
-- Here the snare and the keys share one plate reverb (2.4 s to fall by 60 dB, 20 ms before it
-- starts, so the hit stays in front of its own tail); the lead alone feeds a dotted-eighth echo
-- (0.375 s at 120 bpm) whose repeats come back at 45 % and lose their highs.  The lead's send is
-- before its fader, so turning the lead down leaves its echoes as they are (a "throw").  The buses
-- have faders too: the whole reverb is turned down 2 dB at once.
--
-- Measured in tests/e2e/test_mixing_examples, from each track alone with sends against SENDS =
-- false (what is left is the return alone): the echo's repeats come every 18000 frames (0.375 s),
-- within a frame or two, each about 7 dB under the one before; the plate's tail falls at 25 dB a
-- second (60 dB in 2.4 s) and nothing of it comes back within the 20 ms predelay; half a second
-- after a hit the dry snare is silent and the plate still rings, 50 dB down.

tempo(120)

local SENDS = true
local function send(t) return SENDS and t or nil end

bus "plate" { fx = { reverb{ size = 0.8, decay = 2.4, damping = 0.4, predelay = 0.02, mix = 1 } }, gain = -2 }
bus "echo"  { fx = { delay{ time = 0.375, feedback = 0.45, highcut = 5000, mix = 1 } } }

track "kick"  { patch = "kick",  notes = "c2 ~ ~ ~ c2 ~ ~ ~", gain = -4 }
track "snare" { patch = "snare", notes = "~ ~ c3 ~", gain = -3, sends = send{ plate = -6 } }
track "keys"  { patch = "epiano", notes = chords(prog("ii7 V7 Imaj7 vi7", "F"), { range = { 55, 74 } }),
                gain = -14, pan = -0.3, sends = send{ plate = -12 } }
track "lead"  { patch = "pluck", notes = n("<[4 ~ ~ ~ ~ ~ ~ ~] [~ ~ 2 ~ ~ ~ ~ ~] [0 ~ ~ ~ ~ ~ ~ ~] [~ ~ ~ ~ 1 ~ ~ ~]>")
                  :scale("F4:major"), gain = -9, pan = 0.25, sends = send{ echo = { -12, pre = true } } }
