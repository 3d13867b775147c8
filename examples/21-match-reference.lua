-- 21-match-reference.lua — matching a reference: how does my mix compare with a record I like, and
-- can the master move toward it?
--
--   build/lute render examples/05-song.lua -o build/song.wav
--   build/lute master build/song.wav -o build/song-matched.wav --chain examples/21-match-reference.lua
--
-- lute prints the differences first (loudness, loudness range, peak-to-loudness ratio, crest
-- factor, width, and the spectrum per third-octave band at equal loudness), then — with `match` —
-- EQs the mix toward the reference's tonal balance (mid and side apart, limited to max_db), and
-- takes the reference's loudness as the target.  Matching is a starting point: listen, then pull
-- `amount` back or fix the chain by hand.  (The same from the command line:
--   build/lute master build/song.wav -o out.wav --reference examples/audio/battle-epic-30s.ogg --match)
local fx = require "fx"

return {
  name = "match the reference",
  reference = "audio/battle-epic-30s.ogg",   -- beside this file; any file libsndfile reads
  match = { eq = true, loudness = true, max_db = 6, amount = 0.8 },
  ceiling = -1,
  fx.mineq{ lowcut = 20 },                   -- DC and rumble out (the matching EQ leaves 0 Hz alone)
  fx.limiter{ release = 100 },
}
