-- lute/sched.lua — the scheduler: turns what the tracks play into timestamped notes and parameter
-- changes, a window of bars at a time, ahead of the audio (live) or in lockstep with it (offline).
--
-- What a track plays in a window comes from the *plan provider*: without a song, each track's own
-- pattern (switching at the bar a reload chose); with a song, arrange.lua's provider, which splits
-- the window at sections and jumps.  The scheduler itself knows neither.
local R = require "rational"
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local Rp = require "lute.report"

local Sc = {}

-- The scheduler's windows end on a grid of 1/16 bar, rounded up from where the lookahead reaches:
-- each pattern is queried about 16 times a bar whatever the block size, and events are sent up to
-- a sixteenth of a bar earlier than strictly needed (harmless: they carry their frame).
Sc.GRID = 16
local GRID = Sc.GRID

-- Sends one note to a track's engine handle, and records it when tracing (lute.trace).
function Sc.send_note(t, on, off, n, vel, pan)
  E.note(t.handle, on, off, n, vel, pan)
  if S.trace then S.trace[#S.trace + 1] = { track = t.name, frame = on, off = off, note = n, vel = vel, pan = pan } end
end

-- The notes a track's pattern starts in transport cycles [a, b): one entry per onset with its start
-- and end in cycles (legato applied), velocity, value and MIDI notes (or the error that made its
-- value unplayable).  `shift` maps pattern time to transport time (pattern cycle = transport cycle
-- - shift).  The scheduler and the MIDI export both read patterns through this.
function Sc.pattern_notes(t, pat, a, b, shift)
  local out, d = {}, t.def
  for _, h in ipairs(pat:query(a - shift, b - shift)) do
    local w = h.whole
    if w and w.b == h.part.b then
      local on = w.b + shift
      local len = w.e - w.b
      if d.legato ~= 1 then len = len * T.to_r(d.legato) end
      local v = h.value
      local vel = type(v) == "table" and v.vel or d.vel
      local ok, notes = pcall(D.note_values, v, {})
      out[#out + 1] = { on = on, off = on + len, value = v, vel = vel, notes = ok and notes or nil,
                        err = not ok and notes or nil }
    end
  end
  return out
end
local pattern_notes = Sc.pattern_notes

local function schedule_pattern(t, pat, a, b, shift)
  for _, ev in ipairs(pattern_notes(t, pat, a, b, shift)) do
    local on, off = T.frame_of_bar(ev.on), T.frame_of_bar(ev.off)
    if type(ev.value) == "table" then   -- a table value also sets parameters on the note's frame
      for k, pv in pairs(ev.value) do
        if D.param_info[k] and type(pv) == "number" then E.param(t.handle, on, k, pv) end
      end
    end
    if ev.notes then
      for _, n in ipairs(ev.notes) do Sc.send_note(t, on, off, n, ev.vel) end
    elseif not S.errors_seen[t.name] then
      S.errors_seen[t.name] = true
      Rp.say("lute: track '%s': %s (the note is skipped)", t.name, tostring(ev.err):gsub("^.-:%d+: ", ""))
    end
  end
end

local function schedule_params(t, pats, a, b, shift)
  for pname, pat in pairs(pats) do
    for _, h in ipairs(pat:query(a - shift, b - shift)) do
      local w = h.whole
      if w and w.b == h.part.b then
        local v = h.value
        if type(v) == "table" then v = v[pname] end
        local words = D.param_words[pname]
        if words and type(v) == "string" then v = words[v] end
        if type(v) == "number" then
          local ok = pcall(E.param, t.handle, T.frame_of_bar(w.b + shift), pname, v)
          if not ok and not S.errors_seen[t.name .. pname] then
            S.errors_seen[t.name .. pname] = true
            Rp.say("lute: track '%s': %s = %s is out of range (skipped)", t.name, pname, tostring(v))
          end
        end
      end
    end
  end
end

-- ---------------------------------------------------------------------------------------------
-- Plan providers
-- ---------------------------------------------------------------------------------------------
-- A provider answers, for a track and a window [a, b) of transport bars, a list of segments
-- { a =, b =, pattern =, params = (name -> pattern) or nil, shift = } covering what plays there.
-- Optional: window(from, to) -> to (a shorter window: the end of a song offline), before(from, to)
-- (called once per window before the tracks are planned: live jumps), where(bar) -> text.

-- Without a song: each track's own pattern, the old one until the bar a reload chose.
Sc.tracks_provider = {
  plan = function(t, a, b)
    local out = {}
    local sw = t.switch or R(0)
    if t.old and a < sw then
      local e = sw < b and sw or b
      out[#out + 1] = { a = a, b = e, pattern = t.old, params = t.old_def.param_pats, shift = R(0) }
      if sw < b then out[#out + 1] = { a = sw, b = b, pattern = t.notes, params = t.def.param_pats, shift = R(0) } end
      if sw <= b then t.old = nil end
    else
      out[#out + 1] = { a = a, b = b, pattern = t.notes, params = t.def.param_pats, shift = R(0) }
    end
    return out
  end,
}
Sc.provider = Sc.tracks_provider

-- Functions run at the start of every tick (MIDI for Lua handlers), and after the tracks with the
-- window's end in beats (live loops).
Sc.on_tick, Sc.on_window = {}, {}

function Sc.tick(upto)
  for _, fn in ipairs(Sc.on_tick) do fn() end
  if not S.playing then return end
  local beat = S.tempo:beat_at_frame(upto - S.origin)
  if beat <= 0 then return end
  local to = R(math.ceil(T.bar_at_beat(beat) * GRID - 1e-9), GRID)
  local prov = Sc.provider
  if prov.window then to = prov.window(S.sched, to) end
  if to <= S.sched then return end
  local from = S.sched
  if prov.before then prov.before(from, to) end
  for _, name in ipairs(S.order) do
    local t = S.tracks[name]
    if t and (not S.solo or S.solo[name]) then
      for _, seg in ipairs(prov.plan(t, from, to)) do
        if seg.pattern then schedule_pattern(t, seg.pattern, seg.a, seg.b, seg.shift) end
        if seg.params then schedule_params(t, seg.params, seg.a, seg.b, seg.shift) end
      end
    end
  end
  local to_beat = T.bar_to_beat(to)
  for _, fn in ipairs(Sc.on_window) do fn(to_beat) end
  S.sched = to
end

return Sc
