-- rational.lua — exact rational numbers on Lua 5.4 integers, for musical time.
--
-- Pattern time in lute is counted in cycles and must be exact: 1/3 + 1/3 + 1/3 has to be 1, or
-- events drift and queries split at different points disagree.  A rational is an immutable table
-- {n = numerator, d = denominator}, always normalised (lowest terms, d > 0), with arithmetic and
-- comparison metamethods that also accept plain Lua numbers on either side.
--
--   local R = require "rational"
--   local x = R(1, 3) + 1          --> 4/3
--   R.from(0.25), R.from("1/3")    --> 1/4, 1/3
--   x:floor(), x:ceil(), x:sam(), x:tonumber(), tostring(x)  --> 1, 2, 1/1, 1.333.., "4/3"
--
-- Note: Lua only calls __eq when both operands are tables, so compare with `R.eq(x, 2)` or
-- `x == R(2)`, never `x == 2`.

local R = {}
R.__index = R

local mtype, floor, abs = math.type, math.floor, math.abs
local setmetatable, getmetatable = setmetatable, getmetatable

local function gcd(a, b)
  if a < 0 then a = -a end
  while b ~= 0 do a, b = b, a % b end
  return a
end

-- Builds a normalised rational from integers (no checks: internal fast path).
local function make(n, d)
  if d < 0 then n, d = -n, -d end
  if d ~= 1 then
    local g = gcd(n, d)
    if g > 1 then n, d = n // g, d // g end
  end
  return setmetatable({ n = n, d = d }, R)
end
R.make = make

local function isr(x) return getmetatable(x) == R end
R.is = isr

-- Shortest decimal text that reads back as the float x, turned into an exact fraction; floats
-- that need more than 15 significant digits fall back to the best approximation with a
-- denominator up to 10^9 (continued fractions), which recovers 1/3, 2/7 and the like.
local function from_float(x)
  if x ~= x or x == math.huge or x == -math.huge then
    error(("rational: cannot convert %s to a rational"):format(tostring(x)), 3)
  end
  if x == floor(x) and abs(x) < 2^62 then return make(math.tointeger(x), 1) end
  for prec = 1, 15 do
    local s = ("%." .. prec .. "g"):format(x)
    if tonumber(s) == x then
      local mant, ex = s:match("^(-?[%d%.]+)e([-+]%d+)$")
      mant = mant or s
      ex = tonumber(ex or "0")
      local ip, fp = mant:match("^(-?%d*)%.?(%d*)$")
      local digits = (ip .. fp)
      local neg = digits:sub(1, 1) == "-"
      if neg then digits = digits:sub(2) end
      local e10 = ex - #fp
      if #digits <= 17 and e10 > -18 and e10 < 18 then
        local n = math.tointeger(tonumber(digits))
        if n then
          if neg then n = -n end
          if e10 >= 0 then return make(n * math.tointeger(10 ^ e10), 1) end
          return make(n, math.tointeger(10 ^ -e10))
        end
      end
      break
    end
  end
  -- continued fraction approximation; beyond 2^53 a float holds no exact time
  if x ~= x or abs(x) > 2 ^ 53 then
    error(("rational: %s is too large for exact time (at most 2^53)"):format(tostring(x)), 0)
  end
  local sign = x < 0 and -1 or 1
  local y = abs(x)
  local h0, h1, k0, k1 = 0, 1, 1, 0
  local a = y
  for _ = 1, 64 do
    local ai = floor(a)
    local h2, k2 = ai * h1 + h0, ai * k1 + k0
    if k2 > 1e9 then break end
    h0, h1, k0, k1 = h1, h2, k1, k2
    if abs(h1 / k1 - y) < 1e-15 * y or a == ai then break end
    a = 1 / (a - ai)
  end
  return make(sign * math.tointeger(h1), math.tointeger(k1))
end

-- R.from(x): a rational from an integer, a float, a rational, or a string "p/q", "0.25", "3".
function R.from(x)
  if isr(x) then return x end
  local t = mtype(x)
  if t == "integer" then return make(x, 1) end
  if t == "float" then return from_float(x) end
  if type(x) == "string" then
    local p, q = x:match("^%s*(-?%d+)%s*/%s*(%d+)%s*$")
    if p then
      p, q = math.tointeger(tonumber(p)), math.tointeger(tonumber(q))
      if p and q and q ~= 0 then return make(p, q) end
    end
    local v = tonumber(x)
    if v then return R.from(v) end
  end
  error(("rational: cannot convert %s %q to a rational (want a number or \"p/q\")")
    :format(type(x), tostring(x)), 2)
end

local from = R.from

