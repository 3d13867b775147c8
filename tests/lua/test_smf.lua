-- test_smf_lua.lua — lute.smf from Lua: write a song table, read it back, and the errors a
-- musician would meet (a wrong field named by its path, a missing file as nil + message).
local ok_, smf = pcall(require, "lute.smf"); if not ok_ then smf = require "smf" end
local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
end
local out = os.getenv("OUT") or "tests/out"
local path = out .. "/smf_lua.mid"

local song = {
  name = "lua song", division = 96,
  tempos = { {tick = 0, bpm = 120}, {tick = 384, bpm = 133} },
  meters = { {tick = 0, num = 4, den = 4}, {tick = 384, num = 5, den = 8} },
  markers = { {tick = 0, text = "A"}, {tick = 384, text = "B"} },
  events = { {tick = 0, type = "meta", meta = 0x59, data = "\xFD\x01"} },
  tracks = {
    { name = "Lead", notes = { {tick = 0, dur = 96, note = 60, vel = 90, ch = 2}, {tick = 96.0, dur = 96, note = 60},
                              {tick = 192, dur = 192, note = 67, vel = 127, ch = 16} },
      events = { {tick = 0, type = "program", ch = 2, program = 81}, {tick = 0, type = "cc", ch = 2, cc = 74, value = 30},
                 {tick = 100, type = "pitch_bend", ch = 2, value = -8192}, {tick = 101, type = "pitch_bend", ch = 2, value = 8191},
                 {tick = 50, type = "aftertouch", ch = 2, value = 64}, {tick = 60, type = "poly_aftertouch", ch = 2, note = 60, value = 5},
                 {tick = 0, type = "sysex", data = "\x7E\x7F\x09\x01\xF7"}, {tick = 0, type = "meta", meta = 1, data = "hello"} } },
    { name = "Empty" },
  },
}
local ok, err = smf.write(path, song)
check(ok == true, "write returns true: %s", tostring(err))
local s, msg = smf.read(path)
check(s ~= nil, "read back: %s", tostring(msg))
s = s or { tracks = {}, tempos = {}, meters = {}, markers = {} }
check(s.format == 1 and s.division == 96 and s.name == "lua song", "format 1, division 96, song name")
check(#s.tracks == 2 and s.tracks[1].name == "Lead" and s.tracks[2].name == "Empty", "two tracks, conductor hidden: %d", #s.tracks)
local n = s.tracks[1] and s.tracks[1].notes or {}
check(#n == 3 and n[1].tick == 0 and n[1].dur == 96 and n[1].note == 60 and n[1].vel == 90 and n[1].ch == 2
      and n[2].tick == 96 and n[2].vel == 100 and n[2].ch == 1 and n[3].ch == 16 and n[3].dur == 192 and n[3].vel == 127,
      "notes come back with defaults vel 100, ch 1")
check(#s.tempos == 2 and s.tempos[1].bpm == 120 and math.abs(s.tempos[2].bpm - 133) < 1e-3 and s.tempos[2].usec == 451128,
      "tempos 120 and 133 bpm (%s)", s.tempos[2] and s.tempos[2].bpm)
check(#s.meters == 2 and s.meters[2].num == 5 and s.meters[2].den == 8 and s.meters[2].tick == 384, "meters 4/4, 5/8")
check(#s.markers == 2 and s.markers[2].text == "B" and s.markers[2].tick == 384, "markers A, B")
check(s.keys and #s.keys == 1 and s.keys[1].sharps == -3 and s.keys[1].minor == true, "key signature C minor")
check(s.events and #s.events == 1 and s.events[1].meta == 0x59, "conductor key signature kept as an event")
local byType = {}
for _, e in ipairs(s.tracks[1] and s.tracks[1].events or {}) do byType[e.type] = (byType[e.type] or 0) + 1; byType[e.type .. e.tick] = e end
check(byType.program0 and byType.program0.program == 81 and byType.program0.ch == 2, "program 81 on channel 2")
check(byType.cc0 and byType.cc0.cc == 74 and byType.cc0.value == 30, "cc 74 = 30")
check(byType.pitch_bend100 and byType.pitch_bend100.value == -8192 and byType.pitch_bend101.value == 8191, "bend extremes")
check(byType.aftertouch50 and byType.aftertouch50.value == 64 and byType.poly_aftertouch60.note == 60, "aftertouch")
check(byType.sysex0 and byType.sysex0.data == "\x7E\x7F\x09\x01\xF7", "sysex bytes")
check(byType.meta0 and byType.meta0.meta == 1 and byType.meta0.data == "hello", "text meta")

-- write(read(x)) reproduces the same bytes
local f = assert(io.open(path, "rb")); local bytes1 = f:read("a"); f:close()
check(smf.write(path .. "2", s) == true, "write what was read")
f = assert(io.open(path .. "2", "rb")); local bytes2 = f:read("a"); f:close()
check(bytes1 == bytes2, "write(read(file)) is byte-identical (%d vs %d bytes)", #bytes1, #bytes2)

-- errors
local function err_of(t) local ok2, e = pcall(smf.write, path .. "3", t); return not ok2 and e or "no error" end
local e = err_of({ tracks = { { notes = { {tick = 0, dur = 10, note = 60}, {tick = 0, dur = 10, note = 60, vel = 0} } } } })
check(e:find("tracks[1].notes[2].vel: expected an integer from 1 to 127, got 0", 1, true), "bad vel named: %s", e)
e = err_of({ tracks = { { notes = { {tick = 1.5, dur = 10, note = 60} } } } })
check(e:find("tracks[1].notes[1].tick: expected an integer", 1, true) and e:find("got 1.5", 1, true), "fractional tick named: %s", e)
e = err_of({ tracks = { { notes = { {tick = 0, dur = 0, note = 60} } } } })
check(e:find("notes[1].dur", 1, true), "zero dur named: %s", e)
e = err_of({ meters = { {tick = 0, num = 4, den = 3} } })
check(e:find("meters[1].den: expected a power of two", 1, true), "den 3 named: %s", e)
e = err_of({ tempos = { {tick = 0, bpm = 0} } })
check(e:find("tempos[1].bpm", 1, true), "bpm 0 named: %s", e)
e = err_of({ tracks = { "x" } })
check(e:find("tracks[1]: expected a table, got string", 1, true), "track not a table: %s", e)
e = err_of({ tracks = { { events = { {tick = 0, type = "noteon"} } } } })
check(e:find("tracks[1].events[1].type: expected one of", 1, true), "bad event type: %s", e)
e = err_of({ name = 5 })
check(e:find("name: expected a string, got 5", 1, true), "name not a string: %s", e)
local ok3, e3 = pcall(smf.write, path)
check(not ok3 and e3:find("bad argument #2", 1, true), "missing song: %s", tostring(e3))

local r, m = smf.read(out .. "/no-such.mid")
check(r == nil and m:find("no-such.mid: No such file", 1, true), "missing file: nil, %s", tostring(m))
f = assert(io.open(path .. "3", "wb")); f:write("MThd\0\0\0\6\0\1\0\1\0\96MTrk\0\0\0\3\0\x90\60"); f:close()
r, m = smf.read(path .. "3")
check(r == nil and m == path .. "3: event cut off by the end of the track at byte 23", "truncated file: %s", tostring(m))
f = assert(io.open(path .. "3", "wb")); f:write("MThd\0\0\0\6\0\0\0\1\0\96MTrk\0\0\0\4\0\x90\60\100"); f:close()
r, m = smf.read(path .. "3")
check(r and r.warnings and r.warnings[1] == "a track has no end-of-track event" and #r.tracks == 1 and r.tracks[1].notes[1].note == 60,
      "missing end-of-track: read with a warning")
r, m = smf.write("/nonexistent-dir/x.mid", song)
check(r == nil and m:find("/nonexistent-dir/x.mid: No such file", 1, true), "unwritable path: nil, %s", tostring(m))
os.remove(path); os.remove(path .. "2"); os.remove(path .. "3")
print(string.format("test_smf_lua: %d passed, %d failed", passed, failed))
if failed > 0 then os.exit(1) end
