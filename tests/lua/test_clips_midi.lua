-- test_clips_midi.lua — MIDI takes and sample replacement in the language (lua/lute/clips.lua):
-- record_midi{} takes notes, velocities, controllers and bend from the MIDI poll with their exact
-- frames while the music plays, ends by itself after its bars, keeps every take for the session and
-- saves it beside the audio takes; clip:lua() prints it, and the printed table played as a track's
-- notes (midi_clip{...}) or the take itself (midi_take("riff")) sounds the notes where they were
-- played; replace{} triggers a kit sound from a drum take's hits, on their frames, louder hits
-- louder, the bleed under the threshold left out.  The MIDI poll is replaced by a queue (the live
-- path through a JACK peer is tests/live/test_live_midi_record).
--
--   lute exec tests/lua/test_clips_midi.lua
local core = require "lute.core"
local LT = require "lute.take"
local Cl = require "lute.clips"
local S = lute._state

local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
  if os.getenv("CHECK_VERBOSE") then io.stderr:write(ok and "ok   " or "FAIL ", string.format(msg, ...), "\n") end
end
local out = os.getenv("OUT") or "tests/out"
local dir = out .. "/clips_midi"
os.execute("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "'")
Cl.script(dir .. "/song.lua")
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

local queue = {}
core.midi_poll = function() local q = queue; queue = {}; return q end
local function send(frame, ...) queue[#queue + 1] = { frame = frame, bytes = string.char(...) } end

local BAR, BEAT = 96000, 24000          -- 120 bpm
local ok, e = lute.eval([[
tempo(120)
track "keys" { notes = "~", midi = true }
]], "song.lua")
check(ok, "a song with a MIDI track: %s", tostring(e))
ok, e = lute.eval('stop_record_midi()', "stdin", true)
check(not ok and e:find("nothing is being recorded"), "stop_record_midi() with nothing recording: %s", tostring(e))
core.render(BAR // 4)
ok, e = lute.eval('record_midi{ bars = 1, name = "riff" }', "stdin", true)
check(ok, "record_midi{ bars = 1, name = \"riff\" } while playing: %s", tostring(e))
ok, e = lute.eval('record_midi{ bars = 1 }', "stdin", true)
check(not ok and e:find("already recording"), "a second recording at once: %s", tostring(e))
local b2 = S.origin + BAR                -- the recording starts at bar 2
send(b2 - 20000, 0x90, 50, 90)           -- before it: not recorded
send(b2 - 1000, 0x90, 59, 70)            -- a hair early (21 ms): the first bar's
send(b2 + 1000, 0x80, 59, 0)
send(b2 + 100, 0x90, 60, 100)
send(b2 + 12000, 0x80, 60, 40)
send(b2 + 24010, 0x90, 64, 80)
send(b2 + 30000, 0xB0, 1, 64)
send(b2 + 40000, 0xE0, 0, 96)            -- bend (96 << 7) - 8192 = 4096
send(b2 + 48000, 0x90, 64, 0)            -- note-on velocity 0 is a note-off
send(b2 + 72000, 0x91, 67, 127)          -- channel 2, held past the end
send(b2 + BAR + 10, 0x90, 72, 100)       -- after the end: not recorded
core.render(2 * BAR)
local takes = Cl.midi_takes()
check(#takes == 1 and takes[1].name == "riff", "the take ended by itself after its bar: %d takes", #takes)
local c = takes[1]
local got = {}
for _, n in ipairs(c.notes) do got[#got + 1] = ("%d:%d-%d/%d/ch%d"):format(n.note, n.on - b2, n.off - b2, n.vel, n.ch) end
local want = "59:-1000-1000/70/ch1 60:100-12000/100/ch1 64:24010-48000/80/ch1 67:72000-96000/127/ch2"
check(table.concat(got, " ") == want, "notes with their exact frames (from bar 2), velocities and channels: %s", table.concat(got, " "))
check(#c.ccs == 1 and c.ccs[1].frame == b2 + 30000 and c.ccs[1].value == 64 and #c.bends == 1 and c.bends[1].value == 4096,
      "a controller and a bend at their frames")
check(c.notes[2].off_vel == 40, "the release velocity is kept: %s", tostring(c.notes[2].off_vel))
local said = table.concat(messages, "\n")
check(said:find("MIDI take 1 'riff': 4 notes, 1 controller moves, 1 bends from bar 2", 1, true), "lute says what was recorded: %s", said)
local path = dir .. "/takes/riff-midi-001.lua"
local f = io.open(path, "r")
local saved = f and f:read("a")
if f then f:close() end
check(saved and saved:find("return midi_clip{", 1, true), "the take is saved to %s", path)
-- Printing
local text = c:lua()
check(text:find('{ at = 0.0042, dur = 0.4958, note = "c4", vel = 100 },  -- 1:1.0042', 1, true)
      and text:find('{ at = -1/24, dur = 1/12, note = "b3", vel = 70 }', 1, true),
      "clip:lua() prints notes in beats from the first bar (100 frames: 0.0042 beat; the early note at -1/24): %s", text:sub(1, 200))
local pat = c:lua{ form = "pattern", grid = "1/16" }
check(pat:find('notes = "', 1, true), "clip:lua{ form = \"pattern\" }: %s", pat)
-- Playing it back: as the printed table, and as the take itself.
local function note_frames(track, from, to)
  local outn = {}
  for _, x in ipairs(lute.trace()) do
    if x.track == track and x.note and x.frame >= from and x.frame < to then outn[#outn + 1] = x end
  end
  return outn
end
ok, e = lute.eval(("track \"pasted\" { notes = %s }\ntrack \"echo\" { notes = midi_take(\"riff\") }"):format(text), "stdin", true)
check(ok, "the printed table pasted as a track's notes, and midi_take(\"riff\") on another: %s", tostring(e))
lute.trace(true)
local t0 = core.frame()
core.render(2 * BAR)
local trace = lute.trace()
local function bar_offsets(track)
  local o = {}
  for _, x in ipairs(trace) do
    if x.track == track and x.note then
      local rel = x.frame - S.origin
      o[#o + 1] = ("%d@%d"):format(x.note, rel - (rel // BAR) * BAR)
    end
  end
  return o
end
lute.trace(false)
local pasted, echo = bar_offsets("pasted"), bar_offsets("echo")
local function near(list, wantl, tol)
  local seen, l2 = {}, {}
  for _, v in ipairs(list) do if not seen[v] then seen[v] = true; l2[#l2 + 1] = v end end
  list = l2
  if #list < #wantl then return false end
  for i, w in ipairs(wantl) do
    local n, f = list[i]:match("^(%d+)@(%d+)$")
    local wn, wf = w[1], w[2] % BAR
    if tonumber(n) ~= wn or math.abs(tonumber(f) - wf) > tol then return false end
  end
  return true
end
local sorted_pasted = {}
for _, x in ipairs(pasted) do sorted_pasted[#sorted_pasted + 1] = x end
table.sort(sorted_pasted, function(a, b) return tonumber(a:match("@(%d+)")) < tonumber(b:match("@(%d+)")) end)
local W = { { 60, 100 }, { 64, 24010 }, { 67, 72000 }, { 59, BAR - 1000 } }
check(near(sorted_pasted, W, 2), "the pasted table plays each note within 2 frames of where it was played: %s", table.concat(sorted_pasted, " "))
table.sort(echo, function(a, b) return tonumber(a:match("@(%d+)")) < tonumber(b:match("@(%d+)")) end)
check(near(echo, W, 2), "midi_take(\"riff\") plays the take the same way: %s", table.concat(echo, " "))
-- Quantize on print only.
local q = c:quantize("1/16", 1)
check(q.notes[3].on - b2 == 24000 and c.notes[3].on - b2 == 24010, "quantize makes a new clip on the grid; the take keeps its timing")
-- Stopping by hand.
ok = lute.eval('record_midi{ name = "free", from = "now" }', "stdin", true)
local nowf = core.frame()
send(nowf + 500, 0x90, 62, 99)
core.render(BAR // 2)
ok, e = lute.eval('stop_record_midi()', "stdin", true)
local free = Cl.midi_takes("free")[1]
check(ok and free and #free.notes == 1 and free.notes[1].off > free.notes[1].on, "record_midi{ from = \"now\" } ... stop_record_midi(): %s", tostring(e))
lute.eval('stop()', "stdin", true)
ok, e = lute.eval('record_midi{ bars = 2 }', "stdin", true)
check(not ok and e:find("stopped"), "record_midi while the music is stopped: %s", tostring(e))

-- ---- sample replacement ------------------------------------------------------------------------
-- A drum take: 8 hits of a decaying noise burst at known frames and levels, and bleed (a hit 40 dB
-- down) between them.
local RATE = 48000
local hits = { { 1200, 0.9 }, { 25100, 0.5 }, { 47000, 0.7 }, { 73500, 0.25 }, { 96300, 0.9 }, { 119000, 0.45 }, { 145200, 0.8 }, { 167900, 0.6 } }
local bleed = { 12000, 60000, 130000 }
local x, seed = {}, 12345
local function noise() seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 1073741824 - 1 end
local N = 2 * BAR
for i = 1, N do x[i] = 0 end
local function burst(at, amp)
  for i = 0, 4799 do
    local k = at + i + 1
    if k <= N then x[k] = x[k] + amp * math.exp(-i / 600) * noise() end
  end
end
for _, hh in ipairs(hits) do burst(hh[1], hh[2]) end
for _, b in ipairs(bleed) do burst(b, 0.009) end
local w = assert(LT.open{ folder = dir .. "/takes", name = "kick", rate = RATE, channels = 1, start = 0, ring = 6 })
for i = 1, N, 4000 do
  assert(w:write(i - 1, string.pack("<" .. ("f"):rep(math.min(4000, N - i + 1)), table.unpack(x, i, math.min(N, i + 3999)))))
end
w:close()
core.render(BAR)
ok, e = lute.eval([[
tempo(120)
local k = takes("kick")
track "boom" { kit = "808", s = replace{ take = k[1], sound = "bd", threshold = -30 }, gain = 0 }
]], "song.lua")
check(ok, "a kit track playing replace{ take = k[1], sound = \"bd\", threshold = -30 }: %s", tostring(e))
lute.eval('stop()', "stdin", true)
core.render(BAR)
lute.eval('play()', "stdin", true)
lute.trace(true)
core.render(2 * BAR + 4800)
trace = lute.trace()
local trig = {}
for _, xx in ipairs(trace) do if xx.track == "boom" and xx.sample then trig[#trig + 1] = xx end end
local worst, vel_order = 0, true
for i, hh in ipairs(hits) do
  local tr = trig[i]
  if not tr then worst = math.huge break end
  worst = math.max(worst, math.abs(tr.frame - S.origin - hh[1]))
end
check(#trig == #hits, "one replacement per hit, none for the bleed 40 dB down: %d triggers for %d hits", #trig, #hits)
check(worst <= 0.003 * RATE, "each on its hit's frame: worst %d frames (%.2f ms)", worst, worst / 48)
if #trig == #hits then
  check(trig[1].vel > trig[2].vel and trig[2].vel > trig[4].vel and math.abs(trig[5].vel - trig[1].vel) < 0.03,
        "louder hits trigger louder: vel %.2f %.2f %.2f %.2f", trig[1].vel, trig[2].vel, trig[4].vel, trig[5].vel)
end
ok, e = lute.eval('track "x" { kit = "808", s = replace{ take = takes("kick")[1], sound = "nope" } }', "stdin", true)
check(not ok and e:find("^stdin:1:") and e:find("no sound 'nope'"), "a sound the kit does not have: %s", tostring(e))
ok, e = lute.eval('local r = replace{ sound = "bd" }', "stdin", true)
check(not ok and e:find("^stdin:1:") and e:find("take"), "replace without a take: %s", tostring(e))

print(("test_clips_midi: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
