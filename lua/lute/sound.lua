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
local SF = require "lute.strudel_fx"
local sample = require "lute.sample"
local R = require "rational"

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
      -- A name that is already a track field (width, glide: the strip's and the voices') or one of
      -- Strudel's (room, shape, ...) keeps its field for every other track; check_track and
      -- strudel_fx.lua give its value to the patch's control on a track whose patch has one.
      if not SF.canon(c.name) and not D.fields[c.name] then D.field(c.name, { engine = "param", help = "a control of a patch" }) end
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
  local ok, p = pcall(M.compile, fn, name)
  if not ok then
    if Rp.has_position(p) then error(p, 0) end
    error(("patch '%s': %s"):format(name, Rp.strip(p)), 2)
  end
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
-- A sidechain keyed by a pattern of triggers (duck{ by = mini("x ~ x [~ x]") }): a hidden track of
-- lute's own ("~trigN", its strip muted: a key is read before the fader) plays a 30 ms full-scale
-- noise burst on every event, sample-accurately, and the effect is keyed by it.  The name follows the
-- order of such keys in the script, so an unchanged script keeps its trigger tracks.
local trigger_patch
local function trigger_key(pat)
  local P = require "pattern"
  if not trigger_patch then
    local U = Patch.globals()
    trigger_patch = M.compile(function(v)
      local e = U.env(v.gate, 0, 1, 0, 0, 0, 0, 0, 0, 0.0002, 0.03, "2")
      return U.noise() * e
    end, "trigger")
  end
  local d = S.decl
  if not d then error("by = a pattern of triggers is part of a declaration (a script or a REPL chunk)", 3) end
  d.trig_n = (d.trig_n or 0) + 1
  local name = "~trig" .. d.trig_n
  require("lute.reconcile").track(name, { notes = P.reify(pat):fmap(function() return 60 end), patch = trigger_patch,
                                          mute = true, voices = 8, gain = 0 })
  return name
end

local function effect(name)
  local make = fx[name]
  return function(t)
    if t ~= nil and type(t) ~= "table" then return make(t) end
    t = t or {}
    local by = t.by
    if by ~= nil and require("pattern").is_pattern(by) then by = trigger_key(by) end
    if by ~= nil and type(by) ~= "string" then
      error(("%s: by = the name of a track or bus, or a pattern of triggers (mini(\"x ~ x ~\")), not %s"):format(name, type(by)), 2)
    end
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
    out[i] = { type = d.type, params = d.params, mix = d.mix, key = d.key, keysrc = keysrc, data = d.data_ptr,
               par = d.par, branch = d.branch }
  end
  return out
end

