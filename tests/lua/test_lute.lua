-- test_lute.lua — the language end to end, offline: declare-and-reconcile, the scheduler's frames,
-- tempo and meter, live loops, errors that change nothing.  Each case starts a fresh session by
-- evaluating a full script (which replaces everything) and rewinding the transport.
local core = require "lute.core"
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end

local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

-- Evaluates a whole script from a stopped transport and renders `frames`, returning the notes sent.
-- Only notes that start inside what was rendered count (the scheduler runs a lookahead ahead).
local rendered_to, last_all = 0, {}
local function upto(notes)
  local out = {}
  for _, x in ipairs(notes) do if x.frame < rendered_to then out[#out + 1] = x end end
  return out
end
local function fresh(src, frames)
  lute.stop()
  S.stopped_by_user = false
  local ok, e = lute.eval(src, "song.lua")
  assert(ok, e)
  lute.trace(true)
  core.render(frames or 0)
  rendered_to = core.frame()
  last_all = lute.trace()
  return upto(last_all)
end
local function continue(frames)
  local pending = last_all   -- notes already scheduled ahead are part of what follows
  lute.trace(true)
  core.render(frames)
  local t = lute.trace()
  local all = {}
  for _, x in ipairs(pending) do if x.frame >= rendered_to then all[#all + 1] = x end end
  for _, x in ipairs(t) do all[#all + 1] = x end
  rendered_to = core.frame()
  last_all = all
  return upto(all)
end
local function frames_of(notes, track)
  local t = {}
  for _, n in ipairs(notes) do if not track or n.track == track then t[#t + 1] = n.frame - S.origin end end
  return t
end
local function same(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end
local function list(t) local o = {} for i, v in ipairs(t) do o[i] = tostring(v) end return table.concat(o, " ") end

-- 1. Notes land on exact frames: at 120 bpm a bar is 96000 frames at 48 kHz.
local n = fresh([[tempo(120) track "a" { notes = "c4 e4 [g4 b4]" }]], 96000)
check(same(frames_of(n), { 0, 32000, 64000, 80000 }), "pattern onsets in frames: %s", list(frames_of(n)))
check(n[1].note == 60 and n[2].note == 64 and n[3].note == 67 and n[4].note == 71, "note names to MIDI")
check(n[1].off - n[1].frame == 32000, "a note lasts its step (legato 1): %d", n[1].off - n[1].frame)

-- 2. Re-evaluating an unchanged script keeps the track (same engine handle), its notes go on untouched.
local slot = S.tracks.a.handle
local before = S.sched
assert(lute.eval([[tempo(120) track "a" { notes = "c4 e4 [g4 b4]" }]], "song.lua"))
check(S.tracks.a.handle == slot, "unchanged track keeps its engine track (%s -> %s)", tostring(slot), tostring(S.tracks.a.handle))
n = continue(96000)
check(same(frames_of(n), { 96000, 128000, 160000, 176000 }), "the unchanged pattern plays on: %s", list(frames_of(n)))

-- 3. A changed pattern switches at the next bar, not before.
n = fresh([[tempo(120) track "a" { notes = "c4*4" }]], 96000 + 48000)   -- 1.5 bars
assert(lute.eval([[tempo(120) track "a" { notes = "e4*4" }]], "song.lua"))
n = continue(96000 * 2)
local switched
for _, x in ipairs(n) do if x.note == 64 then switched = x.frame - S.origin; break end end
local last_old = 0
for _, x in ipairs(n) do if x.note == 60 then last_old = x.frame - S.origin end end
check(switched == 192000, "the new notes start at the next bar (frame 192000): %s", tostring(switched))
check(last_old == 168000, "the old notes play to the end of the bar: last at %d", last_old)

-- 4. A parameter change is sent at the next bar; a changed voice count rebuilds the track.
slot = S.tracks.a.handle
assert(lute.eval([[tempo(120) track "a" { notes = "e4*4", cutoff = 500 }]], "song.lua"))
check(S.tracks.a.handle == slot and S.tracks.a.params.cutoff == 500, "parameter change keeps the track")
assert(lute.eval([[tempo(120) track "a" { notes = "e4*4", cutoff = 500, voices = 3 }]], "song.lua"))
check(S.tracks.a.voices == 3, "a new voice count rebuilds the track")

-- 5. Tempo changes at the next bar.
n = fresh([[tempo(120) track "a" { notes = "c4" }]], 96000 + 48000)
assert(lute.eval([[tempo(60) track "a" { notes = "c4" }]], "song.lua"))
n = continue(96000 * 4)
check(same(frames_of(n), { 192000, 384000 }), "at 60 bpm from bar 3 a bar lasts 192000 frames: %s", list(frames_of(n)))

-- 6. Meter: 7/8 is 3.5 quarter notes, 84000 frames at 120 bpm.
n = fresh([[tempo(120) meter("7/8") track "a" { notes = "c4" }]], 84000 * 3)
check(same(frames_of(n), { 0, 84000, 168000 }), "7/8 bars: %s", list(frames_of(n)))

-- 7. Errors change nothing, and say where and what.
fresh([[tempo(120) track "a" { notes = "c4" }]], 0)
local ok, e = lute.eval([[tempo(90) track "a" { notes = "c4", cutof = 100 }]], "song.lua")
check(not ok and e:find("unknown field 'cutof' in track 'a'") and e:find("cutoff"), "unknown field named with the known ones: %s", tostring(e))
check(S.timeline.bpm == 120, "a failed evaluation keeps the tempo (%s)", S.timeline.bpm)
ok, e = lute.eval([[track "a" { notes = "c4 xyz" }]], "song.lua")
check(not ok and e:find("xyz"), "a bad note name is named: %s", tostring(e))
ok, e = lute.eval([[track "a" { notes = "c4 [e4" }]], "song.lua")
check(not ok and e:find("column") , "a pattern syntax error points at a column: %s", tostring(e))
ok, e = lute.eval([[track "a" { notes = "c4", cutoff = 99999 }]], "song.lua")
check(not ok and e:find("cutoff") and e:find("20000"), "out of range names the range: %s", tostring(e))
ok, e = lute.eval("track \"a\" { notes = \"c4\" }\nlocal x = nil + 1", "song.lua")
check(not ok and e:find("^song.lua:2:"), "runtime error names file and line: %s", tostring(e))
ok, e = pcall(function() track("nope").cutoff = 1 end)
check(not ok and tostring(e):find("unknown track 'nope'; tracks: a"), "unknown track lists tracks: %s", tostring(e))
ok, e = pcall(function() track("a").cutof = 1 end)
check(not ok and tostring(e):find("unknown parameter 'cutof' on track 'a'; known: gain, pan"), "unknown parameter lists the known: %s", tostring(e))
check(S.tracks.a and S.tracks.a.def.notes_src == "c4", "the running track is unchanged after all those errors")

-- 8. A removed track fades out and its place in the engine is freed (today's binding: the handle is
-- the slot that core.meters() lists while it is busy).
fresh([[track "a" { notes = "c4" } track "b" { notes = "e4" }]], 1000)
local bslot = S.tracks.b.handle
assert(lute.eval([[track "a" { notes = "c4" }]], "song.lua"))
check(S.tracks.b == nil, "track b is gone from the declaration")
core.render(96000 * 2)
check(core.meters()[bslot] == nil, "its slot is freed once the fade is over")

-- 9. Live loops on logical time.
messages = {}
n = fresh([[
tempo(120)
track "a" { }
loop("beat", function() note("a", 60, {dur = 0.5}) sleep(1) end)
loop("off", function() sync("beat") sleep(0.5) note("a", 72, {dur = 0.25}) end)
]], 96000)
local beat, off = {}, {}
for _, x in ipairs(n) do
  if x.note == 60 then beat[#beat + 1] = x.frame - S.origin else off[#off + 1] = x.frame - S.origin end
end
check(same(beat, { 0, 24000, 48000, 72000 }), "a loop sleeping 1 beat: %s", list(beat))
check(#off >= 3 and off[1] == 12000 and off[2] == 36000, "a synced loop lands on the off-beats: %s", list(off))

-- a loop that errors stops alone; one that never sleeps is caught; one that spins is stopped by the watchdog
messages = {}
n = fresh([[
track "a" { notes = "c4*4" }
loop("bad", function() sleep(2) local x = nil .. "x" end)
loop("nosleep", function() end)
loop("spin", function() while true do end end)
]], 96000 * 2)
local joined = table.concat(messages, "\n")
check(joined:find("loop 'bad' stopped: song.lua:2:"), "a loop's error names the loop, file and line:\n%s", joined)
check(joined:find("loop 'nosleep'.-without sleep"), "a loop that never sleeps is stopped with a reason")
check(joined:find("loop 'spin' stopped:.-watchdog"), "a spinning loop is stopped by the watchdog")
check(#frames_of(n, "a") == 8, "the track plays on through all of it: %d notes", #frames_of(n, "a"))
check(S.loops.bad == nil and S.loops.nosleep == nil and S.loops.spin == nil, "the broken loops are gone")

-- a redefined loop swaps its body at its next iteration
n = fresh([[track "a" { } loop("l", function() note("a", 60) sleep(2) end)]], 30000)
assert(lute.eval([[track "a" { } loop("l", function() note("a", 62) sleep(2) end)]], "song.lua"))
n = continue(96000)
check(n[1] and n[1].note == 62 and n[1].frame - S.origin == 48000, "the new body plays from the next iteration: %s at %s",
  n[1] and n[1].note, n[1] and n[1].frame - S.origin)

-- 10. Sections and a song form: each section's pattern starts at its own first bar.
n = fresh([[
tempo(120)
track "a" { }
section "A" { bars = 2, a = "c4 <e4 g4>" }
section "B" { bars = 1, tempo = 60, a = "d4*2" }
song { "A", "B", "A" }
]], 96000 * 2 + 192000 + 96000 * 2)
check(same(frames_of(n), { 0, 48000, 96000, 144000, 192000, 288000, 384000, 432000, 480000, 528000 }),
  "song A B A with B at 60 bpm: %s", list(frames_of(n)))
local notes = {}
for i, x in ipairs(n) do notes[i] = x.note end
check(list(notes) == "60 64 60 67 62 62 60 64 60 67", "each section starts its pattern at cycle 0: %s", list(notes))
local start, len = lute._render_span({})
check(start == 0 and len == 576000 + 96000, "render span of the song: 4 bars at 120 + 1 at 60 + 2 s tail: %d", len)
start, len = lute._render_span({ section = "B" })
check(start == 192000 and len == 192000 + 96000, "render span of section B (with its 2 s tail): start %d, %d frames", start, len)
start, len = lute._render_span({ from = 2, to = 3 })
check(start == 96000 and len == 96000, "--from 2 --to 3 is bar 2: start %d, %d frames", start, len)
ok, e = lute.eval([[track "a" {} section "A" { bars = 1, b = "c4" } song { "A" }]], "song.lua")
check(not ok and e:find("names track 'b'"), "a section naming an undeclared track: %s", tostring(e))
ok, e = lute.eval([[track "a" {} section "A" { bars = 1, a = "c4" } song { "A", "C" }]], "song.lua")
check(not ok and e:find("section 'C'") and e:find("sections: A"), "a song naming an undeclared section: %s", tostring(e))

-- jump: at the next bar the playhead moves to a section
n = fresh([[
track "a" { }
section "A" { bars = 4, a = "c4" }
section "B" { bars = 4, a = "e4" }
song { "A", "B" }
]], 48000)
jump("B")
n = continue(96000 * 2)
check(n[1] and n[1].note == 64 and n[1].frame - S.origin == 96000, "jump('B') plays B from the next bar: %s at %s",
  n[1] and n[1].note, n[1] and n[1].frame - S.origin)
ok, e = pcall(jump, "C")
check(not ok and tostring(e):find("no section 'C' in the song; sections: A, B"), "jump to a missing section: %s", tostring(e))

-- 11. A tempo ramp: 120 -> 60 bpm over 4 bars; bar lengths grow monotonically to 192000.
n = fresh([[track "a" { notes = "c4" } tempo_map { {bar = 1, bpm = 120}, {bar = 2, bpm = 60, ramp = 4} }]], 96000 * 12)
local f = frames_of(n)
local grows = true
for i = 3, 6 do grows = grows and (f[i + 1] - f[i]) > (f[i] - f[i - 1]) end
check(f[2] == 96000 and grows and f[8] - f[7] == 192000, "ramp: bar starts %s", list(f))
-- the exact position of bar 6 (after the 4-bar ramp from beat 4 to beat 20): 2 s + 60*16/(60-120)*ln(60/120) s
local want = math.floor((2 + 16 * math.log(2)) * 48000 + 0.5)
check(math.abs(f[6] - want) <= 1, "bar 6 at %d, analytic %d", f[6], want)

-- 12. Everything above is deterministic: the same script twice gives the same notes.
local a1 = fresh([[track "a" { notes = "c4 [e4 g4]? <a4 b4>" }]], 96000 * 8)
local o1 = S.origin
local a2 = fresh([[track "a" { notes = "c4 [e4 g4]? <a4 b4>" }]], 96000 * 8)
local same_all = #a1 == #a2 and #a1 > 10
for i = 1, math.min(#a1, #a2) do
  same_all = same_all and a1[i].note == a2[i].note and a1[i].frame - o1 == a2[i].frame - S.origin
end
check(same_all, "seeded randomness: two runs give the same notes (%d, %d)", #a1, #a2)

-- MIDI maps and selection may name a track declared earlier in the same script.
ok, e = lute.eval([[track "keys" {} midi.map{cc = 74, to = "keys.cutoff", min = 200, max = 8000, curve = "exp"} midi.select("keys")]], "song.lua")
check(ok and S.ccmaps[#S.ccmaps].to == "keys.cutoff" and S.note_target == "keys", "midi.map and midi.select on a track of the same script: %s", tostring(e))
ok, e = lute.eval([[track "keys" {} midi.map{cc = 200, to = "keys.cutoff"}]], "song.lua")
check(not ok and e:find("cc must be an integer 0 .. 127, got 200"), "a bad CC number is named: %s", tostring(e))

-- A reload replaces MIDI handlers and maps instead of adding to them; a REPL chunk adds.
local src = [[track "keys" {} midi.on("cc", function(m) end) midi.map{cc = 1, to = "keys.cutoff"}]]
assert(lute.eval(src, "song.lua")); assert(lute.eval(src, "song.lua"))
check(#S.midi_handlers.cc == 1 and #S.ccmaps == 1, "two evaluations of a script: one handler (%d), one map (%d)",
  #S.midi_handlers.cc, #S.ccmaps)
assert(lute.eval([[midi.on("cc", function(m) end)]], "stdin", true))
check(#S.midi_handlers.cc == 2, "a REPL chunk adds a handler: %d", #S.midi_handlers.cc)
assert(lute.eval([[track "keys" {}]], "song.lua"))
check(#S.midi_handlers.cc == 1 and S.midi_handlers.cc[1].origin == "repl" and #S.ccmaps == 0,
  "a script without MIDI clears the handlers and maps it declared; the one typed at the REPL stays")

-- Files a script requires are recorded for watching and reloading (lute's own modules are not).
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local fpart = io.open(dir .. "/partx.lua", "w"); fpart:write("return { notes = 'c4 e4' }"); fpart:close()
package.path = dir .. "/?.lua;" .. package.path
assert(lute.eval([[local part = require "partx" track "a" { notes = part.notes }]], "song.lua"))
check(lute._user_modules.partx == dir .. "/partx.lua" and lute._user_modules.pattern == nil,
  "a required file is recorded for watching: %s", tostring(lute._user_modules.partx))
os.remove(dir .. "/partx.lua"); os.remove(dir)

-- 13. SMF: export a song, import it back as clips, and the clips play the same notes on the same frames.
local orig = fresh([[
tempo(100)
track "a" { notes = "c4 [e4 g4] ~ <a4 b4>", vel = 0.75 }
track "b" { notes = "c2*2" }
section "s" { bars = 2, a = "c4 [e4 g4] ~ <a4 b4>", b = "c2*2" }
song { "s" }
]], 96000 * 0)
local path = os.tmpname() .. ".mid"
lute.export_midi(path)
local imp = lute.import_midi(path)
check(imp.bpm == 100 and imp.meter == "4/4" and imp.order[1] == "a" and imp.order[2] == "b",
  "import: tempo %s, meter %s, tracks %s", imp.bpm, imp.meter, table.concat(imp.order, ","))
local ev = imp.tracks.a:events(R and 0 or 0, 2)
local got = {}
for _, h in ipairs(ev) do got[#got + 1] = ("%s@%s"):format(h.value.note, tostring(h.whole.b)) end
check(table.concat(got, " ") == "60@0/1 64@1/4 67@3/8 69@3/4 60@1/1 64@5/4 67@11/8 71@7/4",
  "imported clip events: %s", table.concat(got, " "))
check(math.abs(ev[1].value.vel - 95 / 127) < 1e-9, "velocity survives (0.75 -> 95/127): %s", ev[1].value.vel)
local a1 = fresh([[tempo(100) track "a" { notes = "c4 [e4 g4] ~ <a4 b4>" }]], 2 * 115200)
local o1 = S.origin
lute.stop(); S.stopped_by_user = false
assert(lute.eval("tempo(100)", "song.lua"))
local a2
do
  lute.stop(); S.stopped_by_user = false
  local clipped = imp.tracks.a
  lute._begin(true)
  tempo(100)
  track "a" { notes = clipped }
  lute._commit()
  lute.trace(true)
  core.render(2 * 115200)
  a2 = lute.trace()
end
local same_notes = #a1 > 0
for i = 1, #a1 do
  same_notes = same_notes and a2[i] and a1[i].note == a2[i].note and a1[i].frame - o1 == a2[i].frame - S.origin
end
check(same_notes, "the imported clip plays the same notes on the same frames (%d notes)", #a1)
os.remove(path)

print(("test_lute: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
