-- club.lua — a master for club and DJ play: loud (-8 LUFS), true peak -0.3 dBTP, mono below 120 Hz.
-- Source: no standard exists; DJ pools and club tracks commonly measure -6 to -9 LUFS integrated, and
-- club systems play the sub-bass through mono subwoofers, so bass below about 100-120 Hz is made mono
-- (as for vinyl cutting: B. Katz, "Mastering Audio", 3rd ed., 2015, chapters on bass and vinyl).
local fx = require "fx"
return {
  name = "club", target = -8, ceiling = -0.3,
  source = "practice, no standard: club tracks -6 to -9 LUFS; mono bass below ~120 Hz for mono subs (B. Katz, Mastering Audio, 2015)",
  fx.mineq{ lowcut = 28, low_freq = 60, low_gain = 1 },
  fx.mwidth{ mono_below = 120 },
  fx.mbcomp{ low_thr = -18, low_ratio = 2.5, lomid_thr = -20, lomid_ratio = 2, himid_thr = -22, himid_ratio = 1.8,
             high_thr = -24, high_ratio = 2 },
  fx.softclip{ drive = 3, ceiling = -0.8, softness = 0.35 },
  fx.limiter{ release = 50, lookahead = 2 },
}
