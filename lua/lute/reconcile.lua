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

-- Stages every channel a declaration needs into the engine's mix and commits it at the switch, as
-- one transaction (core/graph/mix.h): the declared tracks, the buses and the master (sound.lua),
-- and, for a whole script, the tracks and buses the REPL added (they live on).  The engine keeps
-- what did not change (voices sound on, tails ring on), switches what changed at the frame, and
-- fades out what is no longer there.  A mistake anywhere raises, and nothing changed.
-- Returns { [name] = handle }.
function Rc.prepare_tracks(decls, order, d)
  local Snd = require "lute.sound"
  d = d or { tracks = decls, order = order, full = false }
  local full = d.full
  local frame = T.frame_of_bar(T.next_switch_bar())
  local names = {}
  for n in pairs(S.tracks) do names[n] = true end
  for n in pairs(decls) do names[n] = true end
  for n in pairs(S.buses or {}) do names[n] = true end
  for n in pairs(d.buses or {}) do names[n] = true end
  E.mix_begin()
  local staged = {}
  local ok, err = pcall(function()
    for _, name in ipairs(order) do
      local dd = decls[name]
      local ok2, e = pcall(E.mix_channel, Snd.track_spec(name, dd, names))
      if not ok2 then error(("%strack '%s': %s"):format(dd.where or "", name, Rp.strip(e)), 0) end
      staged[name] = true
    end
    if full then
      for name, t in pairs(S.tracks) do
        if not decls[name] and Rc.from_repl("track", name) then
          E.mix_channel(Snd.track_spec(name, t.def, names))
          staged[name] = true
        end
      end
    end
    Snd.stage(d, full)
    -- lute's own channels (the recording click) live on through every commit
    for _, spec in ipairs(require("lute.record").extra_channels()) do E.mix_channel(spec) end
  end)
  if ok then ok, err = pcall(E.mix_commit, frame, full) end
  if not ok then
    pcall(E.mix_abort)
    err = Rp.strip(err)
    if not Rp.has_position(err) then
      local first = order[1] and decls[order[1]]
      err = ((first and first.where) or "") .. err
    end
    error(err .. "; nothing was changed", 0)
  end
  local handles = {}
  for name in pairs(staged) do handles[name] = E.mix_handle(name) end
  return handles
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
    if t and added[name] and added[name] ~= t.handle then t.handle = added[name] end
    if t then t.voices = d.voices end
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
      -- parameter changes were diffed and sent by the engine's mix at the switch
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
  if full then   -- the engine's mix let these go at the switch; the language forgets them now
    for name in pairs(S.tracks) do
      if not decls[name] and not Rc.from_repl("track", name) then Rc.forget_track(name) end
    end
  end
end

-- The language's side of a track that stopped (the engine fades it out).
function Rc.forget_track(name)
  S.tracks[name] = nil
  S.muted[name] = nil
  Rc.forget("track", name)
  if S.note_target == name then S.note_target = nil end
  local o = {}
  for _, n in ipairs(S.order) do if S.tracks[n] then o[#o + 1] = n end end
  S.order = o
end

-- Removes a running track: it fades out at `frame` (the next switch by default).
function Rc.remove_track(name, frame)
  local t = S.tracks[name]
  if not t then return false end
  E.mix_begin()
  local ok = pcall(E.mix_remove, name)
  if ok then ok = pcall(E.mix_commit, frame or T.frame_of_bar(T.next_switch_bar()), false) end
  if not ok then pcall(E.mix_abort) end
  Rc.forget_track(name)
  return true
end

-- Patches, buses and the master are part of the same declaration (sound.lua); the tracks part
-- commits all of it to the engine at once, so it prepares last of the parts that can fail.
Rc.part{ name = "sound", order = 15,
  begin = function(d) d.patches, d.buses, d.bus_order, d.master = {}, {}, {}, nil end,
  apply = function(d) require("lute.sound").apply(d, d.full) end }
Rc.part{ name = "tracks", order = 20,
  prepare = function(d)
    d.added = Rc.prepare_tracks(d.tracks, d.order, d)
    return function() end   -- committed: the engine's mix cannot be unwound; nothing after this fails
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
