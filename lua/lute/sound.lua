-- lute/sound.lua — sound design and mixing in the language: patches (patch "acid" (fn)), the unit
-- and effect constructors a script calls, samples and kits, buses and the master, and what each
-- track or bus becomes in the engine's mix: a channel (core/graph/mix.h), all of them committed
-- in one transaction by reconcile.lua.
--
-- Names that mean two things: inside a patch function `lpf`, `hpf`, `bpf` are filter units and
-- `sync`, `mix`, `select` are the units of those names; outside a patch the first three are the
-- filter effects (fx = { lpf{ cutoff = 800 } }), `sync` waits in a live loop, `mix()` prints the
-- mix and `select` is Lua's.  A name resolves by where it is called, at the time it is called.
local core = require "lute.core"
local Patch = require "patch"
local fx = require "fx"
local kits = require "kits"
local S = require "lute.state"
local D = require "lute.decl"
local Rp = require "lute.report"

local M = {}
S.patches = S.patches or {}   -- name -> patch { name, program, info }: declared by scripts
S.buses = S.buses or {}       -- name -> normalised bus declaration
S.bus_order = S.bus_order or {}
S.master = S.master or nil    -- the master's declaration, or nil (plain)

-- ---------------------------------------------------------------------------------------------
-- Patches
-- ---------------------------------------------------------------------------------------------
local building = 0
function M.building() return building > 0 end

