-- test_clip.lua — MIDI recording into clips (lua/clip.lua): notes, velocities, controllers and
-- bends at their exact frames; quantize into a new clip (the recording untouched); printed Lua that
-- reads back as the same notes, both as a note table and as mini-notation.
local Clip = require "clip"
local P = require "pattern"
local R = require "rational"
local core = require "lute.core"
local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
end
local function errmsg(f, ...) local ok, e = pcall(f, ...); return not ok and tostring(e) or "no error" end

local RATE, FPB = 48000, 24000          -- 120 bpm: 24000 frames per beat
local origin = 96000                    -- bar 1 starts at frame 96000 (after a count-in)

-- A performance, as the MIDI thread timestamps it: c4 e4 g4 a little off the beat, a chord, a
-- bend and a controller, a note held when recording stops.
local rec = Clip.recorder{ rate = RATE, origin = origin, bpm = 120 }
local played = {
  { origin + 0 + 310,       "\x90\x3c\x64" },   -- c4 vel 100, 310 frames late
  { origin + 12000 - 200,   "\x80\x3c\x40" },   -- off
  { origin + 24000 - 450,   "\x90\x40\x50" },   -- e4 vel 80, 450 early
  { origin + 30000,         "\x90\x40\x00" },   -- note-on vel 0 = off
  { origin + 48000 + 100,   "\x90\x43\x7f" },   -- g4 vel 127
  { origin + 50000,         "\xB0\x01\x20" },   -- mod wheel 32
  { origin + 51000,         "\xE0\x00\x40" },   -- bend centre
  { origin + 52000,         "\xE0\x7F\x7F" },   -- bend top
  { origin + 53000,         "\xE1\x00\x00" },   -- bend bottom, channel 2
  { origin + 60000,         "\x80\x43\x00" },
  { origin + 72000 + 37,    "\x90\x30\x46" },   -- chord c3 e3 g3 at beat 3
  { origin + 72000 + 37,    "\x90\x34\x46" },
  { origin + 72000 + 41,    "\x90\x37\x46" },
  { origin + 96000 - 12,    "\x80\x30\x00" }, { origin + 96000 - 12, "\x80\x34\x00" }, { origin + 96000 - 12, "\x80\x37\x00" },
  { origin + 96000 + 6000,  "\x91\x48\x60" },   -- c5 on channel 2, still held at stop
  { origin + 99000,         "\x81\x50\x00" },   -- a note-off for nothing
  { origin + 100000,        "\xF8" },           -- clock: not part of a clip
}
for _, e in ipairs(played) do rec:feed{ frame = e[1], bytes = e[2] } end
local c = rec:stop(origin + 120000)

