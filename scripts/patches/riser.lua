-- riser — a noise riser: noise swept up through a resonant band-pass as the note holds (ignores the note)
--
-- Controls:
--   time      s for the sweep to reach the top (it rises while the note is held)
--   from      Hz where it starts
--   octaves   how far it rises
--   res       0..1
--   release   s of the fall after the note ends
--   width     0..1: the stereo spread
return function(v)
  local rise = adsr(v.gate, v.time(4, 0.1, 60), 0, 1, v.release(0.6, 0.01, 20))
  -- exponential in frequency, from * 2^(octaves * rise), written with midi_to_hz (2^x is
  -- midi_to_hz(69 + 12 x) / 440)
  local f = v.from(200, 20, 10000) * midi_to_hz(69 + 12 * v.octaves(5.5, 0.5, 10) * rise) * (1 / 440)
  local res = v.res(0.45, 0, 1)
  local w = v.width(0.7, 0, 1)
  local y = pan(bpf(noise(), f, res), -w) + pan(bpf(pink(), f * 1.05, res), w)
  return y * rise * v.vel * 0.6
end
