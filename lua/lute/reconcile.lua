-- lute/reconcile.lua — declare and reconcile.  Evaluating a script fills a declaration (S.decl);
-- committing it compares the declaration with what runs: what did not change keeps running
-- untouched, what changed switches at the next bar (lute.quantum bars), what disappeared fades out.
--
-- A declaration has parts (the timeline, tracks, MIDI, loops; another module may add one with
-- reconcile.part).  Commit validates every part before any part applies, so a mistake anywhere
-- changes nothing.
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local Rp = require "lute.report"

local Rc = {}

-- ---------------------------------------------------------------------------------------------
-- Parts of a declaration
-- ---------------------------------------------------------------------------------------------
-- Rc.part{ name =, order = n, begin = fn(decl), validate = fn(decl), apply = fn(decl) }: begin adds
-- the part's fields to a fresh declaration; validate raises if the declaration cannot apply;
-- apply makes it so (after every part validated).  Parts run in increasing `order`.
Rc.parts = {}
function Rc.part(p)
  for i, q in ipairs(Rc.parts) do if q.name == p.name then table.remove(Rc.parts, i) break end end
  Rc.parts[#Rc.parts + 1] = p
  table.sort(Rc.parts, function(a, b) return a.order < b.order end)
end

-- Called around the evaluation of a script file (full = true) or a REPL chunk (full = false).
function Rc.begin(full)
  local d = { full = full, tracks = {}, order = {}, after = {} }
  for _, p in ipairs(Rc.parts) do if p.begin then p.begin(d) end end
  S.decl = d
end

function Rc.abort()
  S.decl = nil
end

Rc.autoplay = true   -- lute.autoplay = false: a script does not start the transport by itself

function Rc.commit()
  local d = S.decl
  S.decl = nil
  if not d then return end
  for _, p in ipairs(Rc.parts) do if p.validate then p.validate(d) end end
  for _, p in ipairs(Rc.parts) do if p.apply then p.apply(d) end end
  if d.full and Rc.autoplay ~= false and not S.playing and not S.stopped_by_user then Rc.play() end
end

-- ---------------------------------------------------------------------------------------------
-- Tracks
-- ---------------------------------------------------------------------------------------------
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- A changed field with engine = "rebuild" (the voice count) needs a new engine track.
local function needs_rebuild(old, new)
  for _, k in ipairs(D.field_order) do
    local f = D.fields[k]
    if f.engine == "rebuild" and old[k] ~= new[k] then return true end
  end
  return false
end

local function list_name(name)
  for _, n in ipairs(S.order) do if n == name then return end end
  S.order[#S.order + 1] = name
end

function Rc.apply_tracks(decls, order, full)
  local switch = T.next_switch_bar()
  local sw_frame = T.frame_of_bar(switch)
  for _, name in ipairs(order) do
    local d, t = decls[name], S.tracks[name]
    if t and needs_rebuild(t.def, d) then   -- a new voice pool: replace the track at the switch
      E.track_remove(t.handle, sw_frame)
      S.tracks[name] = nil
      t = nil
    end
    if not t then
      local params = copy(d.params)
      local h = E.track_add(name, d.voices, params)
      t = { name = name, handle = h, slot = h, voices = d.voices, params = params, def = d,
            notes = d.notes, switch = switch }
      S.tracks[name] = t
      list_name(name)
      for _, k in ipairs(D.field_order) do
        local f = D.fields[k]
        if type(f.engine) == "function" and d[k] ~= nil then f.engine(t, nil, d[k], sw_frame) end
      end
    else
      for _, pname in ipairs(D.param_names) do
        local nv = d.params[pname] or D.param_info[pname].default
        local ov = t.params[pname] or D.param_info[pname].default
        if nv ~= ov then E.param(t.handle, sw_frame, pname, nv) end
      end
      for _, k in ipairs(D.field_order) do
        local f = D.fields[k]
        if type(f.engine) == "function" and d[k] ~= t.def[k] then f.engine(t, t.def[k], d[k], sw_frame) end
      end
      t.params = copy(d.params)
      if d.notes_src ~= t.def.notes_src or (type(d.notes_src) == "table") then
        t.old, t.old_def, t.switch = t.notes, t.def, switch
        t.notes = d.notes
      end
      t.def = d
    end
    for _, k in ipairs(D.field_order) do
      local f = D.fields[k]
      if f.after and d[k] ~= nil then f.after(name, d[k]) end
    end
  end
  if full then
    for name, t in pairs(S.tracks) do
      if not decls[name] then
        E.track_remove(t.handle, sw_frame)
        S.tracks[name] = nil
        if S.note_target == name then S.note_target = nil end
      end
    end
    local o = {}
    for _, n in ipairs(S.order) do if S.tracks[n] then o[#o + 1] = n end end
    S.order = o
  end
end

Rc.part{ name = "tracks", order = 20,
  apply = function(d) Rc.apply_tracks(d.tracks, d.order, d.full) end }
-- MIDI maps and selections declared in the script, once the tracks exist.
Rc.part{ name = "after", order = 35,
  apply = function(d) for _, fn in ipairs(d.after) do fn() end end }

-- track "name" { ... } declares a track; track("name") alone is the running track's handle
-- (track("bass").cutoff = 800).  The handle is callable, which is what makes the first form work.
function Rc.track(name, spec)
  if type(name) ~= "string" or name == "" or #name > 31 then
    error(("track name must be a string of 1 to 31 characters, got %s"):format(tostring(name)), 2)
  end
  if spec == nil then return Rc.handle(name) end
  local ok, d = pcall(D.normalize_track, name, spec)
  if not ok then error(d, 2) end   -- the user's line that declared the track
  d.where = Rp.at()                -- for messages at play time ("song.lua:4: track 'bass', bar 5: ...")
  local decl = S.decl
  if decl then
    if decl.tracks[name] then error(("track '%s' is declared twice"):format(name), 2) end
    decl.tracks[name] = d
    decl.order[#decl.order + 1] = name
  else
    Rc.apply_tracks({ [name] = d }, { name }, false)
  end
  return Rc.handle(name)
end

return Rc
