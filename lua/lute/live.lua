-- lute/live.lua — what a live coder types at the REPL beside the declarations: mute and unmute,
-- remove, tempo in the words of Strudel (setcps) and Sonic Pi (setbpm).
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local H = require "lute.handles"
local Rc = require "lute.reconcile"
local Tr = require "lute.transport"
local Sc = require "lute.sched"

local Lv = {}

local function names_of(spec)
  if type(spec) ~= "string" or spec == "" then error('give a track name, or several: mute("bass"), mute("bass, lead")', 3) end
  local out = {}
  for n in spec:gmatch("[^,%s]+") do H.running(n, 4); out[#out + 1] = n end
  return out
end

-- mute("bass") (or "bass, lead"): the track goes silent now and plays no notes until unmute.
function Lv.mute(spec)
  local now = H.now_frame()
  for _, n in ipairs(names_of(spec)) do
    S.muted[n] = true
    pcall(Sc.send_param, S.tracks[n], now, "gain", D.param_info.gain.min, true)
  end
end

-- unmute("bass"): back at its own gain now, its notes from the next window; unmute() unmutes all.
function Lv.unmute(spec)
  local list = {}
  if spec == nil then for n in pairs(S.muted) do list[#list + 1] = n end else list = names_of(spec) end
  local now = H.now_frame()
  for _, n in ipairs(list) do
    S.muted[n] = nil
    local t = S.tracks[n]
    if t and not S.hushed then pcall(Sc.send_param, t, now, "gain", t.params.gain or D.param_info.gain.default, true) end
  end
end

-- remove("name"): a track fades out, or a loop stops, at the next bar — what the REPL added lives
-- until it is removed this way (or the script declares the same name).
function Lv.remove(name)
  if type(name) ~= "string" then error('remove("name"): the name of a track or a loop', 2) end
  local done = false
  if S.tracks[name] then Rc.remove_track(name); done = true end
  if S.loops[name] then S.loops[name] = nil; Rc.forget("loop", name); done = true end
  if not done then
    local names = {}
    for n in pairs(S.tracks) do names[#names + 1] = n end
    for n in pairs(S.loops) do names[#names + 1] = n end
    table.sort(names)
    error(("nothing called '%s' to remove; tracks and loops: %s"):format(name, #names > 0 and table.concat(names, ", ") or "(none)"), 2)
  end
  S.muted[name] = nil
end

-- setbpm(bpm): Sonic Pi's word for tempo(bpm).  setcps(cps): Strudel's: cycles (bars) per second,
-- so setcps(0.5) in 4/4 is tempo(120).
function Lv.setbpm(bpm) return Tr.tempo(bpm) end
function Lv.setcps(cps)
  if type(cps) ~= "number" or not (cps > 0) then error(("setcps(%s): cycles per second above 0 (0.5 = 120 bpm in 4/4)"):format(tostring(cps)), 2) end
  local m = T.meter_at_bar(S.sched)
  return Tr.tempo(cps * 60 * m.num * 4 / m.den)
end

return Lv
