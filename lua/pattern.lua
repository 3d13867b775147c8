-- pattern.lua — lute's pattern engine: Tidal/Strudel patterns as functions of rational time.
--
-- A Pattern answers one question: which events (haps) sound in the time span [b, e), measured in
-- cycles?  `pat:query(b, e)` returns a list of haps
--     { whole = {b=R, e=R} or nil, part = {b=R, e=R}, value = v }
-- where `whole` is the event's full extent and `part` the piece inside the query (an event is
-- triggered when part.b == whole.b).  Continuous patterns (signals such as rand) have no whole.
-- Results never depend on how a query is split, so the scheduler may ask bar by bar or in small
-- windows.  Everything here follows Strudel 1.2.6 (core/pattern.mjs, signal.mjs, euclid.mjs) so
-- that the same code sounds the same; where Strudel's behaviour is unclear the choice is stated.
--
--   local P = require "pattern"
--   P.mini("bd*2 [sd cp]"):fast(2):query(0, 1)
--
-- The mini-notation parser lives in mini.lua and is reached through P.mini / P.reify.

local R = require "rational"

local make, from, cmp, req = R.make, R.from, R.cmp, R.eq
local floor, mtype = math.floor, math.type
local unpack, pack = table.unpack, table.pack
local setmetatable, getmetatable = setmetatable, getmetatable

local P = {}
local Pattern = {}
Pattern.__index = Pattern
P.Pattern = Pattern

local function new(q) return setmetatable({ _q = q }, Pattern) end
P.new = new
local function is_pattern(x) return getmetatable(x) == Pattern end
P.is_pattern = is_pattern

