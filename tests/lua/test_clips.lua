-- test_clips.lua — audio clips in the language (lua/lute/clips.lua): clip and comp declarations
-- rendered and played by a track's sampler sample for sample; playback that starts inside a clip
-- (play from a bar, a song started at a later section) starts at the right offset; an edit at the
-- REPL plays from the next bar; an unchanged clip is not rendered again; a bad clip is an error at
-- the user's line that changes nothing; undo, redo and edits(); a clip taken off a track stops at
-- the switch; a clip from a plain audio file; renders are deterministic.
--
--   lute exec tests/lua/test_clips.lua
local core = require "lute.core"
local LT = require "lute.take"
local LE = require "lute.edit"
local Ed = require "edit"
local Cl = require "lute.clips"
local S = lute._state

local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
  if os.getenv("CHECK_VERBOSE") then io.stderr:write(ok and "ok   " or "FAIL ", string.format(msg, ...), "\n") end
end

local out = os.getenv("OUT") or "tests/out"
local dir = out .. "/clips_lua"
os.execute("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "'")
Cl.script(dir .. "/song.lua")        -- the song's folder: its takes are in dir/takes
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

local RATE = 48000
local BAR = 24000                     -- 480 bpm: a beat is 6000 frames
local G = math.sqrt(0.5)              -- a mono sample at the centre: -3 dB each side

-- Three takes of "v": sines of 220, 330 and 495 Hz for 8 bars, written as a recorder would.
local function write_take(name, start, frames, f)
  local w = assert(LT.open{ folder = dir .. "/takes", name = name, rate = RATE, channels = 1, start = start, ring = 12 })
  local chunk = {}
  for i = 0, frames - 1 do
    chunk[#chunk + 1] = f(i)
    if #chunk == 1000 or i == frames - 1 then
      assert(w:write(start + i - #chunk + 1, string.pack("<" .. ("f"):rep(#chunk), table.unpack(chunk))))
      chunk = {}
    end
  end
  return w:close()
end
for k, hz in ipairs({ 220, 330, 495 }) do
  write_take("v", 0, 8 * BAR, function(i) return 0.5 * math.sin(2 * math.pi * hz * i / RATE) end)
end

-- Renders n frames; returns the left channel's samples as a function of the frame (0 = start).
local function render(n)
  local at = core.frame()
  local _, s = core.render(n, true)
  return function(i) if i < 0 or i >= n then return 0 end return (string.unpack("<f", s, 8 * i + 1)) end, at
end

-- The largest |out(i) - want(i)| over frames [a, b) (every `step` frames).
local function maxdiff(outf, want, a, b, step)
  local m = 0
  for i = a, b - 1, step or 1 do
    local d = math.abs(outf(i) - want(i))
    if d > m then m = d end
  end
  return m
end

local function eval(src, name, partial)
  local ok, e = lute.eval(src, name or "song.lua", partial)
  return ok, e
end

-- Stops, lets a bar go by and evaluates a script.  (A declaration committed while stopped switches
-- at the frame where the last playback's scheduling stopped; a bar later that frame has passed, so
-- the next play() finds every kit already swapped.)
local function stopped_eval(src)
  eval('stop()', "stdin", true)
  core.render(BAR)
  return eval(src)
end

local renders = 0
local real_render = Ed.render
Ed.render = function(...) renders = renders + 1; return real_render(...) end

-- ---- a comp and a clip on a track, from the top ----------------------------------------------
local SONG = [[
tempo(480)
local t = takes("v")
comp "m" { { t[1], "1:1", "2:1" }, { t[2], "2:1", "3:1" }, xfade = 0.01 }
clip "c" { take = t[3], from = "2:1", to = "4:1" }
track "a" { clips = { [1] = "m", [4] = "c" }, gain = 0 }
]]
local ok, e = eval(SONG)
check(ok, "a song with a comp and a clip on a track evaluates: %s", tostring(e))
check(renders == 2, "each clip rendered once: %d renders", renders)
local m = Ed.render(Cl.history.clips.m)
local c = Ed.render(Cl.history.clips.c)
check(m:frames() == 2 * BAR and c:frames() == 2 * BAR, "comp m and clip c last 2 bars each: %d, %d frames", m:frames(), c:frames())
lute.trace(true)
local o, at = render(7 * BAR)
local trace = lute.trace()
local origin = S.origin - at
local starts = {}
for _, x in ipairs(trace) do if x.clip then starts[#starts + 1] = ("%d@%d"):format(x.clip, x.frame - S.origin) end end
check(table.concat(starts, " ") == "1@0 2@72000", "the clips start on the exact frames of bars 1 and 4: %s", table.concat(starts, " "))
local dm = maxdiff(o, function(i) return m:sample(i - origin) * G end, origin, origin + 2 * BAR)
local dc = maxdiff(o, function(i) return c:sample(i - origin - 3 * BAR) * G end, origin + 3 * BAR, origin + 5 * BAR)
local dz = maxdiff(o, function() return 0 end, origin + 2 * BAR, origin + 3 * BAR)
check(dm < 1e-6 and dc < 1e-6 and dz == 0, "the track plays each clip's samples (-3 dB, mono at the centre): %.2g, %.2g; silence between: %g", dm, dc, dz)
-- each region of the comp is its own take's samples, away from the join
local t1, t2 = Ed.takes("v", dir .. "/takes")[1]:buffer(), Ed.takes("v", dir .. "/takes")[2]:buffer()
local r1 = maxdiff(o, function(i) return t1:sample(i - origin) * G end, origin, origin + BAR - 240)
local r2 = maxdiff(o, function(i) return t2:sample(i - origin) * G end, origin + BAR + 240, origin + 2 * BAR)
check(r1 < 1e-6 and r2 < 1e-6, "comp region 1 is take 1, region 2 is take 2, sample for sample: %.2g, %.2g", r1, r2)
local steady, join = 0, 0
for i = origin + 1, origin + 2 * BAR - 1 do
  local d = math.abs(o(i) - o(i - 1))
  if i > origin + BAR - 480 and i < origin + BAR + 480 then join = math.max(join, d) else steady = math.max(steady, d) end
end
-- Equal power: two unrelated signals summed through cos/sin gains may step up to sqrt(2) times
-- their own largest step; a click (a cut) is many times that.
check(join <= steady * math.sqrt(2), "no click at the comp's join: largest step %.4f there, %.4f elsewhere (bound: x1.41)", join, steady)

-- ---- the same script again: nothing rendered, nothing restarted -----------------------------
renders = 0
ok, e = eval(SONG)
lute.trace(true)
local o2 = render(2 * BAR)
trace = lute.trace()
local restarted = 0
for _, x in ipairs(trace) do if x.clip then restarted = restarted + 1 end end
check(ok and renders == 0 and restarted == 0, "evaluated again unchanged: %d renders, %d clip starts (the voices play on)", renders, restarted)

-- ---- an edit at the REPL plays from the next bar --------------------------------------------
ok, e = stopped_eval(SONG)
ok = eval('play()', "stdin", true)
local o3, at3 = render(BAR // 2)
local org = S.origin
ok, e = eval('gain("m", -6)', "stdin", true)
check(ok, "gain(\"m\", -6) at the REPL: %s", tostring(e))
lute.trace(true)
local o4, at4 = render(2 * BAR)
trace = lute.trace()
local sw
for _, x in ipairs(trace) do if x.clip == 1 then sw = x end end
local g6 = 10 ^ (-6 / 20)
check(sw and sw.frame - org == BAR and sw.begin and math.floor(sw.begin * (2 * BAR) + 0.5) == BAR,
      "the edited comp starts at the next bar (frame %s), at its offset there (begin %s)", sw and (sw.frame - org) or "-", sw and sw.begin or "-")
local base4 = org - at4
local before = maxdiff(o4, function(i) return m:sample(i - base4) * G end, base4 + BAR // 2, base4 + BAR)
local after = maxdiff(o4, function(i) return m:sample(i - base4) * G * g6 end, base4 + BAR + 240, base4 + 2 * BAR)
check(before < 1e-6 and after < 1e-6, "before the bar the old comp, from the bar (after the 5 ms crossfade) the new one at -6 dB: %.2g, %.2g", before, after)

-- ---- undo, redo, edits() ---------------------------------------------------------------------
ok, e = eval('undo()', "stdin", true)
check(ok and Cl.history.clips.m.gain == nil, "undo() takes the gain back: %s", tostring(e))
ok = eval('redo()', "stdin", true)
check(Cl.history.clips.m.gain == -6, "redo() does it again")
ok, e = eval('trim("c", "2:1", "3:1")', "stdin", true)
local printed
local real_print = print
print = function(s) printed = s end
eval('edits()', "stdin", true)
print = real_print
check(printed == 'gain("m", -6)\ntrim("c", "2:1", "3:1")', "edits() prints the edits as Lua: %q", tostring(printed))

-- ---- a reload keeps REPL edits of clips the file did not change ------------------------------
ok, e = eval(SONG)
check(ok and Cl.history.clips.m.gain == -6 and Cl.history.clips.c.to == "3:1",
      "the script evaluated again unchanged: the REPL's edits stay (gain -6 on m, the trim of c): %s", tostring(e))
ok, e = eval('split("c", "2:3", "c2")', "stdin", true)
check(ok and Cl.history.clips.c2 and Cl.history.clips.c.to == "2:3", "split(\"c\", \"2:3\", \"c2\"): %s", tostring(e))
ok, e = eval((SONG:gsub('to = "4:1"', 'to = "3:3"')))
check(ok and Cl.history.clips.c.to == "3:3" and Cl.history.clips.m.gain == -6 and Cl.history.clips.c2 ~= nil,
      "the file changes clip c: the file's c wins; m keeps its REPL edit; the REPL's c2 lives on: %s", tostring(e))
ok, e = eval('undo()')
check(not ok and e:find("undo%(%) is for the REPL"), "undo() in a script file: %s", tostring(e))
ok, e = eval(SONG)

-- ---- a bad clip changes nothing ----------------------------------------------------------------
local m_before = Ed.ser(Cl.history.clips.m)
ok, e = eval('clip "bad" { take = takes("v")[1], from = "3:1", to = "2:1" }\ngain("m", 3)', "stdin", true)
check(not ok and e:match("^stdin:1: clip 'bad'") and e:find("ends"), "a clip that ends before it starts: %s", tostring(e))
check(Cl.history.clips.bad == nil and Ed.ser(Cl.history.clips.m) == m_before, "and nothing changed (the gain in the same chunk neither)")
ok, e = eval('track "b" { clips = { [2] = "nope" } }', "stdin", true)
check(not ok and e:find("no clip 'nope'") and e:find("stdin:1:"), "a track placing a clip that does not exist: %s", tostring(e))
ok, e = eval('gain("nope", 3)', "stdin", true)
check(not ok and e:find("^stdin:1:") and e:find("no clip 'nope'"), "an edit of a clip that does not exist: %s", tostring(e))
ok, e = eval('clip "x" { take = takes("v")[1], fade = 3 }', "stdin", true)
check(not ok and e:find("^stdin:1:") and e:find("unknown field 'fade'"), "an unknown field: %s", tostring(e))
ok, e = eval('track "b" { clips = { [0] = "m" } }', "stdin", true)
check(not ok and e:find("bar"), "a clip at bar 0: %s", tostring(e))
ok, e = eval('track "b" { clips = { [1] = "m" }, kit = "808" }', "stdin", true)
check(not ok and e:find("clips or a kit"), "clips and a kit on one track: %s", tostring(e))

-- ---- playback that starts inside a clip -------------------------------------------------------
ok, e = stopped_eval("lute.autoplay = false\n" .. SONG)
eval('play(2)', "stdin", true)                  -- from bar 2: the comp is half over
lute.trace(true)
local o5, at5 = render(BAR)
trace = lute.trace()
local first
for _, x in ipairs(trace) do if x.clip then first = first or x end end
local m2 = Ed.render(Cl.history.clips.m)       -- with the gain edit (-6 dB)
-- bar 2 (transport bar 1) is where the playback starts
local bar2 = lute.frame_of_bar(lute.rational(1)) - at5
local dmid = maxdiff(o5, function(i) return m2:sample(i - bar2 + BAR) * G end, bar2 + 48, BAR)
check(first and first.frame - at5 == bar2 and math.floor(first.begin * 2 * BAR + 0.5) == BAR and first.dur == BAR,
      "play(2) starts the comp at its bar-2 offset: frame %s, offset %s, %s frames left", first and first.frame - at5, first and math.floor(first.begin * 2 * BAR + 0.5), first and first.dur)
check(dmid < 1e-6, "and plays its second half sample for sample (after the 1 ms fade-in): %.2g", dmid)

-- A song started at its second section: the clip placed at song bar 1 plays from its offset.
ok, e = stopped_eval([[
lute.autoplay = false
tempo(480)
local t = takes("v")
clip "long" { take = t[2], from = "1:1", to = "5:1" }
track "a" { clips = { [1] = "long" }, gain = 0 }
section "A" { bars = 2 }
section "B" { bars = 2 }
song { "A", "B" }
]])
check(ok, "a song with sections and a clip: %s", tostring(e))
eval('play{ from = "B" }', "stdin", true)
lute.trace(true)
local o6, at6 = render(BAR)
trace = lute.trace()
first = nil
for _, x in ipairs(trace) do if x.clip then first = first or x end end
local long = Ed.render(Cl.history.clips.long)
local st6 = first and first.frame - at6 or 0
check(first and math.floor(first.begin * 4 * BAR + 0.5) == 2 * BAR, "play{from = \"B\"} (song bar 3) starts the clip 2 bars in: offset %s",
      first and math.floor(first.begin * 4 * BAR + 0.5))
check(maxdiff(o6, function(i) return long:sample(i - st6 + 2 * BAR) * G end, st6 + 48, BAR) < 1e-6, "with the clip's own samples from there")

-- A jump of the song into the middle of the clip: it goes on from there.
eval('stop()', "stdin", true)
core.render(BAR)
eval('play()', "stdin", true)
local o9, at9 = render(BAR // 2)
local org9 = S.origin
eval('jump("B")', "stdin", true)
lute.trace(true)
local o10, at10 = render(2 * BAR)
trace = lute.trace()
local js = {}
for _, x in ipairs(trace) do if x.clip then js[#js + 1] = x end end
local jfirst = js[1]
check(#js == 1 and jfirst.frame - org9 == BAR and math.floor(jfirst.begin * 4 * BAR + 0.5) == 2 * BAR and jfirst.dur == 2 * BAR,
      "jump(\"B\") at bar 1: at bar 2 the clip starts again 2 bars in (song bar 3): frame %s, offset %s",
      jfirst and jfirst.frame - org9, jfirst and math.floor((jfirst.begin or 0) * 4 * BAR + 0.5))
local jb = org9 + BAR - at10
check(maxdiff(o10, function(i) return long:sample(i + BAR - jb) * G end, 0, jb - 1) < 1e-6
      and maxdiff(o10, function(i) return long:sample(i - jb + 2 * BAR) * G end, jb + 240, 2 * BAR) < 1e-6,
      "the clip's bar 2 before the jump, its bar 3 after it (past the 5 ms crossfade)")

-- ---- a clip taken off its track stops at the switch -----------------------------------------
ok, e = stopped_eval(SONG)
eval('play()', "stdin", true)
local o7, at7 = render(BAR // 2)
local org7 = S.origin
ok, e = eval('track "a" { clips = { [4] = "c" }, gain = 0 }', "stdin", true)
lute.trace(true)
local o8, at8 = render(2 * BAR)
trace = lute.trace()
local chokes = 0
for _, x in ipairs(trace) do if x.clip == 0 then chokes = chokes + 1 end end
local sw8 = org7 + BAR - at8
local late = maxdiff(o8, function() return 0 end, sw8 + 241, sw8 + BAR // 2)
local early = maxdiff(o8, function(i) return 0 end, 0, sw8 - 1)
check(chokes == 1 and late == 0 and early > 0.1, "comp m taken off the track: it plays until the bar (%.2f), is choked there (%d) and silent 5 ms later (%g)",
      early, chokes, late)

-- ---- the track's strip and effects apply to its clips -----------------------------------------
ok, e = stopped_eval([[
tempo(480)
local t = takes("v")
clip "c" { take = t[3], from = "2:1", to = "4:1" }
track "a" { clips = { [1] = "c" }, gain = -6, pan = -1 }
track "b" { clips = { [1] = "c" }, gain = 0, fx = { gain{ gain = -12 } } }
]])
eval('play()', "stdin", true)
local at11 = core.frame()
lute.trace(true)
local _, s11 = core.render(BAR, true)
lute.trace(false)
local c3 = Ed.render(Cl.history.clips.c)
local o11 = S.origin - at11
local worst_l, worst_r = 0, 0
-- (from 50 ms in: a track made while the transport was stopped glides its effect's gain in first)
for i = o11 + 2400, o11 + BAR - 1, 5 do
  local l, r = string.unpack("<ff", s11, 8 * (i - 0) + 1)
  -- the sampler places a mono clip at the centre (0.707 each side); the strip's pan hard left then
  -- gives the left sqrt(2) and the right 0
  local want_a = c3:sample(i - o11) * 10 ^ (-6 / 20)
  local want_b = c3:sample(i - o11) * G * 10 ^ (-12 / 20)
  worst_l = math.max(worst_l, math.abs(l - (want_a + want_b)))
  worst_r = math.max(worst_r, math.abs(r - want_b))
end
check(ok and worst_l < 1e-5 and worst_r < 1e-5, "clips go through their track's strip (gain -6, pan hard left) and its fx (a -12 dB gain): %.2g, %.2g (%s)",
      worst_l, worst_r, tostring(e))

-- ---- a clip from an audio file, and determinism ----------------------------------------------
local tone = LE.buffer(RATE // 2, 1, RATE)
local x = {}
for i = 1, RATE // 2 do x[i] = 0.25 * math.sin(2 * math.pi * 1000 * i / RATE) end
local parts = {}
for i = 1, #x, 4000 do parts[#parts + 1] = string.pack("<" .. ("f"):rep(math.min(4000, #x - i + 1)), table.unpack(x, i, math.min(#x, i + 3999))) end
assert(LE.from_floats(table.concat(parts), 1, RATE):save(dir .. "/tone.wav"))
local FILE_SONG = [[
tempo(480)
clip "tone" { file = "tone.wav", fade_out = 0.01 }
track "f" { clips = { [1] = "tone", [2] = "tone" }, gain = 0 }
]]
local function file_render()
  local ok2, e2 = stopped_eval(FILE_SONG)
  assert(ok2, e2)
  eval('play()', "stdin", true)
  local _, s = core.render(3 * BAR, true)
  return ok2, s
end
local okf, s1 = file_render()
local _, s2 = file_render()
check(okf and s1 == s2, "a clip from an audio file beside the script plays, and two renders are the same bytes")
local tb = Ed.render(Cl.history.clips.tone)
check(tb:frames() == RATE // 2, "the file clip is the file's length: %d frames", tb:frames())

print(("test_clips: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
