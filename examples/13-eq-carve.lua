-- 13-eq-carve.lua — EQ to carve space: each part gets a band of its own, so none hides another.
--
--   build/lute render examples/13-eq-carve.lua -o carved.wav --bars 8
--   (set CARVE = false below and render again to hear the same parts with every EQ flat)
--   build/lute examples/13-eq-carve.lua    then in the REPL: mix("pad, lead")
--
-- Parts that play in the same range mask each other: the pad's low end muddies the bass, the keys'
-- upper mids cover the lead.  Instead of making everything louder, cut each part where another one
-- should be heard, and lift a little only where a part must speak:
--   bass  a low cut at 30 Hz (rumble no speaker plays) and a high cut at 2.5 kHz: its buzz is not
--         its job; the lead and the keys live up there;
--   pad   a steep low cut at 200 Hz (24 dB/oct): below it, the bass and the kick own the room;
--         and 3 dB less at 400 Hz, the "mud" where everything piles up;
--   keys  a low cut at 150 Hz and 6 dB less around 2.5 kHz: the lead's presence band;
--   lead  a low cut at 250 Hz and 3 dB more at 3 kHz (q 0.8): the presence that cuts through.
-- eq{ {type, freq, ...}, ... } takes bands in order: {"hp", freq, slope dB/oct}, {"lp", freq, slope},
-- {"bell", freq, gain dB, q}, {"ls"/"hs", freq, gain dB}, {"notch", freq, q}; help("eq").
--
-- What it does, measured in tests/e2e/test_mixing_examples (each part alone, carved against flat):
-- the pad gives up about 20 dB at 40-120 Hz, so there the bass stands about 37 dB above it instead
-- of 16; the keys give up about 5 dB at 2-3 kHz and the lead gains about 3, so there the lead stands
-- about 11 dB above the keys instead of 3.  Everything else within a dB or so of flat.

tempo(96)

local CARVE = true
local function carve(bands) return CARVE and eq(bands) or eq{} end

-- the pad as a keyboard player would play it: the chord with its root low in the left hand
local low = "<[d2,a2,d3,f3] [g1,d2,g2,bb2] [bb1,f2,bb2,d3] [a1,e2,a2,c#3]>"
local mid = chords(prog("i iv VI V", "D minor"), { range = { 57, 76 } })

track "kick" { patch = "kick", notes = "c2 ~ c2 ~", gain = -4 }
track "bass" { patch = "fm_bass", notes = "<d2 g1 bb1 a1>*4", gain = -6,
               fx = { carve{ { "hp", 30, 12 }, { "lp", 2500, 12 } } } }
track "pad"  { patch = "string_pad", notes = low, gain = -14,
               fx = { carve{ { "hp", 200, 24 }, { "bell", 400, -3, 1.0 } } } }
track "keys" { patch = "clav", notes = mid:fast(4), legato = 0.3, gain = -12, pan = -0.3,
               fx = { carve{ { "hp", 150, 12 }, { "bell", 2500, -6, 1.0 } } } }
track "lead" { patch = "saw_lead", notes = n("<[0 2 4 ~] [5 4 2 0] [4 ~ 2 ~] [1 ~ ~ ~]>"):scale("D4:minor"),
               gain = -12, pan = 0.2,
               fx = { carve{ { "hp", 250, 12 }, { "bell", 3000, 3, 0.8 } } } }
