-- cd.lua — a loud master for CD (Red Book: 44.1 kHz, 16 bits, noise-shaped dither): -9 LUFS, true peak -0.3 dBTP.
-- Source: the Red Book (IEC 60908) sets the format but no loudness; -9 LUFS is where loud modern CD
-- masters sit (B. Katz, "Mastering Audio", 3rd ed., 2015, on the loudness war: many releases measure
-- -8 to -10 LUFS), and -0.3 dBTP leaves a little room for the inter-sample overs of consumer DACs.
-- Louder than streaming: the services will turn it down, so use streaming.lua for those files.
local fx = require "fx"
return {
  name = "cd", target = -9, ceiling = -0.3, bits = 16, rate = 44100, dither = "shaped",
  source = "Red Book (IEC 60908) format; loudness by practice: -8 to -10 LUFS for loud masters (B. Katz, Mastering Audio, 2015)",
  fx.mineq{ lowcut = 25 },
  fx.mbcomp{ low_thr = -20, low_ratio = 2, lomid_thr = -20, lomid_ratio = 1.6, himid_thr = -22, himid_ratio = 1.6,
             high_thr = -24, high_ratio = 2 },
  fx.softclip{ drive = 2, ceiling = -1, softness = 0.4 },         -- round off the peaks before the limiter
  fx.limiter{ release = 60, lookahead = 2 },
}
