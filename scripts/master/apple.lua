-- apple.lua — a master for Apple Music: -16 LUFS integrated (Sound Check's playback level), true peak at or below -1 dBTP.
-- Source: Apple, "Apple Digital Masters" (formerly "Mastered for iTunes") technical brief: masters should
-- not clip after AAC encoding (checked with afclip), which in practice means a true-peak ceiling of -1
-- dBTP; Sound Check plays everything at about -16 LUFS (AES TD1004.1.15-10 recommends -16 for streaming).
local fx = require "fx"
return {
  name = "apple", target = -16, ceiling = -1,
  source = "Apple Digital Masters (no clipping after AAC encoding: -1 dBTP); Sound Check at about -16 LUFS (AES TD1004.1.15-10)",
  fx.mineq{ lowcut = 20 },
  fx.mbcomp{ low_thr = -22, low_ratio = 1.4, lomid_thr = -24, lomid_ratio = 1.2, himid_thr = -26, himid_ratio = 1.2,
             high_thr = -28, high_ratio = 1.4 },
  fx.limiter{ release = 150, lookahead = 3 },
}
