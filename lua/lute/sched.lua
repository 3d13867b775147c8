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

-- Sends a parameter change to a track at a frame; recorded when tracing parameters too.  A muted or
-- hushed track's gain stays down (it comes back with unmute / play) unless `force`.
function Sc.send_param(t, frame, k, v, force)
  if k == "gain" and not force and (S.muted[t.name] or S.hushed) then return end
  E.param(t.handle, frame, k, v)
  if S.trace and S.trace_params then S.trace[#S.trace + 1] = { track = t.name, frame = frame, param = k, value = v } end
end

-- The notes a track's pattern starts in transport cycles [a, b): one entry per onset with its start
-- and end in cycles (legato applied), the value, and what it plays (D.event: notes, vel, pan,
-- nudge, params) or the error that made it unplayable.  `shift` maps pattern time to transport
-- time (pattern cycle = transport cycle - shift).  The scheduler and the MIDI export both read
-- patterns through this.  Raises only when the pattern itself cannot be queried.
function Sc.pattern_notes(t, pat, a, b, shift)
  local out, d = {}, t.def
  for _, h in ipairs(pat:query(a - shift, b - shift)) do
    local w = h.whole
    if w and w.b == h.part.b then
      local on = w.b + shift
      local len = w.e - w.b
      if d.legato ~= 1 then len = len * T.to_r(d.legato) end
      local ok, ev = pcall(D.event, h.value)
      if ok then
        ev.on, ev.off, ev.value = on, on + len, h.value
        ev.vel = ev.vel or d.vel
      else
        ev = { on = on, off = on + len, value = h.value, err = ev }
      end
      out[#out + 1] = ev
    end
  end
  return out
end
local pattern_notes = Sc.pattern_notes

-- One message per track and kind of fault, at the line that declared the track, then a count
-- (report.lua); `bar` is the transport bar (0-based) where it happened.
local function fault(t, kind, bar, msg)
  Rp.limited(t.name .. "\0" .. kind, "%strack '%s', bar %d: %s (skipped)", t.def.where or "", t.name,
    bar:floor() + 1, Rp.strip(msg))
end

-- A sample track's events: each value names a sound of the track's kit (or a slice or note of its
-- one sample), with its own speed, region, gain, pan, choke group, stretch and pitch; Strudel's
-- effect names in it (room, lpf, ...) change the track's effects on the event's frame
-- (strudel_fx.lua).  Speeds: `speed` (negative: backwards) times the note's pitch on a sample
-- track played by notes (2^((note - root)/12)); with unit = "c" (loopAt, splice, fit()) speed is
-- in cycles: the sample lasts 1/speed bars (bars as long as the one the event starts in); with the
-- track's fit = n the whole sample lasts n bars.  A stretched or pitch-shifted variant (stretch =,
-- pitch =) is a sample of its own, made when the script was evaluated.
local function schedule_samples(t, pat, a, b, shift)
  local Snd = require "lute.sound"
  local SF = require "lute.strudel_fx"
  local d = t.def
  local ok, haps = pcall(pat.query, pat, a - shift, b - shift)
  if not ok then return fault(t, "pattern", a, haps) end
  for _, h in ipairs(haps) do
    local w = h.whole
    if w and w.b == h.part.b then
      local on_bar = w.b + shift
      local ok2, ev = pcall(Snd.sample_event, d, h.value)
      local index, smp
      if ok2 then
        index, smp = Snd.play_index(d, ev)
        if not index then ok2, ev = false, smp end
      end
      if not ok2 then fault(t, "sample", on_bar, ev)
      else
        local on = T.frame_of_bar(on_bar)
        if d.sfx_groups then SF.event(t, on, h.value) end
        local speed = (ev.speed or d.speed or 1)
        if ev.note then speed = speed * 2 ^ ((ev.note - (d.root or 60)) / 12) end
        local bar_frames = T.frame_of_bar(on_bar + 1) - on
        if ev.unit == "c" then speed = speed * smp:frames() / bar_frames end
        if d.fit then speed = speed * smp:frames() / (d.fit * bar_frames) end   -- the whole sample lasts `fit` bars
        local dur = 0
        if ev.legato then dur = T.frame_of_bar(on_bar + (w.e - w.b) * T.to_r(ev.legato)) - on end
        local gain = (ev.gain or 1) * (ev.kgain or 1)
        local pan = ev.pan or ev.kpan or 0
        local vel = ev.vel or d.vel or 1
        local opts = { speed = speed, begin = ev.begin, ["end"] = ev["end"], loop = ev.loop, cut = ev.cut or d.cut or ev.kcut,
                       gain = gain, vel = vel, pan = pan, dur = dur > 0 and dur or nil }
        if speed < -64 or speed > 64 then
          fault(t, "sample", on_bar, ("speed %s is outside -64 .. 64 (a sample fitted to a very short event?)"):format(speed))
        else
          local ok3, e3 = pcall(E.sample, t.handle, on, index, opts)
          if not ok3 then fault(t, "sample", on_bar, e3) end
          if S.trace then S.trace[#S.trace + 1] = { track = t.name, frame = on, sample = index, vel = vel, pan = pan, opts = opts } end
        end
      end
    end
  end
end

local function schedule_pattern(t, pat, a, b, shift)
  if t.def.kit_obj and (t.def.s or t.def.sample_name) then return schedule_samples(t, pat, a, b, shift) end
  local ok, evs = pcall(pattern_notes, t, pat, a, b, shift)
  if not ok then return fault(t, "pattern", a, evs) end
  for _, ev in ipairs(evs) do
    if ev.err then
      fault(t, "note", ev.on, ev.err)
    else
      local on, off = T.frame_of_bar(ev.on), T.frame_of_bar(ev.off)
      if ev.nudge then
        local df = math.floor(ev.nudge * E.rate() + 0.5)
        on, off = on + df, off + df
      end
      if ev.params then   -- a table value also sets parameters on the note's frame
        for k, pv in pairs(ev.params) do Sc.send_param(t, on, k, pv) end
      end
      if t.def.sfx_groups then require("lute.strudel_fx").event(t, on, ev.value) end   -- room, lpf, ... (strudel_fx.lua)
      for _, n in ipairs(ev.notes) do Sc.send_note(t, on, off, n, ev.vel, ev.pan) end
    end
  end
end

local function schedule_params(t, pats, a, b, shift)
  for pname, pat in pairs(pats) do
    local ok, haps = pcall(pat.query, pat, a - shift, b - shift)
    if not ok then
      fault(t, pname, a, haps)
    else
      for _, h in ipairs(haps) do
        local w = h.whole
        if w and w.b == h.part.b then
          local ok2, v = pcall(D.param_value, pname, h.value)
          if ok2 then Sc.send_param(t, T.frame_of_bar(w.b + shift), pname, v)
          else fault(t, pname, w.b + shift, v) end
        end
      end
    end
  end
end

-- ---------------------------------------------------------------------------------------------
-- Plan providers
-- ---------------------------------------------------------------------------------------------
-- A provider answers, for a track and a window [a, b) of transport bars, a list of segments
-- { a =, b =, pattern =, params = (name -> pattern) or nil, shift =, set = (name -> number) or nil }
-- covering what plays there; `set` parameters are sent once, at the segment's start.
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
-- Functions run before each window is scheduled, with its bounds (an armed empty save); and after
-- the tracks of a window are scheduled, with its bounds (automation, lute/automation.lua).
Sc.before_window = {}
Sc.after_window = {}

-- Runs f(...) and reports an error instead of raising it: the scheduler never stops on a fault.
local function guarded(key, f, ...)
  local ok, e = pcall(f, ...)
  if not ok then Rp.limited(key, "lute: %s", Rp.strip(e)) end
  return ok
end

-- Functions run for each track with the window [from, to) in transport bars, before what its plan
-- provider gives: the track's audio clips (lute/clips.lua).
Sc.track_hooks = {}

local function schedule_track(t, prov, from, to)
  for _, h in ipairs(Sc.track_hooks) do h(t, from, to) end
  for _, seg in ipairs(prov.plan(t, from, to)) do
    if seg.set then   -- parameters that change as the segment starts (a section's)
      local frame = T.frame_of_bar(seg.a)
      for k, v in pairs(seg.set) do Sc.send_param(t, frame, k, v) end
    end
    if seg.pattern then schedule_pattern(t, seg.pattern, seg.a, seg.b, seg.shift) end
    if seg.params then schedule_params(t, seg.params, seg.a, seg.b, seg.shift) end
  end
end

-- Schedules up to frame `upto`: the next window of bars, once.  The window is marked done before
-- anything in it is sent, and every step is protected, so a fault anywhere (a bad value, a pattern
-- that raises, a full queue) skips that event with a message and never makes a window play twice.
-- A tick that runs inside a slow evaluation (the watchdog's background tick) acts on the running
-- state, never on the declaration being evaluated.
function Sc.tick(upto)
  local decl = S.decl
  S.decl = nil
  for _, fn in ipairs(Sc.on_tick) do guarded("tick", fn) end
  if S.playing then
    local beat = S.tempo:beat_at_frame(upto - S.origin)
    if beat > 0 then
      local prov = Sc.provider
      local to = R(math.ceil(T.bar_at_beat(beat) * GRID - 1e-9), GRID)
      if prov.window then
        local ok, w = pcall(prov.window, S.sched, to)
        if ok then to = w else Rp.limited("window", "lute: %s", Rp.strip(w)) end
      end
      local from = S.sched
      if to > from then
        for _, fn in ipairs(Sc.before_window) do guarded("before window", fn, from, to) end
        S.sched = to
        if prov.before then guarded("before", prov.before, from, to) end
        for _, name in ipairs(S.order) do
          local t = S.tracks[name]
          if t and (not S.solo or S.solo[name]) and not S.muted[name] then
            guarded("track\0" .. name, schedule_track, t, prov, from, to)
          end
        end
        for _, fn in ipairs(Sc.after_window) do guarded("after window", fn, from, to) end
        local to_beat = T.bar_to_beat(to)
        for _, fn in ipairs(Sc.on_window) do guarded("window", fn, to_beat) end
        -- live, the engine's flywheel learns how far the score is sent: if the control thread then
        -- stalls (a long C call, a slow evaluation), it plays the last bar again instead of silence
        if E.live() then
          local f = math.floor(T.frame_of_bar(to))
          guarded("horizon", E.horizon, f, f - math.floor(T.frame_of_bar(to - 1)))
        end
      end
    end
  end
  Rp.flush()
  S.decl = decl
end

return Sc
