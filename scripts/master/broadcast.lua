-- broadcast.lua — EBU R 128 broadcast delivery: -23 LUFS integrated (+/-0.5 LU for files), maximum true peak -1 dBTP.
-- Source: EBU R 128 "Loudness normalisation and permitted maximum level of audio signals" (2020),
-- with the measurement of ITU-R BS.1770-4 and the guidelines of EBU Tech 3343 (the -1 dBTP maximum;
-- -2 dBTP where the signal goes through lossy coding at low bit rates).  No dynamics processing beyond
-- the limiter: broadcast material keeps its loudness range.
local fx = require "fx"
return {
  name = "broadcast", target = -23, ceiling = -1, tolerance = 0.5,
  source = "EBU R 128 (2020): -23 LUFS +/-0.5 LU, max true peak -1 dBTP; measured per ITU-R BS.1770-4, EBU Tech 3343",
  fx.mineq{ lowcut = 20 },
  fx.limiter{ release = 200, lookahead = 5 },
}
