-- test_record.lua — recording from the device input, offline: a file stands in for the input
-- (core.input_file, as `lute render --input`), so every frame of a take can be compared with
-- what went in.  Takes hold exactly the frames of their bars, punched in and out at bar lines;
-- a loop recording makes one take per pass, switched at the exact frame; the latency moves a take
-- earlier by that many frames; monitoring is heard and unmonitored input is not; the count-in's
-- click sounds on the beats before the first recorded bar; a reload while recording keeps the
-- take going; mistakes are errors that say what would be right.
--
--   lute exec tests/lua/test_record.lua
local core = require "lute.core"
local Tk = require "lute.take"
local smp = require "lute.sample"

local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
end

local out = os.getenv("OUT") or "tests/out"
local dir = out .. "/record"
os.execute("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "'")
local RATE, BAR = 48000, 96000

-- The input: 100 s of a counter signal, frame k = ((k % 4801) / 4800) - 0.5 on channel 1 and its
-- negation on channel 2, so a frame's value says where it came from.
local N = RATE * 100
local function value(k, c) local v = (k % 4801) / 4800 - 0.5; return c == 2 and -v or v end
do
  local parts = {}
  for k = 0, N - 1 do parts[#parts + 1] = string.pack("<ff", value(k, 1), value(k, 2)) end
  local pcm = table.concat(parts)
  local f = assert(io.open(dir .. "/in.wav", "wb"))
  f:write("RIFF", string.pack("<I4", 36 + #pcm), "WAVE", "fmt ", string.pack("<I4I2I2I4I4I2I2", 16, 3, 2, RATE, RATE * 8, 8, 32),
          "data", string.pack("<I4", #pcm), pcm)
  f:close()
end
core.input_file(dir .. "/in.wav")
check(core.inputs() == 2, "the file is a two-channel input: %d", core.inputs())

local function run(frames)   -- renders like lute render: a chunk, then the scheduler's tick
  local got = {}
  for _ = 1, math.ceil(frames / 4800) do
    local _, pcm = core.render(4800, true)
    got[#got + 1] = pcm
    lute._tick(core.frame() + 9600)
  end
  return table.concat(got)
end

local function song(extra)
  return 'tempo(120)\ninput "vox" { channels = { 1 }, monitor = false }\ninput "st" { channels = { 1, 2 } }\n'
    .. 'track "vox" { input = "vox", arm = true }\n' .. (extra or "")
end

-- Compares a take with the input: frames and values.
local function take_matches(info, start, frames, channels)
  local s = smp.load(info.path, RATE)
  if not s then return false, "unreadable" end
  if s:frames() ~= frames or info.start ~= start then return false, ("%d frames from %d"):format(s:frames(), info.start) end
  local x = s:read(0, frames)   -- channels averaged
  local worst = 0
  for i = 1, frames do
    local want = channels == 2 and 0 or value(start + i - 1, 1)
    worst = math.max(worst, math.abs(x[i] - want))
  end
  return worst < 1e-6, ("largest difference %g"):format(worst)
end

local function last_takes(n)
  local r = takes_recorded()
  local t = {}
  for i = #r - n + 1, #r do t[#t + 1] = r[i] end
  return t
end

-- 1. record{ from = 2, bars = 1 }: the take is bar 2 exactly (takes go to the test's own folder).
assert(lute.eval(song(), dir .. "/song.lua"))
lute.play()
record{ from = 2, bars = 1, folder = dir .. "/takes" }
run(3 * BAR)
local t = last_takes(1)[1]
local ok, why = take_matches(t, BAR, BAR)
check(t and ok, "record{ from = 2, bars = 1 }: the take holds frames %d .. %d of the input, every one: %s", BAR, 2 * BAR, why)
check(t.file == "vox-take-001.wav", "its file is takes/vox-take-001.wav: %s", t.file)

-- 2. a loop of passes: one take per pass, each starting where the last ended, none overwritten.
record{ bars = 1, loop = true }
run(3 * BAR + 1000)
stop_record()
run(BAR)
local ts = last_takes(3)
local cont = true
for i = 1, 2 do cont = cont and ts[i].start + ts[i].frames == ts[i + 1].start and ts[i].frames == BAR end
check(cont and ts[1].number == 2 and ts[3].number == 4, "loop = true: passes become takes 2, 3, 4, each a bar (%d frames), "
  .. "each starting where the last ended: %s", BAR, table.concat({ ts[1].start, ts[2].start, ts[3].start }, ", "))
local ok2 = true
for i = 1, 2 do ok2 = ok2 and take_matches(ts[i], ts[i].start, BAR) end
check(ok2, "... and each pass holds its own bar of the input")
check(ts[3].frames < BAR and ts[3].frames > 0, "stop_record() ends the last pass where it was: %d frames", ts[3].frames)

-- 3. the latency: a take is placed that many frames earlier (what the player heard).
record{ bars = 1, latency = 480 }
local start_bar = lute.next_switch_bar()
run(2 * BAR + 4000)
t = last_takes(1)[1]
local s = smp.load(t.path, RATE)
local x = s:read(0, 10)
local want = value(t.start + 480, 1)
check(math.abs(x[1] - want) < 1e-6, "latency = 480: the take's first frame (at %d) is the input's frame %d: %g vs %g",
  t.start, t.start + 480, x[1], want)

-- 4. stereo: a track on an input of two channels records both.
assert(lute.eval(song('track "st" { input = "st", arm = true, monitor = false }\n'), dir .. "/song.lua"))
record{ bars = 1, tracks = { "st" } }
run(2 * BAR + 4000)
t = last_takes(1)[1]
check(t.channels == 2 and t.file:find("^st%-take"), "a stereo input records a two-channel take: %s, %d channels", t.file, t.channels)
local st, e2 = smp.load(t.path, RATE)
check(st, "the stereo take reads back: %s", tostring(e2))
ok, why = take_matches(t, t.start, BAR, 2)   -- L and -L average to 0
check(ok, "... whose channels are the input's two (their mean is 0): %s", why)

-- 5. monitoring: heard when on, silent when off.
local function level(pcm)
  local sum, n = 0, #pcm // 4
  for i = 1, n do local v = string.unpack("<f", pcm, 4 * i - 3); sum = sum + v * v end
  return math.sqrt(sum / n)
end
assert(lute.eval('tempo(120)\ninput "vox" { channels = { 1 }, monitor = false }\ntrack "vox" { input = "vox" }\n', dir .. "/song.lua"))
run(BAR)
local quiet = level(run(BAR))
assert(lute.eval('tempo(120)\ninput "vox" { channels = { 1 } }\ntrack "vox" { input = "vox" }\n', dir .. "/song.lua"))
run(BAR)
local heard = level(run(BAR))
check(quiet == 0 and heard > 0.05, "monitor = false is silent (RMS %g), monitored input is heard (RMS %.3f)", quiet, heard)

-- 6. the count-in: a click on each beat of the bar before the first recorded one.
assert(lute.eval(song(), dir .. "/song.lua"))
run(BAR)
local from = lute.next_switch_bar()
record{ bars = 1, count_in = 1 }
local pcm = run(3 * BAR)
local first = core.frame() - #pcm // 8   -- the frame of pcm's first sample
local cbar = lute.frame_of_bar(from)
local beats, tol = {}, 0
for b = 0, 3 do
  local f0 = cbar + b * 24000 - first
  local v = math.abs(string.unpack("<f", pcm, 8 * (f0 + 20) + 1))
  local before = math.abs(string.unpack("<f", pcm, 8 * (f0 - 20) + 1))
  beats[#beats + 1] = ("%.3f/%.3f"):format(before, v)
  tol = tol + ((v > 0.01 and before == 0) and 1 or 0)
end
check(tol == 4, "count_in = 1: a click starts on each of the bar's 4 beats (sample 20 frames before / after): %s",
  table.concat(beats, " "))
-- the accent: the bar's first click is c6 (1046.5 Hz), the others g5 (784 Hz) — counted by zero
-- crossings over the click's first 20 ms
local function click_hz(f0)
  local n, prev = 0, 0
  for i = f0 + 1, f0 + 960 do
    local v = string.unpack("<f", pcm, 8 * i + 1)
    if prev < 0 and v >= 0 then n = n + 1 end
    prev = v
  end
  return n / 0.02
end
local hz = {}
for b = 0, 3 do hz[#hz + 1] = click_hz(cbar + b * 24000 - first) end
check(math.abs(hz[1] - 1046.5) <= 60 and math.abs(hz[2] - 784) <= 60 and math.abs(hz[4] - 784) <= 60,
  "the count-in's first click is accented (c6, about 1046 Hz), the others g5 (784 Hz): %s Hz",
  table.concat(hz, ", "))
local t4 = last_takes(1)[1]
check(t4.start == lute.frame_of_bar(from + 1), "... and the take starts a bar later, at frame %d: %d", lute.frame_of_bar(from + 1), t4.start)

-- 6b. punch in and out at bars: record{ from = A, to = B } keeps exactly bars A .. B-1.
do
  local a = lute.next_switch_bar():floor() + 2
  record{ from = a + 1, to = a + 3 }
  run(5 * BAR)
  local tp = last_takes(1)[1]
  local okp, whyp = take_matches(tp, lute.frame_of_bar(a) - lute._state.origin, 2 * BAR)
  check(okp, "record{ from = %d, to = %d }: the take is those two bars, every frame the input's: %s", a + 1, a + 3, whyp)
end

-- 7. a reload while recording keeps the take going.
record{ bars = 2 }
run(BAR + 2000)
assert(lute.eval(song('track "beat" { notes = "c5 ~ ~ ~" }\n'), dir .. "/song.lua"))
run(2 * BAR + 4000)
t = last_takes(1)[1]
check(t.frames == 2 * BAR and take_matches(t, t.start, 2 * BAR), "a reload in the middle of a 2-bar take leaves it whole: %d frames", t.frames)

-- 8. a recorded take is a clip: cut by bar and beat, it plays the input's frames of those bars
do
  local d2 = dir .. "/song2"
  os.execute("mkdir -p '" .. d2 .. "'")
  assert(lute.eval(song(), d2 .. "/song.lua"))
  require("lute.record").folder = nil   -- back to the default: the song's takes/
  local before = #takes_recorded()
  record{ from = lute.next_switch_bar():floor() + 2, bars = 2 }
  run(4 * BAR)
  local rec = takes_recorded()[before + 1]
  -- the take's second bar, placed two bars from now on a track of its own (the input unmonitored)
  local at = lute.next_switch_bar():floor() + 3
  local ok3, e3 = lute.eval(song() .. 'clip "v" { take = takes("vox")[#takes("vox")], from = "'
    .. (rec.start // BAR + 2) .. ':1", to = "' .. (rec.start // BAR + 3) .. ':1" }\n'
    .. 'track "play" { clips = { [' .. at .. '] = "v" }, gain = 0 }\n', d2 .. "/song.lua")
  check(ok3, "a clip of the new take declares: %s", tostring(e3))
  local first = core.frame()
  local pcm = run(4 * BAR)
  local f0 = lute.frame_of_bar(at - 1) - first   -- bars count from 1
  local src0 = rec.start + BAR                    -- the input's frame the clip begins at
  local num, den, err2 = 0, 0, 0
  for i = 100, BAR - 100, 7 do
    local y = string.unpack("<f", pcm, 8 * (f0 + i) + 1)
    local x = value(src0 + i, 1)
    num, den = num + x * y, den + x * x
  end
  local g = num / den
  for i = 100, BAR - 100, 7 do
    local y = string.unpack("<f", pcm, 8 * (f0 + i) + 1)
    err2 = math.max(err2, math.abs(y - g * value(src0 + i, 1)))
  end
  check(g > 0.5 and err2 < 1e-4, "... and plays, at its bar, the input's frames of the take's second bar: gain %.4f, "
    .. "largest difference %.2g", g, err2)
  check(rec.path:find(d2 .. "/takes/", 1, true), "the take is in the song's takes/ folder (where takes() looks): %s", rec.path)
end

-- 9. examples/24-record-take.lua: a bar of count-in, then 4 bars of the input into a take
do
  local d3 = dir .. "/ex24"
  os.execute("mkdir -p '" .. d3 .. "'")
  local src = assert(io.open(core.root .. "/examples/24-record-take.lua")):read("a")
  local okx, ex = lute.eval(src, d3 .. "/24-record-take.lua")
  check(okx, "example 24 evaluates: %s", tostring(ex))
  run(BAR)
  require("lute.record").folder = nil
  local n0 = #takes_recorded()
  local from = lute.next_switch_bar()
  record{ bars = 4, count_in = 1 }
  local a, b = lute.frame_of_bar(from + 1), lute.frame_of_bar(from + 5)   -- 110 bpm: 104727.27 frames a bar
  run(b - core.frame() + 4 * 4800)
  local tk = takes_recorded()[n0 + 1]
  check(tk and tk.frames == b - a and tk.start == a and take_matches(tk, tk.start, b - a),
    "example 24: record{ bars = 4, count_in = 1 } takes the 4 bars after the count-in, every frame the input's: %s",
    tk and (tk.start .. " +" .. tk.frames) or "no take")
  check(tk and tk.path:find(d3 .. "/takes/gtr-take-", 1, true), "... into takes/ beside the song: %s", tk and tk.path)
end

-- 10. mistakes
local function err(code)
  local okk, e = lute.eval(code, dir .. "/bad.lua", true)
  return not okk and e or ("no error")
end
check(err("record{ bar = 2 }"):find("unknown field 'bar'"), "record{ bar = 2 }: %s", err("record{ bar = 2 }"))
check(err("record{ bars = -1 }"):find("bars"), "record{ bars = -1 }: %s", err("record{ bars = -1 }"))
check(err("record{ loop = true }"):find("needs bars"), "record{ loop = true } without bars: %s", err("record{ loop = true }"))
assert(lute.eval('tempo(120)\ntrack "x" { notes = "c4" }\n', dir .. "/song.lua"))
check(err("record()"):find("no track is armed"), "nothing armed: %s", err("record()"))
check(err('track "y" { input = "nope" }'):find("no input 'nope'"), "an unknown input: %s", err('track "y" { input = "nope" }'))
check(err('input "z" { channels = { 0 } }'):find("count from 1"), "channel 0: %s", err('input "z" { channels = { 0 } }'))
check(err('track "y" { input = { 1, 2, 3 } }'):find("one or two"), "three channels: %s", err('track "y" { input = { 1, 2, 3 } }'))

-- 11. pre-roll: from a stopped transport, record{ from = 5, bars = 1, preroll = 2 } starts playing at
-- bar 3 and the take is bar 5.
do
  assert(lute.eval(song(), dir .. "/song.lua"))
  require("lute.record").folder = dir .. "/takes"
  lute.stop()
  run(BAR)
  local before = core.frame()
  record{ from = 5, bars = 1, preroll = 2 }
  local origin = lute._state.origin
  run(4 * BAR)
  local tp = last_takes(1)[1]
  -- the take counts frames from the song's bar 1 (which is now `origin` in engine frames, where the
  -- input file is read)
  local sp = smp.load(tp.path, RATE)
  local xs = sp and sp:read(0, BAR) or {}
  local worst = sp and 0 or 1
  for i = 1, #xs do worst = math.max(worst, math.abs(xs[i] - value(origin + 4 * BAR + i - 1, 1))) end
  local b3 = lute.frame_of_bar(2)   -- bar 3 (bars count from 0 here)
  check(tp.start == 4 * BAR and sp and sp:frames() == BAR and worst < 1e-6 and math.abs(b3 - before) <= 4800,
    "record{ from = 5, bars = 1, preroll = 2 }: the transport starts at bar 3 (frame %d, asked at %d) and the take is "
    .. "bar 5 (from song frame %d), every frame the input's: largest difference %g", b3, before, tp.start, worst)
  check(err("record{ from = 99, preroll = 2 }"):find("stop%(%) first"), "pre-roll while playing: %s", err("record{ from = 99, preroll = 2 }"))
  stop_record()
end

-- 12. a silent input is said while the take records (an unplugged cable, a muted channel), once per
-- silent stretch, and the take's closing line says it too; an input with sound says nothing of the
-- kind.  The watch reads what the disk thread has written, which offline lags the render: before a
-- tick that must see the silence, the test waits for the disk to catch up (live, it is real time).
do
  local Rp = require "lute.report"
  local Rec = require "lute.record"
  local said, print_said = {}, Rp.output
  Rp.output = function(text) said[#said + 1] = text end
  local function silence_lines()
    local t = {}
    for _, l in ipairs(said) do if l:find("silent") then t[#t + 1] = l end end
    return t
  end
  local function input_until(frame)          -- the input from here: 0.25 (DC, mono) up to `frame`, then nothing
    local pcm = string.rep(string.pack("<f", 0.25), frame)
    local f = assert(io.open(dir .. "/quiet.wav", "wb"))
    f:write("RIFF", string.pack("<I4", 36 + #pcm), "WAVE", "fmt ", string.pack("<I4I2I2I4I4I2I2", 16, 3, 1, RATE, RATE * 4, 4, 32),
            "data", string.pack("<I4", #pcm), pcm)
    f:close()
    core.input_file(dir .. "/quiet.wav")
  end
  local function disk_caught_up(upto)       -- waits until the take being recorded has `upto` frames on disk
    for _ = 1, 200 do
      local tk = Rec.active and Rec.active.takes[1]
      if not tk or tk.writer:status().frames >= upto then return end
      os.execute("sleep 0.01")
    end
  end
  assert(lute.eval(song(), dir .. "/song.lua"))
  Rec.folder = dir .. "/takes"
  run(BAR)
  local a = lute.frame_of_bar(lute.next_switch_bar())
  input_until(a + 4 * BAR)
  said = {}
  record{ bars = 2 }                       -- sound throughout
  run(4 * BAR)
  check(#silence_lines() == 0 and (said[#said] or ""):find("^recorded"), "a take of a sounding input says nothing of silence: %s",
    table.concat(said, " | "))
  a = lute.frame_of_bar(lute.next_switch_bar())
  input_until(a + RATE // 2)               -- sound for the next take's first half second
  said = {}
  record{ bars = 3 }
  run(a + 3 * RATE - core.frame())         -- 3 s into the take: 2.5 s of it silent
  disk_caught_up(3 * RATE - 9600)
  lute._tick(core.frame() + 9600)
  local during = silence_lines()
  check(#during == 1 and during[1]:find("has been silent for 2%.%d s") and during[1]:find("since 0%.5 s into the take")
    and during[1]:find("track 'vox'") and during[1]:find("channels"),
    "a take whose input goes silent says so while it records, naming the track and what to check: %s",
    table.concat(during, " | "))
  run(lute.frame_of_bar(lute.next_switch_bar() + 1) - core.frame() + 4 * 4800)
  local tk = last_takes(1)[1]
  check(tk and tk.start == a - lute._state.origin and tk.frames == 3 * BAR and tk.sound_end == RATE // 2 and tk.peak == 0.25,
    "the take knows where its last sound was: %s frames in (want %d), peak %s (take from song frame %s, %s frames)",
    tk and tostring(tk.sound_end), RATE // 2, tk and tostring(tk.peak), tk and tostring(tk.start), tk and tostring(tk.frames))
  local lines = silence_lines()
  check(#lines == 2 and lines[2]:find("^recorded .*its input was silent from 0%.50 s to the end"),
    "... once, and the take's closing line says where the silence began: %s", table.concat(lines, " | "))
  said = {}
  record{ bars = 2 }                       -- nothing at all now
  run(4 * BAR + 4 * 4800)
  lines = silence_lines()
  check(#lines >= 1 and lines[#lines]:find("^recorded .*it is silent %(nothing above %-90 dBFS%)"),
    "a take silent from its start says so when it ends: %s", table.concat(lines, " | "))
  Rp.output = print_said
  stop_record()
  core.input_file(dir .. "/in.wav")
end

print(("test_record: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
