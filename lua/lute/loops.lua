-- lute/loops.lua — live loops: coroutines on logical time (Sonic Pi / ChucK).  sleep(beats)
-- advances a loop's own musical clock, never the wall clock; sync(name) waits for another loop's
-- next iteration or a cue; cue(name) marks a moment.  The scheduler runs the loops up to the end of
-- each window it plans.
local S = require "lute.state"
local T = require "lute.time"
local Rp = require "lute.report"
local Rc = require "lute.reconcile"

local L = {}

function L.loop(name, fn)
  if type(name) ~= "string" then error("loop(name, function() ... sleep(1) end): the name must be a string", 2) end
  if type(fn) ~= "function" then error(("loop '%s' needs a function"):format(name), 2) end
  if S.decl then
    S.decl.loops[name] = fn
    S.decl.loop_order[#S.decl.loop_order + 1] = name
  else
    L.apply({ [name] = fn }, { name }, false)
  end
end

-- A loop (re)starts at the next switch bar.
function L.restart(l)
  l.beat = T.bar_to_beat(T.next_switch_bar())
  l.co = nil
  l.waiting = nil
end

function L.apply(decls, order, full)
  for _, name in ipairs(order) do
    Rc.claim("loop", name, full)
    local l = S.loops[name]
    if l then l.next_fn = decls[name]   -- swapped at its next iteration
    else
      l = { name = name, fn = decls[name] }
      S.loops[name] = l
      L.restart(l)
    end
  end
  if full then
    for name in pairs(S.loops) do
      if not decls[name] and not Rc.from_repl("loop", name) then S.loops[name] = nil; Rc.forget("loop", name) end
    end
  end
end

Rc.part{ name = "loops", order = 40,
  begin = function(d) d.loops, d.loop_order = {}, {} end,
  apply = function(d) L.apply(d.loops, d.loop_order, d.full) end }

-- The longest sleep: a week at 120 bpm.  Longer (or infinite) is a mistake, not a pause.
L.MAX_SLEEP = 1209600

function L.sleep(beats)
  if not S.loop_beat then error("sleep() belongs inside a loop: loop(\"name\", function() ... sleep(1) end)", 2) end
  if type(beats) ~= "number" or not (beats >= 0 and beats <= L.MAX_SLEEP) then
    error(("sleep(%s): beats must be a number 0 .. %d"):format(tostring(beats), L.MAX_SLEEP), 2)
  end
  coroutine.yield("sleep", beats)
end

function L.cue(name)
  if not S.loop_beat then error("cue() belongs inside a loop", 2) end
  S.cues[#S.cues + 1] = { name = name, beat = S.loop_beat }
end

function L.sync(name)
  if not S.loop_beat then error("sync() belongs inside a loop", 2) end
  coroutine.yield("sync", name)
end

local function loop_body(l)
  return function()
    while true do
      if l.next_fn then l.fn, l.next_fn = l.next_fn, nil end
      S.cues[#S.cues + 1] = { name = l.name, beat = S.loop_beat }
      local before = l.slept
      l.fn()
      if l.slept == before then
        error(("loop '%s' went round without sleep(); add sleep(beats) to its body"):format(l.name), 0)
      end
    end
  end
end

-- Runs every loop up to `to_beat` (a rational transport beat).
function L.run(to_beat)
  local progress = true
  local guard = 0
  while progress do
    progress = false
    guard = guard + 1
    if guard > 10000 then break end
    for name, l in pairs(S.loops) do
      if l.waiting then
        for _, c in ipairs(S.cues) do
          if c.name == l.waiting and c.beat >= l.beat then l.beat = c.beat; l.waiting = nil; break end
        end
      end
      while not l.waiting and l.beat < to_beat and S.loops[name] == l do
        l.co = l.co or coroutine.create(loop_body(l))
        l.slept = l.slept or 0
        S.loop_beat, S.loop_name = l.beat, name
        S.loop_frame = T.frame_of_beat(l.beat)
        local ok, what, arg = coroutine.resume(l.co)
        S.loop_beat, S.loop_frame, S.loop_name = nil, nil, nil
        if not ok then
          Rp.say("lute: loop '%s' stopped: %s", name, tostring(what))
          S.loops[name] = nil
          break
        elseif what == "sleep" then
          l.slept = l.slept + 1
          local ok2, d = pcall(T.to_r, arg)
          if not ok2 then
            Rp.say("lute: loop '%s' stopped: sleep(%s): %s", name, tostring(arg), d)
            S.loops[name] = nil
            break
          end
          l.beat = l.beat + d
          progress = true
        elseif what == "sync" then
          l.waiting = arg
          l.slept = l.slept + 1
          progress = true
        else
          l.co = nil
        end
      end
    end
  end
  -- forget cues every loop has passed
  local oldest = to_beat
  for _, l in pairs(S.loops) do if l.beat < oldest then oldest = l.beat end end
  local keep = {}
  for _, c in ipairs(S.cues) do if c.beat >= oldest then keep[#keep + 1] = c end end
  S.cues = keep
end

return L
