-- clap — a hand clap: three quick bursts of band-passed noise, then a diffuse tail (ignores the note)
--
-- Controls:
--   spacing   s between the bursts
--   decay     s of the tail
--   tone      Hz of the band-pass
--   width     0..1: how far apart in stereo the two sides sit
-- The two sides are white and pink noise: two noise() units in one patch play the same sequence.
return function(v)
  local s = v.spacing(0.011, 0.002, 0.05)
  -- 0 -> 1 -> 0.1 (a burst), twice more, then the tail: env's levels and times, six segments
  local e = env(v.gate, 0, 1, 0.1, 1, 0.1, 1, 0, 0, 0, s, 0, s, 0, v.decay(0.18, 0.02, 2), "6")
  local shape = e * e
  local tone = v.tone(1200, 300, 5000)
  local dry = bpf(noise(), tone, 0.1)
  -- the right side is pink noise through a slightly higher band (two noise() units in one patch
  -- would play the same sequence: the sides would be identical)
  local wet = bpf(pink(), tone * 1.15, 0.1)
  local w = v.width(0.6, 0, 1)
  local y = pan(dry, -w) + pan(wet, w)
  return y * shape * v.vel * 0.6
end
