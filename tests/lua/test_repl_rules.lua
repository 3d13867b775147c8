-- test_repl_rules.lua — the live coder's rules and words, offline.
--
-- The file declares what it declares: a reload stops what the file declared before and no longer
-- does; what the REPL added (tracks, loops, MIDI handlers, the tempo) lives until remove() or until
-- the file declares the same name.  A script saved empty says what it would stop and stops it at
-- the next bar only if it is still empty then.  hush, mute/unmute, panic, pause/resume, play{from,
-- bar}, setcps/setbpm, and Sonic Pi's rrand/choose/ring/tick (seeded), each with help().
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
local BAR = 96000
local function file(src) return lute.eval(src, "song.lua") end
local function repl(src) return lute.eval(src, "stdin", true) end
local pending = {}
-- the notes (and with params = true, parameter changes) that start in the next `bars` bars
local function render(bars, params)
  local from = core.frame()
  if not S.trace then lute.trace(true, params and "params" or nil) end   -- (or already on: see traced)
  core.render(math.floor(BAR * bars))
  local now = core.frame()
  local all = pending
  for _, x in ipairs(lute.trace()) do all[#all + 1] = x end
  pending = {}
  local out = {}
  for _, x in ipairs(all) do
    if x.frame >= now then pending[#pending + 1] = x elseif x.frame >= from then out[#out + 1] = x end
  end
  return out
end
-- runs a REPL chunk with the trace already on, so what it sends is in the next render
local function traced(src) lute.trace(true, "params"); return repl(src) end
local function fresh(src)
  lute.stop(); S.stopped_by_user = false; pending = {}
  for n in pairs(S.tracks) do lute._state.origin_of["track:" .. n] = nil end
  for n in pairs(S.loops) do lute._state.origin_of["loop:" .. n] = nil end
  assert(file("")); assert(file(src))
end
local function count(ns, track)
  local n = 0
  for _, x in ipairs(ns) do if x.note and (not track or x.track == track) then n = n + 1 end end
  return n
end

-- 1. REPL additions survive a save; the file's own go when it stops declaring them.
fresh('tempo(120)\ntrack "a" { notes = "c4*4" }')
assert(repl('track "b" { notes = "e4*2" } loop("l", function() note("b", 72) sleep(4) end) tempo(130)'))
assert(file('tempo(120)\ntrack "a" { notes = "c4*4" }'))
render(2)
check(S.tracks.b and S.loops.l, "a save keeps the track and loop typed at the REPL")
check(S.timeline.bpm == 120, "... and the file's tempo(120) wins over the REPL's 130: %s", S.timeline.bpm)
assert(repl("tempo(130)"))
assert(file('track "a" { notes = "c4*4" }'))
check(S.timeline.bpm == 130, "a tempo typed at the REPL stays while the file declares none: %s", S.timeline.bpm)
assert(file('tempo(125)\ntrack "a" { notes = "c4*4" }'))
assert(file('track "a" { notes = "c4*4" }'))
check(S.timeline.bpm == 120, "a tempo the file declared and no longer does goes back to 120: %s", S.timeline.bpm)
assert(file('track "a" { notes = "c4*4" }\ntrack "b" { notes = "g4" }'))
check(S.tracks.b.def.notes_src == "g4", "the file declaring the REPL's name takes it over")
assert(file('track "a" { notes = "c4*4" }'))
check(S.tracks.b == nil, "... and a later save without it removes it (it is the file's now)")
check(S.loops.l ~= nil, "the REPL's loop is still there")
local ok, e = repl('remove("l")')
check(ok and S.loops.l == nil, "remove(\"l\") stops a loop typed at the REPL: %s", tostring(e))
ok, e = repl('remove("nosuch")')
check(not ok and e:find("^stdin:1: nothing called 'nosuch' to remove; tracks and loops: a"), "remove of nothing names what there is: %s", tostring(e))
-- MIDI handlers: the file's are replaced, the REPL's stay
assert(file('track "a" {} midi.on("cc", function() end)'))
assert(repl('midi.on("cc", function() end)'))
assert(file('track "a" {} midi.on("cc", function() end)'))
check(#S.midi_handlers.cc == 2, "a save replaces the file's MIDI handler and keeps the REPL's: %d", #S.midi_handlers.cc)

-- 2. An empty save: said, and done at the next bar only if the file is still empty.
fresh('tempo(120)\ntrack "a" { notes = "c4*4" }\nloop("fl", function() sleep(1) end)')
assert(repl('track "r" { notes = "e5*2" }'))
render(1.5)
messages = {}
ok = file("  \n\t\n")
check(ok and joined():find("song.lua is empty; if it is still empty at bar 3, that stops tracks a and loops fl"),
  "an empty save says what it would stop, and when: %s", joined())
check(S.tracks.a and S.loops.fl, "... and stops nothing yet")
assert(file('tempo(120)\ntrack "a" { notes = "c4*4" }\nloop("fl", function() sleep(1) end)'))
render(2)
check(S.tracks.a and S.loops.fl and count(render(1), "a") == 4, "a save with content before that bar disarms it")
messages = {}
assert(file(""))
local ns = render(0.5)
check(count(ns, "a") > 0, "after an empty save the music plays on until the bar")
render(2)
check(S.tracks.a == nil and S.loops.fl == nil and S.tracks.r ~= nil and joined():find("still empty"),
  "still empty at the bar: the file's tracks and loops stop, the REPL's track plays on: %s", joined())

-- 3. hush, mute and unmute, panic.
fresh('tempo(120)\ntrack "a" { notes = "c4*4", gain = -4, release = 0.01 }\ntrack "b" { notes = "e4*4", release = 0.01 }')
render(1)
local before = core.render(BAR // 4).rms
assert(repl("hush()"))
pending = {}
core.render(2400)                       -- 50 ms: the 10 ms gain glide and the lookahead
local after = core.render(BAR)
ns = render(1)
check(before > 1e-3 and after.peak < 1e-5 and count(ns) == 0 and not S.playing,
  "hush(): silence within 50 ms (peak %.2g after, rms %.3g before), no note sent after it, the transport stopped", after.peak, before)
check(S.tracks.a and S.tracks.b, "... the declarations stay")
assert(traced("play()"))
ns = render(1, true)
local back = {}
for _, x in ipairs(ns) do if x.param == "gain" then back[x.track] = x.value end end
local again = core.render(BAR // 4).rms
check(count(ns) == 8 and back.a == -4 and back.b == -6 and math.abs(again - before) < 0.1 * before,
  "play() after hush: notes again, each track's own gain back (a %s, b %s), the level as before (%.3g, %.3g)",
  tostring(back.a), tostring(back.b), again, before)
assert(repl('mute("a")'))
render(0.5)
ns = render(1)
check(count(ns, "a") == 0 and count(ns, "b") == 4, "mute(\"a\"): a plays nothing, b plays on (%d, %d)", count(ns, "a"), count(ns, "b"))
assert(file('tempo(120)\ntrack "a" { notes = "c4*4", gain = -2 }\ntrack "b" { notes = "e4*4" }'))
ns = render(2, true)
local leaked = false
for _, x in ipairs(ns) do if x.track == "a" and (x.note or x.param == "gain") then leaked = true end end
check(not leaked, "a reload that changes a muted track's gain does not unmute it")
assert(traced('unmute("a")'))
ns = render(1.5, true)
local g
for _, x in ipairs(ns) do if x.track == "a" and x.param == "gain" then g = x.value end end
check(count(ns, "a") >= 4 and g == -2, "unmute(\"a\"): its notes and its (new) gain are back: %d notes, gain %s", count(ns, "a"), tostring(g))
ok, e = repl('mute("zz")')
check(not ok and e:find("unknown track 'zz'"), "mute of an unknown track names the tracks: %s", tostring(e))
local released = 0
local real_release = core.release_all
core.release_all = function(...) released = released + 1; return real_release(...) end
assert(repl("panic()"))
core.release_all = real_release
check(released == 1 and S.playing and count(render(1)) == 8, "panic(): every note released once, the music goes on")

-- 4. play{from}, play{bar}, pause() and resume().
local SONG = 'tempo(120)\ntrack "t" {}\nsection "A" { bars = 2, t = "c4" }\nsection "B" { bars = 2, t = "e4" }\n'
  .. 'section "C" { bars = 2, t = "g4" }\nsong { "A", "B", "C" }'
fresh(SONG)
lute.stop()
assert(repl('play{from = "B"}'))
ns = render(3)
local seq = {}
for _, x in ipairs(ns) do seq[#seq + 1] = x.note end
check(table.concat(seq, " ") == "64 64 67", "play{from = \"B\"}: B's bars, then C: %s", table.concat(seq, " "))
lute.stop()
assert(repl("play{bar = 6}"))
ns = render(1)
check(ns[1] and ns[1].note == 67 and ns[1].frame == S.origin, "play{bar = 6}: song bar 6 (C) first, on the transport's first frame")
ok, e = repl('lute.stop() play{from = "Z"}')
check(not ok and e:find("no section 'Z' in the song; sections: A, B, C"), "play{from} an unknown section: %s", tostring(e))
fresh(SONG)
render(2.5)      -- the playhead in song bar 3 (B)
assert(repl("print(pause())"))
check(not S.playing and S.paused and S.paused.bar == lute.R(2), "pause() in bar 3 remembers bar 3: %s", S.paused and tostring(S.paused.bar))
render(1)
assert(repl("resume()"))
ns = render(3)
seq = {}
for _, x in ipairs(ns) do seq[#seq + 1] = x.note end
check(table.concat(seq, " ") == "64 64 67", "resume() goes on from bar 3: B again from its bar, then C: %s", table.concat(seq, " "))
ok, e = repl("resume()")
check(ok, "resume() while playing is harmless")
-- without a song: the patterns pick up at the bar
fresh('tempo(120)\ntrack "a" { notes = "<c4 d4 e4 f4 g4>" }')
render(3.5)
assert(repl("pause()"))
assert(repl("resume()"))
ns = render(2)
check(ns[1] and ns[1].note == 65 and ns[2] and ns[2].note == 67, "pause/resume without a song: bar 4 (f4) again, then g4: %s %s",
  ns[1] and ns[1].note, ns[2] and ns[2].note)

-- 5. setcps, setbpm.
fresh('track "a" { notes = "c4" }')
assert(repl("setcps(0.75)"))
check(S.timeline.bpm == 180, "setcps(0.75) in 4/4 is 180 bpm: %s", S.timeline.bpm)
assert(repl("setbpm(90)"))
check(S.timeline.bpm == 90, "setbpm(90): %s", S.timeline.bpm)
ok, e = repl("setcps(0)")
check(not ok and e:find("^stdin:1: setcps%(0%)"), "setcps(0): an error at the line: %s", tostring(e))
ok, e = repl("setbpm(0/0)")
check(not ok and e:find("^stdin:1: tempo%(") , "setbpm(NaN): an error at the line: %s", tostring(e))

-- 6. rrand, rrand_i, choose, ring, tick: seeded, so a script chooses the same each evaluation.
local PICK = [[picks = {} for i = 1, 6 do picks[#picks + 1] = tostring(rrand_i(1, 100)) .. "/" .. choose({"a", "b", "c"})
  .. "/" .. ("%.3f"):format(rrand(0, 1)) end picked = table.concat(picks, " ") track "a" {}]]
assert(file(PICK .. " first = picked"))
assert(file(PICK .. " second = picked"))
ok, e = repl("assert(first == second and #first > 20, first .. ' / ' .. second)")
check(ok, "rrand, rrand_i and choose are seeded: the same picks each evaluation: %s", tostring(e))
ok, e = repl([[local r = ring(60, 64, 67)
assert(r[1] == 60 and r[4] == 60 and r[0] == 67 and #r == 3, "wrap")
assert(r:tick() == 60 and r:tick() == 64 and r:tick() == 67 and r:tick() == 60 and r:look() == 60, "tick")
local a, b, c = tick("x"), tick("x"), look("x")
assert(b == a + 1 and c == b, "tick/look")
assert(tostring(ring{1, 2}) == "ring(1, 2)")]])
check(ok, "ring wraps both ways, r:tick() steps through, tick()/look() count: %s", tostring(e))
ok, e = repl("rrand_i(5, 4)")
check(not ok and e:find("no whole number"), "rrand_i(5, 4): an error: %s", tostring(e))

-- 7. midi.learn maps the next controller moved and prints the line to keep (the controller is fed
-- here as the MIDI dispatcher would; tests/live/test_live_learn moves a real one through JACK).
fresh('tempo(120)\ntrack "bass" { notes = "c2" }')
messages = {}
ok, e = repl('print(midi.learn("bass.cutoff"))')
check(ok and S.learning, "midi.learn arms: %s", tostring(e))
require("lute.midi").learned({ type = "cc", cc = 21, value = 64, channel = 3 })
check(S.ccmaps[#S.ccmaps] and S.ccmaps[#S.ccmaps].cc == 21 and S.ccmaps[#S.ccmaps].ch == 2 and S.ccmaps[#S.ccmaps].to == "bass.cutoff",
  "the next controller (CC 21, channel 3) is mapped to bass.cutoff")
check(joined():find('midi.map{cc = 21, channel = 3, to = "bass.cutoff", min = 20, max = 20000, curve = "exp"}', 1, true),
  "... and the line to keep is printed: %s", joined())
ok, e = repl('midi.learn("bass.cutof")')
check(not ok and e:find("midi.learn: unknown parameter 'cutof'"), "midi.learn of an unknown parameter: %s", tostring(e))
ok, e = repl('midi.learn("nope.cutoff")')
check(not ok and e:find("unknown track 'nope'"), "midi.learn of an unknown track: %s", tostring(e))

-- 8. help() knows each of them.
local H = require "lute_help"
for _, name in ipairs({ "hush", "mute", "unmute", "remove", "panic", "pause", "resume", "play", "setcps", "setbpm",
                        "rrand", "rrand_i", "choose", "ring", "tick", "look", "midi.learn", "seed", "rules" }) do
  check(H.topics[name] and #H.topics[name] > 20, "help(\"%s\") has a topic", name)
end

print(("test_repl_rules: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