-- parallel{ dry = {}, crushed = { comp{ ratio = 10 }, gain = -6 } }: an insert that splits the signal
-- into named branches, each through its own effects and at its own level (dB), and sums them.
local MAX_BRANCHES = 8
function M.parallel(spec)
  if type(spec) ~= "table" or next(spec) == nil then
    error("parallel{ dry = {}, crushed = { comp{ ratio = 10 }, gain = -6 } }: named branches, each a list of effects", 2)
  end
  local branches = {}
  for name, b in pairs(spec) do
    if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") or #name > 12 then
      error(("parallel{}: a branch is named by a word of up to 12 letters (dry = {}, crushed = {...}), not %s")
        :format(tostring(name)), 2)
    end
    if type(b) ~= "table" or fx.is(b) then
      error(("parallel{}: branch '%s' is a list of effects and an optional gain: %s = { comp{ ratio = 10 }, gain = -6 }")
        :format(name, name), 2)
    end
    local gain = b.gain or 0
    if type(gain) ~= "number" or not (gain >= -96 and gain <= 24) then
      error(("parallel{}: branch '%s': gain = %s; a branch's level is -96 .. 24 dB"):format(name, tostring(b.gain)), 2)
    end
    for k in pairs(b) do
      if k ~= "gain" and math.type(k) ~= "integer" then
        error(("parallel{}: branch '%s': '%s' is not a field; a branch is a list of effects and gain ="):format(name, tostring(k)), 2)
      end
    end
    local list = {}
    for i, d in ipairs(b) do
      if type(d) == "table" and d.kind == "parallel" then error(("parallel{}: branch '%s': parallel{} inside parallel{} is not supported"):format(name), 2) end
      if not fx.is(d) then error(("parallel{}: branch '%s': item %d is not an effect"):format(name, i), 2) end
      if d.by or (fx.def(d.type).keyed and d.key) then
        error(("parallel{}: branch '%s': %s inside parallel{} cannot take a sidechain key (put it before or after the parallel{})")
          :format(name, d.type), 2)
      end
      list[i] = d
    end
    branches[#branches + 1] = { name = name, fx = list, gain = gain }
  end
  if #branches > MAX_BRANCHES then error(("parallel{}: at most %d branches, got %d"):format(MAX_BRANCHES, #branches), 2) end
  table.sort(branches, function(a, b) return a.name < b.name end)
  return { kind = "parallel", branches = branches }
end

-- A parallel{} in a chain becomes its branches' effects in a row, each marked with its group and
-- branch (the engine runs each branch on a copy and sums them), each branch ending in a gain at its
-- level; they are keyed "<branch>_<type>" (crushed_comp, crushed_gain) so that automation and live
-- edits find them by name.
local function flatten_parallel(d, group, out)
  for bi, b in ipairs(d.branches) do
    local count = {}
    local function add(e)
      local copy = {}
      for k, v in pairs(e) do copy[k] = v end
      count[e.type] = (count[e.type] or 0) + 1
      copy.key = e.key or (b.name .. "_" .. e.type .. (count[e.type] > 1 and tostring(count[e.type]) or ""))
      copy.par, copy.branch, copy.parallel_branch = group, bi - 1, b.name
      out[#out + 1] = setmetatable(copy, getmetatable(e))
    end
    for _, e in ipairs(b.fx) do add(e) end
    add(fx.gain{ gain = b.gain })
  end
end

-- fx = { ... }: a list of effect descriptors (reverb{...}, eq{...}, parallel{...}).
local function check_chain(v, where)
  if type(v) ~= "table" then error(("%s: fx is a list of effects, e.g. fx = { reverb{ mix = 0.3 } }"):format(where), 0) end
  local out, groups = {}, 0
  for i, d in ipairs(v) do
    if type(d) == "table" and d.kind == "parallel" then
      groups = groups + 1
      flatten_parallel(d, groups, out)
    elseif not fx.is(d) then
      error(("%s: effect %d is not an effect (write fx = { reverb{ size = 0.8 }, delay{ time = 0.375 } })"):format(where, i), 0)
    else
      out[#out + 1] = d
    end
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
D.field("sample", { help = "one audio file the track's notes play (with chop = n: slices), or a sample (bounce{...})",
  validate = function(v, where, d)
    if M.is_sample(v) then
      local k, err = kits.of_samples({ sample = v }, "sample")
      if not k then error(("%s: %s"):format(where, Rp.strip(err)), 0) end
      d.kit_obj, d.sample_name = k, "sample"
      return v
    end
    if type(v) ~= "string" then error(("%s is a file name or a sample (bounce{ ... }), got %s"):format(where, type(v)), 0) end
    -- the sound is called "sample" and by its file's name ("amen" for loops/amen.wav), for s = patterns
    local stem = v:match("([^/]+)$"):gsub("%.[^%.]*$", ""):lower():gsub("[^%w]+", "_")
    local spec = { sample = v }
    if stem ~= "" and stem ~= "sample" then spec[stem] = v end
    local k, err = kits.load(spec)
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
number_field("stretch", 1 / 64, 64, "time-stretch the samples by this ratio, pitch kept (Rubber Band; 2 = twice as long)")
number_field("pitch", -48, 48, "pitch-shift the samples by semitones, length kept (Rubber Band)")
D.field("onsets", { help = "true: slices between the onsets detected in the sample (notes or slice() pick them); "
    .. "or { threshold = 1, gap = 0.03 }",
  validate = function(v, where)
    if v == true then return { threshold = 0, gap = 0 } end
    if v == false then return nil end
    if type(v) == "number" and v > 0 and v <= 100 then return { threshold = v, gap = 0 } end
    if type(v) == "table" then
      for k in pairs(v) do
        if k ~= "threshold" and k ~= "gap" then error(("%s: onsets = { threshold = 1, gap = 0.03 }; '%s' is not one of them"):format(where, tostring(k)), 0) end
      end
      local th, gap = v.threshold or 0, v.gap or 0
      if type(th) ~= "number" or th < 0 or th > 100 then error(("%s: threshold is 0 .. 100 (1 the default; higher finds fewer), got %s"):format(where, tostring(th)), 0) end
      if type(gap) ~= "number" or gap < 0 or gap > 10 then error(("%s: gap is seconds between onsets, 0 .. 10, got %s"):format(where, tostring(gap)), 0) end
      return { threshold = th, gap = gap }
    end
    error(("%s is true, a threshold (1 the default) or { threshold =, gap = }, got %s"):format(where, tostring(v)), 0)
  end })

-- After the fields: the checks that need the whole declaration.
local SAMPLE_ONLY = { "chop", "fit", "speed", "cut", "root", "stretch", "pitch", "onsets" }

-- Whether the track's instrument has a control of that name: its patch's, or the built-in synth's
-- (a sample track has none).
local function instrument_has(d)
  local p = d.patch_obj
  if p then return function(k) return p.controls[k] ~= nil end end
  if d.kit_obj then return function() return false end end
  return function(k) local i = D.param_info[k]; return i ~= nil and not i.patch end
end

function M.check_track(d, where)
  local has = instrument_has(d)
  local sampler = d.kit_obj ~= nil and not d.patch_obj
  if d.s and not d.kit_obj then
    local k, err = kits.load("808")
    if not k then error(("%s: s = needs a kit and the default kit 808 did not load: %s"):format(where, tostring(err)), 0) end
    d.kit_obj = k
    sampler = not d.patch_obj
    has = instrument_has(d)
  end
  SF.prepare(d, where, has)
  local p = d.patch_obj
  if p then
    for k in pairs(p.controls) do   -- a control named like a track field (clap's width) takes the field's value
      local f = D.fields[k]
      if f and f.engine ~= "param" and d[k] ~= nil and type(d[k]) == "number" then d.params[k], d[k] = d[k], nil end
    end
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
  elseif sampler then
    for _, tbl in ipairs({ d.params, d.param_pats }) do
      for k in pairs(tbl) do
        if k ~= "gain" and k ~= "pan" then
          error(("%s: %s is a control of the built-in synth; a track of samples has no synth (its sound is changed "
            .. "by speed, begin/end, stretch, pitch, cut, and effects: lpf, hpf, room, delay, shape, crush, fx = { ... })")
            :format(where, k), 0)
        end
      end
    end
  end
  if not sampler then
    for _, k in ipairs(SAMPLE_ONLY) do
      if d[k] ~= nil then
        error(("%s: %s is for tracks of samples (kit =, s =, sample =); this track plays %s"):format(where, k,
          p and ("the patch '" .. p.name .. "'") or "the built-in synth"), 0)
      end
    end
  end
  if d.chop and d.onsets then error(("%s: chop = n and onsets = true both slice the sample; give one"):format(where), 0) end
  if sampler and (d.s or d.sample_name) then M.prepare_samples(d, where) end
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
                        vel = true, pan = true, legato = true, unit = true, stretch = true, pitch = true,
                        _slice = true, _slices = true, _splice = true }

-- Onsets of a sample as slices: { {begin, end}, ... } fractions, from the first onset (a sample with
-- none is one slice, the whole of it).  Cached per sample, rate and settings.
M.onset_cache = {}
function M.onset_slices(smp, o)
  local key = smp:hash() .. "@" .. smp:rate() .. ":" .. o.threshold .. ":" .. o.gap
  local c = M.onset_cache[key]
  if c then return c end
  local frames = smp:frames()
  local on = smp:onsets(o.threshold, o.gap)
  c = {}
  for i, f in ipairs(on) do c[i] = { f / frames, (on[i + 1] or frames) / frames } end
  if #c == 0 then c[1] = { 0, 1 } end
  M.onset_cache[key] = c
  return c
end

-- What one pattern value of a sample track plays: { index, speed, begin, end, loop, cut, gain,
-- vel, pan, legato, unit, stretch, pitch, note } (nil fields: the track's or the sampler's
-- defaults; `index` is into the track's kit before stretched variants are added).  Raises a
-- message for a sound the kit does not have.
function M.sample_event(d, v)
  local name, variant, ev = nil, nil, {}
  if type(v) == "table" and getmetatable(v) == nil and v[1] == nil then
    for k in pairs(SAMPLE_FIELDS) do ev[k] = v[k] end
    name = v.s or v.value or v.note or v.n
    if name ~= v.n and type(v.n) == "number" then variant = v.n end   -- s("bd"):n(3) is bd:3
    if type(name) == "table" and getmetatable(name) == nil then v = name end   -- { value = {"bd", 3} }
  end
  if type(v) == "table" and getmetatable(v) == nil and v[1] ~= nil then   -- "bd:3" in mini-notation
    name, variant = v[1], v[2]
    if type(variant) ~= "number" then error(("%s is not a sound with a variant (\"bd:3\")"):format(require("pattern").value_text(v)), 0) end
  elseif type(v) ~= "table" then
    name = v
  end
  if d.sample_name and not d.s then   -- a sample track played by notes: numbers are slices (chop, onsets) or notes
    local n = tonumber(name)
    if type(name) == "string" and not n then n = require("theory").to_midi(name) end
    if type(n) ~= "number" then error(("%s is not a slice number or a note"):format(tostring(name)), 0) end
    ev.index = d.kit_obj:resolve("sample", ev.vel)
    if d.onsets then
      local sl = M.onset_slices(d.kit_obj.samples[ev.index + 1], d.onsets)
      local x = sl[math.floor(n) % #sl + 1]
      ev.begin, ev["end"] = x[1], x[2]
    elseif d.chop then
      local i = math.floor(n) % d.chop
      ev.begin, ev["end"] = ev.begin or i / d.chop, ev["end"] or (i + 1) / d.chop
    else
      ev.note = n
    end
  else
    if type(name) ~= "string" then
      error(("%s is not a sound name (s = \"bd sd\", or { s = \"bd\", n = 2 })"):format(tostring(name)), 0)
    end
    if variant then name = name .. ":" .. math.floor(variant) end
    local idx, gain, pan, cut = d.kit_obj:resolve(name, ev.vel or d.vel)
    if not idx then error(Rp.strip(gain), 0) end
    ev.index = idx
    ev.kgain, ev.kpan, ev.kcut = gain, pan, cut
    if d.onsets and ev._slice then   -- slice(n, i) on a track slicing at onsets: the i-th onset slice
      local sl = M.onset_slices(d.kit_obj.samples[idx + 1], d.onsets)
      local x = sl[math.floor(ev._slice) % #sl + 1]
      local old = (ev["end"] or 1) - (ev.begin or 0)
      ev.begin, ev["end"] = x[1], x[2]
      if ev._splice and ev.speed and old > 0 then ev.speed = ev.speed * (x[2] - x[1]) / old end
    end
  end
  ev._slice, ev._slices, ev._splice = nil, nil, nil
  if ev.unit ~= nil and ev.unit ~= "c" and ev.unit ~= "r" then
    error(("unit = %s: \"c\" (speed in cycles: the sample lasts 1/speed bars) or \"r\" (a rate, the default)"):format(tostring(ev.unit)), 0)
  end
  for k, x in pairs(ev) do
    if k ~= "index" and k ~= "unit" and type(x) ~= "number" and type(x) ~= "boolean" then
      error(("%s = %s is not a number"):format(k, tostring(x)), 0)
    end
  end
  if ev.stretch and not (ev.stretch >= 1 / 64 and ev.stretch <= 64) then error(("stretch = %s is outside 1/64 .. 64"):format(D.num(ev.stretch)), 0) end
  if ev.pitch and not (ev.pitch >= -48 and ev.pitch <= 48) then error(("pitch = %s is outside -48 .. 48 semitones"):format(D.num(ev.pitch)), 0) end
  return ev
end

-- The indices of every velocity layer of the sound an event names (stretched variants are made for
-- all of them, so that a later velocity finds its layer ready).
local function layers_of(d, ev)
  if d.sample_name and not d.s then return { ev.index } end
  local k = d.kit_obj
  for _, name in ipairs(k.names) do
    for _, var in ipairs(k.sounds[name]) do
      for _, l in ipairs(var.layers) do
        if l.index == ev.index then
          local out = {}
          for _, m in ipairs(var.layers) do out[#out + 1] = m.index end
          return out
        end
      end
    end
  end
  return { ev.index }
end

-- Stretched and pitch-shifted samples, made once: hash @ rate : ratio : semitones -> sample.
M.stretched = {}
local function variant_key(index, ratio, semis) return ("%d:%.17g:%.17g"):format(index, ratio, semis) end

local function stretched(smp, ratio, semis, where)
  local key = ("%s@%d:%.17g:%.17g"):format(smp:hash(), smp:rate(), ratio, semis)
  local c = M.stretched[key]
  if c then return c end
  local ok, x, err = pcall(smp.stretch, smp, ratio, semis)
  if not ok or not x then
    error(("%s: stretching %s (stretch = %s, pitch = %s) failed: %s"):format(where, smp:path(), D.num(ratio), D.num(semis),
      Rp.strip(tostring(ok and err or x))), 0)
  end
  M.stretched[key] = x
  return x
end

-- Kits with stretched variants added after the kit's own samples, made once per combination.
M.play_kits = {}

-- Checks the sounds a sample track's pattern plays in its first bars (an unknown sound is an error
-- now), and prepares the stretched and pitch-shifted samples they and the track's stretch = and
-- pitch = ask for: d.variants (variant key -> index in d.play_kit), d.play_kit (the kit the engine
-- plays: the kit's samples, then the variants).  Rubber Band runs here, on the control thread,
-- while the script is evaluated; a value first used after SF.SCAN_CYCLES bars is not ready and that
-- event is skipped with a message.
function M.prepare_samples(d, where)
  local pat = d.notes
  local want, keys = {}, {}
  local ok, e = pcall(SF.scan, pat, function(h)
    local ok2, ev = pcall(M.sample_event, d, h.value)
    if not ok2 then
      if h.whole.b < R.make(D.CHECK_CYCLES, 1) then error(ev, 0) end
    else
      local ratio, semis = ev.stretch or d.stretch or 1, ev.pitch or d.pitch or 0
      if ratio ~= 1 or semis ~= 0 then
        for _, idx in ipairs(layers_of(d, ev)) do
          local k = variant_key(idx, ratio, semis)
          if not want[k] then want[k] = { idx, ratio, semis }; keys[#keys + 1] = k end
        end
      end
    end
  end)
  if not ok then error(("%s, %s: %s"):format(where, d.s and "s" or "notes", Rp.strip(e)), 0) end
  if #keys == 0 then d.play_kit, d.variants = d.kit_obj.kit, nil; return end
  table.sort(keys)
  local base = d.kit_obj.samples
  local id = d.kit_obj.kit:hash() .. "|" .. table.concat(keys, "|")
  local pk = M.play_kits[id]
  if not pk then
    local list, variants = {}, {}
    for i, smp in ipairs(base) do list[i] = smp end
    for _, k in ipairs(keys) do
      local w = want[k]
      list[#list + 1] = stretched(base[w[1] + 1], w[2], w[3], where)
      variants[k] = #list - 1
    end
    pk = { kit = sample.kit(list), variants = variants, samples = list }
    M.play_kits[id] = pk
  end
  d.play_kit, d.variants, d.play_samples = pk.kit, pk.variants, pk.samples
end

-- The index an event plays in the track's kit (its stretched variant when it asks for one), the
-- sample at that index, or nil and why.
function M.play_index(d, ev)
  local ratio, semis = ev.stretch or d.stretch or 1, ev.pitch or d.pitch or 0
  if ratio == 1 and semis == 0 then return ev.index, d.kit_obj.samples[ev.index + 1] end
  local i = d.variants and d.variants[variant_key(ev.index, ratio, semis)]
  if not i then
    return nil, ("stretch = %s, pitch = %s first appears after the %d bars lute prepares when the script is "
      .. "evaluated: it is not ready"):format(D.num(ratio), D.num(semis), SF.SCAN_CYCLES)
  end
  return i, d.play_samples[i + 1]
end

-- Whether v is a lute.sample (a loaded, rendered or bounced sample).
local SAMPLE_MT
function M.is_sample(v)
  if type(v) ~= "userdata" then return false end
  if not SAMPLE_MT then SAMPLE_MT = debug.getregistry()["lute.sample"] end
  return getmetatable(v) == SAMPLE_MT
end

-- bounce{ kit = "rock", s = "bd ~ [~ bd] sd", bars = 1, bpm = 120, beats = 4 } -> a sample: the
-- pattern's hits of the kit summed into a loop of `bars` bars at that tempo (a break made by lute,
-- for sample = and chopping).  Each hit plays whole at its velocity layer and the kit's gain (times
-- its own gain and vel); what rings past the end wraps round to the start, so the loop repeats
-- seamlessly.  Only sounds are read (no speed, region, choke or effects).  Made once per
-- arguments (when s is text) and rate.
M.bounced = {}
function M.bounce(t)
  if type(t) ~= "table" then error("bounce{ kit = \"rock\", s = \"bd sd\", bars = 1, bpm = 120 }", 2) end
  for k in pairs(t) do
    if k ~= "kit" and k ~= "s" and k ~= "bars" and k ~= "bpm" and k ~= "beats" and k ~= "vel" then
      error(("bounce: unknown field '%s'; known: kit, s, bars, bpm, beats, vel"):format(tostring(k)), 2)
    end
  end
  local bars, bpm, beats, vel = t.bars or 1, t.bpm or 120, t.beats or 4, t.vel or 1
  local function num(name, x, lo, hi)
    if type(x) ~= "number" or not (x >= lo and x <= hi) then
      error(("bounce: %s is a number %s .. %s, got %s"):format(name, D.num(lo), D.num(hi), tostring(x)), 3)
    end
  end
  num("bars", bars, 0.0625, 64); num("bpm", bpm, 10, 999); num("beats", beats, 1, 32); num("vel", vel, 0, 1)
  if t.s == nil then error("bounce: s = a pattern of the kit's sounds (\"bd ~ sd ~\")", 2) end
  local spec = t.kit or "808"
  local rate = sample.rate()
  local key = type(t.s) == "string" and type(spec) == "string"
    and table.concat({ spec, t.s, bars, bpm, beats, vel, rate }, "\0") or nil
  if key and M.bounced[key] then return M.bounced[key] end
  local k, err = kits.load(spec)
  if not k then error("bounce: " .. Rp.strip(err), 2) end
  local pat = D.as_pattern(t.s, "bounce, s")
  local bar = 60 / bpm * beats * rate
  local total = math.floor(bars * bar + 0.5)
  local d = { kit_obj = k, vel = vel }
  local list = {}
  local ok, e = pcall(function()
    for _, h in ipairs(pat:query(0, R.from(bars))) do
      if h.whole and h.whole.b == h.part.b then
        local ev = M.sample_event(d, h.value)
        local at = math.floor(h.whole.b:tonumber() * bar + 0.5)
        local g = (ev.gain or 1) * (ev.kgain or 1) * (ev.vel or vel)
        local smp = k.samples[ev.index + 1]
        list[#list + 1] = { smp, at = at, gain = g }
        if at + smp:frames() > total then list[#list + 1] = { smp, at = at - total, gain = g } end   -- the tail wraps round
      end
    end
  end)
  if not ok then error("bounce, s: " .. Rp.strip(e), 2) end
  local out = sample.mix(list, total, "bounce:" .. tostring(spec))
  if key then M.bounced[key] = out end
  return out
end

-- ---------------------------------------------------------------------------------------------
-- Buses and the master
-- ---------------------------------------------------------------------------------------------
local BUS_FIELDS = { fx = true, gain = true, pan = true, out = true, sends = true, mute = true, solo = true,
                     solo_safe = true, width = true, polarity = true, feedback = true }

local function normalize_bus(name, spec, where)
  if type(spec) ~= "table" then error(("bus '%s' needs a table: bus \"%s\" { fx = { reverb{ } } }"):format(name, name), 0) end
  for k in pairs(spec) do
    if not BUS_FIELDS[k] then
      error(("unknown field '%s' in bus '%s'; known: fx, gain, pan, width, polarity, out, sends, mute, solo, solo_safe, feedback")
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
  if spec.feedback ~= nil and type(spec.feedback) ~= "boolean" then
    error(("%s: feedback is true or false (true: the bus hears what is sent to it one quantum late, so it may "
      .. "send back into itself or a bus before it), got %s"):format(w, tostring(spec.feedback)), 0)
  end
  b.feedback = spec.feedback == true
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

-- A track's channel spec.  Called inside a mix transaction (reconcile.lua): the buses of the
-- track's own that Strudel's delay and room need (strudel_fx.lua) are staged here too, and those it
-- had before and no longer needs are removed (a whole script's commit drops them anyway).
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
  local chain = SF.inserts(d, M.effects)
  for _, x in ipairs(d.fx or {}) do chain[#chain + 1] = x end
  local buses, aux = SF.buses(name, d, M.effects, d.out)
  local sends = d.sends
  if #aux > 0 then
    sends = {}
    for _, x in ipairs(d.sends or {}) do sends[#sends + 1] = x end
    for _, x in ipairs(aux) do sends[#sends + 1] = x end
  end
  local staged = {}
  for _, b in ipairs(buses) do
    local sp = M.bus_spec_raw(b, channels)
    core.mix_channel(sp)
    staged[b.name] = true
  end
  local old = S.tracks[name] and S.tracks[name].def
  if old and old.sfx_groups then
    for _, g in ipairs({ "delay", "room" }) do
      local b = SF.bus_name(name, g)
      if old.sfx_groups[g] and not staged[b] then pcall(core.mix_remove, b) end
    end
  end
  return {
    name = name, program = program, voices = d.voices or 8,
    mono = d.mono == true or d.mono == "legato", legato = d.mono == "legato", glide = d.glide or 0,
    controls = controls, gain = gain, pan = d.params.pan or 0, width = d.width or 1,
    polarity = d.polarity or false, solo = d.solo or false, mute = d.mute or false,
    fx = chain_spec(chain, name, channels), sends = sends, out = d.out,
    kit = d.play_kit or (d.kit_obj and d.kit_obj.kit) or nil,
    input = input, monitor = monitor,
  }
end

-- A bus of a track's own, as a channel spec (its chain is already a list of descriptors).
function M.bus_spec_raw(b, channels)
  return { name = b.name, bus = true, gain = b.gain, pan = 0, width = 1, polarity = false, mute = false, solo = false,
           solo_safe = true, out = b.out, fx = chain_spec(b.fx, b.name, channels) }
end

function M.bus_spec(b, channels)
  local gain = b.gain
  if S.muted[b.name] or S.hushed then gain = -120 end
  return { name = b.name, bus = true, gain = gain, pan = b.pan, width = b.width, polarity = b.polarity,
           mute = b.mute, solo = b.solo, solo_safe = b.solo_safe, out = b.out, feedback = b.feedback,
           fx = chain_spec(b.fx, b.name, channels), sends = b.sends }
end

function M.master_spec(m, channels)
  m = m or { gain = 0 }
  local chain = m.fx
  -- lute render of a song with a loudness target: the chain's final limiter is the one the target
  -- drives (render_master.c), so the mix is rendered without it and its settings go along
  if S.render_target and m.target and chain and #chain > 0 and chain[#chain].type == "limiter" then
    S.target_limiter = require("fx").values(chain[#chain])
    chain = { table.unpack(chain, 1, #chain - 1) }
  elseif S.render_target then
    S.target_limiter = nil
  end
  return { gain = m.gain or 0, fx = chain_spec(chain, "master", channels) }
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
  g.parallel = M.parallel
  for name, f in pairs(units) do
    local other = g[name] or (api and api[name]) or _G[name]
    -- A unit's mistake is reported at the user's line: the unit's own error points at this
    -- wrapper (or nowhere, had it been a tail call), so it is raised again one level up.
    local function unit(...)
      local ok, r = pcall(f, ...)
      if ok then return r end
      -- the caller's line, unless the call was the patch's tail call (`return saw(...)`: then the
      -- next frame is the compiler's, and patch() adds the line that declared the patch)
      local info = debug.getinfo(3, "S")
      if info and info.source:match("[/\\]patch%.lua$") then error(Rp.strip(r), 0) end
      error(Rp.strip(r), 3)
    end
    if other then
      g[name] = function(...)
        if building > 0 then return (unit(...)) end
        return other(...)
      end
    else
      g[name] = function(...) return (unit(...)) end
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
  g.bounce = M.bounce
  -- s("bd*4, hh*8"): a pattern of sounds, as Strudel writes it (s = "..." on a track is the same)
  g.s = function(x) return D.as_pattern(x, "s(...)"):as("s") end
  return g
end

return M
