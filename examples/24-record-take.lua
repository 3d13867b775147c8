-- 24-record-take.lua — recording a take over a loop: a bar of click to count in, then four bars of
-- your playing, placed where you heard the music.
--
--   build/lute examples/24-record-take.lua --inputs 2      (plug a microphone or an instrument into input 1)
--   then, at the REPL:
--       record{ bars = 4, count_in = 1 }     a bar of click, then 4 bars into takes/gtr-take-NNN.wav
--       record{ bars = 4, loop = true }      pass after pass, each a new take, until stop_record()
--       calibrate()                          with the output cabled to input 1: the round trip, measured
--       takes("gtr")                         what was recorded; clip "solo" { take = ..., from = "3:1", ... }
--   build/lute render examples/24-record-take.lua -o loop.wav --bars 4 --input guitar.wav
--       offline, a file stands in for the input: heard through the track as the microphone would be
--
-- The loop is drums and a bass; the input track "gtr" plays input 1 through a compressor and a bit of
-- reverb (monitor = true: you hear yourself with the effects), and is armed, so record{} records it.
-- A take holds the input raw — before the compressor, the fader and the reverb — so the mix can be
-- changed afterwards.  Nothing is ever overwritten: each take gets the next number, and a take cut
-- short by a crash is recovered whole up to its last second the next time lute starts.
--
-- Where a take lands: you play along to what you hear, which left lute the output latency earlier;
-- what you play reaches lute the input latency later.  lute places every frame of a take that
-- round trip earlier, so a note played on the beat is on the beat in the take
-- (tests/live/test_live_record measures 0 frames off through a JACK loopback).
--
-- Measured: tests/lua/test_record.lua records this example offline with a file as the input (every
-- frame of the take equals the input's, the count-in clicks on the four beats before the take) and
-- tests/live/test_live_record plays it live through JACK with a test client as the microphone.

tempo(110)

track "drums" { kit = "808", s = "bd [~ bd] sd ~, hh*8", gain = -8 }
track "bass"  { patch = "sub", notes = "<a1 a1 f1 g1>", gain = -10 }

input "mic" { channels = { 1 }, monitor = true }
track "gtr"  { input = "mic", arm = true, gain = -3, pan = 0.2,
               fx = { comp{ threshold = -20, ratio = 3, attack = 5, release = 80 } }, sends = { verb = -14 } }

bus "verb" { fx = { reverb{ size = 0.6, decay = 1.4, mix = 1 } } }
