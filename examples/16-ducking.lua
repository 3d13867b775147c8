-- 16-ducking.lua — a kick-ducked bass: the bass steps aside every time the kick hits.
--
--   build/lute render examples/16-ducking.lua -o duck.wav --bars 8
--   (set DUCK = false below to hear the bass and the kick fight over the low end)
--   build/lute examples/16-ducking.lua    then in the REPL: meters() shows the duck's gain reduction
--
-- The kick and the bass share the lowest octave; when both sound at once they add up to a blur and
-- eat the headroom.  A ducker on the bass, keyed by the kick, turns the bass down by `depth` dB the
-- moment the kick passes `threshold`, holds it there while the kick sounds (and `hold` ms after),
-- then lets it back up with the `release` time constant:
--   duck{ by = "kick", depth = 8, release = 120 }
-- `by` names the track (or bus) whose sound is the key; it is read after that track's own inserts
-- and before its fader, so turning the kick down does not change the ducking.  The pad ducks too,
-- less and slower: the pumping of dance music, from the same key.
--
-- Measured in tests/e2e/test_mixing_examples, with the kick muted (its fader is after the key, so
-- it still keys the ducker) against the same render with DUCK = false: at every kick the bass is
-- 8 dB down (within 0.5 dB) 15 to 45 ms after the hit, and back up to about 2 dB down before the
-- next one.  (At the very first kick of a render the ducker is still fading in with the mix.)

tempo(124)

local DUCK = true
local function duck_by(t) return DUCK and duck(t) or gain{ gain = 0 } end

track "kick" { patch = "kick", notes = "c2*4", gain = -3 }
track "hats" { patch = "hat", notes = "~ c5 ~ c5 ~ c5 ~ c5", gain = -10, pan = 0.3 }
track "bass" { patch = "sub", notes = "<a1 f1 c2 g1>", gain = -4,
               fx = { duck_by{ by = "kick", depth = 8, attack = 1, hold = 40, release = 120 } } }
track "pad"  { patch = "warm_pad", notes = chords(prog("i VI III VII", "A minor"), { range = { 57, 76 } }), gain = -12,
               fx = { duck_by{ by = "kick", depth = 5, attack = 5, hold = 20, release = 250 } } }
