-- 22-ep.lua — an EP of three songs, rendered from lute scripts, sequenced with gaps, mastered as
-- one album, delivered as a CD image with its CUE sheet and as FLAC files with tags.
--
--   build/lute album examples/22-ep.lua           (writes build/ep/: ep.wav, ep.cue, 01 - ... .flac, QC reports)
--
-- Each script track is rendered by `lute render` in its own process (bars or seconds say how much),
-- trimmed to its music (below -60 dBFS is silence), faded, and placed after a gap of silence; track
-- starts land on CD frames (1/75 s).  loudness = "album" gives the whole EP one gain, so the quiet
-- song stays quieter than the loud one; "track" would bring each to the target.
-- ISRC and UPC are checked (form and check digit); a CD holds 99 tracks of 4 s or more, 79.8 min.
album {
  title = "Three Studies", performer = "lute", songwriter = "lute examples", year = 2025, genre = "Electronic",
  upc = "036000291452",                    -- a valid UPC-A (its check digit is 2)
  gaps = 2,                                -- seconds between tracks
  fade_out = 1.5,                          -- every track fades out over 1.5 s (a track may say otherwise)
  loudness = "album",
  master = "streaming",                    -- scripts/master/streaming.lua: -14 LUFS, -1 dBTP
  files = { "flac" },                      -- 24-bit FLAC per track, tagged
  out = "../build/ep",                     -- beside the album file: <lute>/build/ep
  tracks = {
    { script = "02-melody-harmony.lua", bars = 8, title = "Melody and Harmony", isrc = "US-S1Z-25-00001" },
    { script = "03-variation.lua", bars = 8, title = "Variation", isrc = "US-S1Z-25-00002" },
    { script = "05-song.lua", title = "Song", isrc = "US-S1Z-25-00003", gap = 3, fade_out = 3 },
  },
}
