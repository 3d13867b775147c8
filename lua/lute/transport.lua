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

local Tr = {}

-- tempo(bpm) declares the tempo (from the next bar); tempo() returns the tempo being scheduled.
function Tr.tempo(bpm, opts)
  if bpm == nil then return S.tempo:bpm(T.bar_to_beat(S.sched):tonumber()) end
  if type(bpm) ~= "number" or not (bpm >= 1 and bpm <= 1000) then
    error(("tempo(%s): the tempo is a number of beats per minute, 1 .. 1000"):format(tostring(bpm)), 2)
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

-- Starts the transport from bar 0 (or from `bar`) at the next moment the scheduler can reach.
function Tr.play(bar)
  if S.playing then return end
  -- Live, the first bar starts two lookaheads from now so its first notes are not late; offline
  -- the engine waits for the scheduler, so the song starts at the current frame.
  -- (The engine renders in quanta, so offline the start is rounded up to the next one.)
  local now = E.frame()
  S.origin = E.live() and now + 2 * E.lookahead_frames() or -(-now // E.QUANTUM) * E.QUANTUM
  S.sched = R(0)
  if bar then
    S.song_start = R(bar)
  end
  for _, t in pairs(S.tracks) do t.old = nil; t.switch = R(0) end
  S.jumps = { { t = R(0), s = S.song_start or R(0) } }
  S.song_old, S.song_switch, S.queued = nil, nil, nil
  A.relayout(R(0), S.song_start or R(0))
  S.playing = true
  S.stopped_by_user = false
  for _, l in pairs(S.loops) do L.restart(l) end
end

function Tr.stop()
  if not S.playing then return end
  S.playing = false
  S.stopped_by_user = true
  E.release_all(nil, 0)
  for _, l in pairs(S.loops) do l.co = nil end
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
