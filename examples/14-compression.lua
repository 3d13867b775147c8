-- 14-compression.lua — compression on drums and bass: an even bass line, drums with more snap.
--
--   build/lute render examples/14-compression.lua -o comp.wav --bars 8
--   (set COMPRESS = false below to hear the same parts uncompressed)
--   build/lute examples/14-compression.lua    then in the REPL: mix() shows each comp's gain reduction
--
-- A compressor turns a signal down by `ratio` above `threshold`: at ratio 4, 8 dB over the threshold
-- comes out 2 dB over.  `attack` is how fast it clamps down (ms), `release` how fast it lets go;
-- `makeup` brings the level back up afterwards.  The same unit does two different jobs here:
--   bass   a sub bass played soft and hard (velocity 0.3 .. 1).  Ratio 4, a threshold under the
--          softest notes and a 10 ms attack bring the loud notes down more than the soft ones, so
--          every note is heard; 13 dB of makeup puts the line back at its loudness.
--   snare  a slow attack (15 ms) lets the stick's crack through untouched and clamps down on the
--          ring after it: the hit gets more snap against its own body, the opposite of squashing.
--   kick   a ratio-3 comp with a 10 ms attack: its click passes, its boom is held a little shorter.
-- A comp sits in `fx`, before the track's gain: its threshold is against the sound as the patch
-- makes it, whatever the fader does afterwards.
--
-- Measured in tests/e2e/test_mixing_examples (each part alone, compressed against COMPRESS = false):
-- the bass's loudest and softest notes are 11 dB apart uncompressed and about 6 dB compressed, at
-- the same loudness (within 0.5 LU); the snare's first 10 ms stand about 3 dB further above the
-- 30-150 ms after them, the kick's about 2 dB.  mix() lists the three comps and their settings.

tempo(110)

local COMPRESS = true
local function squeeze(t) return COMPRESS and comp(t) or gain{ gain = 0 } end

local accents = mini("1 0.3 0.7 0.4 1 0.35 0.8 0.5"):as("vel")

track "kick"  { patch = "kick", notes = mini("c2 ~ ~ c2 ~ ~ c2 ~"):set(mini("1 0.6 0.9"):as("vel")), gain = -4,
                fx = { squeeze{ threshold = -18, ratio = 3, attack = 10, release = 90 } } }
track "snare" { patch = "snare", notes = mini("~ c3 ~ c3"):set(mini("<0.9 0.7>"):as("vel")), gain = -2,
                fx = { squeeze{ threshold = -32, ratio = 6, attack = 15, release = 120, makeup = 4 } } }
track "bass"  { patch = "sub", notes = mini("<a1 f1 c2 g1>*8"):set(accents), gain = -6,
                fx = { squeeze{ threshold = -32, ratio = 4, knee = 6, attack = 10, release = 80, makeup = 13 } } }
track "pad"   { patch = "warm_pad", notes = chords(prog("i VI III VII", "A minor"), { range = { 55, 72 } }), gain = -14 }