function R.new(n, d)
  d = d or 1
  if mtype(n) == "integer" and mtype(d) == "integer" then
    if d == 0 then error("rational: zero denominator", 2) end
    return make(n, d)
  end
  local a, b = from(n), from(d)
  if b.n == 0 then error("rational: zero denominator", 2) end
  return make(a.n * b.d, a.d * b.n)
end

setmetatable(R, { __call = function(_, n, d) return R.new(n, d) end })

-- The arithmetic below is the hot path of every pattern query: operands are checked with an
-- inline getmetatable, and products are formed from cross-reduced factors (Knuth 4.5.1) so that
-- results come out already in lowest terms and intermediate values stay small.
function R.__add(a, b)
  if getmetatable(a) ~= R then a = from(a) end
  if getmetatable(b) ~= R then b = from(b) end
  local ad, bd = a.d, b.d
  if ad == bd then
    if ad == 1 then return setmetatable({ n = a.n + b.n, d = 1 }, R) end
    return make(a.n + b.n, ad)
  end
  local g = gcd(ad, bd)
  local bq = bd // g
  return make(a.n * bq + b.n * (ad // g), ad * bq)
end

function R.__sub(a, b)
  if getmetatable(a) ~= R then a = from(a) end
  if getmetatable(b) ~= R then b = from(b) end
  local ad, bd = a.d, b.d
  if ad == bd then
    if ad == 1 then return setmetatable({ n = a.n - b.n, d = 1 }, R) end
    return make(a.n - b.n, ad)
  end
  local g = gcd(ad, bd)
  local bq = bd // g
  return make(a.n * bq - b.n * (ad // g), ad * bq)
end

function R.__mul(a, b)
  if getmetatable(a) ~= R then a = from(a) end
  if getmetatable(b) ~= R then b = from(b) end
  local an, ad, bn, bd = a.n, a.d, b.n, b.d
  if ad == 1 and bd == 1 then return setmetatable({ n = an * bn, d = 1 }, R) end
  local g1, g2 = gcd(an, bd), gcd(bn, ad)
  if g1 == 0 then g1 = 1 end
  if g2 == 0 then g2 = 1 end
  return setmetatable({ n = (an // g1) * (bn // g2), d = (ad // g2) * (bd // g1) }, R)
end

function R.__div(a, b)
  if getmetatable(a) ~= R then a = from(a) end
  if getmetatable(b) ~= R then b = from(b) end
  local an, ad, bn, bd = a.n, a.d, b.n, b.d
  if bn == 0 then error("rational: division by zero", 2) end
  local g1, g2 = gcd(an, bn), gcd(ad, bd)
  if g1 == 0 then g1 = 1 end
  if g1 < 0 then g1 = -g1 end
  local n, d = (an // g1) * (bd // g2), (ad // g2) * (bn // g1)
  if d < 0 then n, d = -n, -d end
  return setmetatable({ n = n, d = d }, R)
end

function R.__unm(a) return setmetatable({ n = -a.n, d = a.d }, R) end

function R.__eq(a, b)
  if getmetatable(a) ~= R then a = from(a) end
  if getmetatable(b) ~= R then b = from(b) end
  return a.n == b.n and a.d == b.d
end

-- Cross-multiplication compare; denominators are positive so the sign is preserved.  Small
-- operands (the usual case) are multiplied directly; large ones go through the gcd first.
local function cmp(a, b)
  if getmetatable(a) ~= R then a = from(a) end
  if getmetatable(b) ~= R then b = from(b) end
  local an, ad, bn, bd = a.n, a.d, b.n, b.d
  if ad == bd then return an < bn and -1 or (an > bn and 1 or 0) end
  local l, r
  if an < 0x7fffffff and an > -0x7fffffff and bn < 0x7fffffff and bn > -0x7fffffff
      and ad < 0x7fffffff and bd < 0x7fffffff then
    l, r = an * bd, bn * ad
  else
    local g = gcd(ad, bd)
    l, r = an * (bd // g), bn * (ad // g)
  end
  return l < r and -1 or (l > r and 1 or 0)
end
R.cmp = cmp

function R.__lt(a, b) return cmp(a, b) < 0 end
function R.__le(a, b) return cmp(a, b) <= 0 end
function R.__tostring(a) return a.n .. "/" .. a.d end

function R.eq(a, b) return cmp(a, b) == 0 end
function R.min(a, b) if cmp(a, b) <= 0 then return a end return b end
function R.max(a, b) if cmp(a, b) >= 0 then return a end return b end

function R:floor() return self.n // self.d end
function R:ceil() return -((-self.n) // self.d) end
function R:sam() return make(self.n // self.d, 1) end
function R:nextSam() return make(self.n // self.d + 1, 1) end
function R:cyclePos() return self - self:sam() end
function R:tonumber() return self.n / self.d end
function R:isInteger() return self.d == 1 end

R.zero, R.one = make(0, 1), make(1, 1)

return R
