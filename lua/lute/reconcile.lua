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

-- Who declared a running track or loop: "file" (the script) or "repl" (a REPL chunk, a live loop).
-- The rule (docs/language.md): the file declares what it declares — a reload stops what the file
-- declared before and no longer does; what the REPL added lives on until it is removed
-- (remove("name")) or the file declares the same name (then it is the file's).
function Rc.claim(kind, name, full)
  local key = kind .. ":" .. name
  if full then S.origin_of[key] = "file"
  elseif S.origin_of[key] ~= "file" then S.origin_of[key] = "repl" end
end
function Rc.from_repl(kind, name) return S.origin_of[kind .. ":" .. name] == "repl" end
function Rc.forget(kind, name) S.origin_of[kind .. ":" .. name] = nil end

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
  if d.full then S.empty_stop = nil end   -- a file with content: an armed empty save is off
  if d.full and Rc.autoplay ~= false and not S.playing and not S.stopped_by_user then Rc.play() end
end

-- ---------------------------------------------------------------------------------------------
-- An empty save
-- ---------------------------------------------------------------------------------------------
-- Saving the script empty (or only whitespace) while it plays would stop everything it declared.
-- Editors save empty files by accident (a buffer cleared, a failed paste), so lute says what that
-- would stop, and stops it at the next bar only if the file is still empty then: a save with
-- content before that bar disarms it.  Returns true when something was armed (the evaluation is
-- then not made now); false when nothing would stop (the empty file is evaluated as any file).
function Rc.empty_save(name)
  local tracks, loops = {}, {}
  for n in pairs(S.tracks) do if not Rc.from_repl("track", n) then tracks[#tracks + 1] = n end end
  for n in pairs(S.loops) do if not Rc.from_repl("loop", n) then loops[#loops + 1] = n end end
  if #tracks + #loops == 0 or not S.playing then return false end
  table.sort(tracks); table.sort(loops)
  local bar = T.next_switch_bar()
  if bar == S.sched then bar = bar + T.quantum end
  S.empty_stop = { bar = bar }
  local what = {}
  if #tracks > 0 then what[#what + 1] = "tracks " .. table.concat(tracks, ", ") end
  if #loops > 0 then what[#what + 1] = "loops " .. table.concat(loops, ", ") end
  Rp.say("lute: %s is empty; if it is still empty at bar %d, that stops %s (what the REPL added stays). "
    .. "Save it with content before then to keep them.", name or "the script", bar:floor() + 1, table.concat(what, " and "))
  return true
end

-- Called by the scheduler before each window: the armed empty save takes effect at its bar.
function Rc.before_window(from, to)
  local e = S.empty_stop
  if not e or to <= e.bar then return end
  S.empty_stop = nil
  Rc.begin(true)
  Rc.commit()
  Rp.say("lute: the script is still empty: its tracks and loops stop now")
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
  if k == "gain" and (S.muted[t.name] or S.hushed) then return end   -- it comes back with unmute / play
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
      for n2, x in pairs(added) do if not S.tracks[n2] then pcall(E.track_remove, x, 0) end end
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
    Rc.claim("track", name, full)
    if t and added[name] and added[name] ~= t.handle then   -- a new engine track: the old one goes at the switch
      pcall(E.track_remove, t.handle, sw_frame)
      S.tracks[name] = nil
      t = nil
    elseif t and added[name] then t.voices = d.voices end   -- the engine rebuilt its voices in place
    if not t then
      local h = added[name]
      t = { name = name, handle = h, voices = d.voices, params = copy(d.params), def = d,
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
    for name in pairs(S.tracks) do
      if not decls[name] and not Rc.from_repl("track", name) then Rc.remove_track(name, sw_frame) end
    end
  end
end

-- Removes a running track: it fades out at `frame` (the next switch by default).
function Rc.remove_track(name, frame)
  local t = S.tracks[name]
  if not t then return false end
  pcall(E.track_remove, t.handle, frame or T.frame_of_bar(T.next_switch_bar()))
  S.tracks[name] = nil
  S.muted[name] = nil
  Rc.forget("track", name)
  if S.note_target == name then S.note_target = nil end
  local o = {}
  for _, n in ipairs(S.order) do if S.tracks[n] then o[#o + 1] = n end end
  S.order = o
  return true
end

Rc.part{ name = "tracks", order = 20,
  prepare = function(d)
    d.added = Rc.prepare_tracks(d.tracks, d.order)
    return function() for n, h in pairs(d.added) do if not S.tracks[n] then pcall(E.track_remove, h, 0) end end end
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
