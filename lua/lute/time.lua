-- lute/time.lua — musical time: exact rationals for bars and beats, the meter map (bars <-> beats),
-- the tempo map (beats <-> seconds and frames) and the transport's origin (frames).
--
-- A bar is one pattern cycle; a bar of num/den lasts num * 4/den quarter-note beats.  Transport bars
-- and beats count from play(); the tempo map gives seconds from transport beat 0, and a beat's frame
-- is the origin plus those seconds at the engine's rate, rounded to the nearest frame.
local R = require "rational"
local E = require "lute.engine"
local S = require "lute.state"

local T = {}
local Rmt = getmetatable(R(0))

-- A float beat count to an exact rational: integers stay exact, and floats become the nearest
-- fraction with a denominator up to 9600 (enough for any musical subdivision, triplets included).
-- Strings are read exactly ("3/8", "0.25").  NaN and infinities are errors.
function T.to_r(x)
  if getmetatable(x) == Rmt then return x end
  if type(x) == "string" then return R.from(x) end
  if math.type(x) == "integer" then return R(x, 1) end
  if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
    error(("expected a finite number of beats or bars, got %s"):format(tostring(x)), 0)
  end
  -- the best approximation with a denominator up to 9600, by continued fractions (a few steps)
  local sign = x < 0 and -1 or 1
  x = math.abs(x)
  local h0, h1, k0, k1 = 0, 1, 1, 0
  local a = x
  for _ = 1, 40 do
    local ai = math.floor(a)
    local h2, k2 = ai * h1 + h0, ai * k1 + k0
    if k2 > 9600 then break end
    h0, h1, k0, k1 = h1, h2, k1, k2
    if math.abs(h1 / k1 - x) < 1e-12 or a == ai then break end
    a = 1 / (a - ai)
  end
  return R(sign * math.tointeger(h1), math.tointeger(k1))
end
local to_r = T.to_r

-- ---------------------------------------------------------------------------------------------
-- Meter map: transport bars <-> beats
-- ---------------------------------------------------------------------------------------------
function T.meter_at_bar(c)
  local m = S.meters[1]
  for i = 2, #S.meters do if S.meters[i].bar <= c then m = S.meters[i] else break end end
  return m
end

function T.bar_to_beat(c)   -- c: rational transport bar
  local m = T.meter_at_bar(c)
  return m.beat + (c - m.bar) * R(m.num * 4, m.den)
end

function T.beat_to_bar(b)   -- b: rational beat
  local m = S.meters[1]
  for i = 2, #S.meters do if S.meters[i].beat <= b then m = S.meters[i] else break end end
  return m.bar + (b - m.beat) / R(m.num * 4, m.den)
end

-- Transport bar (a float) at beat b (a float): the scheduler's window arithmetic.
function T.bar_at_beat(b)
  local m = S.meters[1]
  for i = 2, #S.meters do if S.meters[i].beat:tonumber() <= b then m = S.meters[i] else break end end
  return m.bar:tonumber() + (b - m.beat:tonumber()) * m.den / (m.num * 4)
end

-- After S.meters changed: sorted by bar, and each entry's beat computed from the ones before.  The
-- first entry keeps its beat (bar 0 is beat 0; older entries may have been pruned as history).
function T.rebuild_meter_beats()
  table.sort(S.meters, function(a, b) return a.bar < b.bar end)
  S.meters[1].beat = S.meters[1].beat or R(0)
  for i = 2, #S.meters do
    local p, m = S.meters[i - 1], S.meters[i]
    m.beat = p.beat + (R(m.bar) - p.bar) * R(p.num * 4, p.den)
  end
  for _, m in ipairs(S.meters) do m.bar = R(m.bar) end
end

-- "7/8" -> 7, 8; an error (at `level`) for anything that is not a time signature.
function T.parse_meter(s, level)
  local num, den = tostring(s):match("^%s*(%d+)%s*/%s*(%d+)%s*$")
  num, den = tonumber(num), tonumber(den)
  if not num or num < 1 or num > 64 or not (den == 1 or den == 2 or den == 4 or den == 8 or den == 16 or den == 32) then
    error(("meter '%s' is not a time signature like \"4/4\", \"7/8\" or \"5/4\""):format(tostring(s)), level or 3)
  end
  return num, den
end

-- ---------------------------------------------------------------------------------------------
-- The tempo map
-- ---------------------------------------------------------------------------------------------
-- The engine's map (core.tempo) holds at most 256 segments; a live set adds one each time a reload
-- or a jump lays the tempo out again from a later bar, for hours.  So the map here is a list of
-- *eras*: an engine map that starts at beat `beat` and second `sec` of the transport.  When an era
-- is nearly full, the next change starts a new era at its beat; only the last few eras are kept
-- (the playhead is never more than a lookahead behind the scheduler, which writes in the newest).
-- A change that would not change the map (the same tempo, nothing after it) adds nothing.
local ERA_SEGMENTS = 200   -- segments written into one era before a new one starts
local ERAS_KEPT = 4

