-- streaming.lua — a master for the streaming services: -14 LUFS integrated, true peak at or below -1 dBTP.
-- Source: Spotify for Artists, "Loudness normalization" (Spotify normalises to -14 LUFS integrated,
-- ITU-R BS.1770, and asks for a true peak at or below -1 dBTP, -2 dBTP for masters louder than -14);
-- YouTube, Tidal and Amazon Music normalise to about -14 LUFS too (AES TD1004.1.15-10, "Recommendations
-- for Loudness of Internet Audio Streaming and On-Demand Distribution", gives -16 to -20 LUFS as the
-- range for distributors; the services chose -14).
-- Use: lute master mix.wav -o master.wav --chain streaming      or in Lua: require "master.streaming"
local fx = require "fx"
return {
  name = "streaming", target = -14, ceiling = -1,
  source = "Spotify for Artists: loudness normalization to -14 LUFS, true peak <= -1 dBTP (AES TD1004.1.15-10 for the range)",
  fx.mineq{ lowcut = 20 },                                        -- sub-sonic rumble and DC out
  fx.mbcomp{ low_thr = -20, low_ratio = 1.5, lomid_thr = -22, lomid_ratio = 1.3,
             himid_thr = -24, himid_ratio = 1.3, high_thr = -26, high_ratio = 1.5 },   -- gentle glue per band
  fx.limiter{ release = 120, lookahead = 3 },                     -- targeting drives it to -14 LUFS
}
