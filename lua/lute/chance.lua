-- lute/chance.lua — Sonic Pi's helpers for choosing and cycling: rrand, rrand_i, choose, ring, tick,
-- look.  They draw from math.random, which lute seeds (lute.seed), so a script chooses the same
-- way every time it is evaluated and a render repeats byte for byte.
local S = require "lute.state"

local C = {}

local function num(x, what, level)
  if type(x) ~= "number" or x ~= x then error(("%s: expected a number, got %s"):format(what, tostring(x)), level or 3) end
  return x
end

-- rrand(lo, hi): a number in [lo, hi).
function C.rrand(lo, hi)
  num(lo, "rrand(lo, hi)"); num(hi, "rrand(lo, hi)")
  return lo + (hi - lo) * math.random()
end

-- rrand_i(lo, hi): a whole number from lo to hi, both included.
function C.rrand_i(lo, hi)
  num(lo, "rrand_i(lo, hi)"); num(hi, "rrand_i(lo, hi)")
  lo, hi = math.ceil(lo), math.floor(hi)
  if hi < lo then error(("rrand_i(%s, %s): no whole number in between"):format(lo, hi), 2) end
  return math.random(math.tointeger(lo), math.tointeger(hi))
end

-- choose(list) or choose(a, b, c): one of them.
function C.choose(first, ...)
  local list = select("#", ...) > 0 and { first, ... } or first
  if type(list) ~= "table" or #list == 0 then error("choose({a, b, c}) or choose(a, b, c): something to choose from", 2) end
  return list[math.random(#list)]
end

-- ring(a, b, c) or ring{a, b, c}: a list that goes round — r[4] is r[1], r[0] is r[3] — with
-- r:tick() giving the next item each call (its own counter) and r:look() the current one.
local Ring = {}
Ring.__index = function(r, k)
  if math.type(k) == "integer" then
    local n = #r.items
    if n == 0 then return nil end
    return r.items[(k - 1) % n + 1]
  end
  return Ring[k]
end
Ring.__len = function(r) return #r.items end
Ring.__tostring = function(r)
  local t = {}
  for i, v in ipairs(r.items) do t[i] = tostring(v) end
  return "ring(" .. table.concat(t, ", ") .. ")"
end
function Ring:tick() self.i = self.i + 1; return self[self.i] end
function Ring:look() return self[math.max(self.i, 1)] end
function Ring:reverse()
  local t = {}
  for i = #self.items, 1, -1 do t[#t + 1] = self.items[i] end
  return C.ring(t)
end

function C.ring(first, ...)
  local items = (select("#", ...) == 0 and type(first) == "table" and getmetatable(first) == nil) and first or { first, ... }
  local copy = {}
  for i, v in ipairs(items) do copy[i] = v end
  return setmetatable({ items = copy, i = 0 }, Ring)
end

-- tick(name) counts up from 1 each call (per name, "" by default; per loop inside a live loop) and
-- returns the count; look(name) returns it without counting.  ring(...)[tick()] steps through.
local counters = {}
local function counter_key(name)
  local loop = S.loop_name
  return (loop and (loop .. "/") or "") .. (name or "")
end
function C.tick(name)
  local k = counter_key(name)
  counters[k] = (counters[k] or 0) + 1
  return counters[k]
end
function C.look(name) return counters[counter_key(name)] or 0 end
function C.reset_ticks() counters = {} end

return C
