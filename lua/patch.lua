-- patch.lua — patches: what one voice of an instrument computes, written as a Lua function over
-- symbolic voice inputs and compiled into a program the engine runs eight voices at a time.
--
--   patch "acid" (function(v)
--     local env = adsr(v.gate, 0.003, 0.2, 0.2, 0.1)
--     local f = v.cutoff(800) * (1 + 6 * env * v.vel)     -- a named control with its default
--     return ladder(saw(v.freq), f, v.res(0.6), 0.3) * env * v.vel
--   end)
--
-- The function runs once.  Every unit call and every operator on a signal records a node instead
-- of computing anything; the graph is then flattened depth-first from the outputs (arguments left to
-- right), so the same patch always gives the same list, and handed to core.program, which lifts the
-- numbers into parameters and hashes the structure (core/graph/program.h).  Changing a number keeps
-- the program's identity (the sounding voices glide to it); changing the structure makes a new
-- program (new notes use it, sounding voices finish on the old one).
--
-- Signals are mono or stereo.  A stereo signal is a pair; an operator or a unit given a stereo
-- signal runs once per channel ("multichannel expansion", as SuperCollider does it), and `pan`
-- makes a stereo signal from a mono one.  A patch returns a mono signal, a stereo one, or a number.
local core = require "lute.core"

local M = {}

