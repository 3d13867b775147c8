-- lute/clips.lua — audio clips, comps and MIDI takes in the language: what a song script and the
-- REPL say about recorded material, and how clips reach the sampler and play on a track.
--
--   local t = takes("vox")                                            -- takes/takes.lua, by number
--   clip "verse" { take = t[3], from = "2:1", to = "6:1", fade_in = 0.01, gain = -2 }
--   comp "lead" { { t[1], "1:1", "3:1" }, { t[3], "3:1", "5:3" }, { t[2], "5:3", "9:1" }, xfade = 0.02 }
--   track "vox" { clips = { [1] = "lead", [9] = "verse" }, fx = { comp{ ratio = 3 } } }
--   gain("verse", -4)  undo()  redo()  edits()                        -- at the REPL
--   record_midi{ bars = 4, name = "riff" }   track "keys" { notes = midi_take("riff") }
--   track "boom" { kit = "808", s = replace{ take = kick[1], sound = "bd", threshold = -30 } }
--
-- Clips are descriptions (lua/edit.lua) kept in an edit history; an evaluation is one transaction
-- over them, like the rest of a declaration: every clip that changed is rendered (off the audio
-- thread, while evaluating) into a buffer, the buffer becomes a sample (lute.sample.from_buffer),
-- and each track with clips gets a kit of its clips' samples.  A bad clip raises at the user's
-- line and nothing changes.  Renders are cached by description (and the tempo they were read at):
-- a clip that did not change is never rendered again and keeps its sample, so its track keeps its
-- kit and nothing is switched.
--
-- Playing: the scheduler calls M.schedule for every track and window.  A clip placed at bar B
-- starts a sampler voice on the exact frame of B; a playback that starts inside a clip (play from
-- a bar, render --from, a jump, a switch that changed the clip) starts it there, at the right
-- offset into the clip.  Every placement of a track has a choke group of its own, so a voice
-- started for a placement ends the one it replaces (5 ms fade); a placement that goes away is ended
-- by a silent voice in its group (index 0 of every clip kit is a one-frame silence for that).
-- Voices carry their remaining length as `dur`, so stop() releases them as it releases notes.
local R = require "rational"
local P = require "pattern"
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local Rc = require "lute.reconcile"
local Sc = require "lute.sched"
local Rp = require "lute.report"
local Ed = require "edit"
local Clip = require "clip"
local Demo = require "demo_takes"
local sample = require "lute.sample"
local LE = require "lute.edit"

local M = {}
local floor = math.floor

-- ---------------------------------------------------------------------------------------------
-- State (one owner: this module; M.state for tests)
-- ---------------------------------------------------------------------------------------------
local st = {
  origin = {},        -- clip name -> "file" | "repl": who made it
  file_result = {},   -- clip name -> the description the file's last evaluation ended with (text)
  where = {},         -- clip name -> "file:line: " of its declaration or last edit
  rendered = {},      -- render key -> { sample =, frames =, key = }: clips' samples, by description
  kits = {},          -- kit key -> lute.sample kit
  script_dir = nil,   -- the folder of the script being played (its takes/ folder is the default)
  midi_takes = {},    -- MIDI takes recorded this session, in order (clips, lua/clip.lua)
  recording = nil,    -- the MIDI recording in progress
}
M.state = st

-- The edit history: every clip by name (lua/edit.lua).  An evaluation opens a transaction on it.
local h = Ed.history()
M.history = h

function M.folder() return (st.script_dir and st.script_dir .. "/takes") or "takes" end

-- The time a clip's positions ("2:1") are read in: the script's tempo and meter from bar 1, as the
-- declaration being evaluated states them (a song's later tempo changes are not followed: give
-- positions in seconds or frames there).  Song frame 0 is bar 1 beat 1; a take's start frame is
-- where its first frame belongs in that time.
local committing   -- the declaration being committed (S.decl is nil by then)
local function context()
  local d, tl = S.decl or committing, S.timeline or {}
  local bpm = tl.bpm or 120
  local meter = tl.meter or { 4, 4 }
  if d and d.tempo then bpm = d.tempo elseif d and d.full and tl.bpm_from ~= "repl" then bpm = 120 end
  if d and d.meters then meter = { d.meters[1].num, d.meters[1].den }
  elseif d and d.full and tl.meter_from ~= "repl" then meter = { 4, 4 } end
  return Ed.context{ folder = M.folder(), rate = E.rate(), bpm = bpm, meter = meter[1] * 4 / meter[2] }
end
M.context = context

-- Called by lute._begin with the script's path (a whole file): its folder holds the takes.
function M.script(path)
  if path then st.script_dir = path:match("^(.*)/[^/]*$") or "." end
end

-- ---------------------------------------------------------------------------------------------
-- Samples and kits
-- ---------------------------------------------------------------------------------------------
local silent
local function silent_sample()
  if not silent then silent = assert(sample.from_buffer(LE.buffer(1, 1, E.rate()), "(silence)")) end
  return silent