local Tempo = {}
Tempo.__index = Tempo

function T.new_tempo(bpm)
  if type(bpm) ~= "number" or not (bpm >= 1 and bpm <= 1000) then
    error(("tempo must be a number of beats per minute, 1 .. 1000, got %s"):format(tostring(bpm)), 0)
  end
  return setmetatable({ sr = E.rate(), last_beat = 0, last_end = 0,
                        eras = { { beat = 0, sec = 0, map = E.tempo_map(bpm), n = 1 } } }, Tempo)
end

local function era_at_beat(self, b)
  local eras = self.eras
  for i = #eras, 2, -1 do if eras[i].beat <= b then return eras[i] end end
  return eras[1]
end

function Tempo:seconds(b)
  local e = era_at_beat(self, b)
  return e.sec + e.map:seconds(b - e.beat)
end

function Tempo:frame(b)
  local e = era_at_beat(self, b)
  if e.beat == 0 and e.sec == 0 then return e.map:frame(b) end   -- exactly the engine's rounding
  local x = (e.sec + e.map:seconds(b - e.beat)) * self.sr
  return x >= 0 and math.floor(x + 0.5) or -math.floor(-x + 0.5)
end

function Tempo:bpm(b)
  b = b or 0
  local e = era_at_beat(self, b)
  return e.map:bpm(b - e.beat)
end

function Tempo:beat_at_frame(f)
  local eras, e = self.eras, self.eras[1]
  local sec = f / self.sr
  for i = #eras, 2, -1 do if eras[i].sec <= sec then e = eras[i]; break end end
  if e.beat == 0 and e.sec == 0 then return e.map:beat_at_frame(f) end
  return e.beat + e.map:beat_at_frame(math.floor((sec - e.sec) * self.sr + 0.5))
end

-- The era a change at beat b is written into: later eras are dropped (a change rewrites the map
-- from b on); a full era starts a new one at b, beginning at the tempo in effect there.
local function era_for_change(self, b)
  local eras = self.eras
  while #eras > 1 and eras[#eras].beat >= b do eras[#eras] = nil end
  local e = eras[#eras]
  if e.n < ERA_SEGMENTS then return e end
  local ne = { beat = b, sec = self:seconds(b), map = E.tempo_map(self:bpm(b)), n = 1 }
  eras[#eras + 1] = ne
  while #eras > ERAS_KEPT do table.remove(eras, 1) end
  return ne
end

local function check(ok, err)
  if not ok then error(err, 0) end
end

-- From beat b on, `bpm` (what follows b is rewritten).
function Tempo:set(b, bpm)
  if b >= self.last_end and self:bpm(b) == bpm then return end   -- no change
  local e = era_for_change(self, b)
  check(pcall(e.map.set, e.map, b - e.beat, bpm))
  e.n = e.n + 1
  self.last_beat, self.last_end = b, b
end

-- From beat b, a linear ramp to `bpm` over `len` beats, then held.
function Tempo:ramp(b, bpm, len)
  local e = era_for_change(self, b)
  check(pcall(e.map.ramp, e.map, b - e.beat, bpm, len))
  e.n = e.n + 1
  self.last_beat, self.last_end = b, b + len
end

-- Segments written into the map's eras (for tests of the pruning).
function Tempo:size()
  local n = 0
  for _, e in ipairs(self.eras) do n = n + e.n end
  return n, #self.eras
end

S.tempo = T.new_tempo(120)

-- ---------------------------------------------------------------------------------------------
-- Frames
-- ---------------------------------------------------------------------------------------------
function T.frame_of_beat(b)
  return S.origin + S.tempo:frame(type(b) == "number" and b or b:tonumber())
end
function T.frame_of_bar(c) return T.frame_of_beat(T.bar_to_beat(c)) end

-- ---------------------------------------------------------------------------------------------
-- Settings that shape time
-- ---------------------------------------------------------------------------------------------
-- lute.quantum: changes land on multiples of this many bars (1 = the next bar).
T.quantum = R(1)

-- The quantum as a rational, or an error saying what a quantum is.
function T.check_quantum(q)
  local ok, r = pcall(to_r, q)
  if not ok or (type(q) ~= "number" and type(q) ~= "string") or not (r > R(0)) or r > R(64) then
    error(("lute.quantum is a number of bars above 0 and at most 64 (1 = the next bar, 1/4 = the next beat "
      .. "in 4/4), got %s"):format(type(q) == "string" and ("%q"):format(q) or tostring(q)), 0)
  end
  return r
end

-- The transport bar where a change made now takes effect: the next multiple of lute.quantum bars
-- at or after what is already scheduled (or where the transport will start, when stopped).
function T.next_switch_bar()
  if not S.playing then return S.sched end
  local q = T.quantum
  return q * (S.sched / q):ceil()
end

return T