local SIG = { __sig = true }   -- metatable of symbolic signals (a control's copy has __sig too)
SIG.__name = "signal"
local STEREO = {}              -- metatable of a stereo pair { l, r }
STEREO.__name = "stereo signal"

local function is_sig(x) local mt = type(x) == "table" and getmetatable(x); return mt and mt.__sig == true or false end
local function is_stereo(x) return getmetatable(x) == STEREO end
local function is_signal(x) return type(x) == "number" or is_sig(x) or is_stereo(x) end
M.is_signal = is_signal

local units = {}        -- name -> the unit's description from core.units()
for _, u in ipairs(core.units()) do units[u.name] = u end
M.units = units

-- Where an error should point: the first stack level outside this file (the user's patch).
local function user_level()
  local here = debug.getinfo(1, "S").source
  for level = 2, 30 do
    local info = debug.getinfo(level, "S")
    if not info then return 2 end
    if info.source ~= here then return level - 1 end
  end
  return 2
end
local function fail(fmt, ...) error(string.format(fmt, ...), user_level()) end

local function describe(x)
  if type(x) == "number" then return tostring(x) end
  if is_stereo(x) then return "a stereo signal" end
  if is_sig(x) then return x.k == "op" and ("the output of " .. x.node.unit) or ("v." .. x.name) end
  return "a " .. type(x)
end

-- ---- building the graph ------------------------------------------------------------------------

local function node(unit, args, opt, data)
  return { unit = unit, args = args, opt = opt or 0, data = data }
end
local function out_of(n, port) return setmetatable({ k = "op", node = n, port = port or 1 }, SIG) end

-- A unit applied to arguments: stereo arguments expand the unit over both channels.
local function apply(unit, args, opt, data)
  local stereo = false
  for i = 1, #args do if is_stereo(args[i]) then stereo = true end end
  if stereo then
    local l, r = {}, {}
    for i = 1, #args do
      local a = args[i]
      if is_stereo(a) then l[i], r[i] = a.l, a.r else l[i], r[i] = a, a end
    end
    local L, R = apply(unit, l, opt, data), apply(unit, r, opt, data)
    if is_stereo(L) then fail("%s: a stereo signal cannot go into a unit that is already stereo", unit) end
    return setmetatable({ l = L, r = R }, STEREO)
  end
  local n = node(unit, args, opt, data)
  local u = units[unit]
  if u and u.outputs == 2 then return setmetatable({ l = out_of(n, 1), r = out_of(n, 2) }, STEREO) end
  return out_of(n, 1)
end

-- Arithmetic, with numbers folded: 2 * 3 is 6, not a node.
local function arith(name, fold)
  return function(a, b)
    if not is_signal(a) or not is_signal(b) then
      fail("cannot %s %s and %s in a patch", name, describe(a), describe(b))
    end
    if type(a) == "number" and type(b) == "number" then return fold(a, b) end
    return apply(name, { a, b })
  end
end
local add = arith("add", function(a, b) return a + b end)
local subtract = arith("subtract", function(a, b) return a - b end)
local mul = arith("mul", function(a, b) return a * b end)
local div = arith("div", function(a, b) return a / b end)
for _, mt in ipairs({ SIG, STEREO }) do
  mt.__add, mt.__sub, mt.__mul, mt.__div = add, subtract, mul, div
  mt.__unm = function(a) return apply("neg", { a }) end
  mt.__pow = function() fail("'^' is not a unit in a patch; for 2^x use midi_to_hz(69 + 12 * x) / 440") end
  mt.__tostring = function(x) return describe(x) end
  mt.__index = function(_, k) fail("a signal has no field '%s'", tostring(k)) end
end

-- A unit's constructor: positional signals and numbers; a string names an option (lfo(2, "tri"));
-- a last plain table gives options by name ({ shape = "tri" } or { hq = true }).
local function constructor(name)
  local u = units[name]
  return function(...)
    local n, raw = select("#", ...), { ... }
    local args, opt = {}, 0
    local function option(o)
      for i, known in ipairs(u.options) do if known == o then opt = i - 1; return end end
      fail("%s: unknown option '%s'; %s", name, tostring(o),
        #u.options > 0 and ("options: " .. table.concat(u.options, ", ")) or "it has no options")
    end
    for i = 1, n do
      local a = raw[i]
      if type(a) == "string" then option(a)
      elseif type(a) == "table" and not is_sig(a) and not is_stereo(a) and i == n then
        for k, v in pairs(a) do
          if v == true then option(k) elseif type(v) == "string" then option(v)
          else fail("%s: option %s = %s is not understood", name, tostring(k), tostring(v)) end
        end
      elseif a == nil then fail("%s: argument %d is nil (a misspelt variable?): %s", name, i, u.signature)
      elseif not is_signal(a) then fail("%s: argument %d is %s; expected a signal or a number: %s", name, i, describe(a), u.signature)
      else args[#args + 1] = a end
    end
    if #args < u.min_in or #args > u.max_in then
      if u.min_in == u.max_in then fail("%s takes %d input%s, got %d: %s", name, u.min_in, u.min_in == 1 and "" or "s", #args, u.signature)
      else fail("%s takes %d to %d inputs, got %d: %s", name, u.min_in, u.max_in, #args, u.signature) end
    end
    for i, a in ipairs(args) do
      local spec = u.inputs[i]
      if type(a) == "number" and spec and spec.min and (a < spec.min or a > spec.max) then
        fail("%s: %s = %s is out of range (%s .. %s)", name, spec.name, tostring(a), tostring(spec.min), tostring(spec.max))
      end
    end
    return apply(name, args, opt)
  end
end

-- ---- the voice ----------------------------------------------------------------------------------

local inputs = { freq = true, note = true, gate = true, vel = true, release_vel = true }
local compiling_voice     -- the voice of the patch being compiled (lfo("1/8") reads its v.bps)

-- v.bps, the tempo in beats (quarter notes) per second: a control every patch may read, which
-- follows the tempo (lute/automation.lua sends it wherever the tempo changes).
M.BPS = { default = 2, min = 0.05, max = 20 }

-- v.freq, v.note, v.gate, v.vel, v.release_vel are the voice's inputs; any other name is a control:
-- v.cutoff(800) or v.cutoff(800, 20, 20000) with a range, once; after that v.cutoff alone reads
-- it.  A control never given a default is a mistake (v.env for an envelope, v.frq for v.freq) and
-- M.compile says so at the line that read it, rather than playing a silent 0.
local function new_voice()
  local controls = {}
  local v = {}
  return setmetatable(v, {
    __index = function(_, name)
      if type(name) ~= "string" then fail("a voice input's name is a string") end
      if inputs[name] then return setmetatable({ k = "in", name = name }, SIG) end
      local c = controls[name]
      if not c then
        local at = debug.getinfo(2, "Sl")
        c = setmetatable({ k = "ctl", name = name, def = 0, min = -math.huge, max = math.huge,
                           where = at and at.currentline > 0 and (at.short_src .. ":" .. at.currentline .. ": ") or "" }, SIG)
        controls[name] = c
        local mt = {}
        for k2, f in pairs(SIG) do mt[k2] = f end
        mt.__call = function(self, def, lo, hi)
          if type(def) ~= "number" then fail("v.%s(default): the default is a number, got %s", name, describe(def)) end
          if lo ~= nil and (type(lo) ~= "number" or type(hi) ~= "number" or lo > hi) then
            fail("v.%s(default, min, max): min and max are numbers, min <= max", name)
          end
          self.def, self.min, self.max, self.declared = def, lo or -math.huge, hi or math.huge, true
          if def < self.min or def > self.max then fail("v.%s: the default %s is outside %s .. %s", name, def, lo, hi) end
          return self
        end
        setmetatable(c, mt)
      end
      return c
    end,
    __newindex = function(_, k) fail("a voice is read-only (v.%s = ...)", tostring(k)) end,
  }), controls
end

-- ---- flattening ---------------------------------------------------------------------------------

local function flatten(outs, name)
  local ops, index, ctl, ctl_index = {}, {}, {}, {}
  local function arg_of(x)
    if type(x) == "number" then
      if x ~= x or x == math.huge or x == -math.huge then error(("patch '%s': a number in it is %s"):format(name, tostring(x)), 0) end
      return { const = x }
    end
    if x.k == "in" then return { input = x.name } end
    if x.k == "ctl" then
      local i = ctl_index[x.name]
      if not i then
        ctl[#ctl + 1] = { name = x.name, default = x.def, min = x.min, max = x.max }
        i = #ctl
        ctl_index[x.name] = i
      end
      return { control = i }
    end
    local n = x.node
    if not index[n] then
      local args = {}
      for i, a in ipairs(n.args) do args[i] = arg_of(a) end
      ops[#ops + 1] = { unit = n.unit, opt = n.opt, data = n.data, args = args }
      index[n] = #ops
    end
    return { op = index[n], port = x.port }
  end
  local out = {}
  for i, o in ipairs(outs) do out[i] = arg_of(o) end
  return { ops = ops, controls = ctl, out = out }
end

-- Compiles fn(v) into a program.  Errors point at the user's line.
function M.compile(fn, name)
  name = name or "patch"
  if type(fn) ~= "function" then error(("patch '%s' needs a function(v) ... end"):format(name), 2) end
  local v, controls = new_voice()
  compiling_voice = v
  local okf, result = pcall(fn, v)
  compiling_voice = nil
  if not okf then error(result, 0) end
  if rawget(controls, "bps") then v.bps(M.BPS.default, M.BPS.min, M.BPS.max) end
  for cname, c in pairs(controls) do
    if not rawget(c, "declared") then
      error(("%spatch '%s': v.%s is not a voice input (freq, note, gate, vel, release_vel) and has no default; "
        .. "a control is declared once with its default and range, e.g. v.%s(0.5, 0, 1); an envelope is adsr(v.gate, a, d, s, r)"):format(rawget(c, "where"), name, cname, cname), 0)
    end
  end
  if result == nil then error(("patch '%s' returns nothing; return the voice's signal"):format(name), 2) end
  local outs
  if is_stereo(result) then outs = { result.l, result.r }
  elseif is_signal(result) then outs = { result }
  else error(("patch '%s' returns %s; return a signal"):format(name, describe(result)), 2) end
  local desc = flatten(outs, name)
  local ok, prog = pcall(core.program, desc)
  if not ok then error(("patch '%s': %s"):format(name, tostring(prog)), 2) end
  return prog, desc
end

-- ---- helpers built from units --------------------------------------------------------------------

-- mix{a, b, c} or mix(a, b, c): the sum.
local function mix_fn(first, ...)
  local list = (type(first) == "table" and not is_sig(first) and not is_stereo(first)) and first or { first, ... }
  local acc = 0
  for i = 1, #list do
    if not is_signal(list[i]) then fail("mix: item %d is %s; expected a signal or a number", i, describe(list[i])) end
    acc = add(acc, list[i])
  end
  return acc
end

-- unison(osc, voices, detune_cents [, spread]): copies of an oscillator spread over ±detune/2 cents
-- and over the stereo field (spread 0..1, default 1), summed and scaled by 1/sqrt(voices).
local function unison_fn(osc, count, detune, spread)
  if not is_sig(osc) or osc.k ~= "op" then fail("unison(osc, voices, detune_cents [, spread]): osc is an oscillator, e.g. unison(saw(v.freq), 5, 20)") end
  if math.type(count) ~= "integer" or count < 1 or count > 16 then fail("unison: voices is an integer 1 .. 16, got %s", tostring(count)) end
  if not is_signal(detune) or is_stereo(detune) or (type(detune) == "number" and (detune < 0 or detune > 1200)) then
    fail("unison: detune is 0 .. 1200 cents (a number or a signal), got %s", describe(detune))
  end
  spread = spread or 1
  if not is_signal(spread) or is_stereo(spread) or (type(spread) == "number" and (spread < 0 or spread > 1)) then
    fail("unison: spread is 0 .. 1 (a number or a signal), got %s", describe(spread))
  end
  if count == 1 then return osc end
  local n = osc.node
  local sum = 0
  for k = 1, count do
    local x = (k - 1) / (count - 1) * 2 - 1            -- -1 .. 1
    local args = {}
    for i, a in ipairs(n.args) do args[i] = a end
    if type(detune) == "number" then args[1] = mul(args[1], 2 ^ (x * detune / 2 / 1200))
    elseif x ~= 0 then args[1] = mul(args[1], mul(apply("midi_to_hz", { add(69, mul(detune, x / 200)) }), 1 / 440)) end
    local copy = out_of(node(n.unit, args, n.opt, n.data), osc.port)
    sum = add(sum, apply("pan", { copy, mul(x, spread) }))
  end
  return mul(sum, 1 / math.sqrt(count))
end

-- env(gate, levels, times [, curves] [, {sustain = k}]): N segments (1..7) through levels {L0..LN}
-- in times {T1..TN}, each level and time a number or a signal; curves one number per segment
-- (0 straight, negative fast start, positive slow start); `sustain` holds level k while the gate is
-- on (without it the envelope is a one-shot).  The unit's inputs are gate, L0..L7, T1..T7 whatever N
-- is; N is its option; the sustain index and the curves are its data (core/dsp/vops_env.c).
local raw_env
local function env_fn(gate, levels, times, curves, opts, ...)
  if is_signal(levels) then return raw_env(gate, levels, times, curves, opts, ...) end   -- the unit's own inputs
  if type(curves) == "table" and (curves.sustain ~= nil) and opts == nil and #curves == 0 then curves, opts = nil, curves end
  if not is_signal(gate) then fail("env(gate, levels, times [, curves]): gate is %s", describe(gate)) end
  if type(levels) ~= "table" or is_sig(levels) or is_stereo(levels) or type(times) ~= "table" or is_sig(times) then
    fail("env(gate, levels, times [, curves]): levels and times are lists, e.g. env(v.gate, {0, 1, 0.3, 0}, {0.005, 0.08, 0.4})")
  end
  local n = #levels - 1
  if n < 1 or n > 7 then fail("env: %d levels make %d segments; an envelope has 1 to 7", #levels, n) end
  if #times ~= n then fail("env: %d levels need %d times (one per segment), got %d", #levels, n, #times) end
  local args = { gate }
  for i = 1, 8 do args[i + 1] = levels[i] or 0 end
  for i = 1, 7 do args[i + 9] = times[i] or 0 end
  for i = 2, 16 do
    if not is_signal(args[i]) then fail("env: %s %d is %s; expected a number or a signal", i <= 9 and "level" or "time", i <= 9 and i - 2 or i - 9, describe(args[i])) end
    if i >= 10 and type(args[i]) == "number" and args[i] < 0 then fail("env: time %d is %s s; times are 0 or more", i - 9, tostring(args[i])) end
  end
  local sustain = opts and opts.sustain
  if sustain ~= nil and (math.type(sustain) ~= "integer" or sustain < 0 or sustain > n) then
    fail("env: sustain = %s; it is the index of a level 0 .. %d", tostring(sustain), n)
  end
  local data = { sustain or -1 }
  for i = 1, n do
    local c = curves and curves[i] or 0
    if type(c) ~= "number" then fail("env: curve %d is %s; curves are numbers", i, describe(c)) end
    data[i + 1] = c
  end
  return apply("env", args, n, data)
end

-- wavetable(table, freq [, position]): `table` is the op's data — a built-in table by name ("basic",
-- "pwm", "harmonics": core/dsp/wavetable.h, fetched through lute.sample) or {frames, length,
-- samples...} — prepared (band-limited per octave) when the patch is compiled; freq and position
-- are its inputs.
local function wavetable_fn(tbl, ...)
  local u = units.wavetable
  local data
  if type(tbl) == "string" then
    data = require("lute.sample").wavetable(tbl)
    if not data then fail("wavetable: no built-in table '%s'; built-in: basic, pwm, harmonics (or {frames, length, samples...})", tbl) end
  elseif type(tbl) == "table" and not is_sig(tbl) and not is_stereo(tbl) then
    data = {}
    for i = 1, #tbl do
      if type(tbl[i]) ~= "number" then fail("wavetable: item %d of the table is %s; a table is {frames, length, samples...}", i, describe(tbl[i])) end
      data[i] = tbl[i]
    end
  else
    fail("wavetable(table, freq [, position]): table is a name (\"basic\", \"pwm\", \"harmonics\") or {frames, length, samples...}, got %s", describe(tbl))
  end
  local args = table.pack(...)
  if args.n < u.min_in or args.n > u.max_in then fail("wavetable takes a table and %d to %d inputs, got %d: %s", u.min_in, u.max_in, args.n, u.signature) end
  for i = 1, args.n do
    local a, spec = args[i], u.inputs[i]
    if a == nil then fail("wavetable: argument %d is nil (a misspelt variable?): %s", i + 1, u.signature) end
    if not is_signal(a) then fail("wavetable: argument %d is %s; expected a signal or a number: %s", i + 1, describe(a), u.signature) end
    if type(a) == "number" and (a < spec.min or a > spec.max) then
      fail("wavetable: %s = %s is out of range (%s .. %s)", spec.name, tostring(a), tostring(spec.min), tostring(spec.max))
    end
  end
  return apply("wavetable", { table.unpack(args, 1, args.n) }, 0, data)
end

-- lfo(rate [, shape]) where rate may be a note value: lfo("1/8") cycles once an eighth note,
-- following the tempo (a rate of v.bps / (4 x whole notes)).
local function lfo_fn(plain)
  return function(rate, ...)
    if type(rate) == "string" then
      local w = require("lute.automation").note_value(rate)   -- "3/16", "1/8." and "1/4t", as effect times
      if not w then
        fail('lfo: rate "%s" is not a note value; write Hz (lfo(2)) or a note value ("1/8", "3/16", "1/8." dotted, "1/4t" triplet)', rate)
      end
      if not compiling_voice then fail('lfo("%s"): a note value follows the tempo, which only a patch has', rate) end
      local bps = compiling_voice.bps
      bps(M.BPS.default, M.BPS.min, M.BPS.max)
      return plain(mul(bps, 1 / (4 * w)), ...)
    end
    return plain(rate, ...)
  end
end

-- The functions a script sees: every unit by name, mix, unison and patch.
function M.globals()
  local g = {}
  for name in pairs(units) do g[name] = constructor(name) end
  if g.lfo then g.lfo = lfo_fn(g.lfo) end
  if g.formant then   -- formant(x, "o"): a vowel by name is its place 0 .. 4 (a, e, i, o, u)
    local plain, VOWELS = g.formant, { a = 0, e = 1, i = 2, o = 3, u = 4 }
    g.formant = function(x, vowel, ...)
      if type(vowel) == "string" then
        local k = VOWELS[vowel:lower()]
        if not k then fail('formant: vowel "%s" is not one of "a", "e", "i", "o", "u" (or a number 0 .. 4 between them)', vowel) end
        vowel = k
      end
      return plain(x, vowel, ...)
    end
  end
  g.mix = mix_fn
  g.unison = unison_fn
  if units.env then raw_env = g.env; g.env = env_fn end
  if units.wavetable then g.wavetable = wavetable_fn end
  g.saw_lpf, g.vca_pan, g.saw_lpf_pan = nil, nil, nil   -- the compiler's own fused kernels
  return g
end

return M
