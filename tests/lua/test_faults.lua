-- test_faults.lua — nothing fails silently, and nothing a script does makes the scheduler replay.
--
-- Values that validation can see are rejected when the script is evaluated (file:line, the value,
-- what would be right); values that go wrong only later (a bad note after cycle 4, a loop sleeping
-- forever) are skipped by the scheduler with one message at the user's line, and every window is
-- sent exactly once.  jux, pan(), hurry, nudge and chop play as in Strudel (pan in lute's -1 .. 1,
-- per note); section parameters are checked like a track's and do not stick into later sections.
local core = require "lute.core"
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end
local function joined() return table.concat(messages, " | ") end

local BAR = 96000   -- 120 bpm at 48 kHz
local function eval(src) lute.stop(); S.stopped_by_user = false; messages = {}; return lute.eval(src, "song.lua") end
-- renders `bars` bars; returns the notes (and parameter changes with params = true) that start in them
local function render(bars, params)
  lute.trace(true, params and "params" or nil)
  core.render(BAR * bars)
  local out, now = {}, core.frame()
  for _, x in ipairs(lute.trace()) do if x.frame < now then out[#out + 1] = x end end
  return out
end
local function no_duplicates(ns)
  local seen = {}
  for _, x in ipairs(ns) do
    local k = ("%s %d %s %s"):format(x.track, x.frame, tostring(x.note), tostring(x.param))
    if seen[k] then return false, k end
    seen[k] = true
  end
  return true
end

-- 1. Out-of-range notes are rejected when evaluated, with file:line, the value and the range.
local ok, e = eval('tempo(120)\ntrack "a" { notes = "c4 e4 200 e4" }')
check(not ok and e:find("^song.lua:2:") and e:find("200") and e:find("%-24 %.%. 151"),
  "a note of 200: rejected at song.lua:2 naming the value and the range: %s", tostring(e))
ok, e = eval('track "a" { notes = "440 880" }')
check(not ok and e:find("440") and e:find("frequency in Hz") and e:find("MIDI note 69"),
  "Hz written as notes: the message says what 440 Hz would be: %s", tostring(e))
ok, e = eval('track "a" { notes = n("0 2 90"):scale("C:major") }')
check(not ok and e:find("^song.lua:1:") and e:find("outside the playable range"), "n('0 2 90'):scale: rejected: %s", tostring(e))
ok, e = eval('track "a" { notes = mini("c4 e4"):fmap(function(v) return {note = v, vel = 100} end) }')
check(not ok and e:find("vel = 100 is outside 0 .. 1"), "a table value with vel = 100: rejected: %s", tostring(e))
ok, e = eval('track "a" { notes = "c12" }')
check(not ok and e:find("156"), "c12 (MIDI 156) is out of range too: %s", tostring(e))

-- 2. Values that go wrong only after the first cycles: skipped once each, at the user's line; each
-- window is sent once (the bug was a replay of every note since the failure, every tick).
for _, case in ipairs({
  { "a bad note in cycle 5", 'track "a" { notes = "<c4 c4 c4 c4 c4 670 c4 c4>" }', "670", 7 },
  { "a scale degree out of range in cycle 5", 'track "a" { notes = n("<0 0 0 0 0 90 0 0>"):scale("C:major") }', "outside", 7 },
  { "vel = 100 in cycle 5", 'track "a" { notes = mini("<c4 c4 c4 c4 c4 d4 c4 c4>"):fmap(function(v) return {note = v, vel = v == "d4" and 100 or 0.5} end) }', "vel = 100", 7 },
  { "a pattern function that raises in cycle 5", 'track "a" { notes = mini("<0 0 0 0 0 1 0 0>"):fmap(function(v) if v == 1 then error("boom") end return 60 end) }', "boom", 7 },
}) do
  local name, src, word, want = case[1], case[2], case[3], case[4]
  ok, e = eval("tempo(120)\n" .. src)
  check(ok, "%s: evaluates (the first cycles are fine): %s", name, tostring(e))
  local ns = render(8)
  local dup, k = no_duplicates(ns)
  check(#ns == want and dup, "%s: %d notes in 8 bars (want %d: the bad ones skipped), none twice (%s)", name, #ns, want, tostring(k))
  local hits = 0
  for _, m in ipairs(messages) do if m:find(word, 1, true) then hits = hits + 1 end end
  check(hits == 1 and joined():find("song.lua:2: track 'a', bar 6:", 1, true) and not joined():find("lua/lute", 1, true),
    "%s: one message at the user's line and bar, none pointing into lute: %s", name, joined())
end

-- A fault every bar for 64 bars prints one line, not 64 (repeats are counted, see report.lua): the
-- pattern function raises once the REPL sets a flag, so the script itself evaluates.
ok = eval('tempo(120)\ntrack "a" { notes = "c4 [e4 999]" }')   -- the 999 is in the first cycles:
check(not ok, "999 in the first cycle is rejected at evaluation")
assert(eval('tempo(120)\ntrack "a" { notes = mini("c4 e4"):fmap(function(v) if v == "e4" and lute_flag then error("bad e4") end return v end) }'))
assert(lute.eval("lute_flag = true", "stdin", true))
render(64)
local n = 0
for _, m in ipairs(messages) do if m:find("bad e4", 1, true) then n = n + 1 end end
check(n == 1, "a fault in every bar for 64 bars: %d message(s): %s", n, joined():sub(1, 300))
assert(lute.eval("lute_flag = nil", "stdin", true))

-- 3. sleep() with a value that is not a time stops that loop alone, at the user's line.
for _, v in ipairs({ "1/0", "0/0", "1e30", "-1", "'x'" }) do
  ok, e = eval(('tempo(120)\ntrack "a" { notes = "c4*4" }\ntrack "b" {}\nloop("l", function()\n  note("b", 60)\n  sleep(%s)\nend)'):format(v))
  local ns = render(2)
  local a = 0
  for _, x in ipairs(ns) do if x.track == "a" then a = a + 1 end end
  check(ok and a == 8 and no_duplicates(ns), "sleep(%s): the track plays on, 8 notes, none twice (%d)", v, a)
  check(joined():find("loop 'l' stopped: song.lua:6: sleep%(") and S.loops.l == nil,
    "sleep(%s): the loop stops with a message at song.lua:6: %s", v, joined())
end

-- 4. jux, pan, hurry, nudge, chop play; notes = function is an error that says why.
assert(eval('tempo(120)\ntrack "a" { notes = mini("c4 e4"):jux(function(p) return p:rev() end) }'))
local ns = render(1)
local left, right = {}, {}
for _, x in ipairs(ns) do if x.pan == -1 then left[#left + 1] = x.note elseif x.pan == 1 then right[#right + 1] = x.note end end
check(table.concat(left, " ") == "60 64" and table.concat(right, " ") == "64 60",
  "jux(rev): the original hard left (pan -1: %s), the reversed copy hard right (pan 1: %s)", table.concat(left, " "), table.concat(right, " "))
-- a note's pan places that voice only: it is not sent as the strip's pan (which would move the
-- track's other voices with it, a hard-left note disappearing under a hard-right one)
assert(eval('track "a" { notes = pattern.stack(pattern.pure({ note = 60, pan = -1 }), pattern.pure({ note = 72, pan = 1 })) }'))
local strip_pans = 0
for _, x in ipairs(render(1, true)) do if x.param == "pan" then strip_pans = strip_pans + 1 end end
check(strip_pans == 0, "a note's pan is the voice's, never a strip pan change (%d sent)", strip_pans)
assert(eval('track "a" { notes = mini("c4 e4"):pan("<-0.5 0.5>") }'))
ns = render(2)
check(#ns == 4 and ns[1].pan == -0.5 and ns[3].pan == 0.5, "pan(): each note carries its pan: %s %s", ns[1] and ns[1].pan, ns[3] and ns[3].pan)
ok, e = eval('track "a" { notes = mini("c4"):pan(3) }')
check(not ok and e:find("pan = 3 is outside %-1 %.%. 1"), "pan(3): rejected with lute's range: %s", tostring(e))
assert(eval('track "a" { notes = mini("c4 e4"):hurry(2) }'))
ns = render(1)
check(#ns == 4 and ns[2].frame - ns[1].frame == BAR / 4, "hurry(2): twice as fast: %d notes, %d frames apart", #ns, ns[2] and ns[2].frame - ns[1].frame or -1)
assert(eval('track "a" { notes = "c4 e4" }'))
local plain = render(1)
local plain_first = plain[1].frame - S.origin
assert(eval('track "a" { notes = mini("c4 e4"):nudge(0.01) }'))
ns = render(1)
check(#ns == 2 and ns[1].frame - S.origin == plain_first + 480 and ns[2].frame - S.origin == BAR / 2 + 480,
  "nudge(0.01): each note 480 frames (10 ms) later: %s", ns[2] and ns[2].frame - S.origin)
assert(eval('track "a" { notes = mini("c4 e4"):chop(2) }'))
ns = render(1)
check(#ns == 4 and ns[1].note == 60 and ns[2].note == 60 and ns[2].frame - ns[1].frame == BAR / 4,
  "chop(2) on notes: each note played twice in its step: %d notes", #ns)
ok, e = eval('track "a" { notes = function() return "c4" end }')
check(not ok and e:find("^song.lua:1:") and e:find("a function is not a pattern") and e:find("loop"),
  "notes = function: an error that says why and what to write: %s", tostring(e))
ok, e = eval('track "a" { notes = true }')
check(not ok and e:find("not a pattern"), "notes = true: an error: %s", tostring(e))
ok, e = eval('track "a" { notes = {cutoff = 300} }')
check(not ok and e:find("has no note"), "a table value without a note: an error: %s", tostring(e))

-- 5. Sections: parameters get a track's checks, and a parameter a section does not set returns to
-- the track's own value.
ok, e = eval('tempo(120)\ntrack "a" { cutoff = 1000 }\nsection "A" { bars = 1, a = { notes = "c4", cutoff = "bright" } }\nsong { "A" }')
check(not ok and e:find("^song.lua:3:") and e:find("cutoff") and e:find("bright"), "section cutoff = \"bright\": rejected at its line: %s", tostring(e))
ok, e = eval('track "a" {}\nsection "A" { bars = 1, a = { notes = "c4", cutoff = 99999 } }\nsong { "A" }')
check(not ok and e:find("99999") and e:find("20000"), "section cutoff = 99999: rejected naming the range: %s", tostring(e))
ok, e = eval('tempo(120)\ntrack "a" { notes = "c4", cutoff = 1000 }\nsection "A" { bars = 1, a = { notes = "c4", cutoff = 300 } }\n'
  .. 'section "B" { bars = 1, a = "e4" }\nsection "C" { bars = 1, a = { res = 0.7 } }\nsong { "A", "B", "C", "A" }')
check(ok, "a song with section parameters: %s", tostring(e))
ns = render(4, true)
local cut, notes = {}, {}
for _, x in ipairs(ns) do
  local bar = (x.frame - S.origin) // BAR + 1
  if x.param == "cutoff" then cut[#cut + 1] = ("%d:%g"):format(bar, x.value) end
  if x.note then notes[#notes + 1] = ("%d:%d"):format(bar, x.note) end
end
check(table.concat(cut, " ") == "1:300 2:1000 3:1000 4:300",
  "cutoff: 300 in A, back to the track's 1000 in B and C, 300 in A again: %s", table.concat(cut, " "))
check(table.concat(notes, " ") == "1:60 2:64 3:60 4:60", "a section entry without notes plays the track's own: %s", table.concat(notes, " "))

-- 6. Errors name the user's line, not lute's files.
ok, e = eval("tempo(120)\ntempo(0/0)")
check(not ok and e:find("^song.lua:2: tempo%(") and not e:find("arrange.lua"), "tempo(0/0): at the user's line: %s", tostring(e))
ok, e = eval('section "A" { bars = 2, tempo = 0/0 }')
check(not ok and e:find("^song.lua:1:") and e:find("1 .. 1000"), "a section's tempo = NaN: %s", tostring(e))
ok, e = eval('tempo_map { {bar = 1, bpm = 0/0} }')
check(not ok and e:find("^song.lua:1:"), "tempo_map bpm = NaN: %s", tostring(e))
ok, e = eval('track "a" {}\nsection "A" { bars = 1, b = "c4" }\nsong { "A" }')
check(not ok and e:find("^song.lua:2: section 'A' names track 'b'"), "a section naming an undeclared track, at its line: %s", tostring(e))
ok, e = eval('track "a" {}\nsection "A" { bars = 1, a = "c4" }\nsong { "A", "C" }')
check(not ok and e:find("^song.lua:3: song: entry 2"), "a song naming an undeclared section, at its line: %s", tostring(e))

-- 7. midi.map checks min and max against the parameter's range, like every other path.
ok, e = eval('track "a" {}\nmidi.map{cc = 74, to = "a.cutoff", min = 0, max = 8000}')
check(not ok and e:find("^song.lua:2: midi.map: min: cutoff = 0 is out of range"), "midi.map min = 0 for cutoff: %s", tostring(e))
ok, e = eval('track "a" {}\nmidi.map{cc = 74, to = "a.res", min = 0, max = 5}')
check(not ok and e:find("max: res = 5 is out of range"), "midi.map max = 5 for res: %s", tostring(e))
ok, e = eval('track "a" {}\nmidi.map{cc = 74, to = "a.cutoff", channel = 17}')
check(not ok and e:find("channel is 1 .. 16"), "midi.map channel = 17: %s", tostring(e))
-- an insert's parameter is a map's target too ("a.lpf.cutoff"), checked against its range at the line
ok, e = eval('track "a" { fx = { lpf{ cutoff = 200 } } }\nmidi.map{cc = 1, to = "a.lpf.cutoff", min = 5, max = 8000}')
check(not ok and e:find("^song.lua:2: midi.map: min = 5 is out of range for a.lpf.cutoff %(20"), "midi.map to an insert: "
  .. "min below its range, at the line: %s", tostring(e))
ok, e = eval('track "a" { fx = { lpf{ cutoff = 200 } } }\nmidi.map{cc = 1, to = "a.lpf.cutof"}')
check(not ok and e:find("^song.lua:2: midi.map: \"a.lpf.cutof\": .*its parameters: cutoff"), "... a misspelt one: %s", tostring(e))
-- and the controller moves it: a saw through lpf{ cutoff = 200 }, CC 1 to 127 opens it to 8 kHz
do
  local function bright(pcm)   -- RMS of the first difference over RMS: rises with the high end
    local s2, d2, prev = 0, 0, 0
    for i = 1, #pcm // 8 do local v = string.unpack("<f", pcm, 8 * i - 7); s2 = s2 + v * v; d2 = d2 + (v - prev) ^ 2; prev = v end
    return math.sqrt(d2 / s2)
  end
  assert(eval('tempo(120)\ntrack "a" { notes = "a2", legato = 1, wave = "saw", cutoff = 20000, fx = { lpf{ cutoff = 200 } } }\n'
    .. 'midi.map{cc = 1, to = "a.lpf.cutoff", min = 200, max = 8000, curve = "exp"}'))
  lute.play()
  core.render(BAR)
  local _, before = core.render(24000, true)
  core.midi_in(core.frame(), 0xB0, 1, 127)
  core.render(4800)
  local _, after = core.render(24000, true)
  check(bright(after) > 3 * bright(before), "CC 1 mapped to the lpf insert's cutoff opens it: brightness %.4f -> %.4f",
    bright(before), bright(after))
end

-- 8. One evaluation is one transaction: a patch that does not compile changes nothing — not the
-- track that plays the old patch, not a track the same script adds, not the tempo.
do
  assert(eval('tempo(120)\npatch "p" (function(v) return saw(v.freq) * ar(v.gate, 0.01, 0.1) end)\ntrack "a" { patch = "p", notes = "c4 e4" }'))
  render(1)
  local h, tempo0 = S.tracks.a.handle, S.tempo:bpm(0)
  ok, e = lute.eval('tempo(90)\npatch "p" (function(v) return lpf(saw(v.freq)) end)\ntrack "a" { patch = "p", notes = "g4" }\n'
    .. 'track "b" { notes = "c5" }', "song.lua")
  check(not ok and e:find("^song.lua:2: patch 'p'"), "a patch that does not compile is an error at its line: %s", tostring(e))
  local ns = render(2)
  local notes_a, seen, any_b = {}, {}, false
  for _, x in ipairs(ns) do
    if x.track == "a" and not seen[x.note] then notes_a[#notes_a + 1] = x.note; seen[x.note] = true end
    any_b = any_b or x.track == "b"
  end
  table.sort(notes_a)
  check(S.tracks.a.handle == h and not S.tracks.b and not any_b and table.concat(notes_a, " ") == "60 64"
    and S.tempo:bpm(0) == tempo0, "... and nothing changed: track a plays c4 e4 on its handle, no track b, tempo %s: %s",
    tostring(S.tempo:bpm(0)), table.concat(notes_a, " "))
end

print(("test_faults: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
