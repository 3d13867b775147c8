-- lute/transport.lua — the transport (play, stop), tempo and meter as declared by a script, solo,
-- and where the playhead is.
local R = require "rational"
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local Sc = require "lute.sched"
local H = require "lute.handles"
local L = require "lute.loops"
local A = require "arrange"
local D = require "lute.decl"
local Rp = require "lute.report"

local Tr = {}

-- tempo(bpm) declares the tempo (from the next bar); tempo() returns the tempo being scheduled.
function Tr.tempo(bpm, opts)
  if bpm == nil then return S.tempo:bpm(T.bar_to_beat(S.sched):tonumber()) end
  if type(bpm) ~= "number" or not (bpm >= 1 and bpm <= 1000) then
    Rp.error("tempo(%s): the tempo is a number of beats per minute, 1 .. 1000", tostring(bpm))
  end
  if S.decl then S.decl.tempo = bpm
  else A.apply_timeline({ tempo = bpm, sections = {}, section_order = {} }) end
end

function Tr.meter(s)
  local num, den = T.parse_meter(s)
  local m = { { bar = 0, num = num, den = den } }
  if S.decl then S.decl.meters = m
  else A.apply_timeline({ meters = m, sections = {}, section_order = {} }) end
end

-- Gains back after hush() or mute(): each track's own gain, at `frame`.
local function restore_gains(frame)
  for name, t in pairs(S.tracks) do
    if not S.muted[name] then
      pcall(Sc.send_param, t, frame, "gain", t.params.gain or D.param_info.gain.default, true)
    end
  end
end

-- Starts the transport at transport bar 0, with the song at song bar `song_bar` (0-based), or,
-- without a song, at transport bar `bar` (the patterns pick up there), at the next moment the
-- scheduler can reach.
local function start(bar)
  bar = bar or R(0)
  -- Live, the first bar starts two lookaheads from now so its first notes are not late; offline
  -- the engine waits for the scheduler, so the song starts at the current frame.
  -- (The engine renders in quanta, so offline the start is rounded up to the next one.)
  local now = E.frame()
  local at = E.live() and now + 2 * E.lookahead_frames() or -(-now // E.QUANTUM) * E.QUANTUM
  S.song_start = S.song and bar or nil
  local tbar = S.song and R(0) or bar
  S.origin = at
  S.sched = tbar
  for _, t in pairs(S.tracks) do t.old = nil; t.switch = tbar; t._part = nil end
  S.jumps = { { t = R(0), s = S.song_start or R(0) } }
  S.song_old, S.song_switch, S.queued = nil, nil, nil
  A.relayout(R(0), S.song_start or R(0))
  if tbar > R(0) then S.origin = at - (T.frame_of_bar(tbar) - S.origin) end   -- bar `tbar` is at `at`
  if S.hushed then restore_gains(at); S.hushed = nil end
  S.playing = true
  S.stopped_by_user = false
  S.paused = nil
  for _, l in pairs(S.loops) do L.restart(l) end
end
Tr.start = start

-- play() starts from the top; play{from = "chorus"} from a section of the song; play{bar = 17}
-- (or play(17)) from a bar (of the song, or of the patterns without one), counted from 1.
function Tr.play(opts)
  if S.playing then return end
  local bar = R(0)
  if type(opts) == "number" then opts = { bar = opts } end
  if opts ~= nil then
    if type(opts) ~= "table" then error("play(), play{from = \"chorus\"} or play{bar = 17}", 2) end
    if opts.from ~= nil then
      bar = A.find_part(opts.from, 2).start
    elseif opts.bar ~= nil then
      if math.type(opts.bar) ~= "integer" or opts.bar < 1 then
        error(("play{bar = %s}: bars count from 1"):format(tostring(opts.bar)), 2)
      end
      bar = R(opts.bar - 1)
    end
  end
  start(bar)
end

-- Stops the transport and releases every note (they ring out with their release).
local function halt()
  if E.live() then pcall(E.horizon, -1) end   -- stopped: nothing for the flywheel to repeat
  S.playing = false
  S.stopped_by_user = true
  E.release_all(nil, 0)
  for _, l in pairs(S.loops) do l.co = nil end
end

function Tr.stop()
  if not S.playing then return end
  halt()
  S.paused = nil
end

-- The bar the listener hears now: { transport = bar, song = bar or nil } (0-based, rational).
local function heard_bar()
  local beat = S.tempo:beat_at_frame(E.frame() - S.origin)
  local tbar = beat > 0 and T.beat_to_bar(T.to_r(beat)):floor() or 0
  tbar = R(tbar)
  return tbar, S.song and A.song_bar(tbar) or nil
end

-- pause() stops where the music is; resume() goes on from the start of that bar.
function Tr.pause()
  if not S.playing then return "not playing" end
  local tbar, sbar = heard_bar()
  halt()
  S.paused = { bar = sbar or tbar }
  return ("paused in bar %d; resume() goes on from there"):format(S.paused.bar:floor() + 1)
end

function Tr.resume()
  if S.playing then return "playing" end
  local p = S.paused
  if not p then error("nothing is paused: pause() first (play() starts from the top)", 2) end
  if S.song and p.bar >= S.song.length then p.bar = R(0) end
  start(p.bar)
  return ("from bar %d"):format(p.bar:floor() + 1)
end

-- hush(): every sound stops now (each track's gain goes to silence in about 10 ms and every note is
-- released), the transport stops, and everything declared stays: play() or resume() brings it back.
function Tr.hush()
  local now = E.frame()
  for _, t in pairs(S.tracks) do pcall(Sc.send_param, t, now, "gain", D.param_info.gain.min, true) end
  local tbar, sbar = heard_bar()
  if S.playing then halt(); S.paused = { bar = sbar or tbar } end
  S.hushed = true
  E.release_all(nil, 0)
end

-- panic(): every note released now, for stuck notes; the music goes on.  (It releases what the
-- engine plays; dropping what is already queued ahead is the engine's, in the new engine.)
function Tr.panic()
  E.release_all(nil, 0)
  return "every note released"
end

function Tr.quit() E.quit() end

-- solo("lead,bass") plays only those tracks; solo() plays all again.
function Tr.solo(names)
  if names == nil or names == "" then S.solo = nil; return end
  local set = {}
  for n in tostring(names):gmatch("[^,%s]+") do H.running(n, 3); set[n] = true end
  S.solo = set
end

-- Where the playhead is: bar and beat (1-based, as musicians count), and the section with a song.
function Tr.where()
  local f = E.frame()
  if not S.playing then return "stopped" end
  local beat = S.tempo:beat_at_frame(f - S.origin)
  if beat < 0 then return "starting" end
  local bar = T.beat_to_bar(T.to_r(beat))
  local b = bar:floor()
  local m = T.meter_at_bar(R(b))
  local in_bar = (T.to_r(beat) - T.bar_to_beat(R(b))):tonumber()
  local s = ("bar %d, beat %.2f of %d/%d, %.1f bpm"):format(b + 1, in_bar + 1, m.num, m.den, S.tempo:bpm(beat))
  local prov = Sc.provider
  if prov.where then s = prov.where(R(b)) .. ", " .. s end
  return s
end

return Tr