-- A patch's controls become parameters the language knows by name (a track's fields, set(),
-- midi.map, sections); their ranges are checked against the track's own patch when it is declared.
local function register_controls(info)
  for _, c in ipairs(info.controls) do
    local p = D.param_info[c.name]
    if not p then
      D.param_info[c.name] = { name = c.name, min = c.min, max = c.max, default = c.default, unit = "",
                               help = "a control of a patch", patch = true }
      D.param_names[#D.param_names + 1] = c.name
      D.field(c.name, { engine = "param", help = "a control of a patch" })
    elseif p.patch then
      if c.min < p.min then p.min = c.min end
      if c.max > p.max then p.max = c.max end
    end
  end
end

local function controls_map(info)
  local m = {}
  for _, c in ipairs(info.controls) do m[c.name] = c end
  return m
end

-- Compiles fn(v) into a patch; errors point at the user's line inside the patch.
function M.compile(fn, name)
  building = building + 1
  local ok, prog = pcall(Patch.compile, fn, name)
  building = building - 1
  if not ok then error(prog, 0) end
  local info = prog:info()
  register_controls(info)
  return { name = name, program = prog, info = info, controls = controls_map(info) }
end

-- patch "name" (function(v) ... end) or patch("name", fn): defines a patch for `patch = "name"`.
function M.patch(name, fn)
  if type(name) ~= "string" or not name:match("^[%w_]+$") then
    error(("patch(name, fn): the name is a word (letters, digits, _), got %s"):format(tostring(name)), 2)
  end
  if fn == nil then return function(f) return M.patch(name, f) end end
  if type(fn) ~= "function" then error(("patch '%s' needs a function(v) ... end"):format(name), 2) end
  local p = M.compile(fn, name)
  if S.decl then S.decl.patches[name] = p else S.patches[name] = p end
  return p
end

-- Ready-made patches shipped in scripts/patches/, loaded once (again when the file changes).
local file_cache = {}
local function patch_file(name)
  local path = core.root .. "/scripts/patches/" .. name .. ".lua"
  local f = io.open(path, "r")
  if not f then return nil end
  f:close()
  local c = file_cache[name]
  if c then return c end
  local env = setmetatable(M.unit_globals(), { __index = _G })
  local chunk = assert(loadfile(path, "t", env))
  building = building + 1
  local ok, fn = pcall(chunk)
  building = building - 1
  if not ok then error(fn, 0) end
  c = M.compile(fn, name)
  file_cache[name] = c
  return c
end

function M.library()
  local names = {}
  local p = io.popen("ls '" .. core.root .. "/scripts/patches' 2>/dev/null")
  if p then
    for line in p:lines() do local n = line:match("^([%w_]+)%.lua$"); if n then names[#names + 1] = n end end
    p:close()
  end
  return names
end

-- A track's `patch =` value as a patch: a name (declared in the script, earlier, or shipped), a
-- function, or a patch value.
function M.resolve_patch(v, where)
  if type(v) == "table" and v.program then return v end
  if type(v) == "function" then return M.compile(v, where) end
  if type(v) ~= "string" then
    error(("%s: a patch is a name (\"acid\"), a function(v) ... end or a patch, not %s"):format(where, type(v)), 0)
  end
  local p = (S.decl and S.decl.patches and S.decl.patches[v]) or S.patches[v]
  if p then return p end
  local ok, f = pcall(patch_file, v)
  if not ok then error(("%s: the patch file '%s' has an error: %s"):format(where, v, Rp.strip(f)), 0) end
  if f then return f end
  local known = {}
  for n in pairs(S.patches) do known[#known + 1] = n end
  for _, n in ipairs(M.library()) do known[#known + 1] = n end
  table.sort(known)
  error(("%s: no patch '%s'; patches: %s"):format(where, v, table.concat(known, ", ")), 0)
end

-- ---------------------------------------------------------------------------------------------
-- Effects
-- ---------------------------------------------------------------------------------------------
local EQ_TYPES = { bell = 1, peak = 1, lowshelf = 2, ls = 2, highshelf = 3, hs = 3, lowcut = 4, hp = 4, hpf = 4,
                   highcut = 5, lp = 5, lpf = 5, notch = 6, bandpass = 7, bp = 7 }
local EQ_POS = { [1] = { "freq", "gain", "q" }, [2] = { "freq", "gain", "q" }, [3] = { "freq", "gain", "q" },
                 [4] = { "freq", "slope", "q" }, [5] = { "freq", "slope", "q" }, [6] = { "freq", "q" }, [7] = { "freq", "q" } }

-- eq{ {"hp", 35}, {"bell", 120, -3, 1.2}, key = "tone" }: bands in order become b1_*, b2_*, ...
-- (docs/effects.md); named settings (b1_freq = ...) work too.
local function eq_flatten(t)
  local out = {}
  local band = 0
  for k, v in pairs(t) do if type(k) ~= "number" then out[k] = v end end
  for i = 1, #t do
    local b = t[i]
    if type(b) ~= "table" or type(b[1]) ~= "string" then
      error(("eq: band %d is {\"type\", freq, ...} (e.g. {\"bell\", 120, -3, 1.2}), not %s"):format(i, tostring(b)), 3)
    end
    local ty = EQ_TYPES[b[1]]
    if not ty then
      local names = {}
      for n in pairs(EQ_TYPES) do names[#names + 1] = n end
      table.sort(names)
      error(("eq: band %d has type '%s'; types: %s"):format(i, b[1], table.concat(names, ", ")), 3)
    end
    band = b.band or band + 1
    if band > 8 then error("eq: at most 8 bands", 3) end
    local pre = "b" .. band .. "_"
    out[pre .. "type"] = ty
    for j, field in ipairs(EQ_POS[ty]) do if b[j + 1] ~= nil then out[pre .. field] = b[j + 1] end end
    for _, field in ipairs({ "freq", "gain", "q", "slope" }) do if b[field] ~= nil then out[pre .. field] = b[field] end end
  end
  return out
end

-- An effect constructor as scripts see it: fx.lua's checked descriptor, plus `by = "kick"` (the
-- sidechain key of a dynamics unit: a track or bus) and, for keyed units, `key = "vox"` naming a
-- channel is the sidechain too (the issue's comp{ key = "vox" }); any other `key` is the effect's
-- identity, kept across re-evaluations.
local function effect(name)
  local make = fx[name]
  return function(t)
    if t ~= nil and type(t) ~= "table" then return make(t) end
    t = t or {}
    local by = t.by
    if by ~= nil and type(by) ~= "string" then error(("%s: by = the name of a track or bus, not %s"):format(name, type(by)), 2) end
    local copy = {}
    for k, v in pairs(t) do if k ~= "by" then copy[k] = v end end
    if name == "eq" then copy = eq_flatten(copy) end
    local ok, desc = pcall(make, copy)
    if not ok then error(Rp.strip(desc), 2) end
    desc.by = by
    return desc
  end
end

M.effects = {}
for _, name in ipairs(fx.list()) do M.effects[name] = effect(name) end

-- The descriptors a chain gives the engine: { type, params, mix, key, keysrc }.
local function chain_spec(list, owner, channels)
  local out = {}
  for i, d in ipairs(list or {}) do
    local def = fx.def(d.type)
    local keysrc = d.by
    if not keysrc and def.keyed and d.key and channels[d.key] then keysrc = d.key end
    out[i] = { type = d.type, params = d.params, mix = d.mix, key = d.key, keysrc = keysrc, data = d.data_ptr }
  end
  return out
end

-- fx = { ... }: a list of effect descriptors (reverb{...}, eq{...}).
local function check_chain(v, where)
  if type(v) ~= "table" then error(("%s: fx is a list of effects, e.g. fx = { reverb{ mix = 0.3 } }"):format(where), 0) end
  local out = {}
  for i, d in ipairs(v) do
    if not fx.is(d) then
      error(("%s: effect %d is not an effect (write fx = { reverb{ size = 0.8 }, delay{ time = 0.375 } })"):format(where, i), 0)
    end
    out[i] = d
  end
  for k in pairs(v) do
    if math.type(k) ~= "integer" then error(("%s: fx is a list; '%s' is not a place in it"):format(where, tostring(k)), 0) end
  end
  return out
end
M.check_chain = check_chain

-- sends = { verb = -12, delay = { -18, pre = true } }
local function check_sends(v, where)
  if type(v) ~= "table" then error(("%s: sends = { busname = dB, other = { dB, pre = true } }"):format(where), 0) end
  local out = {}
  for to, s in pairs(v) do
    if type(to) ~= "string" then error(("%s: sends are named by bus: sends = { verb = -12 }"):format(where), 0) end
    local gain, pre = s, false
    if type(s) == "table" then gain, pre = s[1] or s.gain, not not s.pre end
    if type(gain) ~= "number" or not (gain >= -120 and gain <= 24) then
      error(("%s: the send to '%s' is %s; a send level is -120 .. 24 dB"):format(where, to, tostring(gain)), 0)
    end
    out[#out + 1] = { to = to, gain = gain, pre = pre }
  end
  table.sort(out, function(a, b) return a.to < b.to end)
  return out
end

-- ---------------------------------------------------------------------------------------------
-- Track fields
-- ---------------------------------------------------------------------------------------------
local function number_field(name, lo, hi, help, default)
  D.field(name, { help = help, default = default,
    validate = function(v, where)
      if type(v) ~= "number" or not (v >= lo and v <= hi) then
        error(("%s must be a number %s .. %s, got %s"):format(where, D.num(lo), D.num(hi), tostring(v)), 0)
      end
      return v
    end })
end

D.field("patch", { help = "what the track's voices compute: a patch name, a function(v) ... end, or a patch",
  validate = function(v, where, d)
    local p = M.resolve_patch(v, where)
    d.patch_obj = p
    return v
  end })
D.field("mono", { help = "true: one voice (the newest held note sounds); \"legato\": and a new note glides without a new attack",
  validate = function(v, where)
    if v == true or v == false or v == "legato" then return v end
    error(("%s is true, false or \"legato\", got %s"):format(where, tostring(v)), 0)
  end })
number_field("glide", 0, 10, "seconds a mono voice glides between notes")
D.field("fx", { help = "the insert effects, in order: fx = { eq{...}, comp{...}, reverb{...} }", validate = check_chain })
D.field("sends", { help = "levels sent to buses: sends = { verb = -12, delay = { -18, pre = true } }", validate = check_sends })
D.field("out", { help = "the bus the track outputs to (\"master\" by default)",
  validate = function(v, where)
    if type(v) ~= "string" or v == "" then error(("%s is a bus name, got %s"):format(where, tostring(v)), 0) end
    return v
  end })
D.field("polarity", { help = "true: the signal inverted", validate = function(v) return not not v end })
number_field("width", 0, 2, "stereo width: 0 mono, 1 as is, 2 wide")
D.field("solo", { help = "true: only soloed channels (and what they feed) are heard", validate = function(v) return not not v end })
D.field("mute", { help = "true: the track is silent (it keeps its place in the mix; its tails and voices run on)",
  validate = function(v) return not not v end })

-- Samples: kit = "808" | "rock" | a folder | { bd = "file.wav", ... }; s = a pattern of sound names;
-- sample = "file.wav" (a kit of one sound, `sample`, played by `notes`).
D.field("kit", { help = "the samples s = plays: \"808\", \"rock\", a folder of files, or { bd = \"kick.wav\" }",
  validate = function(v, where, d)
    local k, err = kits.load(v)
    if not k then error(("%s: %s"):format(where, Rp.strip(err)), 0) end
    d.kit_obj = k
    return v
  end })
D.field("sample", { help = "one audio file the track's notes play (with chop = n: slices)",
  validate = function(v, where, d)
    if type(v) ~= "string" then error(("%s is a file name, got %s"):format(where, type(v)), 0) end
    local k, err = kits.load({ sample = v })
    if not k then error(("%s: %s"):format(where, Rp.strip(err)), 0) end
    d.kit_obj = k
    d.sample_name = "sample"
    return v
  end })
D.field("s", { help = "a pattern of sounds of the kit: s = \"bd*4, [~ sd]*2, hh*8\" (\"bd:3\" is variant 3)",
  validate = function(v, where, d)
    if d.notes_src ~= nil then
      error(("%s: a track plays notes or sounds, not both (put the sounds on a track of their own)"):format(where), 0)
    end
    local pat = D.as_pattern(v, where)
    d.s_src = v
    d.notes, d.notes_src = pat, v   -- what the scheduler plays
    return pat
  end })
D.field("root", { help = "the note at which sample = plays at its own pitch (\"c4\" unless set)",
  validate = function(v, where)
    local n = type(v) == "number" and v or (type(v) == "string" and require("theory").to_midi(v))
    if type(n) ~= "number" or n < 0 or n > 127 then
      error(("%s: root is a note (\"a4\" or 69), got %s"):format(where, tostring(v)), 0)
    end
    return n
  end })
number_field("chop", 1, 1024, "slices of the sample: notes pick slices 0 .. chop-1")
number_field("fit", 0.0625, 1024, "the sample (all its slices) lasts this many bars")
number_field("speed", -64, 64, "sample playback speed (negative: backwards)")
number_field("cut", 0, 255, "choke group of the track's samples")

-- After the fields: the checks that need the whole declaration.
function M.check_track(d, where)
  local p = d.patch_obj
  if p then
    for k in pairs(d.params) do
      if not p.controls[k] and k ~= "gain" and k ~= "pan" then
        local names = {}
        for n in pairs(p.controls) do names[#names + 1] = n end
        table.sort(names)
        error(("%s: patch '%s' has no control '%s'; its controls: %s"):format(where, p.name, k,
          #names > 0 and table.concat(names, ", ") or "(none)"), 0)
      end
    end
    for k, v in pairs(d.params) do
      local c = p.controls[k]
      if c and not (v >= c.min and v <= c.max) then
        error(("%s: %s = %s is out of range for patch '%s' (%s .. %s)"):format(where, k, D.num(v), p.name,
          D.num(c.min), D.num(c.max)), 0)
      end
    end
  end
  if d.s and not d.kit_obj then
    local k, err = kits.load("808")
    if not k then error(("%s: s = needs a kit and the default kit 808 did not load: %s"):format(where, tostring(err)), 0) end
    d.kit_obj = k
  end
  if d.s and d.kit_obj then   -- the first cycles' sounds must exist in the kit
    local ok, e = pcall(function()
      for _, h in ipairs(d.s:query(0, D.CHECK_CYCLES)) do
        if h.whole then M.sample_event(d, h.value) end
      end
    end)
    if not ok then error(("%s, s: %s"):format(where, Rp.strip(e)), 0) end
  end
end

-- The default of a parameter for a declared track (its patch's, else the built-in table's).
function M.default_of(d, k)
  local p = d and d.patch_obj
  if p and p.controls[k] then return p.controls[k].default end
  local info = D.param_info[k]
  return info and info.default
end

-- ---------------------------------------------------------------------------------------------
-- Sample events
-- ---------------------------------------------------------------------------------------------
local SAMPLE_FIELDS = { speed = true, begin = true, ["end"] = true, loop = true, cut = true, gain = true,
                        vel = true, pan = true, legato = true }

-- What one pattern value of a sample track plays: { index, speed, begin, end, loop, cut, gain,
-- vel, pan, legato } (nil fields: the track's or the sampler's defaults).  Raises a message for a
-- sound the kit does not have.
function M.sample_event(d, v)
  local name, variant, ev = nil, nil, {}
  if type(v) == "table" and getmetatable(v) == nil and v[1] == nil then
    for k in pairs(SAMPLE_FIELDS) do ev[k] = v[k] end
    name = v.s or v.value or v.note or v.n
    variant = v.s and v.n or nil
  else
    name = v
  end
  if d.sample_name then   -- a sample track: numbers are slices (with chop) or notes (pitch)
    local n = tonumber(name)
    if type(name) == "string" and not n then n = require("theory").to_midi(name) end
    if type(n) ~= "number" then error(("%s is not a slice number or a note"):format(tostring(name)), 0) end
    if d.chop then
      local i = math.floor(n) % d.chop
      ev.begin, ev["end"] = ev.begin or i / d.chop, ev["end"] or (i + 1) / d.chop
    else
      ev.pitch = n
    end
    ev.index = d.kit_obj:resolve("sample", ev.vel)
  else
    if type(name) ~= "string" then
      error(("%s is not a sound name (s = \"bd sd\", or { s = \"bd\", n = 2 })"):format(tostring(name)), 0)
    end
    if variant then name = name .. ":" .. math.floor(variant) end
    local idx, gain, pan, cut = d.kit_obj:resolve(name, ev.vel or d.vel)
    if not idx then error(Rp.strip(gain), 0) end
    ev.index = idx
    ev.kgain, ev.kpan, ev.kcut = gain, pan, cut
  end
  for k, x in pairs(ev) do
    if k ~= "index" and type(x) ~= "number" and type(x) ~= "boolean" then
      error(("%s = %s is not a number"):format(k, tostring(x)), 0)
    end
  end
  return ev
end

-- ---------------------------------------------------------------------------------------------
-- Buses and the master
-- ---------------------------------------------------------------------------------------------
local BUS_FIELDS = { fx = true, gain = true, pan = true, out = true, sends = true, mute = true, solo = true,
                     solo_safe = true, width = true, polarity = true }

local function normalize_bus(name, spec, where)
  if type(spec) ~= "table" then error(("bus '%s' needs a table: bus \"%s\" { fx = { reverb{ } } }"):format(name, name), 0) end
  for k in pairs(spec) do
    if not BUS_FIELDS[k] then
      error(("unknown field '%s' in bus '%s'; known: fx, gain, pan, width, polarity, out, sends, mute, solo, solo_safe")
        :format(tostring(k), name), 0)
    end
  end
  local b = { name = name, where = where, gain = 0, pan = 0, width = 1 }
  local w = ("bus '%s'"):format(name)
  if spec.fx ~= nil then b.fx = check_chain(spec.fx, w) end
  if spec.sends ~= nil then b.sends = check_sends(spec.sends, w) end
  for _, k in ipairs({ "gain", "pan", "width" }) do
    local v = spec[k]
    local lo, hi = ({ gain = -120, pan = -1, width = 0 })[k], ({ gain = 24, pan = 1, width = 2 })[k]
    if v ~= nil then
      if type(v) ~= "number" or not (v >= lo and v <= hi) then error(("%s: %s must be %s .. %s, got %s"):format(w, k, lo, hi, tostring(v)), 0) end
      b[k] = v
    end
  end
  if spec.out ~= nil then
    if type(spec.out) ~= "string" then error(("%s: out is a bus name"):format(w), 0) end
    b.out = spec.out
  end
  b.mute, b.solo, b.polarity = not not spec.mute, not not spec.solo, not not spec.polarity
  b.solo_safe = spec.solo_safe == nil and true or not not spec.solo_safe
  return b
end

-- bus "verb" { fx = { reverb{ size = 0.85, mix = 1 } }, gain = -2, out = "master", sends = {...} }
function M.bus(name, spec)
  if type(name) ~= "string" or name == "" or #name > 31 or name == "master" then
    error(("bus name must be a string of 1 to 31 characters (not \"master\"), got %s"):format(tostring(name)), 2)
  end
  if spec == nil then return function(s) return M.bus(name, s) end end
  local ok, b = pcall(normalize_bus, name, spec, Rp.at(2))
  if not ok then error(b, 2) end
  local d = S.decl
  if d then
    if d.buses[name] then error(("bus '%s' is declared twice"):format(name), 2) end
    d.buses[name] = b
    d.bus_order[#d.bus_order + 1] = name
  else
    local dd = { full = false, buses = { [name] = b }, bus_order = { name }, tracks = {}, order = {} }
    M.stage_commit(dd)
  end
end

-- master { fx = { eq{...}, limiter{ ceiling = -1 } }, gain = 0, target = -14, ceiling = -1 }
function M.master(spec)
  if type(spec) ~= "table" then error("master { fx = { limiter{ ceiling = -1 } }, gain = 0 }", 2) end
  local m = { gain = 0 }
  for k, v in pairs(spec) do
    if k == "fx" then m.fx = check_chain(v, "master")
    elseif k == "gain" then
      if type(v) ~= "number" or not (v >= -120 and v <= 24) then error(("master: gain must be -120 .. 24 dB, got %s"):format(tostring(v)), 2) end
      m.gain = v
    elseif k == "target" then
      if type(v) ~= "number" or not (v >= -70 and v <= 0) then error(("master: target is a loudness in LUFS (-70 .. 0), got %s"):format(tostring(v)), 2) end
      m.target = v
    elseif k == "ceiling" then
      if type(v) ~= "number" or not (v >= -20 and v <= 0) then error(("master: ceiling is a true peak in dBTP (-20 .. 0), got %s"):format(tostring(v)), 2) end
      m.ceiling = v
    else error(("master: unknown field '%s'; known: fx, gain, target, ceiling"):format(tostring(k)), 2) end
  end
  if S.decl then S.decl.master = m else S.master = m; M.stage_commit({ full = false, tracks = {}, order = {}, master = m }) end
end

-- ---------------------------------------------------------------------------------------------
-- Channels as the engine's mix takes them
-- ---------------------------------------------------------------------------------------------
local STRIP = { gain = true, pan = true }

-- Every channel name a commit will know (for sidechain keys written as key = "name").
local function channel_names(d)
  local names = {}
  for n in pairs(S.tracks) do names[n] = true end
  for n in pairs(S.buses) do names[n] = true end
  if d then
    for n in pairs(d.tracks or {}) do names[n] = true end
    for n in pairs(d.buses or {}) do names[n] = true end
  end
  return names
end

function M.track_spec(name, d, channels)
  local p = d.patch_obj
  local program
  if p then program = p.program
  elseif d.kit_obj then program = nil   -- a sample track plays no patch
  elseif d.input ~= nil and d.notes_src == nil then program = nil   -- an input track plays its input
  else program = require("lute.engine").builtin_synth() end
  local input, monitor = require("lute.record").track_input(d)
  local controls = {}
  for k, v in pairs(d.params) do if not STRIP[k] then controls[k] = v end end
  local gain = d.params.gain or (D.param_info.gain and D.param_info.gain.default) or 0
  if S.muted[name] or S.hushed then gain = -120 end
  return {
    name = name, program = program, voices = d.voices or 8,
    mono = d.mono == true or d.mono == "legato", legato = d.mono == "legato", glide = d.glide or 0,
    controls = controls, gain = gain, pan = d.params.pan or 0, width = d.width or 1,
    polarity = d.polarity or false, solo = d.solo or false, mute = d.mute or false,
    fx = chain_spec(d.fx, name, channels), sends = d.sends, out = d.out,
    kit = d.kit_obj and d.kit_obj.kit or nil,
    input = input, monitor = monitor,
  }
end

function M.bus_spec(b, channels)
  local gain = b.gain
  if S.muted[b.name] or S.hushed then gain = -120 end
  return { name = b.name, bus = true, gain = gain, pan = b.pan, width = b.width, polarity = b.polarity,
           mute = b.mute, solo = b.solo, solo_safe = b.solo_safe, out = b.out,
           fx = chain_spec(b.fx, b.name, channels), sends = b.sends }
end

function M.master_spec(m, channels)
  m = m or { gain = 0 }
  return { gain = m.gain or 0, fx = chain_spec(m.fx, "master", channels) }
end

-- Stages what a declaration says about buses and the master (tracks are staged by reconcile.lua).
-- A whole script (full) is the desired state: buses it does not declare go, unless the REPL added
-- them; the master goes back to plain when the script no longer declares it.
function M.stage(d, full)
  local core_ = core
  local channels = channel_names(d)
  for _, n in ipairs(d.bus_order or {}) do core_.mix_channel(M.bus_spec(d.buses[n], channels)) end
  if full then
    for n, b in pairs(S.buses) do
      if not (d.buses and d.buses[n]) and S.origin_of["bus:" .. n] == "repl" then core_.mix_channel(M.bus_spec(b, channels)) end
    end
  elseif not full then
    -- a REPL chunk re-stages nothing else; the engine keeps the rest as it is
  end
  if d.master or full then core_.mix_master(M.master_spec(d.master, channels)) end
end

-- After a commit: the running state follows the declaration.
function M.apply(d, full)
  for name, p in pairs(d.patches or {}) do S.patches[name] = p end
  if full then
    local keep = {}
    for n, b in pairs(S.buses) do if S.origin_of["bus:" .. n] == "repl" and not (d.buses and d.buses[n]) then keep[n] = b end end
    S.buses = keep
    S.master = d.master
  elseif d.master then S.master = d.master end
  for _, n in ipairs(d.bus_order or {}) do
    S.buses[n] = d.buses[n]
    S.origin_of["bus:" .. n] = full and "file" or (S.origin_of["bus:" .. n] == "file" and "file" or "repl")
  end
end

-- A REPL bus or master alone: its own small transaction.
function M.stage_commit(d)
  local T = require "lute.time"
  local frame = T.frame_of_bar(T.next_switch_bar())
  core.mix_begin()
  local ok, e = pcall(M.stage, d, false)
  if ok then ok, e = pcall(core.mix_commit, frame, false) end
  if not ok then core.mix_abort(); error(Rp.strip(e), 3) end
  M.apply(d, false)
end

-- ---------------------------------------------------------------------------------------------
-- The names a script sees
-- ---------------------------------------------------------------------------------------------
-- Every unit by name (inside a patch), every effect by name (outside one), and the helpers.  Where
-- a unit and an effect, or a unit and one of lute's or Lua's names, share a name, the call goes to
-- the unit while a patch is being built and to the other one otherwise.
function M.unit_globals()
  return Patch.globals()
end

function M.globals(api)
  local units = Patch.globals()
  local g = {}
  for name, f in pairs(M.effects) do g[name] = f end
  for name, f in pairs(units) do
    local other = g[name] or (api and api[name]) or _G[name]
    if other then
      g[name] = function(...)
        if building > 0 then return f(...) end
        return other(...)
      end
    else
      g[name] = f
    end
  end
  -- select: the unit when a patch is being built and its arguments are signals, Lua's otherwise
  local lua_select, unit_select = _G.select, units.select
  g.select = function(i, ...)
    if building > 0 and i ~= "#" and Patch.is_signal(i) and type(i) ~= "number" then return unit_select(i, ...) end
    if building > 0 and type(i) == "number" then
      for k = 1, lua_select("#", ...) do
        if type((lua_select(k, ...))) == "table" then return unit_select(i, ...) end
      end
    end
    return lua_select(i, ...)
  end
  g.patch = M.patch
  g.bus = M.bus
  g.master = M.master
  return g
end

return M
