-- 20-master-streaming.lua — mastering a mix for the streaming services: -14 LUFS, true peak -1 dBTP.
--
--   build/lute render examples/05-song.lua -o build/song.wav
--   build/lute master build/song.wav -o build/song-master.wav --chain examples/20-master-streaming.lua
--   build/lute analyze build/song-master.wav                (what came out: loudness, peaks, spectrum)
--
-- A master chain is a list of effects ending in the true-peak limiter, plus the delivery target.
-- lute runs the chain once, then drives the limiter until the written file reads -14 LUFS and no
-- peak — between the samples either — passes -1 dBTP, checked by its own meter and by ffmpeg's.
-- Every setting is checked when the file runs: misspell one and lute names it and the right ones.
local fx = require "fx"

return {
  name = "example streaming master",
  target = -14,       -- LUFS, integrated (Spotify, YouTube, Tidal, Amazon normalise here)
  ceiling = -1,       -- dBTP: room for the codecs' overshoot
  bits = 24,          -- a 24-bit file: the services encode from it; no dither needed at 24 bits

  -- 1. tone: a linear-phase EQ (no phase shift; ~107 ms of latency, compensated)
  fx.lineq{ lowcut = 28,                          -- rumble out, below the lowest note
            low_freq = 90, low_gain = 1.0,        -- a little weight
            p2_freq = 350, p2_gain = -1.0, p2_q = 0.8,   -- less box
            high_freq = 9000, high_gain = 1.5 },  -- air

  -- 2. dynamics per band: gentle, so the bass does not pump the cymbals
  fx.mbcomp{ xlow = 140, xmid = 1200, xhigh = 6000,
             low_thr = -22, low_ratio = 2.0, low_attack = 30, low_release = 250,
             lomid_thr = -24, lomid_ratio = 1.5,
             himid_thr = -26, himid_ratio = 1.5,
             high_thr = -28, high_ratio = 2.0, high_attack = 3 },

  -- 3. stereo: a touch wider above, mono below 110 Hz (phones and club subs are mono)
  fx.mwidth{ width = 1.1, mono_below = 110 },

  -- 4. round the loudest peaks off before the limiter, 4x oversampled
  fx.softclip{ drive = 1, ceiling = -1.5, softness = 0.5 },

  -- 5. the true-peak limiter: loudness targeting sets its drive and ceiling
  fx.limiter{ release = 120, lookahead = 3 },
}