check(#c.notes == 7, "7 notes recorded: %d", #c.notes)
local n1 = c.notes[1]
check(n1.on == origin + 310 and n1.off == origin + 11800 and n1.note == 60 and n1.vel == 100 and n1.off_vel == 64,
      "c4 at its exact frame (%d), off at %d, velocity 100, release velocity 64", n1.on, n1.off)
check(c.notes[2].note == 64 and c.notes[2].on == origin + 23550 and c.notes[2].off == origin + 30000 and c.notes[2].vel == 80,
      "e4 450 frames early, ended by a note-on of velocity 0")
check(math.abs(c.notes[1].beat - 310 / FPB) < 1e-12 and math.abs(c.notes[1].len - (11800 - 310) / FPB) < 1e-12,
      "onsets and lengths in beats from the frames: %.6f, %.6f", c.notes[1].beat, c.notes[1].len)
local held = c.notes[7]
check(held.note == 72 and held.ch == 2 and held.off == origin + 120000, "a note held at stop ends at the stop frame, channel 2 kept")
check(c.stray_offs == 1, "a note-off with no note is counted, not recorded: %d", c.stray_offs)
check(#c.ccs == 1 and c.ccs[1].cc == 1 and c.ccs[1].value == 32 and c.ccs[1].frame == origin + 50000, "the mod wheel move at its frame")
check(#c.bends == 3 and c.bends[1].value == 0 and c.bends[2].value == 8191 and c.bends[3].value == -8192 and c.bends[3].ch == 2,
      "pitch bend: centre 0, top 8191, bottom -8192 (channel 2)")

-- Retrigger: a second note-on of a held pitch ends the first there.
local r2 = Clip.recorder{ rate = RATE }
r2:message(0, 0x90, 60, 100); r2:message(1000, 0x90, 60, 90); r2:message(3000, 0x80, 60, 0)
local c2 = r2:stop(5000)
check(#c2.notes == 2 and c2.notes[1].off == 1000 and c2.notes[2].on == 1000 and c2.notes[2].off == 3000,
      "a retriggered pitch: the first note ends where the second begins")

-- Quantize: a new clip; the recording keeps its timing.
local q = c:quantize("1/16", 1)
check(q ~= c and c.notes[1].on == origin + 310 and c.notes[2].on == origin + 23550, "quantize leaves the recorded clip as it was")
local on_grid = true
for _, n in ipairs(q.notes) do
  if n.beat * 4 ~= math.floor(n.beat * 4) or n.on ~= origin + math.floor(n.beat * FPB + 0.5) then on_grid = false end
end
check(on_grid and q.notes[1].on == origin and q.notes[2].on == origin + 24000, "quantize 1/16 at full strength: every onset on a sixteenth, to the frame")
check(q.notes[1].off - q.notes[1].on == c.notes[1].off - c.notes[1].on, "a note keeps its length (%d frames)", q.notes[1].off - q.notes[1].on)
local h = c:quantize("1/16", 0.8)
check(h.notes[1].on == origin + 62 and h.notes[2].on == origin + 23910,
      "strength 0.8 moves 80%% of the way: 310 late -> 62 late (%d), 450 early -> 90 early (%d)", h.notes[1].on - origin,
      h.notes[2].on - origin - 24000)
local t = c:quantize("1/8t", 1)
check(math.abs(t.notes[1].beat) < 1e-12 and math.abs(t.notes[2].beat - 1) < 1e-12, "triplet grid 1/8t (1/3 beat)")
local e = c:quantize("1/4", 1, { ends = true })
check(e.notes[1].len == 0.5 or math.abs(e.notes[1].len - 0.5) < 1e-12, "ends = true quantizes the ends too: c4 lasts %s beats", e.notes[1].len)
check(errmsg(c.quantize, c, "1/0") :find("not a note length", 1, true), "a bad grid is named: %s", errmsg(c.quantize, c, "1/0"))
check(errmsg(c.quantize, c, "1/16", 1.5):find("0 (nothing) .. 1", 1, true), "strength outside 0..1 is refused")

-- Printed as a note table, read back as a pattern: the same notes at the same times.
local env = setmetatable({}, { __index = _G })
Clip.install(env)
local text = q:lua()
check(text:find('{ at = 0, dur = 0.4787, note = "c4", vel = 100 },  -- 1:1', 1, true) ~= nil, "the note table names onset, length, note and velocity:\n%s", text)
check(text:find("cc = {", 1, true) and text:find("value = 8191", 1, true), "controllers and bends are printed too")
local fn = assert(load("return " .. text, "clip", "t", env))
local pat = fn()
local haps = pat:query(R(0), R(2))
table.sort(haps, function(a, b) if a.whole.b ~= b.whole.b then return a.whole.b < b.whole.b end return a.value.note < b.value.note end)
local same = #haps == #q.notes
for i, hp in ipairs(haps) do
  local n = q.notes[i]
  if not (n and R.eq(hp.whole.b, R.from(n.beat) / 4) and hp.value.note == n.note and math.abs(hp.value.vel - n.vel / 127) < 1e-9) then same = false end
end
check(same, "the printed table, evaluated with midi_clip, plays the quantized notes at their exact bar positions (%d haps)", #haps)
local raw = assert(load("return " .. c:lua(), "clip", "t", env))()
local rh = raw:query(R(0), R(1))
table.sort(rh, function(a, b) return a.whole.b < b.whole.b end)
check(#rh >= 1 and math.abs(rh[1].whole.b:tonumber() * 4 * FPB - 310) < 1, "an unquantized clip prints its timing to within a frame: c4 at %.2f frames",
      #rh >= 1 and rh[1].whole.b:tonumber() * 4 * FPB or -1)
check(#raw:query(R(2), R(3)) == #raw:query(R(0), R(1)), "a 2-bar clip repeats every 2 bars")

-- Printed as mini-notation.
local ptxt = c:lua{ form = "pattern", grid = "1/16" }
check(ptxt:find('notes = "<[c4@2 ~@2 e4 ~@3 g4@2 ~@2 [c3,e3,g3]@4] [~ c5@3 ~@12]>"', 1, true) ~= nil, "mini-notation, one bar per cycle: %s", ptxt)
local body = ptxt:match('notes = "(.-)"')
local mp = P.mini(body)
local mh = {}
for _, hp in ipairs(mp:query(R(0), R(2))) do if hp.whole and R.eq(hp.whole.b, hp.part.b) then mh[#mh + 1] = hp end end
check(#mh == 7, "the mini-notation parses back to 7 notes: %d", #mh)
check(errmsg(c.lua, c, { form = "abc" }):find('"notes"', 1, true), "an unknown form is named")

-- With a tempo map: the clip's beats follow it, and quantize lands on its grid.
local tm = core.tempo(120)
tm:ramp(4, 60, 4)                            -- slows from 120 to 60 bpm over bar 2
local function frame_of(b) return tm:frame(b) end
local function beat_of(f) return tm:beat_at_frame(f) end
local r3 = Clip.recorder{ rate = RATE, beat_of = beat_of, frame_of = frame_of }
local want = { 0.1, 4.9, 6.05, 7.97 }
for _, b in ipairs(want) do
  local f = frame_of(b)
  r3:message(f, 0x90, 60, 100); r3:message(f + 2000, 0x80, 60, 0)
end
local c3 = r3:stop()
local q3 = c3:quantize("1/4", 1)
local ok3 = true
for i, n in ipairs(q3.notes) do
  local g = math.floor(want[i] + 0.5)
  if n.beat ~= g or n.on ~= frame_of(g) then ok3 = false end
end
check(ok3, "through a tempo ramp the recorded beats come back (%.4f) and quantize lands on beats' frames", c3.notes[2].beat)

print(("test_clip: %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
