-- 12-balance.lua — balancing a mix: a level (gain, in dB) and a place (pan) for every track.
--
--   build/lute render examples/12-balance.lua -o balance.wav --bars 8
--   build/lute render examples/12-balance.lua -o bass.wav --bars 8 --solo bass    (one track alone)
--   build/lute examples/12-balance.lua     then in the REPL: mix(), meters(), set("keys", "gain", -10)
--
-- Balance comes before any effect.  Start with every track down, bring up the kick, then the bass
-- against it, then the snare, and build the rest around them one at a time, listening to the whole.
-- A track's gain is in dB on its channel strip, after the sound and its effects: 0 is the sound as
-- its patch makes it (a track's gain is -6 unless set), -6 is half the amplitude.  Every 6 dB down
-- halves it; small moves matter: 1 dB is what most ears just notice on a lead.
--
-- Pan places a mono sound between the speakers with a constant-power law: at pan p the left gets
-- cos((p + 1) * pi/4) and the right sin((p + 1) * pi/4) of it, so a centred track is 3 dB down in
-- each speaker and sounds as loud anywhere it is placed.  Low, loud parts (kick, bass, snare) stay in
-- the centre, where both speakers share them; the hats, keys and the pluck answer each other left and
-- right; the pad, a stereo sound, stays centred, as wide as it is.
--
-- What the balance measures (tests/e2e/test_mixing_examples, each track rendered alone, LUFS):
-- the kick and the bass carry the song within 2 LU of each other; the snare sits a little under
-- them; the hats, the keys, the pluck and the pad sit 6 to 14 LU under the kick, so the low end
-- leads and everything else is heard around it.  mix() shows the same figures live.

tempo(100)

local verse = chords(prog("i VI III VII", "A minor"), { range = { 52, 71 } })

track "kick"  { patch = "kick",     notes = "c2 ~ ~ c2 ~ ~ c2 ~",              gain = -3 }
track "snare" { patch = "snare",    notes = "~ c3 ~ c3",                       gain = 0 }
track "hats"  { patch = "hat",      notes = "c5*8",                            gain = -3, pan = 0.35 }
track "bass"  { patch = "fm_bass",  notes = "<a1 f1 c2 g1>(3,8)",              gain = -4 }
track "keys"  { patch = "organ",    notes = verse:fast(2),   legato = 0.4,     gain = -14, pan = -0.45 }
track "pluck" { patch = "pluck",    notes = n("0 ~ 4 ~ 7 ~ 4 2"):scale("A4:minor"), gain = -11, pan = 0.55 }
track "pad"   { patch = "warm_pad", notes = verse,                             gain = -18 }
