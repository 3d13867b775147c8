-- kits.lua — drum kits by name for the sampler: which sample a sound name, a variant and a
-- velocity play (docs/sampler.md).
--
--   local kits = require "kits"
--   local k, err = kits.load("808")            -- or "rock", "lute" (synthesized), a Hydrogen kit's
--                                              -- name or folder, a folder of audio files, or a table of files
--   local index, gain, pan, cut = k:index("bd", 3, 0.8)   -- sound, variant, velocity 0..1
--   local index = k:resolve("bd:3", 0.8)       -- the same from Strudel's "name:variant"
--   k.kit                                      -- the lute.sample kit the engine plays from
--
-- `index` is 0-based: the index lt_sampler_play takes into k.kit.  gain (linear), pan (-1..1) and
-- cut (choke group, 0 = none) are what the kit's author set for that sound (Hydrogen's instrument
-- volume and gain, layer gain, pan and mute group); the scheduler multiplies them in or leaves
-- them.  Variants wrap ("bd:3" of a kit with two bd is bd:1); velocity picks a layer where the kit
-- has layers (the GM Rock kit has five per drum).
--
-- Kits load once and are kept by their resolved path (and rate): evaluating the same script again
-- does not read the files again.  A file that changed on disk (its time or size) is read again, and
-- samples shared by several kits are loaded once.  Files load one by one from Lua, so lute's
-- evaluation watchdog and live scheduler get their turn between two files.
--
-- Thread: control (the Lua state's).
local sample = require "lute.sample"

local M = {}

-- Where Hydrogen keeps kits: the user's folder first, then Debian's hydrogen-data.
local home = os.getenv("HOME")
M.search = { home and (home .. "/.hydrogen/data/drumkits") or nil, "/usr/share/hydrogen/data/drumkits" }
if not M.search[1] then table.remove(M.search, 1) end

-- Short names for the kits lute knows.
M.named = { ["808"] = "TR808EmulationKit", rock = "GMRockKit" }

-- Strudel's names for the instruments of the two named kits (Hydrogen instrument name -> sound).
-- Several instruments with one name become its variants, in the order of drumkit.xml.
M.maps = {
  TR808EmulationKit = {
    ["Kick Long"] = "bd", ["Kick Short"] = "bd", ["Snare 1"] = "sd", ["Snare 2"] = "sd", ["Clap"] = "cp",
    ["Tom Low"] = "lt", ["Tom Mid"] = "mt", ["Tom Hi"] = "ht", ["Closed Hat"] = "hh", ["Pedal Hat"] = "hh",
    ["Open Hat"] = "oh", ["Cymbal"] = "cr", ["Shaker"] = "sh", ["Conga"] = "cg", ["Clave"] = "cl", ["Cowbell"] = "cb",
  },
  GMRockKit = {
    ["Kick"] = "bd", ["Stick"] = "rim", ["Snare"] = "sd", ["Hand Clap"] = "cp", ["Snare Rimshot"] = "sd",
    ["Floor Tom"] = "lt", ["Hat Closed"] = "hh", ["Tom 2"] = "mt", ["Hat Pedal"] = "hh", ["Tom 1"] = "ht",
    ["Hat Open"] = "oh", ["Cowbell"] = "cb", ["Ride"] = "rd", ["Crash"] = "cr", ["Ride 2"] = "rd",
    ["Splash"] = "cr", ["Hat Semi-Open"] = "oh", ["Bell"] = "rd",
  },
}

local AUDIO = { wav = true, wave = true, aif = true, aiff = true, aifc = true, flac = true, ogg = true, oga = true,
                opus = true, mp3 = true, w64 = true, caf = true, au = true, rf64 = true }

-- ---------------------------------------------------------------------------------------------
-- Names
-- ---------------------------------------------------------------------------------------------

-- A Hydrogen instrument's own name as a sound name: "Hat Semi-Open" -> "hat_semi_open".
local function slug(s)
  return (s:lower():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", ""))
end
M.slug = slug

-- Strudel's name for an instrument of any other Hydrogen kit, guessed from its name (nil: none).
function M.guess(name)
  local n = " " .. name:lower():gsub("[^%w]+", " ") .. " "
  local function has(...) for _, w in ipairs{...} do if n:find(w, 1, true) then return true end end end
  if has("cowbell") then return "cb" end
  if has("kick", "bass drum", " bd ", "bassdrum") then return "bd" end
  if has("rimshot", " rim ", "stick") then return "rim" end
  if has("snare", " sd ", " sn ") then return "sd" end
  if has("clap") then return "cp" end
  if has("hat", " hh ", "hihat") then
    if has("open") then return "oh" end
    return "hh"
  end
  if has("crash", "splash", "china", "cymbal") then return "cr" end
  if has("ride", "bell") then return "rd" end
  if has("tom") then
    if has("floor", "low", " lo ") then return "lt" end
    if has("mid") then return "mt" end
    if has("high", " hi ") then return "ht" end
    return "mt"
  end
  if has("shaker", "maraca", "cabasa") then return "sh" end
  if has("clave") then return "cl" end
  if has("conga", "bongo") then return "cg" end
  if has("tamb") then return "tb" end
  return nil
end

-- A file name as a sound name and a variant number: "kick.wav" -> "kick", nil; "bd2.wav" -> "bd",
-- 2; "snare_01.wav" -> "snare", 1; "808.wav" -> "808", nil (all digits stay a name).
function M.file_name(file)
  local base = file:gsub("%.[^%.]*$", "")
  local stem, num = base:match("^(.-)[%s_%-]*(%d+)$")
  if stem and stem ~= "" then return stem, tonumber(num) end
  return base, nil
end

-- ---------------------------------------------------------------------------------------------
-- Samples, loaded once
-- ---------------------------------------------------------------------------------------------

M.samples = {}   -- path .. "@" .. rate -> { sample, mtime, size }

local function load_sample(path, rate)
  local st, err = sample.stat(path)
  if not st then return nil, err end
  local key = path .. "@" .. rate
  local c = M.samples[key]
  if c and c.mtime == st.mtime and c.size == st.size then return c.sample end
  local s, lerr = sample.load(path, rate)
  if not s then return nil, lerr end
  M.samples[key] = { sample = s, mtime = st.mtime, size = st.size }
  return s
end

-- ---------------------------------------------------------------------------------------------
-- The kit object
-- ---------------------------------------------------------------------------------------------

local Kit = {}
Kit.__index = Kit

-- The layer of a variant that velocity `vel` plays: the first whose range holds it (Hydrogen's
-- rule), else the nearest range.
local function pick_layer(layers, vel)
  for _, l in ipairs(layers) do
    if vel >= l.min and vel <= l.max then return l end
  end
  local best, dist = layers[1], math.huge
  for _, l in ipairs(layers) do
    local d = vel < l.min and l.min - vel or vel - l.max
    if d < dist then best, dist = l, d end
  end
  return best
end

-- index, gain, pan, cut for sound `name`, variant (0-based, wraps; nil = 0), velocity 0..1 (nil = 1);
-- nil and a message naming the kit's sounds when it has no such sound.
function Kit:index(name, variant, vel)
  local v = self.sounds[name]
  if not v then
    return nil, string.format("kit %s has no sound '%s' (it has: %s)", self.name, tostring(name), table.concat(self.names, " "))
  end
  variant = math.tointeger(variant) or 0
  local var = v[variant % #v + 1]
  vel = tonumber(vel) or 1
  if vel ~= vel then vel = 1 end
  vel = vel < 0 and 0 or vel > 1 and 1 or vel
  local l = pick_layer(var.layers, vel)
  return l.index, var.gain * l.gain, var.pan, var.cut
end

-- The same from Strudel's "name" or "name:variant".
function Kit:resolve(spec, vel)
  local name, var = tostring(spec):match("^(.-):(%-?%d+)$")
  if not name then name, var = tostring(spec), 0 end
  return self:index(name, tonumber(var), vel)
end

-- The path of the file behind an index (for messages and tests).
function Kit:file(index) return self.files[index + 1] end

function Kit:__tostring()
  return string.format("kit %s (%d sounds, %d samples)", self.name, #self.names, #self.files)
end

-- Builds the kit from a list of sounds: sounds[name] = list of variants, each
-- { layers = { {file=, min=, max=, gain=}, ... }, gain=, pan=, cut= }.
-- A layer may carry its sample already made (`sample`, the synthesized kit); `file` then only names it.
local function build(name, path, kind, sounds, rate)
  local files, index_of, list, made = {}, {}, {}, {}
  for _, variants in pairs(sounds) do
    for _, var in ipairs(variants) do
      for _, l in ipairs(var.layers) do
        if not index_of[l.file] then files[#files + 1] = l.file; index_of[l.file] = true end
        if l.sample then made[l.file] = l.sample end
      end
    end
  end
  table.sort(files)                       -- the kit's order does not depend on table traversal
  for i, f in ipairs(files) do
    local s, err = made[f], nil
    if not s then s, err = load_sample(f, rate) end
    if not s then return nil, string.format("kit %s: %s", name, err) end
    list[i] = s
    index_of[f] = i - 1
  end
  local names = {}
  for n, variants in pairs(sounds) do
    names[#names + 1] = n
    for _, var in ipairs(variants) do
      for _, l in ipairs(var.layers) do l.index = index_of[l.file] end
    end
  end
  table.sort(names)
  return setmetatable({ name = name, path = path, kind = kind, rate = rate, sounds = sounds, names = names,
                        files = files, samples = list, kit = sample.kit(list) }, Kit)
end

-- ---------------------------------------------------------------------------------------------
-- Hydrogen kits (drumkit.xml)
-- ---------------------------------------------------------------------------------------------

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

local ENT = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'" }
local function unxml(s)
  return (s:gsub("&(#?%w+);", function(e)
    if ENT[e] then return ENT[e] end
    local n = e:match("^#x(%x+)$") and tonumber(e:sub(3), 16) or e:match("^#(%d+)$") and tonumber(e:sub(2))
    return n and utf8.char(n) or "&" .. e .. ";"
  end))
end

local function field(block, tag)
  local v = block:match("<" .. tag .. ">(.-)</" .. tag .. ">")
  return v and unxml(v)
end

local function number(block, tag, default)
  return tonumber(field(block, tag) or "") or default
end

-- Parses a drumkit.xml (Hydrogen 0.9.3 to 1.2: layers inside <instrumentComponent>, directly in
-- the instrument, or a lone <filename>).  Returns name, list of instruments
-- { name, gain, pan, cut, layers = { {file, min, max, gain}, ... } } in file order.
function M.parse_hydrogen(xml, dir)
  local kitname = field(xml:gsub("<instrumentList>.*", ""), "name") or dir:match("([^/]+)/*$")
  local instruments = {}
  for block in xml:gmatch("<instrument>(.-)</instrument>") do
    local own = block:gsub("<instrumentComponent>.-</instrumentComponent>", ""):gsub("<layer>.-</layer>", "")
    local comp = block:match("<instrumentComponent>(.-)</instrumentComponent>")   -- the first component
    local comp_gain = comp and number(comp:gsub("<layer>.-</layer>", ""), "gain", 1) or 1
    local layers = {}
    for lb in (comp or block):gmatch("<layer>(.-)</layer>") do
      local file = field(lb, "filename")
      if file then
        layers[#layers + 1] = { file = dir .. "/" .. file, min = number(lb, "min", 0), max = number(lb, "max", 1),
                                gain = number(lb, "gain", 1) }
      end
    end
    if #layers == 0 and field(own, "filename") then
      layers[1] = { file = dir .. "/" .. field(own, "filename"), min = 0, max = 1, gain = 1 }
    end
    local pan = number(own, "pan", nil)
    if not pan then   -- before Hydrogen 1.2: pan_L and pan_R, each 0..1
      local pl, pr = number(own, "pan_L", 1), number(own, "pan_R", 1)
      pan = pr - pl
    end
    local group = number(own, "muteGroup", -1)
    local name = field(own, "name") or ("instrument " .. (#instruments + 1))
    if #layers > 0 and field(own, "isMuted") ~= "true" then
      instruments[#instruments + 1] = { name = name, layers = layers, pan = math.max(-1, math.min(1, pan)),
        gain = number(own, "volume", 1) * number(own, "gain", 1) * comp_gain, cut = group >= 0 and group + 1 or 0 }
    end
  end
  return kitname, instruments
end

local function hydrogen_kit(dir, label, rate)
  local xml, err = read_file(dir .. "/drumkit.xml")
  if not xml then return nil, string.format("kit %s: %s", label, err) end
  local kitname, instruments = M.parse_hydrogen(xml, dir)
  if #instruments == 0 then return nil, string.format("kit %s: %s/drumkit.xml lists no instrument with a sample", label, dir) end
  local map = M.maps[kitname] or M.maps[dir:match("([^/]+)/*$")]
  local sounds = {}
  for _, ins in ipairs(instruments) do
    local var = { layers = ins.layers, gain = ins.gain, pan = ins.pan, cut = ins.cut, instrument = ins.name }
    local strudel
    if map then strudel = map[ins.name] else strudel = M.guess(ins.name) end
    if strudel then sounds[strudel] = sounds[strudel] or {}; table.insert(sounds[strudel], var) end
    local own = slug(ins.name)
    if own ~= "" and own ~= strudel then sounds[own] = sounds[own] or {}; table.insert(sounds[own], var) end
  end
  return build(label, dir, "hydrogen", sounds, rate)
end

-- ---------------------------------------------------------------------------------------------
-- Folders of audio files; tables of files
-- ---------------------------------------------------------------------------------------------

local function is_audio(name) return AUDIO[(name:match("%.([^%.]+)$") or ""):lower()] end

-- Sounds from a folder: each audio file is a sound named after it (numbered files are variants of
-- one sound, in number order, an unnumbered one first); each sub-folder holding audio files is a
-- sound named after the folder, its files (sorted) the variants — the layout of Tidal's
-- Dirt-Samples and of Strudel's sample packs.
local function folder_kit(dir, label, rate)
  local entries, err = sample.dir(dir)
  if not entries then return nil, string.format("kit %s: %s", label, err) end
  local found, sounds = {}, {}
  local function add(name, num, file)
    found[name] = found[name] or {}
    table.insert(found[name], { num = num or -1, file = file })
  end
  for _, e in ipairs(entries) do
    if e.dir then
      local sub = sample.dir(dir .. "/" .. e.name) or {}
      local k = 0
      for _, f in ipairs(sub) do
        if not f.dir and is_audio(f.name) then add(e.name, k, dir .. "/" .. e.name .. "/" .. f.name); k = k + 1 end
      end
    elseif is_audio(e.name) then
      local name, num = M.file_name(e.name)
      add(name, num, dir .. "/" .. e.name)
    end
  end
  for name, list in pairs(found) do
    table.sort(list, function(a, b) if a.num ~= b.num then return a.num < b.num end return a.file < b.file end)
    sounds[name] = {}
    for i, f in ipairs(list) do
      sounds[name][i] = { layers = { { file = f.file, min = 0, max = 1, gain = 1 } }, gain = 1, pan = 0, cut = 0 }
    end
  end
  if not next(sounds) then return nil, string.format("kit %s: the folder %s holds no audio files (%s)", label, dir,
    "wav, aiff, flac, ogg, mp3, ...") end
  return build(label, dir, "folder", sounds, rate)
end

-- A path as given by a script: "~/..." in the home folder, a relative one under `base` (the
-- script's folder, when the caller passes it).
local function join(base, path)
  if path:sub(1, 2) == "~/" and home then return home .. path:sub(2) end
  if path:sub(1, 1) == "/" or not base or base == "" then return path end
  return base .. "/" .. path
end

local function table_kit(t, base, rate)
  local sounds, keys = {}, {}
  for name, v in pairs(t) do
    if type(name) ~= "string" then
      return nil, string.format("kit table: keys are sound names (bd = \"kick.wav\"), got %s", tostring(name))
    end
    local files = type(v) == "table" and v or { v }
    if #files == 0 then return nil, string.format("kit table: %s has no files", name) end
    sounds[name] = {}
    for i, f in ipairs(files) do
      if type(f) ~= "string" then
        return nil, string.format("kit table: %s[%d] should be a file name, got %s", name, i, type(f))
      end
      local path = join(base, f)
      local ok, err = sample.stat(path)
      if not ok then return nil, string.format("kit table: %s: %s", name, err) end
      sounds[name][i] = { layers = { { file = path, min = 0, max = 1, gain = 1 } }, gain = 1, pan = 0, cut = 0 }
      keys[#keys + 1] = name .. "=" .. path
    end
  end
  table.sort(keys)
  return sounds, table.concat(keys, ";")    -- the sounds, and a key naming them for the cache
end

-- ---------------------------------------------------------------------------------------------
-- kit = "lute": drums synthesized by lute's own patches
-- ---------------------------------------------------------------------------------------------

-- Each sound is a list of variants; a variant is one note of a patch in scripts/patches, played
-- with these controls (the patch's defaults for the others), rendered once at the engine's rate.
-- Sounds the patches cannot make (there is no shaker, conga or clave patch) are left out rather
-- than faked; docs/sampler.md has the table.
M.lute_sounds = {
  bd  = { { patch = "kick" },                                                   -- an electronic kick
          { patch = "kick", controls = { tune = 60, decay = 0.22, click = 0.8, drive = 0.5 } },  -- short, punchy
          { patch = "kick", controls = { tune = 44, decay = 1.2, bend = 3, sweep = 0.09, drive = 0.1 } } },  -- long, 808-like boom
  sd  = { { patch = "snare" },
          { patch = "snare", controls = { tune = 230, tone = 0.35, snappy = 1, decay = 0.16 } } },   -- brighter, more wires
  rim = { { patch = "snare", controls = { tune = 420, tone = 1, tone_decay = 0.025, snappy = 0.12, decay = 0.03 } } },
  cp  = { { patch = "clap" } },
  hh  = { { patch = "hat", cut = 1 },
          { patch = "hat", cut = 1, controls = { decay = 0.03, tone = 9500 } } },
  oh  = { { patch = "hat", cut = 1, controls = { decay = 0.4 } } },
  cr  = { { patch = "hat", controls = { decay = 1.6, tone = 4500, metal = 0.5 } } },
  rd  = { { patch = "hat", controls = { decay = 1.2, tone = 9000, metal = 0.85 } } },
  lt  = { { patch = "tom", note = 38 } },      -- d2, 73 Hz (the 808's low tom is about 75 Hz)
  mt  = { { patch = "tom", note = 45 } },      -- a2, 110 Hz
  ht  = { { patch = "tom", note = 51 } },      -- d#3, 156 Hz
  cb  = { { patch = "bell", note = 72.54, hold = 0.2, controls = { ratio = 1.48, index = 1.2, decay = 0.5, release = 0.08 } } },
}
M.LUTE_SECONDS = 4      -- longest sound rendered (the crash rings about 2 s)

local function patch_path(name)
  local root = require("lute.core").root
  return root .. "/scripts/patches/" .. name .. ".lua"
end

-- The patch files the synthesized kit is made from, with their times and sizes: a changed patch
-- makes the kit again.
local function lute_stamp()
  local used, parts = {}, {}
  for _, variants in pairs(M.lute_sounds) do for _, v in ipairs(variants) do used[v.patch] = true end end
  for n in pairs(used) do
    local st = sample.stat(patch_path(n))
    parts[#parts + 1] = n .. (st and (":" .. st.mtime .. ":" .. st.size) or ":gone")
  end
  table.sort(parts)
  return table.concat(parts, ";")
end

-- Compiles a patch file the way the language does (its units as globals).
local function compile_patch(name)
  local Patch = require "patch"
  local env = setmetatable(Patch.globals(), { __index = _G })
  local chunk, err = loadfile(patch_path(name), "t", env)
  if not chunk then return nil, err end
  local ok, fn = pcall(chunk)
  if not ok then return nil, fn end
  local ok2, prog = pcall(Patch.compile, fn, name)
  if not ok2 then return nil, prog end
  return prog
end

local function lute_kit(rate)
  local programs, sounds = {}, {}
  for name, variants in pairs(M.lute_sounds) do
    sounds[name] = {}
    for i, v in ipairs(variants) do
      local prog = programs[v.patch]
      if not prog then
        local err
        prog, err = compile_patch(v.patch)
        if not prog then return nil, string.format("kit lute: the patch %s: %s", v.patch, tostring(err)) end
        programs[v.patch] = prog
      end
      local label = string.format("lute:%s:%d", name, i - 1)
      local ok, s = pcall(sample.render, prog, { note = v.note or 60, vel = 1, hold = v.hold or 0.05, seconds = M.LUTE_SECONDS,
                                                 rate = rate, controls = v.controls, name = label })
      if not ok then return nil, string.format("kit lute: %s: %s", label, tostring(s)) end
      sounds[name][i] = { layers = { { file = label, sample = s, min = 0, max = 1, gain = 1 } }, gain = 1, pan = 0,
                          cut = v.cut or 0, patch = v.patch, controls = v.controls, note = v.note }
    end
  end
  return build("lute", nil, "lute", sounds, rate)
end

-- ---------------------------------------------------------------------------------------------
-- kits.load
-- ---------------------------------------------------------------------------------------------

M.cache = {}   -- key -> { kit, stamp }

-- A stamp of what a kit was built from (its files' times and sizes, its drumkit.xml, the listing
-- of its folder), so a kit whose files changed on disk is built again and one that did not is
-- reused.
local function stamp_of(kit)
  local parts = {}
  local function add(f)
    local st = sample.stat(f)
    parts[#parts + 1] = f .. (st and (":" .. st.mtime .. ":" .. st.size) or ":gone")
  end
  for _, f in ipairs(kit.files) do add(f) end
  if kit.kind == "hydrogen" then add(kit.path .. "/drumkit.xml") end
  if kit.kind == "folder" then
    for _, e in ipairs(sample.dir(kit.path) or {}) do
      parts[#parts + 1] = e.name
      if e.dir then for _, f in ipairs(sample.dir(kit.path .. "/" .. e.name) or {}) do parts[#parts + 1] = f.name end end
    end
  end
  return table.concat(parts, ";")
end

local function dir_exists(p) local st = sample.stat(p); return st and st.dir end

-- Where a kit name or path leads: "hydrogen" or "folder", the folder and a label.
function M.locate(spec, base)
  if M.named[spec] then
    for _, d in ipairs(M.search) do
      local p = d .. "/" .. M.named[spec]
      if dir_exists(p) then return "hydrogen", p end
    end
    return nil, string.format("kit %s: Hydrogen's %s kit is not installed (Debian's hydrogen-data puts it in %s)",
      spec, M.named[spec], M.search[#M.search])
  end
  local p = join(base, spec)
  if dir_exists(p) then
    if sample.stat(p .. "/drumkit.xml") then return "hydrogen", p end
    return "folder", p
  end
  if not spec:find("/", 1, true) then
    for _, d in ipairs(M.search) do
      if dir_exists(d .. "/" .. spec) then return "hydrogen", d .. "/" .. spec end
    end
  end
  local names = {}
  for k in pairs(M.named) do names[#names + 1] = k end
  names[#names + 1] = "lute"
  table.sort(names)
  return nil, string.format("kit %s: not a kit name (%s), a Hydrogen kit in %s, nor a folder", spec,
    table.concat(names, ", "), table.concat(M.search, " or "))
end

-- kits.load(spec [, opts]) -> kit | nil, message.  spec: "lute" (synthesized by lute's own drum
-- patches at load, cached per rate and made again when a patch file changes), a name ("808", "rock", a Hydrogen kit's
-- folder name), a folder (a Hydrogen kit or audio files; relative to opts.base), or a table
-- { bd = "kick.wav", sd = { "a.wav", "b.wav" } } (files relative to opts.base).  opts.rate: the
-- rate to load at (default: the engine's).
function M.load(spec, opts)
  opts = opts or {}
  local rate = math.tointeger(opts.rate) or sample.rate()
  local key, kind, where, sounds
  if type(spec) == "table" then
    local what
    sounds, what = table_kit(spec, opts.base, rate)
    if not sounds then return nil, what end
    key, kind, where = "table:" .. what .. "@" .. rate, "table", nil
  elseif spec == "lute" then
    key, kind = "lute@" .. rate, "lute"
  elseif type(spec) == "string" then
    kind, where = M.locate(spec, opts.base)
    if not kind then return nil, where end
    key = kind .. ":" .. where .. "@" .. rate
  else
    return nil, string.format("kit: expected a name, a folder or a table of files, got %s", type(spec))
  end
  local c = M.cache[key]
  if c and (kind == "lute" and lute_stamp() or stamp_of(c.kit)) == c.stamp then return c.kit end
  local kit, err
  if kind == "lute" then
    kit, err = lute_kit(rate)
    if not kit then return nil, err end
    M.cache[key] = { kit = kit, stamp = lute_stamp() }
    return kit
  elseif kind == "table" then kit, err = build("table", nil, "table", sounds, rate)
  elseif kind == "hydrogen" then kit, err = hydrogen_kit(where, spec, rate)
  else kit, err = folder_kit(where, spec, rate) end
  if not kit then return nil, err end
  M.cache[key] = { kit = kit, stamp = stamp_of(kit) }
  return kit
end

-- kits.of_samples({ name = sample, ... } [, label]) -> kit: a kit of samples already made (a
-- bounced loop, a rendered sound), not cached (the samples are the identity).
function M.of_samples(t, label)
  label = label or "samples"
  local sounds, rate = {}, nil
  for name, smp in pairs(t) do
    rate = rate or smp:rate()
    sounds[name] = { { layers = { { file = label .. ":" .. name .. ":" .. smp:hash(), sample = smp, min = 0, max = 1, gain = 1 } },
                       gain = 1, pan = 0, cut = 0 } }
  end
  return build(label, nil, "made", sounds, rate or sample.rate())
end

-- Forgets every cached kit and sample (the engine may still hold kits it plays from).
function M.flush() M.cache = {}; M.samples = {} end

return M
