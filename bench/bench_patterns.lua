-- bench_patterns.lua — throughput of the pattern engine: builds 1,000 typical patterns (mini-notation
-- plus transformations, as a live set would use them), queries each for 16 cycles in one-bar
-- windows, as the scheduler does, and prints events per second.
--
--   lute exec bench/bench_patterns.lua            (or lua5.4 with LUA_PATH set to lua/?.lua)

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/../lua/?.lua;" .. package.path
local P = require "pattern"

local sources = {
  "bd*2 [~ sd] <hh oh>*2 cp?",
  "bd(3,8) sd:2 [~ bd] sd",
  "[0 2 4 7]*2 <5 [3 1]>",
  "{a b c, d e}%4",
  "<c3 e3 g3 b3>*4 . [~ c4]",
  "hh*8?0.3",
  "0 .. 7",
  "[bd | sd | hh]*4",
  "<[a b]!2 c@2 d>*2",
  "bd:3 [sd, cp] ~ hh*3",
}
local transforms = {
  function(p) return p end,
  function(p) return p:fast(2) end,
  function(p) return p:every(3, function(x) return x:rev() end) end,
  function(p) return p:off(0.125, function(x) return x:fast(2) end) end,
  function(p) return p:sometimesBy(0.3, function(x) return x:ply(2) end) end,
  function(p) return p:iter(4) end,
  function(p) return p:jux(function(x) return x:rev() end) end,
  function(p) return p:swingBy(1/3, 4) end,
  function(p) return p:chunk(4, function(x) return x:fast(2) end) end,
  function(p) return p:degradeBy(0.2):late(0.25) end,
}

local t0 = os.clock()
local pats = {}
for i = 1, 1000 do
  local s = sources[(i - 1) % #sources + 1]
  local f = transforms[((i - 1) // #sources) % #transforms + 1]
  pats[i] = f(P.mini(s))
end
local t1 = os.clock()
local events = 0
for i = 1, #pats do
  for c = 0, 15 do
    local hs = pats[i]:query(c, c + 1)
    for _, h in ipairs(hs) do if h.whole and h.part.b == h.whole.b then events = events + 1 end end
  end
end
local t2 = os.clock()
print(("patterns: 1000 built in %.3f s (%.0f per second)"):format(t1 - t0, 1000 / (t1 - t0)))
print(("queried 16 cycles each: %d events in %.3f s = %.0f events per second")
  :format(events, t2 - t1, events / (t2 - t1)))
