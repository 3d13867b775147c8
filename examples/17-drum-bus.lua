-- 17-drum-bus.lua — drum-bus processing: the drums summed on one bus and treated as one instrument.
--
--   build/lute render examples/17-drum-bus.lua -o drumbus.wav --bars 8
--   build/lute render examples/17-drum-bus.lua -o drums.wav --bars 8 --solo kick,snare,hats,toms
--   (set BUS = false below to hear the same drums with a plain bus)
--   build/lute examples/17-drum-bus.lua    then in the REPL: mix("drums") shows the bus's chain and GR
--
-- A group bus takes the output of several tracks (out = "drums") and gives their sum one chain and
-- one fader.  On drums the chain does what no single track can: a compressor that hears the whole
-- kit pulls the pieces together ("glue"), so the hats and the snare's ring move with the kick; a
-- little saturation rounds the peaks that are left; an EQ shapes the kit as one sound.  Each drum
-- keeps its own level and pan on its own strip; the bus's gain then moves them all at once.
--   eq    a low cut at 30 Hz and a little air (+2 dB above 8 kHz);
--   comp  ratio 3, a medium attack (10 ms) so each hit's front passes, release 100 ms: it breathes
--         with the tempo, a few dB on every hit;
--   sat   gentle drive: the last peaks rounded, some harmonics that make the kit sound denser.  It
--         oversamples, which delays the bus by 43 frames: mix() shows it as the bus's and the
--         master's latency, and the bass, which does not pass the bus, is delayed to match.
--
-- Measured in tests/e2e/test_mixing_examples (the drums alone, BUS against BUS = false): the kit's
-- loud and quiet moments come about 6 dB closer (the spread between the 95th and the 10th
-- percentile of its 20 ms levels falls from about 32 to 25 dB); the hats' band (6-12 kHz) comes up
-- about 4 dB against the kick's (40-120 Hz); the loudness stays within 2 LU (the bus's gain makes up
-- for the compression); and the peaks stay where they were: a 10 ms attack lets each hit's front
-- through, so the crest factor does not fall — the glue is in the spaces between the hits.

tempo(96)

local BUS = true

bus "drums" { gain = BUS and 6 or 0,
              fx = BUS and { eq{ { "hp", 30, 12 }, { "hs", 8000, 2 } },
                             comp{ threshold = -24, ratio = 3, attack = 10, release = 100, knee = 6 },
                             sat{ drive = 4, gain = -2 } } or nil }

track "kick"  { kit = "808", s = "bd ~ ~ bd ~ ~ bd ~",   out = "drums", gain = -2 }
track "snare" { kit = "808", s = "~ ~ sd ~",             out = "drums", gain = -5 }
track "hats"  { kit = "808", s = "hh*8",                 out = "drums", gain = -12, pan = 0.25 }
track "toms"  { kit = "808", s = "~ ~ ~ ~ ~ ~ [mt lt] ~", out = "drums", gain = -8, pan = -0.2 }
track "bass"  { patch = "acid", notes = "<a1 a1 c2 g1>(5,8)", cutoff = 600, gain = -10 }