end

-- The rendered sample of a description: from the cache, or rendered now.  Raises a message.
local function rendered(name, d)
  context()
  local key = Ed.render_key(d)
  local r = st.rendered[key]
  if r then return r end
  local buf = Ed.render(d, name)
  local smp, err = sample.from_buffer(buf, name)
  if not smp then error(("clip '%s': %s"):format(name, Rp.strip(err)), 0) end
  r = { sample = smp, frames = smp:frames(), key = key, hash = smp:hash() }
  st.rendered[key] = r
  return r
end
M.rendered = rendered

-- A kit of the silence (index 0) and the given samples, the same kit object for the same list.
local function kit_of(list)
  local keys = {}
  for i, r in ipairs(list) do keys[i] = r.key end
  local key = table.concat(keys, "\0")
  local k = st.kits[key]
  if not k then
    local smps = { silent_sample() }
    for i, r in ipairs(list) do smps[i + 1] = r.sample end
    k = sample.kit(smps)
    st.kits[key] = k
  end
  return k, key
end

-- ---------------------------------------------------------------------------------------------
-- The track field
-- ---------------------------------------------------------------------------------------------
-- clips = { [bar] = "name", ["bar:beat"] = "name" }: kept as written (checked for shape); the
-- names are resolved and the kit built when the declaration commits (a clip may be declared after
-- the track that plays it).
D.field("clips", {
  help = "audio clips placed at bars: clips = { [1] = \"vox_lead\", [9] = \"vox_verse\" } (help(\"clip\"))",
  validate = function(v, where, d)
    if type(v) ~= "table" then error(("%s: clips = { [bar] = \"clip name\", ... }, not %s"):format(where, type(v)), 0) end
    local out = {}
    for k, name in pairs(v) do
      local ok = (math.type(k) == "integer" and k >= 1) or (type(k) == "string" and k:match("^%s*%d+%s*:%s*[%d%.]+%s*$"))
      if not ok then
        error(("%s: a clip is placed at a bar (an integer from 1) or at \"bar:beat\", not %s"):format(where, tostring(k)), 0)
      end
      if type(name) ~= "string" then error(("%s: at %s, %s is not a clip's name"):format(where, tostring(k), tostring(name)), 0) end
      out[#out + 1] = { at = k, name = name }
    end
    if d.kit_obj then
      error(("%s: a track plays clips or a kit (kit =, sample =, s =), not both: put the clips on a track of their own"):format(where), 0)
    end
    if d.notes and not d.patch_obj then
      error(("%s: notes on a track with clips need a patch (patch = \"synth\"): the track's sampler plays the clips"):format(where), 0)
    end
    return out
  end,
})

-- A placement's position as a song bar (0-based rational).
local function bar_of(at, meter_beats)
  if math.type(at) == "integer" then return R(at - 1) end
  local bar, beat = at:match("^%s*(%d+)%s*:%s*([%d%.]+)%s*$")
  return R(tonumber(bar) - 1) + T.to_r((tonumber(beat) - 1) / meter_beats)
end

-- The plan of a track: its placements in order, each with its song bar, choke group, kit index,
-- length in frames and render key; and the kit.  Raises for a name that is not a clip.
local function plan_track(name, spec, old_groups)
  local ctx = context()
  local list, by_key, plan = {}, {}, {}
  local groups, next_group = old_groups or {}, 0
  for _, g in pairs(groups) do if g > next_group then next_group = g end end
  for _, p in ipairs(spec) do
    local d = h.clips[p.name]
    if not d then
      local names = {}
      for n in pairs(h.clips) do names[#names + 1] = n end
      table.sort(names)
      error(("track '%s': no clip '%s'; %s"):format(name, p.name,
        #names > 0 and ("the clips are " .. table.concat(names, ", ")) or "declare it with clip \"name\" { ... } or comp \"name\" { ... }"), 0)
    end
    local r = rendered(p.name, d)
    if not by_key[r.key] then list[#list + 1] = r; by_key[r.key] = #list end
    local bar = bar_of(p.at, ctx.meter)
    local gk = tostring(bar)
    if not groups[gk] then next_group = next_group % 255 + 1; groups[gk] = next_group end
    plan[#plan + 1] = { bar = bar, name = p.name, index = by_key[r.key], frames = r.frames, key = r.key, group = groups[gk] }
  end
  table.sort(plan, function(a, b) return a.bar < b.bar end)
  local kit = kit_of(list)
  return plan, kit, groups
end

-- ---------------------------------------------------------------------------------------------
-- The transaction
-- ---------------------------------------------------------------------------------------------
local ser = Ed.ser

local function same(a, b)
  if a == b then return true end
  if a == nil or b == nil then return false end
  return ser(a) == ser(b)
end

-- A track's definition with a new plan and kit (for a running track that is not redeclared).
local function with_plan(def, plan, kit, groups)
  local c = {}
  for k, v in pairs(def) do c[k] = v end
  c.clip_plan, c.clip_groups = plan, groups
  c.kit_obj = { kit = kit, clips = true }
  return c
end

local function uses(def, changed)
  for _, p in ipairs(def.clips or {}) do if changed[p.name] then return true end end
  return false
end

-- The clips part's validation (see below): the clips merged, rendered, and the tracks planned.
function M.validate(d)
  local snap = h.snap and h.snap.clips or {}
  if d.full then
    -- What the file declares, merged with what it did not touch: a clip made at the REPL lives
    -- on; a clip the REPL edited keeps the edits while the file's declaration of it is unchanged.
    local file = {}
    for name, desc in pairs(h.clips) do file[name] = ser(desc) end
    d.file_result = file
    for name, desc in pairs(snap) do
      if h.clips[name] == nil and st.origin[name] == "repl" then h.clips[name] = desc
      elseif file[name] and st.file_result[name] == file[name] and not same(desc, h.clips[name]) then
        h.clips[name] = desc
      end
    end
    h.done, h.undone = h.snap.done, h.snap.undone   -- the file's own edits are not undoable history
  end
  local changed = {}
  for name, desc in pairs(h.clips) do if not same(desc, snap[name]) then changed[name] = true end end
  for name in pairs(snap) do if h.clips[name] == nil then changed[name] = true end end
  d.clips_changed = changed
  -- Render what changed (an unchanged description is in the cache), at the user's line.
  for name in pairs(changed) do
    local desc = h.clips[name]
    if desc then
      local ok, e = pcall(rendered, name, desc)
      if not ok then
        local w = d.clip_where[name] or st.where[name] or ""
        e = Rp.strip(e)
        if not e:find("clip '" .. name .. "'", 1, true) and not e:find("comp '" .. name .. "'", 1, true) then
          e = ("clip '%s': %s"):format(name, e)
        end
        error(w .. e, 0)
      end
    end
  end
  -- Tracks declared now, and running tracks whose clips changed.
  d.clip_old, d.clip_swap = {}, {}
  for _, tname in ipairs(d.order) do
    local td = d.tracks[tname]
    local running = S.tracks[tname]
    if td.clips then
      local old_groups = running and running.def.clip_groups
      local ok, plan, kit, groups = pcall(plan_track, tname, td.clips, old_groups and (function()
        local c = {}; for k, v in pairs(old_groups) do c[k] = v end; return c end)())
      if not ok then error((td.where or "") .. Rp.strip(plan), 0) end
      td.clip_plan, td.clip_groups = plan, groups
      td.kit_obj = { kit = kit, clips = true }
    elseif running and running.def.clip_plan and #running.def.clip_plan > 0 and not td.kit_obj and not td.patch_obj and td.notes == nil then
      td.kit_obj = { kit = kit_of({}), clips = true }   -- clips gone: the silence ends them
    end
    if running then d.clip_old[tname] = running.def.clip_plan or false end
  end
  for tname, t in pairs(S.tracks) do
    local stays = not d.full or Rc.from_repl("track", tname)   -- a whole script drops the file's old tracks
    if stays and not d.tracks[tname] and t.def.clips and uses(t.def, changed) then
      local ok, plan, kit, groups = pcall(plan_track, tname, t.def.clips, t.def.clip_groups)
      if not ok then error(Rp.at() .. Rp.strip(plan), 0) end
      local nd = with_plan(t.def, plan, kit, groups)
      d.clip_old[tname] = t.def.clip_plan or false
      if d.full then
        d.clip_swap[tname] = nd          -- restaged from its definition by the tracks part
      else
        d.tracks[tname] = nd
        d.order[#d.order + 1] = tname
      end
    end
  end
end

Rc.part{ name = "clips", order = 12,
  begin = function(d)
    if h.snap then h:abort() end          -- an evaluation that failed without saying so
    h:begin()
    d.clip_where = {}
    if d.full then h.clips = {} end        -- the file declares its clips from scratch
  end,
  validate = function(d)
    committing = d
    local ok, e = pcall(M.validate, d)
    committing = nil
    if not ok then error(e, 0) end
  end,
  prepare = function(d)
    local undo = {}
    for tname, nd in pairs(d.clip_swap) do
      local t = S.tracks[tname]
      undo[tname] = t.def
      t.def = nd
    end
    return function() for tname, old in pairs(undo) do S.tracks[tname].def = old end end
  end,
  apply = function(d)
    local changed = h:finish()
    local origin = d.full and "file" or "repl"
    for name in pairs(d.clips_changed or {}) do
      if h.clips[name] == nil then st.origin[name], st.where[name] = nil, nil
      elseif changed[name] and (d.full or st.origin[name] ~= "file") then st.origin[name] = origin end
    end
    for name, w in pairs(d.clip_where) do st.where[name] = w end
    if d.full then
      for name in pairs(d.file_result or {}) do st.origin[name] = "file" end
      st.file_result = d.file_result or {}
    end
    -- Forget renders and kits nothing uses any more.
    local used = {}
    for name, desc in pairs(h.clips) do local ok, k = pcall(Ed.render_key, desc); if ok then used[k] = true end end
    for k in pairs(st.rendered) do if not used[k] then st.rendered[k] = nil end end
  end }

-- After the tracks applied: each track switches its clips where the declaration switches.
Rc.part{ name = "clips switch", order = 25,
  apply = function(d)
    -- Kits no track's definition holds any more are forgotten (the engine keeps its own reference
    -- to a kit until its last voice is done, so this only lets the Lua side's go).
    local held = {}
    for _, t in pairs(S.tracks) do
      local k = t.def.kit_obj and t.def.kit_obj.clips and t.def.kit_obj.kit
      if k then held[k] = true end
    end
    for key, k in pairs(st.kits) do if not held[k] then st.kits[key] = nil end end
    if not S.playing then   -- stopped: the next play() starts every track's clips afresh
      for tname in pairs(d.clip_old or {}) do
        local t = S.tracks[tname]
        if t then t._clip_old, t._clip_sw, t._clip_from = nil, nil, nil end
      end
      return
    end
    local bar = T.next_switch_bar()
    for tname, old in pairs(d.clip_old or {}) do
      local t = S.tracks[tname]
      if t then t._clip_old, t._clip_sw = old or {}, bar end
    end
    for _, tname in ipairs(d.order or {}) do
      local t = S.tracks[tname]
      if t and d.clip_old[tname] == nil and t._clip_from == nil then t._clip_from = bar end
    end
  end }

-- lute._abort: the evaluation failed; the clips are as they were.
function M.abort() if h.snap then h:abort() end end

-- Runs fn(...) in the evaluation's transaction, or in one of its own outside an evaluation (a tool
-- calling trim() directly).  Errors carry the user's line.
local function call(fn, ...)
  local where = Rp.at()
  context()
  if S.decl then
    local r = table.pack(pcall(fn, ...))
    if not r[1] then
      local e = Rp.strip(r[2])
      error(Rp.has_position(e) and e or where .. e, 0)
    end
    return table.unpack(r, 2, r.n)
  end
  Rc.begin(false)
  local r = table.pack(pcall(fn, ...))
  if r[1] then
    local ok, e = pcall(Rc.commit)
    if ok then return table.unpack(r, 2, r.n) end
    r = { false, e }
  end
  M.abort()
  Rc.abort()
  local e = Rp.strip(r[2])
  error(Rp.has_position(e) and e or where .. e, 0)
end
M.call = call

-- ---------------------------------------------------------------------------------------------
-- Declarations
-- ---------------------------------------------------------------------------------------------
local function resolve_file(spec)
  if type(spec) ~= "table" or type(spec.file) ~= "string" or spec.file:sub(1, 1) == "/" or not st.script_dir then return spec end
  local p = st.script_dir .. "/" .. spec.file
  local f = io.open(p, "rb")
  if not f then return spec end
  f:close()
  local c = {}
  for k, v in pairs(spec) do c[k] = v end
  c.file = p
  return c
end

local function declare(kind, name, spec)
  local where = Rp.at()
  if type(name) ~= "string" or not name:match("^[%w_%.%-]+$") then
    error(("%s%s name: a word (letters, digits, _ - .), e.g. %s \"vox_lead\" { ... }, not %s"):format(where, kind, kind, tostring(name)), 0)
  end
  if spec == nil then return function(s) return declare(kind, name, s) end end
  local ok, desc = pcall(kind == "comp" and Ed.comp or Ed.clip, resolve_file(spec), ("%s '%s'"):format(kind, name))
  if not ok then error(where .. Rp.strip(desc), 0) end
  call(function()
    h:define(name, desc)
    if S.decl then S.decl.clip_where[name] = where end
  end)
  return name
end

function M.clip(name, spec) return declare("clip", name, spec) end
function M.comp(name, spec) return declare("comp", name, spec) end

-- ---------------------------------------------------------------------------------------------
-- Scheduling
-- ---------------------------------------------------------------------------------------------
-- The float32 nearest above or below x.
local function f32(x) return (string.unpack("<f", string.pack("<f", x))) end
local function f32_step(x, dir)
  local u = string.unpack("<I4", string.pack("<f", x))
  return (string.unpack("<f", string.pack("<I4", u + dir)))
end

-- The region start the sampler takes (a float32 fraction, which it turns into a frame by
-- llround(begin * frames)) that lands exactly on frame `offset` — exact for clips up to 2^24
-- frames (5.8 minutes at 48 kHz), within a frame beyond.
local function begin_of(offset, frames)
  if offset <= 0 then return 0 end
  local b = f32(offset / frames)
  for _ = 1, 4 do
    local at = floor(b * frames + 0.5)
    if at == offset then return b end
    b = f32_step(b, at < offset and 1 or -1)
  end
  return f32(offset / frames)
end
M.begin_of = begin_of

-- The pieces of transport window [a, b) with the song's offset in each (transport = song + off).
local function pieces(a, b, cut)
  local cuts = { a, b }
  if cut and cut > a and cut < b then cuts[#cuts + 1] = cut end
  if S.song then for _, j in ipairs(S.jumps or {}) do if j.t > a and j.t < b then cuts[#cuts + 1] = j.t end end end
  table.sort(cuts, function(x, y) return x < y end)
  local out = {}
  for i = 1, #cuts - 1 do
    local x, y = cuts[i], cuts[i + 1]
    if x < y then
      local off = R(0)
      if S.song then
        local j = (S.jumps or {})[1]
        for _, jj in ipairs(S.jumps or {}) do if jj.t <= x then j = jj end end
        if j then off = j.t - j.s end
      end
      out[#out + 1] = { a = x, b = y, off = off }
    end
  end
  return out
end

local function send(t, frame, index, opts)
  local ok, e = pcall(E.sample, t.handle, frame, index, opts)
  if not ok then Rp.limited("clips\0" .. t.name, "lute: track '%s': a clip was not started: %s", t.name, Rp.strip(e)) end
  if S.trace then S.trace[#S.trace + 1] = { track = t.name, frame = frame, clip = index, begin = opts.begin, dur = opts.dur } end
end

-- Ends the voice of choke group g at `frame`: a silent voice in the group (index 0 of the kit),
-- or, where the track has no clip kit any more, a release of the track's voices.
local function choke(t, frame, g)
  if t.def.kit_obj and t.def.kit_obj.clips then
    send(t, frame, 0, { gain = 0, cut = g, dur = 1 })
  else
    pcall(E.release_all, t.handle, frame)
  end
end

-- The scheduler's hook: the clips of track t in transport bars [from, to).
function M.schedule(t, from, to)
  local def = t.def
  if not def.clip_plan and not t._clip_old and not t._clipv then return end
  t._clipv = t._clipv or {}
  if t._clip_origin ~= S.origin then   -- a new playback (play, resume): switches planned before it are void
    if t._clip_origin ~= nil then t._clip_old, t._clip_sw, t._clip_from = nil, nil, nil end
    t._clip_origin = S.origin
  end
  local start = t._clip_from
  if start and to <= start then return end
  if start and from < start then from = start end
  for _, pc in ipairs(pieces(from, to, t._clip_sw)) do
    local plan = def.clip_plan or {}
    if t._clip_sw and pc.a < t._clip_sw then plan = t._clip_old or {} end
    local fx, fy = T.frame_of_bar(pc.a), T.frame_of_bar(pc.b)
    local live = {}
    for _, p in ipairs(plan) do
      local fs = T.frame_of_bar(p.bar + pc.off)
      local fe = fs + p.frames
      if fs < fy and fe > fx then
        local rec = t._clipv[p.group]
        if fs >= fx then
          if not (rec and rec.start == fs and rec.key == p.key) then
            send(t, fs, p.index, { dur = p.frames, cut = p.group })
            t._clipv[p.group] = { start = fs, stop = fe, key = p.key }
          end
          live[p.group] = true
        elseif rec and rec.start == fs and rec.key == p.key then
          live[p.group] = true                          -- sounding since it started: it goes on
        else
          local off = fx - fs                           -- a playback that starts inside the clip
          send(t, fx, p.index, { begin = begin_of(off, p.frames), dur = p.frames - off, cut = p.group })
          t._clipv[p.group] = { start = fs, stop = fe, key = p.key }
          live[p.group] = true
        end
      end
    end
    for g, rec in pairs(t._clipv) do
      if rec.stop <= fx then t._clipv[g] = nil
      elseif not live[g] and rec.start < fx then       -- still sounding, no longer wanted here
        choke(t, fx, g)
        t._clipv[g] = nil
      end
    end
  end
  if t._clip_sw and to >= t._clip_sw then t._clip_old, t._clip_sw = nil, nil end
  if start and to >= start then t._clip_from = nil end
end
Sc.track_hooks[#Sc.track_hooks + 1] = M.schedule

-- ---------------------------------------------------------------------------------------------
-- MIDI takes
-- ---------------------------------------------------------------------------------------------
local function midi_meter_at(bar)
  local m = T.meter_at_bar(bar)
  return m.num * 4 / m.den
end

local function finish_recording(frame)
  local r = st.recording
  if not r then return nil end
  st.recording = nil
  local handlers = S.midi_handlers.any or {}
  for i = #handlers, 1, -1 do if handlers[i].fn == r.feed then table.remove(handlers, i) end end
  if #handlers == 0 then S.midi_handlers.any = nil end
  local c = r.rec:stop(frame)
  c.number, c.name, c.bar = #st.midi_takes + 1, r.name, r.bar
  c.track = r.track
  st.midi_takes[#st.midi_takes + 1] = c
  -- Saved beside the audio takes, never overwriting one: a MIDI take is not lost either.
  local saved
  local ok = pcall(function()
    local folder = M.folder()
    os.execute("mkdir -p '" .. folder:gsub("'", "'\\''") .. "' 2>/dev/null")
    local n, path = 0
    repeat
      n = n + 1
      path = ("%s/%s-midi-%03d.lua"):format(folder, r.name or "midi", n)
      local f = io.open(path, "r")
      if f then f:close() end
    until not f
    local f = io.open(path, "w")
    if not f then return end
    f:write(("-- lute MIDI take %d%s, recorded %s from bar %d: %d notes, %d controller moves, %d bends.\n")
      :format(c.number, r.name and (" '" .. r.name .. "'") or "", os.date("!%Y-%m-%dT%H:%M:%SZ"), r.bar + 1,
        #c.notes, #c.ccs, #c.bends))
    f:write("-- notes = dofile(\"", path, "\") plays it; exact frames: ", #c.notes > 0 and "first note at engine frame " .. c.notes[1].on or "none", "\n")
    f:write("return ", c:lua(), "\n")
    f:close()
    saved = path
  end)
  if not ok then saved = nil end
  Rp.say("lute: MIDI take %d%s: %d notes, %d controller moves, %d bends from bar %d (midi_takes()[%d]:lua() prints it%s)",
    c.number, r.name and (" '" .. r.name .. "'") or "", #c.notes, #c.ccs, #c.bends, r.bar + 1, c.number,
    saved and ("; saved to " .. saved) or "")
  return c
end

-- Every tick: a recording with a length ends once the engine has played past its end (every
-- message stamped before then has been polled: stamps run ahead of the engine's frame).
local function poll_recording()
  local r = st.recording
  if r and r.stop and E.frame() >= r.stop then finish_recording(r.stop) end
end
Sc.on_tick[#Sc.on_tick + 1] = poll_recording

-- record_midi{ bars = 4, name = "riff", track = "keys", from = "now" } starts recording what comes
-- in from MIDI (notes with their velocities, controllers, pitch bend, channel pressure) at the next
-- bar (or now), for `bars` bars or until stop_record_midi().  Frames are the engine's (the frames
-- the notes sounded at, as played through).
function M.record_midi(o)
  o = o or {}
  if type(o) ~= "table" then Rp.error("record_midi{ bars = 4, name = \"riff\" }: options in a table") end
  for k in pairs(o) do
    if k ~= "bars" and k ~= "name" and k ~= "track" and k ~= "from" then
      Rp.error("record_midi: unknown option '%s'; the options are bars, name, track, from (\"now\" or \"bar\")", tostring(k))
    end
  end
  if o.bars ~= nil and (type(o.bars) ~= "number" or o.bars <= 0) then Rp.error("record_midi: bars = a number of bars above 0, got %s", tostring(o.bars)) end
  if o.name ~= nil and (type(o.name) ~= "string" or not o.name:match("^[%w_%-]+$")) then
    Rp.error("record_midi: name = a word (letters, digits, _ or -), got %s", tostring(o.name))
  end
  if o.from ~= nil and o.from ~= "now" and o.from ~= "bar" then Rp.error("record_midi: from = \"bar\" (the next bar, the default) or \"now\"") end
  if st.recording then Rp.error("record_midi: already recording (MIDI take %d); stop_record_midi() ends it", #st.midi_takes + 1) end
  if not S.playing then Rp.error("record_midi: the music is stopped; play() first (a MIDI take is recorded while the music plays)") end
  -- Where the engine is now, as a transport bar: the recording starts there, or at the next bar.
  local now = E.frame()
  local bar = T.beat_to_bar(T.to_r(math.max(0, S.tempo:beat_at_frame(now - S.origin))))
  if o.from ~= "now" then bar = R(bar:ceil()) end
  local start_beat = T.bar_to_beat(bar):tonumber()
  local start_frame = T.frame_of_bar(bar)
  local rec = Clip.recorder{ rate = E.rate(), meter = midi_meter_at(bar),
    beat_of = function(f) return S.tempo:beat_at_frame(f - S.origin) - start_beat end,
    frame_of = function(b) return T.frame_of_beat(start_beat + b) end }
  local stop = o.bars and T.frame_of_bar(bar + T.to_r(o.bars)) or nil
  local early = floor(0.05 * E.rate())   -- a note played a hair before the first bar belongs to it
  local r = { rec = rec, name = o.name, track = o.track, bar = R(bar:floor()):tonumber(), start = start_frame, stop = stop }
  r.feed = function(m)
    if m.frame and m.frame >= start_frame - early and (not stop or m.frame < stop) then rec:feed(m) end
  end
  st.recording = r
  S.midi_handlers.any = S.midi_handlers.any or {}
  table.insert(S.midi_handlers.any, { fn = r.feed, origin = "repl" })
  local text = ("recording MIDI take %d%s from bar %d%s"):format(#st.midi_takes + 1, o.name and (" '" .. o.name .. "'") or "",
    r.bar + 1, o.bars and (" for %s bars"):format(D.num(o.bars)) or " until stop_record_midi()")
  Rp.say("lute: %s", text)
end

-- stop_record_midi() ends the recording now (notes still held end here) and returns the clip.
function M.stop_record_midi()
  if not st.recording then Rp.error("stop_record_midi: nothing is being recorded (record_midi{ bars = 4 } starts)") end
  local f = E.frame()
  if st.recording.stop and st.recording.stop < f then f = st.recording.stop end
  return finish_recording(math.max(f, st.recording.start))
end

-- midi_takes() -> the MIDI takes of this session, in order; midi_takes("riff") those of a name.
function M.midi_takes(name)
  local out = {}
  for _, c in ipairs(st.midi_takes) do if name == nil or c.name == name then out[#out + 1] = c end end
  return out
end

-- midi_take("riff" | n) -> a pattern that plays the newest MIDI take of that name (or number n)
-- as if its clip:lua() table were pasted: silence until there is one; a new take of the name
-- plays from the next cycle the scheduler asks for.
function M.midi_take(which)
  if which ~= nil and type(which) ~= "string" and math.type(which) ~= "integer" then
    Rp.error("midi_take(\"name\") or midi_take(number): a MIDI take's name or number, got %s", tostring(which))
  end
  return P.new(function(b, e)
    local c
    if which == nil then c = st.midi_takes[#st.midi_takes]
    elseif type(which) == "number" then c = st.midi_takes[which]
    else for _, x in ipairs(st.midi_takes) do if x.name == which then c = x end end end
    if not c or #c.notes == 0 then return {} end
    c._pattern = c._pattern or c:pattern()
    return c._pattern:query(b, e)
  end)
end

-- midi_clip{...}: a note table (what clip:lua() prints) as a pattern, errors at the user's line.
function M.midi_clip(t)
  local ok, p = pcall(Clip.from_table, t)
  if not ok then Rp.error("%s", Rp.strip(p)) end
  return p
end

-- ---------------------------------------------------------------------------------------------
-- Sample replacement
-- ---------------------------------------------------------------------------------------------
local REPLACE = { take = true, clip = true, kit = true, sound = true, threshold = true, sensitivity = true,
                  min_gap = true, range = true, loop = true, at = true }

-- replace{ take = t[1] | clip = "name", sound = "bd", kit = "808", threshold = -40 (dB),
--          sensitivity = 0.1, min_gap = 0.05 (s), range = 40 (dB), at = bar, loop = false }
-- -> a pattern of { s = sound, vel = 0..1 }, one per hit of the take (its transients), at the
-- hit's place in the song (or from bar `at`), for a track with a kit: s = replace{...}.
-- Velocity follows the hit's level: 1 for the loudest, down by 1/range per dB.
function M.replace(o)
  if type(o) ~= "table" then Rp.error("replace{ take = t[1], sound = \"bd\", threshold = -30 }") end
  for k in pairs(o) do
    if not REPLACE[k] then
      local names = {}
      for n in pairs(REPLACE) do names[#names + 1] = n end
      table.sort(names)
      Rp.error("replace: unknown option '%s'; the options are %s", tostring(k), table.concat(names, ", "))
    end
  end
  local sound = o.sound or "bd"
  if type(sound) ~= "string" then Rp.error("replace: sound = the name of a kit sound (\"bd\"), got %s", tostring(sound)) end
  if o.kit ~= nil then
    local k, err = require("kits").load(o.kit)
    if not k then Rp.error("replace: %s", Rp.strip(err)) end
    local _, e2 = k:resolve(sound, 1)
    if not _ then Rp.error("replace: %s", Rp.strip(e2)) end
  end
  local desc
  if o.clip ~= nil then
    desc = h.clips[o.clip]
    if not desc then Rp.error("replace: there is no clip '%s'", tostring(o.clip)) end
  elseif o.take ~= nil then
    local ok, d = pcall(Ed.clip, { take = o.take }, "replace")
    if not ok then Rp.error("%s", Rp.strip(d)) end
    desc = d
  else
    Rp.error("replace needs the drum take: replace{ take = t[1] } or replace{ clip = \"kick\" }")
  end
  local thr = o.threshold or -40
  if type(thr) ~= "number" or thr > 0 or thr < -120 then Rp.error("replace: threshold is a level in dBFS (-120 .. 0), got %s", tostring(thr)) end
  local ctx = context()
  local ok, on = pcall(Ed.onsets, desc, { floor = thr, threshold = o.sensitivity or 0, min_gap = o.min_gap or 0 })
  if not ok then Rp.error("replace: %s", Rp.strip(on)) end
  local vel = LE.velocities(on, o.range or 40)
  local pos0
  if o.at ~= nil then
    if math.type(o.at) ~= "integer" or o.at < 1 then Rp.error("replace: at = a bar (an integer from 1)") end
    local ok2, b = pcall(Ed.render, desc)
    if not ok2 then Rp.error("replace: %s", Rp.strip(b)) end
    pos0 = select(2, Ed.render(desc))
  end
  local evs, last = {}, R(0)
  for i, x in ipairs(on) do
    local beat
    if pos0 then beat = (o.at - 1) * ctx.meter + ctx.beat_of_frame(x.frame - pos0) - ctx.beat_of_frame(0)
    else beat = ctx.beat_of_frame(x.frame) end
    local b = T.to_r(beat / ctx.meter)
    local e = b + R(1, 16)
    evs[#evs + 1] = { b = b, e = e, value = { s = sound, vel = vel[i] / 127 } }
    if e > last then last = e end
  end
  -- loop: the hits repeat every whole number of bars the clip spans (from bar 1, or from `at`)
  local period
  if o.loop then
    local buf, pos = Ed.render(desc)
    local bars = pos0 and (ctx.beat_of_frame(buf:frames()) - ctx.beat_of_frame(0)) / ctx.meter + (o.at - 1)
      or ctx.beat_of_frame(pos + buf:frames()) / ctx.meter
    period = R(math.max(1, math.ceil(bars - 1e-9), last:ceil()))
  end
  local pat = P.new(function(qb, qe)
    local out = {}
    local k0, k1 = 0, 0
    if period then k0, k1 = (qb / period):floor() - 1, (qe / period):floor() end
    for k = k0, k1 do
      local shift = period and period * k or R(0)
      for _, ev in ipairs(evs) do
        local wb, we = ev.b + shift, ev.e + shift
        local pb = wb > qb and wb or qb
        local pe = we < qe and we or qe
        if pb < pe then out[#out + 1] = { whole = { b = wb, e = we }, part = { b = pb, e = pe }, value = ev.value } end
      end
    end
    return out
  end)
  return pat
end

-- ---------------------------------------------------------------------------------------------
-- The names a script sees
-- ---------------------------------------------------------------------------------------------
function M.globals(api)
  local Snd = require "lute.sound"
  local g = {}
  local unit_clip, fx_comp = api.clip, api.comp
  g.clip = function(a, ...)
    if type(a) == "string" and not Snd.building() then return M.clip(a, ...) end
    if not unit_clip then Rp.error("clip \"name\" { take = t[1], from = \"2:1\", to = \"6:1\" }") end
    return unit_clip(a, ...)
  end
  g.comp = function(a, ...)
    if type(a) == "string" and not Snd.building() then return M.comp(a, ...) end
    if not fx_comp then Rp.error("comp \"name\" { { t[1], \"1:1\", \"3:1\" }, ... }") end
    return fx_comp(a, ...)
  end
  -- The edit commands (trim, split, gain, ..., undo, redo, edits, take, takes) from lua/edit.lua,
  -- each run in the evaluation's transaction.
  local env = setmetatable({}, { __index = api })
  Ed.install(env, h, call)
  for k, v in pairs(env) do g[k] = v end
  -- undo, redo and edits print what they did; they return nothing, so the REPL does not say it twice.
  local plain_undo, plain_redo, plain_edits = g.undo, g.redo, g.edits
  g.undo = function()
    if S.decl and S.decl.full then Rp.error("undo() is for the REPL: a script declares its clips as they should be") end
    plain_undo()
  end
  g.redo = function()
    if S.decl and S.decl.full then Rp.error("redo() is for the REPL: a script declares its clips as they should be") end
    plain_redo()
  end
  g.edits = function() plain_edits() end
  g.takes = function(track) context(); return Ed.takes(track) end
  g.take = function(track, n)
    context()
    local ok, t = pcall(Ed.take, track, n)
    if not ok then Rp.error("%s", Rp.strip(t)) end
    return t
  end
  g.demo_takes = function(kind)
    context()
    local ok, t = pcall(Demo.make, kind, M.folder(), Ed)
    if not ok then Rp.error("%s", Rp.strip(t)) end
    return t
  end
  g.midi_clip = M.midi_clip
  g.record_midi = M.record_midi
  g.stop_record_midi = M.stop_record_midi
  g.midi_takes = M.midi_takes
  g.midi_take = M.midi_take
  g.replace = M.replace
  return g
end

return M
