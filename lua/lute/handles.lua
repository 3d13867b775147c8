-- lute/handles.lua — running tracks by name, for live edits: track("bass").cutoff = 800,
-- set("bass", "cutoff", 800), note("bass", "c3"), track("bass"):note("c3").
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local Sc = require "lute.sched"

local H = {}

-- The running track called `name`, or an error (at `level`) that lists the tracks there are.
function H.running(name, level)
  local t = S.tracks[name]
  if not t then
    local names = {}
    for n in pairs(S.tracks) do names[#names + 1] = n end
    table.sort(names)
    error(("unknown track '%s'; tracks: %s"):format(tostring(name), #names > 0 and table.concat(names, ", ") or "(none)"), level or 3)
  end
  return t
end
local running = H.running

-- The frame a change made now takes effect: the loop's logical time inside a loop, else as soon as
-- the engine can play it (a lookahead from now).
function H.now_frame()
  if S.loop_frame then return S.loop_frame end
  return E.frame() + E.lookahead_frames()
end

-- Changes a parameter now (smoothed where the parameter is smoothed).  Errors blame the caller's
-- caller: the user's line that wrote set(...) or track("x").param = v.
local function set_param(name, pname, v)
  local declared = S.decl and S.decl.tracks[name]
  local t = declared or running(name, 4)
  if not D.param_info[pname] then
    error(("unknown parameter '%s' on track '%s'; known: %s"):format(tostring(pname), name, table.concat(D.param_names, ", ")), 3)
  end
  local ok, x = pcall(D.check_param, pname, v)
  if not ok then error(("track '%s': %s"):format(name, x), 3) end
  t.params[pname] = x
  if declared then return end   -- declared in the script being evaluated: part of its declaration
  Sc.send_param(t, H.now_frame(), pname, x)
end

local handle_mt = {}
function H.handle(name) return setmetatable({ name = name }, handle_mt) end

handle_mt.__index = function(h, k)
  if k == "note" then return function(self, ...) return H.note(self.name, ...) end end
  if k == "set" then return function(self, p, v) return H.set(self.name, p, v) end end
  local t = running(rawget(h, "name"))
  if D.param_info[k] then return t.params[k] or D.param_info[k].default end
  error(("unknown parameter '%s' on track '%s'; known: %s"):format(tostring(k), t.name, table.concat(D.param_names, ", ")), 2)
end
handle_mt.__newindex = function(h, k, v) set_param(rawget(h, "name"), k, v) end
handle_mt.__tostring = function(h) return "track " .. rawget(h, "name") end
handle_mt.__call = function(h, spec) return H.track(rawget(h, "name"), spec) end   -- H.track: set by lute.lua

-- set(track, param, value)
function H.set(name, pname, v) set_param(name, pname, v) end

-- note(track, value, {dur = beats, vel = 0..1}): one note, now (or at the loop's logical time).
function H.note(name, value, opts)
  local t = running(name)
  if S.solo and not S.solo[name] then return end
  opts = opts or {}
  local dur = opts.dur or 0.5
  local vel = opts.vel or t.def.vel
  local ok, notes = pcall(D.note_values, value, {})
  if not ok then error(("note(%s, %s): %s"):format(name, tostring(value), tostring(notes):gsub("^.-:%d+: ", "")), 2) end
  local on, off
  if S.loop_beat then
    on = T.frame_of_beat(S.loop_beat)
    off = T.frame_of_beat(S.loop_beat + T.to_r(dur))
  else
    on = H.now_frame()
    off = on + math.floor(60 / S.bpm * dur * E.rate() + 0.5)
  end
  for _, n in ipairs(notes) do Sc.send_note(t, on, off, n, vel) end
end

return H
