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
-- Rc.part{ name =, order = n, begin = fn(decl), validate = fn(decl), prepare = fn(decl) -> undo,
-- apply = fn(decl) }: begin adds the part's fields to a fresh declaration; validate raises if the
-- declaration cannot apply; prepare does what may still fail and is invisible until applied
-- (building engine tracks that play nothing yet) and returns how to undo it; apply makes it so and
-- must not fail.  One evaluation is one transaction: every part validates, then every part
-- prepares (a failure undoes what the others prepared), then every part applies.  Parts run in
-- increasing `order`.
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
  local undo = {}
  local ok, err = pcall(function()
    for _, p in ipairs(Rc.parts) do
      if p.prepare then undo[#undo + 1] = p.prepare(d) end
    end
  end)
  if not ok then
    for i = #undo, 1, -1 do pcall(undo[i]) end
    error(err, 0)
  end
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

-- A parameter change at the switch; the engine refuses one only when its queue is full, which is
-- said (once) rather than left half done.
local function send_param(t, frame, k, v)
  local ok, e = pcall(E.param, t.handle, frame, k, v)
  if not ok then Rp.limited("reconcile", "lute: track '%s': %s = %s not sent: %s", t.name, k, tostring(v), Rp.strip(e)) end
end

-- Builds the engine tracks a declaration needs (new names, and tracks whose voice count changed),
-- all or none: first the room they need is checked (the engine holds E.max_tracks() at once, fading
-- ones included), then each is built; a failure removes those built so far and raises at the line
-- of the track that did not fit.  The new tracks play nothing until notes are sent.
-- Returns { [name] = handle }.
function Rc.prepare_tracks(decls, order)
  local need = {}
  for _, name in ipairs(order) do
    local d, t = decls[name], S.tracks[name]
    if not t or needs_rebuild(t.def, d) then need[#need + 1] = name end
  end
  if #need == 0 then return {} end
  local max, used = E.max_tracks(), E.tracks_in_use()
  if used + #need > max then
    local d = decls[need[math.max(1, max - used + 1)]]
    error(("%strack '%s': the engine holds at most %d tracks at once (tracks fading out count until "
      .. "their fade is over); %d are in use and this evaluation needs %d more, so nothing was changed")
      :format(d.where or "", d.name, max, used, #need), 0)
  end
  local added = {}
  for _, name in ipairs(need) do
    local d = decls[name]
    local ok, h = pcall(E.track_add, name, d.voices, copy(d.params))
    if not ok then
      for _, x in pairs(added) do pcall(E.track_remove, x, 0) end
      error(("%strack '%s': %s; nothing was changed"):format(d.where or "", name, Rp.strip(h)), 0)
    end
    added[name] = h
  end
  return added
end

-- Applies a declaration of tracks whose engine tracks were prepared (`added`).  full: tracks the
-- declaration does not name fade out.
function Rc.apply_tracks(decls, order, full, added)
  added = added or Rc.prepare_tracks(decls, order)
  local switch = T.next_switch_bar()
  local sw_frame = T.frame_of_bar(switch)
  for _, name in ipairs(order) do
    local d, t = decls[name], S.tracks[name]
    if t and added[name] then   -- a new voice pool: the old track goes at the switch
      pcall(E.track_remove, t.handle, sw_frame)
      S.tracks[name] = nil
      t = nil
    end
    if not t then
      local h = added[name]
      t = { name = name, handle = h, slot = h, voices = d.voices, params = copy(d.params), def = d,
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
        if nv ~= ov then send_param(t, sw_frame, pname, nv) end
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
      if f.after and d[k] ~= nil then pcall(f.after, name, d[k]) end
    end
  end
  if full then
    for name, t in pairs(S.tracks) do
      if not decls[name] then
        pcall(E.track_remove, t.handle, sw_frame)
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
  prepare = function(d)
    d.added = Rc.prepare_tracks(d.tracks, d.order)
    return function() for _, h in pairs(d.added) do pcall(E.track_remove, h, 0) end end
  end,
  apply = function(d) Rc.apply_tracks(d.tracks, d.order, d.full, d.added) end }
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
