-- 11-chop-break.lua — chopping a break: slices of a drum loop, played in a new order, at a new tempo.
--
--   build/lute render examples/11-chop-break.lua -o break.wav --bars 8
--   build/lute examples/11-chop-break.lua
--
-- The break is made here, by lute: bounce{} plays a pattern of the GM Rock kit's recorded hits into
-- a two-bar loop at 100 bpm (a sample, nothing written to disk).  With a file of your own, write
-- sample = "loops/amen.wav" instead.  Then, at 124 bpm:
--   - fit = 2 makes the whole loop last two of this song's bars (faster, so a little higher);
--   - chop = 32 cuts it into 32 equal slices (sixteenths), and the notes pick them: 0 .. 31 is the
--     loop as it was, anything else a new groove from its pieces;
--   - onsets = true cuts it where its hits are instead (lute finds them), one slice per hit;
--   - stretch = r plays it r times as long with its pitch kept, pitch = semitones moves its pitch
--     with its length kept (Rubber Band, prepared when the script is evaluated);
--   - in a pattern, Strudel's slice(n, "...") and splice(n, "...") (the slice sped up or slowed to
--     fill its step), loopAt(n), chop(n) and striate(n) do the same per event.

tempo(124)

local amen = bounce{
  kit = "rock", bpm = 100, bars = 2,
  s = "<[bd ~ bd ~ ~ ~ bd bd ~ ~ ~ ~ ~ ~ ~ ~, ~ ~ ~ ~ sd ~ ~ ~ ~ ~ ~ ~ sd ~ ~ ~, hh*8]"
   .. " [~ ~ bd ~ ~ ~ bd ~ ~ ~ bd ~ ~ ~ ~ ~, ~ ~ ~ ~ sd ~ ~ ~ ~ ~ ~ ~ sd ~ ~ sd, hh*8]>",
}

-- The loop re-sequenced: its 32 sixteenths picked by number, with rests between some, and a
-- stutter ([8 8]); with fit = 2 each slice lasts exactly a sixteenth of this song's bar.
track "break" {
  sample = amen, fit = 2, chop = 32,
  notes = "<[0 1 2 3 4 ~ 6 7 0 1 2 ~ 12 13 [8 8] 15] [16 ~ 18 19 20 21 ~ 23 ~ 25 26 27 4 ~ 30 31]>",
  gain = -2,
}

-- The same loop sliced at its hits (one slice per hit, whatever their spacing), the hits played on
-- eighths of the new tempo, a fourth lower, the lows taken out (Strudel's hpf) and a short room.
track "hits" {
  sample = amen, onsets = true, pitch = -5,
  notes = "~ 0 ~ 3 ~ 5 ~ 2",
  hpf = 300, room = 0.15, size = 0.8,
  gain = -10, pan = 0.3,
}

-- Strudel's way, per event: splice(8, ...) sets each eighth of the loop's first bar into a step of
-- the pattern, sped up or slowed to fill it; every other bar the last step is stretched (pitch kept).
track "splice" {
  sample = amen,
  s = mini("sample"):splice(16, "<[0 ~ 4 ~ ~ 12 ~ ~] [0 ~ 4 ~ ~ 12 ~ [14 15]]>"):stretch("<1 [1 1 1 1 1 1 1 1.5]>"),
  gain = -14, pan = -0.3,
}