local function span(b, e) return { b = b, e = e } end
local function hap(whole, part, value) return { whole = whole, part = part, value = value } end
local ZERO, ONE = make(0, 1), make(1, 1)
local function sam(t) return make(t.n // t.d, 1) end
local function rmin(a, b) if cmp(a, b) <= 0 then return a end return b end
local function rmax(a, b) if cmp(a, b) >= 0 then return a end return b end

-- Coerces a time argument (integer, float, "p/q", rational) to a rational, naming the culprit.
local function totime(x, what)
  if R.is(x) then return x end
  local ok, r = pcall(from, x)
  if ok then return r end
  error(("%s: expected a number of cycles, got %s %q"):format(what or "pattern", type(x), tostring(x)), 3)
end

-- Converts a pattern value to a number for arithmetic arguments, with an error naming the value.
local function tonum(v, what)
  local n = tonumber(v)
  if n == nil and R.is(v) then n = v:tonumber() end
  if n == nil then
    error(("%s: expected a number, got %s %q"):format(what, type(v), tostring(v)), 0)
  end
  return n
end

-- Strudel's TimeSpan.intersection: the overlap of two spans, or nil; a zero-width overlap at the
-- end of a non-zero-width span does not count.
local function sect(a, b)
  local ib = cmp(a.b, b.b) >= 0 and a.b or b.b
  local ie = cmp(a.e, b.e) <= 0 and a.e or b.e
  local c = cmp(ib, ie)
  if c > 0 then return nil end
  if c == 0 then
    if req(ib, a.e) and cmp(a.b, a.e) < 0 then return nil end
    if req(ib, b.e) and cmp(b.b, b.e) < 0 then return nil end
  end
  return span(ib, ie)
end
P.intersection = sect

-- Calls f(b, e) for every cycle-sized piece of [b, e) (Strudel's spanCycles); a zero-width
-- span is passed through as it is.
local function each_cycle(b, e, f)
  if req(b, e) then f(b, e) return end
  local esam = e.n // e.d
  while cmp(e, b) > 0 do
    local bs = b.n // b.d
    if bs == esam then f(b, e) break end
    local nb = make(bs + 1, 1)
    f(b, nb)
    b = nb
  end
end
P.each_cycle = each_cycle

-- Wraps a query function so that it is only ever called within one cycle.
local function splitq(q)
  return function(b, e)
    if b.n // b.d == e.n // e.d or (e.d == 1 and e.n == b.n // b.d + 1) or req(b, e) then
      return q(b, e)
    end
    local out = {}
    each_cycle(b, e, function(cb, ce)
      local hs = q(cb, ce)
      for i = 1, #hs do out[#out + 1] = hs[i] end
    end)
    return out
  end
end

local function shift_span(s, d) return span(s.b + d, s.e + d) end
local function shift_haps(hs, d)
  local out = {}
  for i = 1, #hs do
    local h = hs[i]
    out[i] = hap(h.whole and shift_span(h.whole, d), shift_span(h.part, d), h.value)
  end
  return out
end

------------------------------------------------------------------------------------------------
-- Querying

-- pat:query(b, e): haps in [b, e).  b and e may be rationals, integers or exact floats.
function Pattern:query(b, e)
  b, e = totime(b, "query"), totime(e, "query")
  if cmp(b, e) > 0 then
    error(("query: begin %s is after end %s"):format(tostring(b), tostring(e)), 2)
  end
  return self._q(b, e)
end

-- Sorted, defragmented events with a whole in [b, e): what a listener hears.
function Pattern:events(b, e)
  local hs = self:query(b, e)
  local out = {}
  for i = 1, #hs do if hs[i].whole then out[#out + 1] = hs[i] end end
  local keys = {}
  for i = 1, #out do keys[out[i]] = P.value_text(out[i].value) end
  table.sort(out, function(x, y)
    local c = cmp(x.part.b, y.part.b)
    if c ~= 0 then return c < 0 end
    c = cmp(x.part.e, y.part.e)
    if c ~= 0 then return c < 0 end
    return keys[x] < keys[y]
  end)
  return out
end

------------------------------------------------------------------------------------------------
-- Elementary patterns

P.silence = new(function() return {} end)
local silence = P.silence

-- P.pure(v): v once per cycle.
function P.pure(v)
  local p = new(function(b, e)
    local out = {}
    each_cycle(b, e, function(cb, ce)
      local s = sam(cb)
      out[#out + 1] = hap(span(s, s + ONE), span(cb, ce), v)
    end)
    return out
  end)
  p._pure = v
  p._has_pure = true
  return p
end
local pure = P.pure

-- P.signal(f): a continuous pattern whose value is f(t) at the start t of the queried span.
function P.signal(f)
  return new(function(b, e) return { hap(nil, span(b, e), f(b)) } end)
end

local reify
-- P.reify(x): a pattern from a pattern (itself), a string (mini-notation) or any other value (pure).
function P.reify(x)
  if is_pattern(x) then return x end
  if type(x) == "string" then return P.mini(x) end
  return pure(x)
end
reify = P.reify

function P.mini(s) return require("mini").parse(s) end

------------------------------------------------------------------------------------------------
-- Building blocks (Strudel's withValue, withQueryTime, appLeft, bind ...)

function Pattern:fmap(f)
  local q = self._q
  return new(function(b, e)
    local hs = q(b, e)
    local out = {}
    for i = 1, #hs do
      local h = hs[i]
      out[i] = hap(h.whole, h.part, f(h.value))
    end
    return out
  end)
end
Pattern.withValue = Pattern.fmap

-- Keeps the haps for which keep(hap) is true.
function Pattern:filterHaps(keep)
  local q = self._q
  return new(function(b, e)
    local hs, out = q(b, e), {}
    for i = 1, #hs do if keep(hs[i]) then out[#out + 1] = hs[i] end end
    return out
  end)
end
function Pattern:filterValues(keep) return self:filterHaps(function(h) return keep(h.value) end) end

-- Keeps only events with a whole (drops continuous signal values).
function Pattern:discreteOnly() return self:filterHaps(function(h) return h.whole ~= nil end) end

-- Changes every hap (new table) through f(hap) -> hap or nil.
function Pattern:withHap(f)
  local q = self._q
  return new(function(b, e)
    local hs, out = q(b, e), {}
    for i = 1, #hs do
      local h = f(hs[i])
      if h then out[#out + 1] = h end
    end
    return out
  end)
end

function Pattern:withHaps(f)
  local q = self._q
  return new(function(b, e) return f(q(b, e), b, e) end)
end

-- Structure from the left: each left hap queries the right over its whole; f(a, b) combines the
-- values and returns nil to drop the hap.
local function app_left(pl, pr, f)
  local ql, qr = pl._q, pr._q
  return new(function(b, e)
    local out = {}
    local hs = ql(b, e)
    for i = 1, #hs do
      local hl = hs[i]
      local w = hl.whole or hl.part
      local rs = qr(w.b, w.e)
      for j = 1, #rs do
        local hr = rs[j]
        local p = sect(hl.part, hr.part)
        if p then
          local v = f(hl.value, hr.value)
          if v ~= nil then out[#out + 1] = hap(hl.whole, p, v) end
        end
      end
    end
    return out
  end)
end
P.app_left = app_left

-- Structure from the right.
local function app_right(pl, pr, f)
  local ql, qr = pl._q, pr._q
  return new(function(b, e)
    local out = {}
    local rs = qr(b, e)
    for i = 1, #rs do
      local hr = rs[i]
      local w = hr.whole or hr.part
      local ls = ql(w.b, w.e)
      for j = 1, #ls do
        local hl = ls[j]
        local p = sect(hr.part, hl.part)
        if p then
          local v = f(hl.value, hr.value)
          if v ~= nil then out[#out + 1] = hap(hr.whole, p, v) end
        end
      end
    end
    return out
  end)
end
P.app_right = app_right

-- Structure from both sides (Tidal's <*>): wholes intersect.
local function app_both(pl, pr, f)
  local ql, qr = pl._q, pr._q
  return new(function(b, e)
    local out = {}
    local ls, rs = ql(b, e), qr(b, e)
    for i = 1, #ls do
      local hl = ls[i]
      for j = 1, #rs do
        local hr = rs[j]
        local p = sect(hl.part, hr.part)
        if p then
          local w
          if hl.whole and hr.whole then
            w = sect(hl.whole, hr.whole)
            if not w then p = nil end
          end
          if p then
            local v = f(hl.value, hr.value)
            if v ~= nil then out[#out + 1] = hap(w, p, v) end
          end
        end
      end
    end
    return out
  end)
end
P.app_both = app_both

-- Flattens a pattern of patterns; choose(outer_whole, inner_whole) picks the result's whole.
local function bind_whole(pat, choose, f)
  local q = pat._q
  return new(function(b, e)
    local out = {}
    local hs = q(b, e)
    for i = 1, #hs do
      local a = hs[i]
      local inner = f(a.value)
      if inner ~= nil then
        local ins = reify(inner)._q(a.part.b, a.part.e)
        for j = 1, #ins do
          local h = ins[j]
          local w, ok = choose(a.whole, h.whole)
          if ok ~= false then out[#out + 1] = hap(w, h.part, h.value) end
        end
      end
    end
    return out
  end)
end

local function id(x) return x end
function Pattern:innerBind(f) return bind_whole(self, function(_, w) return w end, f) end
function Pattern:outerBind(f) return bind_whole(self, function(w) return w end, f) end
function Pattern:bind(f)
  return bind_whole(self, function(a, b)
    if a == nil or b == nil then return nil end
    local w = sect(a, b)
    if not w then return nil, false end
    return w
  end, f)
end
function Pattern:innerJoin() return self:innerBind(id) end
function Pattern:outerJoin() return self:outerBind(id) end
function Pattern:join() return self:bind(id) end
local function inner_join(p) return p:innerBind(id) end

-- Each outer event plays a whole cycle of its inner pattern squeezed into the event.
function Pattern:squeezeJoin()
  local q = self._q
  return new(function(b, e)
    local out = {}
    local hs = q(b, e)
    for i = 1, #hs do
      local o = hs[i]
      if o.whole and o.value ~= nil then
        local w = o.whole
        local inner = reify(o.value):focus(w.b, w.e)
        local ins = inner._q(o.part.b, o.part.e)
        for j = 1, #ins do
          local h = ins[j]
          local nw, okw = nil, true
          if h.whole then
            nw = sect(h.whole, w)
            okw = nw ~= nil
          end
          if okw then
            local p = sect(h.part, o.part)
            if p then out[#out + 1] = hap(nw, p, h.value) end
          end
        end
      end
    end
    return out
  end)
end
function Pattern:squeezeBind(f) return self:fmap(f):squeezeJoin() end

-- Calls fn(self, plain args...) directly when the first nargs arguments are plain values (or pure
-- patterns); otherwise patterns the arguments (strings are mini-notation) and takes the inner
-- join, so `pat:fast("<1 2>")` changes speed per cycle, as Strudel's register() does.
local function patterned(nargs, fn)
  return function(self, ...)
    local args = pack(...)
    local plain = true
    for i = 1, nargs do
      local a = args[i]
      if is_pattern(a) then
        if a._has_pure then args[i] = a._pure else plain = false end
      elseif type(a) == "string" then
        local p = P.mini(a)
        if p._has_pure then args[i] = p._pure else plain = false; args[i] = p end
      end
    end
    if plain then return fn(self, unpack(args, 1, args.n)) end
    local tp = reify(args[1]):fmap(function(v) return { v } end)
    for i = 2, nargs do
      tp = app_left(tp, reify(args[i]), function(t, v)
        local c = { unpack(t, 1, i - 1) }
        c[i] = v
        return c
      end)
    end
    return inner_join(tp:fmap(function(t)
      local call = {}
      for i = 1, nargs do call[i] = t[i] end
      for i = nargs + 1, args.n do call[i] = args[i] end
      return fn(self, unpack(call, 1, args.n))
    end))
  end
end
P.patterned = patterned

------------------------------------------------------------------------------------------------
-- Time

local function _fast(pat, f)
  f = totime(f, "fast")
  if f.n == 0 then return silence end
  if f.n < 0 then return silence end
  if f.n == 1 and f.d == 1 then return pat end
  local q = pat._q
  return new(function(b, e)
    local hs = q(b * f, e * f)
    local out = {}
    for i = 1, #hs do
      local h = hs[i]
      local w = h.whole
      out[i] = hap(w and span(w.b / f, w.e / f), span(h.part.b / f, h.part.e / f), h.value)
    end
    return out
  end)
end

local function _late(pat, t)
  t = totime(t, "late")
  if t.n == 0 then return pat end
  local q = pat._q
  return new(function(b, e) return shift_haps(q(b - t, e - t), t) end)
end

local function numarg(v, what)
  if R.is(v) then return v end
  if type(v) == "number" then return from(v) end
  local n = tonumber(v)
  if n then return from(n) end
  error(("%s: expected a number, got %s %q"):format(what, type(v), tostring(v)), 0)
end

-- pat:fast(2): twice as fast.  The factor may be patterned ("<1 2>").
Pattern.fast = patterned(1, function(pat, f) return _fast(pat, numarg(f, "fast")) end)
Pattern.density = Pattern.fast
-- pat:slow(2): half as fast.
Pattern.slow = patterned(1, function(pat, f)
  f = numarg(f, "slow")
  if f.n == 0 then return silence end
  return _fast(pat, ONE / f)
end)
Pattern.sparsity = Pattern.slow
-- pat:late(0.25): shifted a quarter cycle later; early is the opposite.
Pattern.late = patterned(1, function(pat, t) return _late(pat, numarg(t, "late")) end)
Pattern.early = patterned(1, function(pat, t) return _late(pat, -numarg(t, "early")) end)

-- pat:hurry(2): fast(2) and speed * 2 (sample playback speed, on table values).
local set_field
Pattern.hurry = patterned(1, function(pat, r)
  local n = tonum(r, "hurry")
  return _fast(pat, numarg(r, "hurry")):fmap(function(v)
    local old = type(v) == "table" and not v[1] and v.speed or 1
    return set_field(v, "speed", old * n)
  end)
end)

-- Plays pattern cycle `cycle` of the pattern in [b, e) of every cycle (Strudel's _compress).
local function fast_gap(pat, factor)
  local q = pat._q
  return new(splitq(function(b, e)
    local cycle = sam(b)
    local bpos = rmin((b - cycle) * factor, ONE)
    local epos = rmin((e - cycle) * factor, ONE)
    if cmp(bpos, ONE) >= 0 then return {} end
    local hs = q(cycle + bpos, cycle + epos)
    local out = {}
    for i = 1, #hs do
      local h = hs[i]
      local pb, pe = h.part.b, h.part.e
      local c = sam(pb)
      local nb = c + rmin((pb - c) / factor, ONE)
      local ne = c + rmin((pe - c) / factor, ONE)
      local w
      if h.whole then
        w = span(nb - (pb - h.whole.b) / factor, ne + (h.whole.e - pe) / factor)
      end
      out[#out + 1] = hap(w, span(nb, ne), h.value)
    end
    return out
  end))
end

function Pattern:compress(b, e)
  b, e = totime(b, "compress"), totime(e, "compress")
  if cmp(b, e) >= 0 or cmp(b, ONE) > 0 or cmp(e, ONE) > 0 or b.n < 0 or e.n < 0 then return silence end
  return _late(fast_gap(self, ONE / (e - b)), b)
end

-- pat:focus(b, e): like compress, but keeps the cycle number and lets events overflow.
function Pattern:focus(b, e)
  b, e = totime(b, "focus"), totime(e, "focus")
  if cmp(b, e) >= 0 then return silence end
  return _late(_fast(_late(self, -sam(b)), ONE / (e - b)), b)
end

-- pat:zoom(b, e): plays only the part [b, e) of each cycle, stretched to the whole cycle.
function Pattern:zoom(s, e)
  s, e = totime(s, "zoom"), totime(e, "zoom")
  if cmp(s, e) >= 0 then return silence end
  local d = e - s
  local q = self._q
  return new(splitq(function(b, en)
    local c = sam(b)
    local hs = q(c + (b - c) * d + s, c + (en - c) * d + s)
    local out = {}
    for i = 1, #hs do
      local h = hs[i]
      local function conv(sp)
        local cs = sam(sp.b)
        return span(cs + (sp.b - cs - s) / d, cs + (sp.e - cs - s) / d)
      end
      out[i] = hap(h.whole and conv(h.whole), conv(h.part), h.value)
    end
    return out
  end))
end

-- pat:rev(): every cycle reversed.
function Pattern:rev()
  local q = self._q
  return new(splitq(function(b, e)
    local c = sam(b)
    local nc = c + ONE
    local function reflect(s) return span(c + (nc - s.e), c + (nc - s.b)) end
    local hs = q(c + (nc - e), c + (nc - b))
    local out = {}
    for i = 1, #hs do
      local h = hs[i]
      out[i] = hap(h.whole and reflect(h.whole), reflect(h.part), h.value)
    end
    return out
  end))
end

-- pat:repeatCycles(n): every cycle is played n times.
Pattern.repeatCycles = patterned(1, function(pat, n)
  n = numarg(n, "repeatCycles")
  if n.n <= 0 then return silence end
  local q = pat._q
  return new(splitq(function(b, e)
    local c = sam(b)
    local delta = c - sam(c / n)
    return shift_haps(q(b - delta, e - delta), delta)
  end))
end)

------------------------------------------------------------------------------------------------
-- Combining patterns

-- P.stack(a, b, ...): all at once.
function P.stack(...)
  local pats = {}
  for i, p in ipairs({ ... }) do pats[i] = reify(p) end
  if #pats == 1 then return pats[1] end
  return new(function(b, e)
    local out = {}
    for i = 1, #pats do
      local hs = pats[i]._q(b, e)
      for j = 1, #hs do out[#out + 1] = hs[j] end
    end
    return out
  end)
end
local stack = P.stack

-- P.cat(a, b, ...): one per cycle (alias slowcat).  Each pattern keeps its own cycle count.
function P.slowcat(...)
  local pats = {}
  for i, p in ipairs({ ... }) do pats[i] = reify(p) end
  local n = #pats
  if n == 0 then return silence end
  if n == 1 then return pats[1] end
  return new(splitq(function(b, e)
    local c = b.n // b.d
    local pat = pats[c % n + 1]
    local offset = c - b.n // (b.d * n)
    if offset == 0 then return pat._q(b, e) end
    local ro = make(offset, 1)
    return shift_haps(pat._q(b - ro, e - ro), ro)
  end))
end
P.cat = P.slowcat

-- Like slowcat but every pattern is queried at the true cycle (Strudel's slowcatPrime).
function P.slowcatPrime(...)
  local pats = {}
  for i, p in ipairs({ ... }) do pats[i] = reify(p) end
  local n = #pats
  if n == 0 then return silence end
  return new(splitq(function(b, e)
    return pats[(b.n // b.d) % n + 1]._q(b, e)
  end))
end

-- P.fastcat(a, b, ...): all squeezed into one cycle (alias seq).
function P.fastcat(...)
  local n = select("#", ...)
  if n == 0 then return silence end
  return _fast(P.slowcat(...), make(n, 1))
end
P.seq = P.fastcat

-- P.sequence(...): like fastcat, but a plain Lua list argument becomes a nested sequence.
local function seqarg(x)
  if type(x) == "table" and not is_pattern(x) and x[1] ~= nil and getmetatable(x) == nil then
    return P.sequence(unpack(x))
  end
  return x
end
function P.sequence(...)
  local args = { ... }
  for i = 1, #args do args[i] = seqarg(args[i]) end
  if #args == 1 then return reify(args[1]) end
  return P.fastcat(unpack(args))
end

-- P.timecat({3, a}, {1, b}): like fastcat with relative durations.
function P.timecat(...)
  local pairs_ = { ... }
  local total = ZERO
  for i, pr in ipairs(pairs_) do
    if type(pr) ~= "table" or pr[2] == nil then
      error(("timecat: argument %d must be {weight, pattern}"):format(i), 2)
    end
    total = total + totime(pr[1], "timecat")
  end
  if cmp(total, ZERO) <= 0 then return silence end
  local begin = ZERO
  local pats = {}
  for _, pr in ipairs(pairs_) do
    local w = totime(pr[1], "timecat")
    if w.n ~= 0 then
      local en = begin + w
      pats[#pats + 1] = reify(pr[2]):compress(begin / total, en / total)
      begin = en
    end
  end
  return stack(unpack(pats))
end
P.timeCat = P.timecat

function Pattern:stack(...) return stack(self, ...) end
function Pattern:overlay(other) return stack(self, other) end
function Pattern:cat(...) return P.slowcat(self, ...) end
function Pattern:fastcat(...) return P.fastcat(self, ...) end
function P.overlay(a, b) return stack(a, b) end

-- pat:superimpose(f): the pattern plus f(pattern).
function Pattern:superimpose(...)
  local out = { self }
  for _, f in ipairs({ ... }) do out[#out + 1] = f(self) end
  return stack(unpack(out))
end

-- pat:layer(f, g): f(pattern) and g(pattern) together (without the original).
function Pattern:layer(...)
  local out = {}
  for _, f in ipairs({ ... }) do out[#out + 1] = f(self) end
  return stack(unpack(out))
end

-- pat:off(0.25, f): the pattern plus f of a copy shifted later by 0.25 cycle.
function Pattern:off(t, f) return stack(self, f(self:late(t))) end

-- pat:inside(n, f) = f(pat:slow(n)):fast(n); outside is the opposite.
function Pattern:inside(n, f) return f(self:slow(n)):fast(n) end
function Pattern:outside(n, f) return self:inside(ONE / totime(n, "outside"), f) end

------------------------------------------------------------------------------------------------
-- Values: tables, parameters and arithmetic

local function is_record(v) return type(v) == "table" and v[1] == nil and getmetatable(v) == nil end
local function is_list(v) return type(v) == "table" and v[1] ~= nil and getmetatable(v) == nil end
P.is_record, P.is_list = is_record, is_list

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Sets one field on a value: records are copied, other values are wrapped as {value = v}.
function set_field(v, k, x)
  local t
  if is_record(v) then t = copy(v) else t = { value = v } end
  t[k] = x
  return t
end
P.set_field = set_field

local function truthy(v)
  return not (v == nil or v == false or v == 0 or v == "" or v == "false" or v == "f" or v == "~")
end
P.truthy = truthy

-- Strudel's noteToMidi: letter, accidentals (# b s f, repeatable), octave (default 3): c3 = 48.
local CHROMA = { c = 0, d = 2, e = 4, f = 5, g = 7, a = 9, b = 11 }
function P.note_to_midi(s)
  local l, acc, oct = tostring(s):match("^([a-gA-G])([#bsf]*)(-?%d*)$")
  if not l then return nil end
  local n = CHROMA[l:lower()]
  for c in acc:gmatch(".") do n = n + ((c == "#" or c == "s") and 1 or -1) end
  oct = tonumber(oct) or 3
  return (oct + 1) * 12 + n
end

-- Numeral for arithmetic: numbers, numeric strings and note names (as MIDI numbers).
local function numeral(v, what)
  if type(v) == "number" then return v end
  local n = tonumber(v)
  if n then return n end
  n = P.note_to_midi(v)
  if n then return n end
  error(("%s: cannot use %s %q as a number (want a number or a note name like c3)")
    :format(what, type(v), tostring(v)), 0)
end

local function tidy(x)
  if mtype(x) == "float" and x == floor(x) and x > -2^53 and x < 2^53 then return math.tointeger(x) end
  return x
end

-- Applies a numeric operator: records combine field by field (fields of b that a lacks are
-- added; a plain number applies to the note, n or value field), lists element by element.
local NUMFIELDS = { "note", "n", "value", "freq" }
local function numop(op, what)
  local function apply(a, b)
    if is_record(a) then
      local t = copy(a)
      if is_record(b) then
        for k, x in pairs(b) do
          if t[k] ~= nil then t[k] = apply(t[k], x) else t[k] = x end
        end
        return t
      end
      for _, k in ipairs(NUMFIELDS) do
        if t[k] ~= nil then t[k] = apply(t[k], b) return t end
      end
      error(("%s: the value has no note, n or value field to change"):format(what), 0)
    end
    if is_list(a) then
      local t = {}
      for i = 1, #a do t[i] = apply(a[i], b) end
      return t
    end
    if is_list(b) then
      local t = {}
      for i = 1, #b do t[i] = apply(a, b[i]) end
      return t
    end
    return tidy(op(numeral(a, what), numeral(b, what)))
  end
  return apply
end

local ops = {
  add = numop(function(a, b) return a + b end, "add"),
  sub = numop(function(a, b) return a - b end, "sub"),
  mul = numop(function(a, b) return a * b end, "mul"),
  div = numop(function(a, b) return a / b end, "div"),
  mod = numop(function(a, b) return a % b end, "mod"),
}
-- pat:add(12), pat:sub("<0 2>"), pat:mul(2), pat:div(4): arithmetic with the structure of pat.
for name, f in pairs(ops) do
  Pattern[name] = function(self, other)
    if not is_pattern(other) and type(other) ~= "string" then
      return self:fmap(function(v) return f(v, other) end)
    end
    return app_left(self, reify(other), f)
  end
end

-- pat:set(tbl) merges the fields of tbl (or of a pattern of tables) into every value.
function Pattern:set(other)
  local function merge(a, b)
    local t = is_record(a) and copy(a) or { value = a }
    if is_record(b) then for k, x in pairs(b) do t[k] = x end else t.value = b end
    return t
  end
  if is_pattern(other) then return app_left(self, other, merge) end
  return self:fmap(function(v) return merge(v, other) end)
end

-- pat:as("cutoff") turns values into {cutoff = v}; "note:s" names the items of list values.
function Pattern:as(name)
  if type(name) ~= "string" or name == "" then
    error("as: expected a parameter name such as \"cutoff\" or \"note:s\"", 2)
  end
  local names = {}
  for part in name:gmatch("[^:]+") do names[#names + 1] = part end
  return self:fmap(function(v)
    local t = {}
    if #names > 1 and is_list(v) then
      for i, k in ipairs(names) do t[k] = v[i] end
    else
      t[names[1]] = v
    end
    return t
  end)
end
Pattern.params = Pattern.as

-- pat:nudge(0.01): onset shifted by 0.01 seconds, kept in a `nudge` field for the scheduler.
Pattern.nudge = patterned(1, function(pat, s)
  local x = tonum(s, "nudge")
  return pat:fmap(function(v) return set_field(v, "nudge", x) end)
end)

-- pat:pan(x): sets the pan field, in lute's range: -1 = left, 0 = centre, 1 = right (Strudel's
-- pan is 0 .. 1; lute's channel strips and notes use -1 .. 1 throughout).
Pattern.pan = patterned(1, function(pat, x)
  local p = tonum(x, "pan")
  return pat:fmap(function(v) return set_field(v, "pan", p) end)
end)

-- pat:range(lo, hi): scales values from 0..1 to lo..hi.
Pattern.range = patterned(2, function(pat, lo, hi)
  lo, hi = tonum(lo, "range"), tonum(hi, "range")
  return pat:fmap(function(v) return tidy(tonum(v, "range") * (hi - lo) + lo) end)
end)

-- pat:rangex(lo, hi): like range on an exponential curve (for frequencies).
Pattern.rangex = patterned(2, function(pat, lo, hi)
  lo, hi = tonum(lo, "rangex"), tonum(hi, "rangex")
  if lo <= 0 or hi <= 0 then error(("rangex: bounds must be positive, got %s and %s"):format(lo, hi), 0) end
  local a, b = math.log(lo), math.log(hi)
  return pat:fmap(function(v) return math.exp(tonum(v, "rangex") * (b - a) + a) end)
end)

------------------------------------------------------------------------------------------------
-- Structure

-- pat:struct("x ~ x x"): the rhythm of the (boolean) argument, values from pat.
function Pattern:struct(bp)
  if type(bp) == "table" and not is_pattern(bp) then bp = P.sequence(unpack(bp)) end
  return app_right(self, reify(bp), function(a, b) if truthy(b) then return a end end)
end

-- pat:mask("1 0"): keeps pat's events where the mask is true.
function Pattern:mask(bp)
  if type(bp) == "table" and not is_pattern(bp) then bp = P.sequence(unpack(bp)) end
  return app_left(self, reify(bp), function(a, b) if truthy(b) then return a end end)
end

-- pat:segment(4): samples the pattern (often a signal) 4 times per cycle.
Pattern.segment = patterned(1, function(pat, n)
  return pat:struct(_fast(pure(true), numarg(n, "segment")))
end)

-- Bjorklund's algorithm as in Tidal/Strudel (euclid.mjs): pulses spread over steps.
local function bjorklund(pulses, steps, what)
  if mtype(pulses) ~= "integer" or mtype(steps) ~= "integer" then
    local p, s = tonumber(pulses), tonumber(steps)
    if p and s and p == floor(p) and s == floor(s) then
      pulses, steps = math.tointeger(p), math.tointeger(s)
    else
      error(("%s: pulses and steps must be whole numbers, got (%s, %s)")
        :format(what, tostring(pulses), tostring(steps)), 0)
    end
  end
  local inverted = pulses < 0
  if inverted then pulses = -pulses end
  local offs = steps - pulses
  if offs < 0 then
    error(("%s: %d pulses do not fit in %d steps"):format(what, pulses, steps), 0)
  end
  local a, b = {}, {}
  for i = 1, pulses do a[i] = { 1 } end
  for i = 1, offs do b[i] = { 0 } end
  local i, j = pulses, offs
  while math.min(i, j) > 1 do
    if i > j then
      local na, nb = {}, {}
      for k = 1, j do
        local t = { unpack(a[k]) }
        for _, x in ipairs(b[k]) do t[#t + 1] = x end
        na[k] = t
      end
      for k = j + 1, #a do nb[#nb + 1] = a[k] end
      a, b, i, j = na, nb, j, i - j
    else
      local na, nb = {}, {}
      for k = 1, i do
        local t = { unpack(a[k]) }
        for _, x in ipairs(b[k]) do t[#t + 1] = x end
        na[k] = t
      end
      for k = i + 1, #b do nb[#nb + 1] = b[k] end
      a, b, i, j = na, nb, i, j - i
    end
  end
  local out = {}
  for _, g in ipairs(a) do for _, x in ipairs(g) do out[#out + 1] = x end end
  for _, g in ipairs(b) do for _, x in ipairs(g) do out[#out + 1] = x end end
  if inverted then for k = 1, #out do out[k] = 1 - out[k] end end
  return out
end
P.bjorklund = bjorklund

-- JavaScript's arr.slice(n).concat(arr.slice(0, n)), as Strudel rotates Euclidean rhythms.
local function js_rotate(arr, n)
  local len = #arr
  n = math.tointeger(n >= 0 and floor(n) or -floor(-n)) or 0
  local k
  if n < 0 then k = math.max(len + n, 0) else k = math.min(n, len) end
  local out = {}
  for i = k + 1, len do out[#out + 1] = arr[i] end
  for i = 1, k do out[#out + 1] = arr[i] end
  return out
end

local function euclid_bools(p, s, r, what)
  local b = bjorklund(p, s, what)
  if r and r ~= 0 then b = js_rotate(b, -tonum(r, what)) end
  return b
end

local function bool_seq(bits)
  local vals = {}
  for i = 1, #bits do vals[i] = bits[i] == 1 end
  if #vals == 0 then return silence end
  return P.fastcat(unpack(vals))
end

-- pat:euclid(3, 8): Euclidean rhythm; negative pulses invert it.
Pattern.euclid = patterned(2, function(pat, p, s)
  return pat:struct(bool_seq(euclid_bools(p, s, nil, "euclid")))
end)
-- pat:euclidRot(3, 8, 2): rotated (Strudel rotates right by r steps).
Pattern.euclidRot = patterned(3, function(pat, p, s, r)
  return pat:struct(bool_seq(euclid_bools(p, s, r, "euclidRot")))
end)
Pattern.euclidrot = Pattern.euclidRot

-- pat:euclidLegato(3, 8[, r]): like euclid, each pulse held until the next one.
Pattern.euclidLegato = patterned(3, function(pat, p, s, r)
  local bits = euclid_bools(p, s, r, "euclidLegato")
  local first
  for i = 1, #bits do if bits[i] == 1 then first = i break end end
  if not first then return silence end
  local pieces, n = {}, #bits
  local k = first
  repeat
    local len = 1
    while bits[(k + len - 1) % n + 1] == 0 do len = len + 1 end
    pieces[#pieces + 1] = { len, true }
    k = k + len
  until k >= first + n
  return pat:struct(_late(P.timecat(unpack(pieces)), make(first - 1, n)))
end)

-- Signals ------------------------------------------------------------------------------------

-- Strudel's random generator (signal.mjs): a xorshift of the time, in 32-bit integer arithmetic
-- as JavaScript does it, so seeded randomness matches Strudel event for event.
local function i32(v)
  v = v & 0xffffffff
  if v >= 0x80000000 then v = v - 0x100000000 end
  return v
end
local function xorwise(x)
  local a = i32(i32(x << 13) ~ x)
  local b = i32((a // 131072) ~ a)
  return i32(i32(b << 5) ~ b)
end
P.xorwise = xorwise

local global_seed = 0
-- P.seed(n): global seed for every random operator (0 = Strudel's own sequence).
function P.seed(n)
  if n == nil then return global_seed end
  if mtype(n) ~= "integer" then
    local f = tonumber(n)
    if not f or f ~= floor(f) then error(("seed: expected an integer, got %q"):format(tostring(n)), 2) end
    n = math.tointeger(f)
  end
  global_seed = n
end

local function trunc(x) if x >= 0 then return floor(x) else return -floor(-x) end end
local function time_to_int_seed(x)
  local y = x / 300
  local fr = y - trunc(y)
  local v = math.tointeger(trunc(fr * 536870912))
  if global_seed ~= 0 then
    -- mix the seed into every bit (xorwise alone would barely move the result)
    v = xorwise(xorwise(i32(v ~ ((global_seed * 2654435761) & 0x1fffffff))) ~ global_seed)
  end
  return xorwise(v)
end
local function int_seed_to_rand(x) return math.fmod(x, 536870912) / 536870912 end
local function time_to_rand(t)
  if R.is(t) then t = t.n / t.d end
  return math.abs(int_seed_to_rand(time_to_int_seed(t)))
end
P.time_to_rand = time_to_rand

-- n random numbers for one time (Strudel's timeToRands), used by shuffle.
local function time_to_rands(t, n)
  if R.is(t) then t = t.n / t.d end
  local seed = time_to_int_seed(t)
  local out = {}
  for i = 1, n do
    out[i] = int_seed_to_rand(seed)
    seed = xorwise(seed)
  end
  return out
end

-- P.rand: continuous random values in [0, 1); P.irand(n): integers 0..n-1; P.perlin: smooth noise.
P.rand = P.signal(function(t) return time_to_rand(t) end)
function P.irand(n)
  local function f(k)
    k = tonum(k, "irand")
    return P.rand:fmap(function(x) return floor(x * k) end)
  end
  if is_pattern(n) or type(n) == "string" then return inner_join(reify(n):fmap(f)) end
  return f(n)
end
P.time = P.signal(function(t) return t end)
P.saw = P.signal(function(t) return (t - sam(t)):tonumber() end)
P.sine = P.signal(function(t) return (math.sin(2 * math.pi * (t - sam(t)):tonumber()) + 1) / 2 end)
P.square = P.signal(function(t) return floor(((t - sam(t)):tonumber()) * 2) end)
P.tri = P.signal(function(t)
  local x = (t - sam(t)):tonumber()
  return x < 0.5 and 2 * x or 2 - 2 * x
end)
P.perlin = P.signal(function(t)
  local x = t:tonumber()
  local a = floor(x)
  local f = x - a
  local s = 6 * f ^ 5 - 15 * f ^ 4 + 10 * f ^ 3
  local ra, rb = time_to_rand(a), time_to_rand(a + 1)
  return ra + s * (rb - ra)
end)

-- P.run(4): 0 1 2 3 in one cycle.
function P.run(n)
  local function f(k)
    k = tonum(k, "run")
    if k ~= floor(k) or k < 0 then error(("run: expected a whole number >= 0, got %s"):format(k), 0) end
    local vals = {}
    for i = 1, k do vals[i] = i - 1 end
    if #vals == 0 then return silence end
    return P.fastcat(unpack(vals))
  end
  if is_pattern(n) or type(n) == "string" then return inner_join(reify(n):fmap(f)) end
  return f(n)
end

-- Randomness ---------------------------------------------------------------------------------

local function degrade_with(pat, rp, x)
  return app_left(pat, rp, function(a, r) if r >= x then return a end end)
end
local function undegrade_with(pat, rp, x)
  return app_left(pat, rp, function(a, r) if r < x then return a end end)
end
P.degrade_with = degrade_with

-- pat:degradeBy(0.3): removes each event with probability 0.3 (seeded, repeatable).
Pattern.degradeBy = patterned(1, function(pat, x)
  return degrade_with(pat, P.rand, tonum(x, "degradeBy"))
end)
function Pattern:degrade() return self:degradeBy(0.5) end
-- pat:undegradeBy(0.3): keeps exactly the events degradeBy(0.3) removes.
Pattern.undegradeBy = patterned(1, function(pat, x)
  return undegrade_with(pat, P.rand, tonum(x, "undegradeBy"))
end)

-- pat:sometimesBy(0.3, f): f applied to each event with probability 0.3.
-- (Strudel uses degradeBy(x) for the untouched events and the complementary events for f.)
function Pattern:sometimesBy(x, f)
  local pat = self
  local function g(p)
    p = tonum(p, "sometimesBy")
    return stack(degrade_with(pat, P.rand, p), f(undegrade_with(pat, P.rand, p)))
  end
  if is_pattern(x) or type(x) == "string" then return inner_join(reify(x):fmap(g)) end
  return g(x)
end
function Pattern:sometimes(f) return self:sometimesBy(0.5, f) end
function Pattern:often(f) return self:sometimesBy(0.75, f) end
function Pattern:rarely(f) return self:sometimesBy(0.25, f) end
function Pattern:almostNever(f) return self:sometimesBy(0.1, f) end
function Pattern:almostAlways(f) return self:sometimesBy(0.9, f) end
function Pattern:always(f) return f(self) end
function Pattern:never(_) return self end

-- pat:someCyclesBy(0.3, f): f applied to whole cycles with probability 0.3.
function Pattern:someCyclesBy(x, f)
  local pat = self
  local function g(p)
    p = tonum(p, "someCyclesBy")
    local r = P.rand:segment(1)
    return stack(degrade_with(pat, r, p), f(undegrade_with(pat, r, p)))
  end
  if is_pattern(x) or type(x) == "string" then return inner_join(reify(x):fmap(g)) end
  return g(x)
end
function Pattern:someCycles(f) return self:someCyclesBy(0.5, f) end

-- P.chooseInWith(rp, {a, b}): picks one pattern per event of rp (values 0..1), inner join.
function P.chooseInWith(rp, xs)
  local pats = {}
  for i, x in ipairs(xs) do pats[i] = reify(x) end
  if #pats == 0 then return silence end
  local n = #pats
  return inner_join(rp:fmap(function(r)
    local i = floor(r * n)
    if i >= n then i = n - 1 end
    return pats[i + 1]
  end))
end
-- P.randcat(a, b, ...): one random pattern per cycle.
function P.randcat(...)
  return P.chooseInWith(P.rand:segment(1), { ... })
end

-- pat:shuffle(n): the n parts of each cycle in a random order (each once).
Pattern.shuffle = patterned(1, function(pat, n)
  n = math.tointeger(tonum(n, "shuffle"))
  if not n or n < 1 then error("shuffle: expected a whole number >= 1", 0) end
  local parts = {}
  for i = 1, n do parts[i] = pat:zoom(make(i - 1, n), make(i, n)) end
  local perm = new(splitq(function(b, e)
    local c = sam(b)
    local rs = time_to_rands(c, n)
    local idx = {}
    for i = 1, n do idx[i] = i end
    table.sort(idx, function(x, y) if rs[x] ~= rs[y] then return rs[x] < rs[y] end return x < y end)
    local seqp = _fast(P.slowcatPrime(unpack(idx)), make(n, 1))
    return seqp._q(b, e)
  end))
  return perm:fmap(function(i) return parts[i] end):squeezeJoin()
end)

------------------------------------------------------------------------------------------------
-- Transformations by cycle

-- pat:every(3, f) (alias firstOf): f applied on cycles 0, 3, 6 ...
function Pattern:firstOf(n, f)
  local function g(k)
    k = math.tointeger(tonum(k, "firstOf"))
    if not k or k < 1 then return self end
    local pats = { f(self) }
    for i = 2, k do pats[i] = self end
    return P.slowcatPrime(unpack(pats))
  end
  if is_pattern(n) or type(n) == "string" then return inner_join(reify(n):fmap(g)) end
  return g(n)
end
Pattern.every = Pattern.firstOf

-- pat:lastOf(3, f): f applied on cycles 2, 5, 8 ...
function Pattern:lastOf(n, f)
  local function g(k)
    k = math.tointeger(tonum(k, "lastOf"))
    if not k or k < 1 then return self end
    local pats = {}
    for i = 1, k - 1 do pats[i] = self end
    pats[k] = f(self)
    return P.slowcatPrime(unpack(pats))
  end
  if is_pattern(n) or type(n) == "string" then return inner_join(reify(n):fmap(g)) end
  return g(n)
end

-- pat:when("<1 0>", f): f applied where the boolean pattern is true.
function Pattern:when(bp, f)
  local pat, fp = self, f(self)
  return inner_join(reify(bp):fmap(function(b) if truthy(b) then return fp end return pat end))
end

-- pat:palindrome(): forwards, then backwards, alternating cycles.
function Pattern:palindrome() return self:lastOf(2, function(p) return p:rev() end) end

-- pat:iter(4): each cycle starts a quarter later in the pattern; iterBack goes the other way.
local function iter(pat, n, back)
  n = math.tointeger(tonum(n, "iter"))
  if not n or n < 1 then error("iter: expected a whole number >= 1", 0) end
  local pats = {}
  for i = 0, n - 1 do
    local t = make(i, n)
    pats[i + 1] = back and _late(pat, t) or _late(pat, -t)
  end
  return P.slowcat(unpack(pats))
end
Pattern.iter = patterned(1, function(pat, n) return iter(pat, n, false) end)
Pattern.iterBack = patterned(1, function(pat, n) return iter(pat, n, true) end)

-- pat:ply(2): every event repeated twice within its own duration.
Pattern.ply = patterned(1, function(pat, n)
  local f = numarg(n, "ply")
  return pat:fmap(function(v) return _fast(pure(v), f) end):squeezeJoin()
end)

-- pat:chunk(4, f): f applied to one quarter of the cycle, a different quarter each cycle.
function Pattern:chunk(n, f)
  local k = math.tointeger(tonum(n, "chunk"))
  if not k or k < 1 then error("chunk: expected a whole number >= 1", 2) end
  local bits = { true }
  for i = 2, k do bits[i] = false end
  return self:when(iter(P.fastcat(unpack(bits)), k, true), f)
end
function Pattern:chunkBack(n, f)
  local k = math.tointeger(tonum(n, "chunkBack"))
  local bits = { true }
  for i = 2, k do bits[i] = false end
  return self:when(iter(P.fastcat(unpack(bits)), k, false), f)
end

-- pat:linger(0.25): the first quarter of each cycle, repeated; negative: the last part.
Pattern.linger = patterned(1, function(pat, t)
  t = numarg(t, "linger")
  if t.n == 0 then return silence end
  if t.n < 0 then return _fast(pat:zoom(t + ONE, ONE), ONE / (-t)) end
  return _fast(pat:zoom(ZERO, t), ONE / t)
end)

-- pat:swingBy(1/3, 4): in each quarter, the second half is delayed by 1/3 of half a quarter.
function Pattern:swingBy(x, n)
  return self:inside(n, function(p) return p:late(P.fastcat(0, P.reify(x):fmap(function(v)
    return from(tonum(v, "swingBy")) / 2 end))) end)
end
function Pattern:swing(n) return self:swingBy(make(1, 3), n) end

-- pat:juxBy(by, f): the pattern moved left by `by` and f(pattern) moved right by `by` from its pan
-- (0, the centre, unless it has one), within lute's -1 .. 1.  jux(f) is juxBy(1, f): the original
-- hard left, the transformed copy hard right, as in Strudel.
function Pattern:juxBy(by, f)
  local b = tonum(by, "juxBy")
  local function moved(d)
    return function(v)
      local p = (is_record(v) and type(v.pan) == "number" and v.pan or 0) + d
      return set_field(v, "pan", p < -1 and -1 or p > 1 and 1 or p)
    end
  end
  return stack(self:fmap(moved(-b)), f(self:fmap(moved(b))))
end
function Pattern:jux(f) return self:juxBy(1, f) end

-- pat:chop(4): each event cut in 4, with begin/end fields naming the slice of the sample (on a
-- synth track, the note is played 4 times in the event's time).  A plain value is wrapped as
-- {value = v, begin =, end =}, as every operator that adds a field does.
Pattern.chop = patterned(1, function(pat, n)
  local k = math.tointeger(tonum(n, "chop"))
  if not k or k < 1 then error("chop: expected a whole number >= 1", 0) end
  return pat:squeezeBind(function(v)
    local t = is_record(v) and v or { value = v }
    local b0, e0 = t.begin or 0, t["end"] or 1
    local parts = {}
    for i = 0, k - 1 do
      local c = copy(t)
      c.begin = b0 + (e0 - b0) * i / k
      c["end"] = b0 + (e0 - b0) * (i + 1) / k
      parts[#parts + 1] = c
    end
    return P.fastcat(unpack(parts))
  end)
end)

-- pat:striate(4): the pattern played 4 times per cycle, each time a later slice of the samples.
Pattern.striate = patterned(1, function(pat, n)
  local k = math.tointeger(tonum(n, "striate"))
  if not k or k < 1 then error("striate: expected a whole number >= 1", 0) end
  local slices = {}
  for i = 0, k - 1 do slices[#slices + 1] = { begin = i / k, ["end"] = (i + 1) / k } end
  local sp = P.slowcat(unpack(slices))
  return _fast(app_left(pat, sp, function(a, s)
    local t = is_record(a) and copy(a) or { value = a }
    t.begin, t["end"] = s.begin, s["end"]
    return t
  end), make(k, 1))
end)

-- pat:fit(): sample speed so each sample (or its begin..end slice) lasts exactly its event;
-- speed is in units of cycles (unit = "c"): the sampler multiplies it by cycles per second.
function Pattern:fit()
  return self:withHap(function(h)
    if not h.whole then return h end
    local v = is_record(h.value) and copy(h.value) or { value = h.value }
    local slicedur = (v["end"] or 1) - (v.begin or 0)
    v.speed = slicedur / (h.whole.e - h.whole.b):tonumber()
    v.unit = "c"
    return hap(h.whole, h.part, v)
  end)
end

-- The slice [begin, end) that index i of n names: n slices of equal length, or n a list of begin
-- points ({0, 0.3, 0.7}: slices between them, the last one to the end).  i wraps (slice 5 of 4 is
-- slice 1; Strudel plays nothing past the end), so a pattern of indices may count freely.
local function slice_bounds(n, i, what)
  i = math.tointeger(floor(tonum(i, what)))
  if is_list(n) then
    local k = #n
    local j = i % k
    local b, e = tonum(n[j + 1], what), n[j + 2] ~= nil and tonum(n[j + 2], what) or 1
    if not (b >= 0 and b <= 1 and e >= b and e <= 1) then
      error(("%s: slice points are ascending fractions 0 .. 1, got %s and %s"):format(what, b, e), 0)
    end
    return b, e, j, k
  end
  local k = math.tointeger(tonum(n, what))
  if not k or k < 1 then error(("%s: the number of slices is a whole number >= 1, got %s"):format(what, tostring(n)), 0) end
  local j = i % k
  return j / k, (j + 1) / k, j, k
end

-- pat:slice(n, "0 2 1 3"): the rhythm of the index pattern, each event playing slice i of n of the
-- sample pat names (begin = i/n, end = (i+1)/n), as Strudel's slice; n may be a pattern ("<4 8>")
-- or a list of begin points.  The slice is also kept as `_slice` and `_slices`, so that a track
-- with onsets = true plays the i-th slice between detected onsets instead.
function Pattern:slice(n, ipat)
  local npat = (type(n) == "table" and not is_pattern(n)) and pure(n) or reify(n)
  local opat = self
  return npat:innerBind(function(nv)
    return reify(ipat):outerBind(function(i)
      return opat:outerBind(function(o)
        local b, e, j, k = slice_bounds(nv, i, "slice")
        local t = is_record(o) and copy(o) or { value = o }
        t.begin, t["end"], t._slice, t._slices = b, e, j, k
        return pure(t)
      end)
    end)
  end)
end

-- pat:splice(n, "0 2 1 3"): slice, with the speed that makes each slice last exactly its event
-- (speed in cycles, unit = "c", times any speed the value had), as Strudel's splice.
function Pattern:splice(n, ipat)
  return self:slice(n, ipat):withHap(function(h)
    if not h.whole then return h end
    local v = copy(h.value)
    v.speed = (v["end"] - v.begin) / (h.whole.e - h.whole.b):tonumber() * (v.speed or 1)
    v.unit = "c"
    v._splice = true
    return hap(h.whole, h.part, v)
  end)
end

-- pat:loopAt(2): the sample lasts 2 cycles (speed 1/2 in cycles, unit = "c") and the pattern is
-- slowed to match, as Strudel's loopAt; with chop or striate after it, each piece fits its event.
Pattern.loopAt = patterned(1, function(pat, n)
  local f = tonum(n, "loopAt")
  if not (f > 0) then error(("loopAt: the number of cycles is above 0, got %s"):format(tostring(n)), 0) end
  return _fast(pat:fmap(function(v)
    local t = is_record(v) and copy(v) or { value = v }
    t.speed, t.unit = 1 / f, "c"
    return t
  end), ONE / totime(n, "loopAt"))
end)
Pattern.loopat = Pattern.loopAt

-- Controls: pat:speed(2), pat:room("<0 .3>") ... set one field of every value, with the structure
-- of pat (an argument that is a pattern gives its value at each event's time), as Strudel's
-- controls do.  P.control(name) makes one (lute/strudel_fx.lua adds the effect names).
function P.control(name)
  local f = patterned(1, function(pat, x)
    return pat:fmap(function(v) return set_field(v, name, x) end)
  end)
  Pattern[name] = f
  return f
end
-- The sampler's per-event fields (docs/sampler.md): `end` is a Lua keyword, so it is p["end"](p, 0.5)
-- or p:set{ ["end"] = 0.5 }.
for _, name in ipairs({ "s", "n", "speed", "begin", "end", "cut", "loop", "gain", "vel", "legato", "unit",
                        "stretch", "pitch" }) do
  if Pattern[name] == nil then P.control(name) end
end

-- Arpeggios -----------------------------------------------------------------------------------

local function rev_list(xs) local t = {} for i = #xs, 1, -1 do t[#t + 1] = xs[i] end return t end
local function init(xs) local t = {} for i = 1, #xs - 1 do t[i] = xs[i] end return t end
local function concat(a, b) local t = { unpack(a) } for _, x in ipairs(b) do t[#t + 1] = x end return t end
local converge
local function converge2(xs)
  if #xs == 0 then return {} end
  return concat({ xs[#xs] }, converge(init(xs)))
end
function converge(xs)
  if #xs == 0 then return {} end
  local rest = { unpack(xs, 2) }
  return concat({ xs[1] }, converge2(rest))
end
local function pinkyup(xs)
  local t = {}
  for i = 1, #xs - 1 do t[#t + 1] = xs[i]; t[#t + 1] = xs[#xs] end
  return t
end
local function thumbup(xs)
  local t = {}
  for i = 2, #xs do t[#t + 1] = xs[1]; t[#t + 1] = xs[i] end
  return t
end
-- The modes of Tidal's arp.
P.arp_modes = {
  up = function(x) return x end,
  down = rev_list,
  updown = function(x) return concat(init(x), init(rev_list(x))) end,
  downup = function(x) return concat(init(rev_list(x)), init(x)) end,
  ["up&down"] = function(x) return concat(x, rev_list(x)) end,
  ["down&up"] = function(x) return concat(rev_list(x), x) end,
  converge = converge,
  diverge = function(x) return rev_list(converge(x)) end,
  disconverge = function(x) local c = converge(x) return concat(c, { unpack(rev_list(c), 2) }) end,
  pinkyup = pinkyup,
  pinkyupdown = function(x) return concat(init(pinkyup(x)), init(rev_list(pinkyup(x)))) end,
  thumbup = thumbup,
  thumbupdown = function(x) return concat(init(thumbup(x)), init(rev_list(thumbup(x)))) end,
}

-- pat:arp("updown"): plays the notes of each chord (a list value, or events stacked on the same
-- whole) one after another within the chord's duration, in the order the mode gives.
Pattern.arp = patterned(1, function(pat, mode)
  local f = P.arp_modes[mode]
  if not f then
    local names = {}
    for k in pairs(P.arp_modes) do names[#names + 1] = k end
    table.sort(names)
    error(("arp: unknown mode %q (known: %s)"):format(tostring(mode), table.concat(names, " ")), 0)
  end
  local q = pat._q
  return new(function(b, e)
    local hs = q(b, e)
    local groups, order = {}, {}
    for _, h in ipairs(hs) do
      if h.whole then
        local key = tostring(h.whole.b) .. "|" .. tostring(h.whole.e) .. "|" .. tostring(h.part.b)
        if not groups[key] then groups[key] = { h = h, notes = {} }; order[#order + 1] = key end
        local g = groups[key]
        if is_list(h.value) then
          for _, x in ipairs(h.value) do g.notes[#g.notes + 1] = x end
        else
          g.notes[#g.notes + 1] = h.value
        end
      end
    end
    local out = {}
    for _, key in ipairs(order) do
      local g = groups[key]
      local notes = f(g.notes)
      local w = g.h.whole
      local d = (w.e - w.b) / make(#notes, 1)
      for i, x in ipairs(notes) do
        local nb = w.b + d * make(i - 1, 1)
        local nw = span(nb, nb + d)
        local p = sect(nw, g.h.part)
        if p then out[#out + 1] = hap(nw, p, x) end
      end
    end
    return out
  end)
end)

-- Theory ----------------------------------------------------------------------------------------

-- pat:scale("C:major"): scale degrees (0 = tonic, negative below) to MIDI note numbers,
-- through theory.scale_degree; list values are mapped item by item, a record's n field
-- becomes its note field.
function Pattern:scale(name)
  local theory = require "theory"
  local function to_midi(scale_name, v)
    if is_list(v) then
      local t = {}
      for i, x in ipairs(v) do t[i] = to_midi(scale_name, x) end
      return t
    end
    if is_record(v) then
      local t = copy(v)
      if t.n ~= nil then t.note = to_midi(scale_name, t.n); t.n = nil end
      return t
    end
    local d = tonumber(v)
    if not d then error(("scale: degree must be a number, got %q"):format(tostring(v)), 0) end
    return theory.scale_degree(scale_name, math.tointeger(d) or d)
  end
  local function fixname(n)
    if is_list(n) then
      local parts = {}
      for i, x in ipairs(n) do parts[i] = tostring(x) end
      return table.concat(parts, ":")
    end
    return tostring(n)
  end
  if type(name) == "string" and not name:find("[<%[{]") then
    return self:fmap(function(v) return to_midi(name, v) end)
  end
  return app_left(self, reify(name), function(v, n) return to_midi(fixname(n), v) end)
end

------------------------------------------------------------------------------------------------
-- Polymeter

-- P.polymeter({a, b, c}, {d, e}): each list plays one step per step of the first list.
function P.polymeterSteps(steps, ...)
  local seqs = { ... }
  local pats = {}
  for i, s in ipairs(seqs) do
    if type(s) ~= "table" or is_pattern(s) then
      error(("polymeter: argument %d must be a list of values"):format(i), 2)
    end
    if #s > 0 then pats[#pats + 1] = _fast(P.sequence(unpack(s)), totime(steps, "polymeter") / make(#s, 1)) end
  end
  return stack(unpack(pats))
end
function P.polymeter(...)
  local first = ...
  if type(first) ~= "table" or #first == 0 then return silence end
  return P.polymeterSteps(#first, ...)
end

------------------------------------------------------------------------------------------------
-- Display

local function vtext(v)
  if is_list(v) then
    local t = {}
    for i, x in ipairs(v) do t[i] = vtext(x) end
    return table.concat(t, ":")
  elseif is_record(v) then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local t = {}
    for i, k in ipairs(keys) do t[i] = k .. "=" .. vtext(v[k]) end
    return "{" .. table.concat(t, " ") .. "}"
  end
  return tostring(v)
end
P.value_text = vtext

-- pat:show(cycles): the events of the first `cycles` cycles (default 1), one per line as
-- "begin end value" (a fragment shows its whole in brackets), then a text piano roll: one row per
-- distinct value, one column per step ("#" onset, "=" held, "." silent) at the finest step the
-- events need (at most 64 columns per cycle).
function Pattern:show(cycles)
  cycles = cycles or 1
  local evs = self:events(0, cycles)
  local lines = {}
  local den = 1
  local function lcm(a, b)
    local x, y = a, b
    while y ~= 0 do x, y = y, x % y end
    return a // x * b
  end
  for _, h in ipairs(evs) do
    local l = ("%s %s %s"):format(tostring(h.part.b), tostring(h.part.e), vtext(h.value))
    if not (req(h.part.b, h.whole.b) and req(h.part.e, h.whole.e)) then
      l = l .. (" (whole %s %s)"):format(tostring(h.whole.b), tostring(h.whole.e))
    end
    lines[#lines + 1] = l
    for _, t in ipairs({ h.part.b, h.part.e }) do
      local nd = lcm(den, t.d)
      if nd <= 64 then den = nd end
    end
  end
  local rows, names = {}, {}
  local width = math.tointeger(cycles * den) or 0
  for _, h in ipairs(evs) do
    local name = vtext(h.value)
    if not rows[name] then
      rows[name] = {}
      for i = 1, width do rows[name][i] = "." end
      names[#names + 1] = name
    end
    local row = rows[name]
    local b0 = floor(h.part.b:tonumber() * den + 1e-9)
    local e0 = math.max(b0 + 1, math.ceil(h.part.e:tonumber() * den - 1e-9))
    for i = b0, e0 - 1 do
      if i >= 0 and i < width then
        local onset = i == b0 and req(h.part.b, h.whole.b)
        if onset then row[i + 1] = "#" elseif row[i + 1] ~= "#" then row[i + 1] = "=" end
      end
    end
  end
  table.sort(names)
  local namew = 1
  for _, n in ipairs(names) do namew = math.max(namew, #n) end
  if #names > 0 then lines[#lines + 1] = "" end
  for _, n in ipairs(names) do
    local cells = {}
    for c = 0, cycles - 1 do
      cells[#cells + 1] = "|" .. table.concat(rows[n], "", c * den + 1, (c + 1) * den)
    end
    lines[#lines + 1] = ("%-" .. namew .. "s %s|"):format(n, table.concat(cells))
  end
  return table.concat(lines, "\n")
end

function Pattern:__tostring() return "Pattern" end

------------------------------------------------------------------------------------------------
-- Function forms, as Strudel exports them: P.fast(2, pat), P.rev(pat) ...

for _, name in ipairs({ "fast", "slow", "early", "late", "ply", "iter", "iterBack", "segment",
  "degradeBy", "undegradeBy", "linger", "hurry", "chop", "striate", "nudge", "range", "rangex",
  "euclid", "euclidRot", "euclidLegato", "repeatCycles", "arp", "shuffle", "pan", "loopAt" }) do
  local m = Pattern[name]
  P[name] = function(...)
    local args = pack(...)
    local pat = reify(args[args.n])
    return m(pat, unpack(args, 1, args.n - 1))
  end
end
for _, name in ipairs({ "rev", "palindrome", "degrade", "fit" }) do
  local m = Pattern[name]
  P[name] = function(pat) return m(reify(pat)) end
end
for _, name in ipairs({ "every", "firstOf", "lastOf", "when", "sometimesBy", "someCyclesBy",
  "chunk", "off", "swingBy", "juxBy", "slice", "splice" }) do
  local m = Pattern[name]
  P[name] = function(a, b, pat) return m(reify(pat), a, b) end
end
for _, name in ipairs({ "sometimes", "often", "rarely", "almostNever", "almostAlways", "always",
  "never", "superimpose", "jux", "swing", "struct", "mask", "scale", "set", "as", "add", "sub",
  "mul", "div" }) do
  local m = Pattern[name]
  P[name] = function(a, pat) return m(reify(pat), a) end
end

return P
