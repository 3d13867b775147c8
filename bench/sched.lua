-- sched.lua — the scheduler's work per bar: what lute._tick costs the control thread for a song.
--
--   lute exec bench/sched.lua [BPM [TRACKS [BARS [TICK]]]]      (defaults: 120, 16, 64, 1024)
--   lute exec bench/sched.lua SCRIPT.lua [SECONDS]              (default 60)
--
-- The first form declares TRACKS tracks of typical patterns (the 16 below, repeated); the second
-- evaluates a song script (bench/w1.py uses it on the W1/W1r scripts to split render CPU into
-- scheduler and engine).  Then it starts the transport and calls lute._tick exactly as an offline
-- render does: every TICK frames (1024 offline; 256 is a live run with 256-frame periods), up to
-- that frame plus the 50 ms lookahead, timing each call with os.clock().  core.note and core.param
-- are replaced by counters for the run, so the figure is the scheduler alone (pattern queries,
-- rational-to-frame conversion, note lookup), not the engine.  TRACKS = 0 gives the fixed cost of
-- a tick with nothing to schedule.
local core = require "lute.core"

local function argn(i, default, what)
  local v = arg and arg[i]
  if v == nil then return default end
  local n = tonumber(v)
  if not n then error(("sched.lua: %s (argument %d) must be a number, got '%s'"):format(what, i, v), 0) end
  return n
end
local script = arg and arg[1] and arg[1]:match("%.lua$") and arg[1]
local seconds = script and argn(2, 60, "SECONDS")
if script then arg[1] = nil end
local bpm = script and 120 or argn(1, 120, "BPM")
local ntracks = math.tointeger(argn(2, 16, "TRACKS"))
local bars = math.tointeger(argn(3, 64, "BARS"))
local tick = math.tointeger(argn(4, 1024, "TICK"))
if not tick or tick < 1 then error("sched.lua: TICK must be a number of frames >= 1", 0) end
if not ntracks or ntracks < 0 or ntracks > 64 then error("sched.lua: TRACKS must be an integer 0 .. 64", 0) end
if not bars or bars < 1 then error("sched.lua: BARS must be an integer >= 1", 0) end

-- Sixteen patterns of the kind a song uses: drum-like rhythms, euclid, chords, arpeggios, alternation,
-- random choices, and transformations from the pattern library; two tracks pattern a parameter too.
local mini = pattern.mini
local songs = {
  { notes = "c2*4" },
  { notes = "~ d3 ~ d3" },
  { notes = "f5*8", vel = 0.5 },
  { notes = "c2(3,8)" },
  { notes = "<c3 e3 g3 b3>*4 [~ c4]" },
  { notes = "[c4,e4,g4] ~ [d4,f4,a4] ~", voices = 12 },
  { notes = "a4 c5 e5 a5 g5 e5 c5 <d5 b4>" },
  { notes = "c4 [e4 g4] <a4 [b4 c5]>" },
  { notes = mini("c3 e3 g3 b3"):fast(2):every(3, function(p) return p:rev() end) },
  { notes = mini("e4 g4 b4 d5"):off(0.125, function(p) return p:add(12) end) },
  { notes = "c6*16?" },
  { notes = mini("a3 c4 e4"):sometimesBy(0.3, function(p) return p:ply(2) end) },
  { notes = "<[a2 a2] [f2 g2]> a2", cutoff = "<400 800 1600 3200>" },
  { notes = mini("c5 d5 e5 g5"):iter(4):swingBy(1 / 3, 4) },
  { notes = "[c3 | e3 | g3]*4", pan = "<-0.5 0.5>" },
  { notes = mini("g4 a4 b4 d5"):chunk(4, function(p) return p:fast(2) end):degradeBy(0.2) },
}

if script then
  ntracks = 0
  dofile(script)
  bpm = tempo()
  ntracks = #lute._state.order
else
  tempo(bpm)
end
for i = 1, script and 0 or ntracks do
  local s = songs[(i - 1) % #songs + 1]
  local spec = { wave = "saw" }
  for k, v in pairs(s) do spec[k] = v end
  track("t" .. i)(spec)
end

local notes, params = 0, 0
local real_note, real_param = core.note, core.param
core.note = function() notes = notes + 1 end
core.param = function() params = params + 1 end

lute.play()
local rate = core.rate()
local lookahead = math.floor(50 * rate / 1000)
local frames_per_bar = math.floor(4 * 60 / bpm * rate + 0.5)
if seconds then bars = seconds * rate / frames_per_bar end
local total = math.floor(bars * frames_per_bar)
local t_all, worst, ticks = 0.0, 0.0, 0
for f = tick, total, tick do
  local t0 = os.clock()
  lute._tick(f + lookahead)
  local dt = os.clock() - t0
  t_all = t_all + dt
  if dt > worst then worst = dt end
  ticks = ticks + 1
end
core.note, core.param = real_note, real_param

print(("scheduler, %s%d tracks, %g bpm, %g bars: %.0f us per bar (%.1f us per tick of %d frames, worst tick %.0f us), "
  .. "%.1f notes and %.1f parameter events per bar, %.2f%% of one core in real time")
  :format(script and (script:match("[^/]*$") .. ", ") or "", ntracks, bpm, bars, t_all / bars * 1e6, t_all / ticks * 1e6, tick, worst * 1e6, notes / bars, params / bars,
          100 * t_all / (total / rate)))
