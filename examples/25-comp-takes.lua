-- 25-comp-takes.lua — comping: one vocal performance made of the best parts of three takes.
--
--   build/lute render examples/25-comp-takes.lua -o comp.wav
--   build/lute examples/25-comp-takes.lua      then, at the REPL (each edit plays from the next bar):
--       gain("vox_lead", -4)           the comp 4 dB down
--       fade_out("verse_b", 1, "exp")  a longer fade at the end of the answer
--       undo()   redo()                the last edit off, and on again
--       edits()                        every edit made, as Lua to paste below the declarations
--
-- A singer sang the 8-bar melody three times.  Each take has its faults:
--   take 1 is in tune and in time for two bars, then goes flat (45 cents) from bar 3;
--   take 2 is sharp (35 cents) until beat 3 of bar 5, and the best of the three after that;
--   take 3 drags (70 ms late) in bars 1-2, is clean from bar 3 to beat 3 of bar 5, then sings a
--   wrong note in bar 7.
-- The comp takes bars 1-2 of take 1, bar 3 to 5:3 of take 3 and the rest of take 2, with 20 ms
-- equal-power crossfades centred on each join; nothing of the takes is changed on disk.  Bar and
-- beat positions are the song's (at tempo 100), so a take that started late would still be cut
-- where the song is.
--
-- Where the takes come from: demo_takes("vox") writes them into takes/ beside this script the
-- first time (lute makes them itself — a voice-like tone singing the melody with those faults, see
-- lua/demo_takes.lua — so no audio is kept in the repository).  With your own recordings it is
-- takes("vox"): every take recorded for the track, numbered, from takes/takes.lua.

tempo(100)

local t = demo_takes("vox")        -- t[1], t[2], t[3]; print(t[2]) says what the sidecar knows

comp "vox_lead" { { t[1], "1:1", "3:1" }, { t[3], "3:1", "5:3" }, { t[2], "5:3", "9:1" }, xfade = 0.02 }

-- The second half once more, from take 2 alone, placed at beat 3 of bar 13 where its chords come
-- round again (a clip: a region of one take, with fades and a gain of its own).
clip "verse_b" { take = t[2], from = "5:3", to = "9:1", fade_in = 0.01, fade_out = { 0.3, "s" }, gain = -3 }

bus "room" { fx = { reverb{ size = 0.6, decay = 1.8, mix = 1 } }, gain = -6 }

track "vox" { clips = { [1] = "vox_lead", ["13:3"] = "verse_b" }, gain = 0,
              fx = { eq{ { "hp", 120 }, { "bell", 2800, 2, 1 } }, comp{ threshold = -20, ratio = 3, attack = 5, release = 100 } },
              sends = { room = -10 } }

-- The backing: the chords under the melody, and their roots.
track "pad" { patch = "warm_pad", notes = chords("Am Am Em C Dm Am G Am", { range = { 52, 67 } }), gain = -22, vel = 0.5 }
track "bass" { patch = "sub", notes = "<a1 a1 e2 c2 d2 a1 g1 a1>", gain = -14, legato = 0.9 }
