-- test_edit.lua — editing from Lua (lua/edit.lua over lute.edit and lute.take): takes written
-- and listed from their sidecar; clips cut at bar:beat positions to the frame, faded and scaled,
-- with the take file untouched; a comp whose regions play the right takes; the edit history's
-- undo, redo and printout, replayed to the same bits; a drum take's onsets, replacement notes and
-- quantize; and the errors a musician would meet.
local E = require "edit"
local LT = require "lute.take"
local LE = require "lute.edit"
local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
end
local function errmsg(f, ...) local ok, e = pcall(f, ...); return not ok and tostring(e) or "no error" end

local out = os.getenv("OUT") or "tests/out"
local folder = out .. "/edit_lua/takes"
os.execute("rm -rf '" .. out .. "/edit_lua'")
local RATE = 48000
E.context{ folder = folder, rate = RATE, bpm = 480 }      -- a beat is 6000 frames, a bar 24000
local BAR = 24000

-- Takes: three of "vox" with distinct tones, the second starting 1000 frames into bar 1.
local function write_take(name, start, frames, f)
  local w = assert(LT.open{ folder = folder, name = name, rate = RATE, channels = 1, start = start })
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
local tones = { 220, 330, 495 }
local starts = { 0, 1000, 0 }
for k = 1, 3 do
  write_take("vox", starts[k], 9 * BAR, function(i) return 0.5 * math.sin(2 * math.pi * tones[k] * i / RATE) end)
end

local t = E.takes("vox")
check(#t == 3 and t[1].number == 1 and t[3].number == 3 and t[2].start == 1000 and t[3].frames == 9 * BAR and t[1].state == "done"
      and #t[1].hash == 16, "takes('vox') lists 3 takes from the sidecar, with start, frames, state and hash")
local function file_bytes(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local before = file_bytes(t[3].path)

-- A clip: bar 2 to bar 6 of take 3.
local function zc_freq(buf, a, b)
  local first, last, n, prev = nil, nil, 0, buf:sample(a)
  for i = a + 1, b - 1 do
    local v = buf:sample(i)
    if prev < 0 and v >= 0 then
      local x = (i - 1) + prev / (prev - v)
      first = first or x; last = x; n = n + 1
    end
    prev = v
  end
  return n > 1 and (n - 1) * RATE / (last - first) or 0
end
local src = t[3]:buffer()
local c = E.clip{ take = t[3], from = "2:1", to = "6:1" }
local b, pos = E.render(c)
local same = b:frames() == 4 * BAR
for k = 0, b:frames() - 1, 997 do if b:sample(k) ~= src:sample(BAR + k) then same = false end end
check(same and pos == BAR, "clip from 2:1 to 6:1: %d frames (4 bars exactly), at frame %d, the take's own samples", b:frames(), pos)
local c2 = E.clip{ take = t[2], from = "2:1", to = "3:1" }
local b2 = E.render(c2)
check(b2:sample(0) == t[2]:buffer():sample(BAR - 1000), "a take that started 1000 frames late is cut where the song is, not where the file is")
local f = E.clip{ take = t[3], from = "2:1", to = "6:1", fade_in = 0.01, fade_out = { 0.05, "s" }, gain = -2 }
local fb = E.render(f)
local g = 10 ^ (-2 / 20)
check(fb:sample(0) == 0 and fb:sample(fb:frames() - 1) == 0 and math.abs(fb:sample(2 * BAR) - src:sample(3 * BAR) * g) < 1e-6
      and math.abs(fb:sample(240) - src:sample(BAR + 240) * g * 0.5) < 1e-6,
      "fade_in 10 ms (halfway at 5 ms), S-curve fade_out, gain -2 dB: starts and ends on 0, -2 dB between")
local s = E.render(E.clip{ take = t[3], from = "2:1", to = "3:1", stretch = 1.5 })
check(s:frames() == 36000 and math.abs(zc_freq(s, 6000, 30000) / 495 - 1) < 0.005, "stretch 1.5: %d frames, pitch kept (%.1f Hz)", s:frames(), zc_freq(s, 6000, 30000))
local p = E.render(E.clip{ take = t[1], from = "2:1", to = "3:1", pitch = 7 })
check(math.abs(zc_freq(p, 6000, 18000) / (220 * 2 ^ (7 / 12)) - 1) < 0.005, "pitch +7 semitones: %.2f Hz", zc_freq(p, 6000, 18000))
local r = E.render(E.clip{ take = t[3], from = "2:1", to = "3:1", reverse = true })
check(r:sample(0) == src:sample(2 * BAR - 1), "reverse: the clip's last frame first")
local n = E.render(E.clip{ take = t[3], from = "2:1", to = "4:1", normalize = { peak = -1 } })
check(math.abs(20 * math.log(n:peak(), 10) + 1) < 1e-4, "normalize{ peak = -1 }: %.4f dBFS", 20 * math.log(n:peak(), 10))
check(file_bytes(t[3].path) == before, "the take file is exactly as it was after every edit")
check(E.render(f) == fb, "the same description renders to the same buffer (cached)")

-- The comp of the issue: each region plays its own take, the joins are smooth.
local comp = E.comp{ { t[1], "1:1", "3:1" }, { t[3], "3:1", "5:3" }, { t[2], "5:3", "9:1" }, xfade = 0.02 }
local cb, cpos = E.render(comp)
local joins = { E.frame_of("3:1"), E.frame_of("5:3") }
check(cb:frames() == E.frame_of("9:1") and cpos == 0, "the comp lasts from 1:1 to 9:1: %d frames", cb:frames())
local f1, f2, f3 = zc_freq(cb, 1000, joins[1] - 1000), zc_freq(cb, joins[1] + 1000, joins[2] - 1000), zc_freq(cb, joins[2] + 1000, cb:frames() - 1)
check(math.abs(f1 / 220 - 1) < 0.002 and math.abs(f2 / 495 - 1) < 0.002 and math.abs(f3 / 330 - 1) < 0.002,
      "regions play takes 1, 3, 2: %.1f, %.1f, %.1f Hz", f1, f2, f3)
local own = math.max(t[1]:buffer():max_step(), t[2]:buffer():max_step(), t[3]:buffer():max_step())
local js = math.max(cb:max_step(joins[1] - 600, joins[1] + 600), cb:max_step(joins[2] - 600, joins[2] + 600))
check(js <= own * math.sqrt(2), "joins without clicks: largest step %.4f, the takes' own %.4f", js, own)
local exact = true
for k = joins[1] + 1000, joins[2] - 1000, 331 do if cb:sample(k) ~= src:sample(k) then exact = false end end
check(exact, "away from the joins the comp is take 3's samples, exactly")

-- The edit history.
local changes = {}
local h = E.history(function(name, d) changes[#changes + 1] = name .. (d and "" or " (gone)") end)
local env = setmetatable({}, { __index = _G })
E.install(env, h)
h:define("v", { take = t[3], from = "2:1", to = "6:1" })
env.trim("v", "3:1", "5:1")
env.fade_in("v", 0.01, "s")
env.gain("v", -3)
env.split("v", "4:1", "v2")
local text = h:lua()
check(text == 'trim("v", "3:1", "5:1")\nfade_in("v", 0.01, "s")\ngain("v", -3)\nsplit("v", "4:1", "v2")',
      "edits() prints the calls made:\n%s", text)
check(h:get("v").to == "4:1" and h:get("v2").from == "4:1" and h:get("v2").gain == -3 and E.render(h:get("v")):frames() == BAR,
      "split makes v (3:1-4:1) and v2 (4:1-5:1), both -3 dB")
table.sort(changes, function(a, b) return a < b end)
check(#changes == 6 and changes[6] == "v2", "every change is reported for the sampler: the declaration, 4 edits of v, the new v2 (%d)", #changes)
local v_after = E.ser(h:get("v"))
check(env.undo() == 'split("v", "4:1", "v2")' and h:get("v2") == nil and h:get("v").to == "5:1", "undo the split: v2 is gone, v whole again")
check(env.undo() == 'gain("v", -3)' and h:get("v").gain == nil, "undo the gain")
check(env.redo() == 'gain("v", -3)' and h:get("v").gain == -3, "redo the gain")
check(env.redo() and E.ser(h:get("v")) == v_after and h:get("v2") ~= nil, "redo the split: the same clips as before")
env.undo(); env.undo()
env.reverse("v")
check(h:redo() == false and h:lua() == 'trim("v", "3:1", "5:1")\nfade_in("v", 0.01, "s")\nreverse("v")',
      "a new edit after undo drops what was undone: %s", h:lua())
-- Replay the printout on a fresh history: the same clips, the same bits.
local h2 = E.history()
local env2 = setmetatable({}, { __index = _G })
E.install(env2, h2)
h2:define("v", { take = t[3], from = "2:1", to = "6:1" })
assert(load(h:lua(), "edits", "t", env2))()
check(E.ser(h2:get("v")) == E.ser(h:get("v")) and E.render(h2:get("v")):floats() == E.render(h:get("v")):floats(),
      "the printed edits, run again, make the same clip to the bit")
local nedits = #h.done
check(errmsg(env.trim, "nope", "1:1", "2:1"):find("there is no clip 'nope'", 1, true), "an edit of a clip that does not exist is named")
check(errmsg(env.trim, "v", "2;1", "3:1"):find("position '2;1' is not bar:beat", 1, true) and #h.done == nedits,
      "a bad position is refused and changes nothing: %s", errmsg(env.trim, "v", "2;1", "3:1"))
check(errmsg(env.fade_out, "v", 0.1, "wobbly"):find("unknown fade curve 'wobbly'", 1, true), "a bad curve is named")
check(errmsg(E.clip, { tkae = t[1] }):find("unknown field 'tkae'", 1, true), "a misspelt field is named")
check(errmsg(env.split, "v", "4:1"):find("needs a name", 1, true), "split without a name for the second part says so")

-- A drum take: onsets, replacement, quantize.
local hits = {}
local dframes = 8 * BAR
local drum = {}
local seed = 7
local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 end
for i = 0, dframes - 1 do drum[i] = 0.0003 * (rnd() * 2 - 1) end
for k = 0, 15 do
  local at = 6000 + k * 6000 + math.floor((rnd() * 2 - 1) * 400)
  local amp = (k % 4 == 0) and 0.9 or 0.3 + 0.4 * rnd()
  hits[#hits + 1] = { at = at, amp = amp }
  for i = 0, 4000 do
    local tt = i / RATE
    drum[at + i] = drum[at + i] + amp * (k % 2 == 0 and math.sin(2 * math.pi * (60 + 90 * math.exp(-tt / 0.02)) * tt) * math.exp(-tt / 0.06)
                                       or (rnd() * 2 - 1) * math.exp(-tt / 0.03))
  end
end
write_take("drums", 0, dframes, function(i) return drum[i] end)
local dt = E.takes("drums")[1]
local dc = E.clip{ take = dt }
local on = E.onsets(dc)
local worst = 0
for i, hit in ipairs(hits) do if on[i] then worst = math.max(worst, math.abs(on[i].frame - hit.at)) end end
check(#on == #hits and worst <= 240, "a drum take: %d onsets for %d hits, each within %.2f ms (5 allowed)", #on, #hits, worst * 1000 / RATE)
local rep = E.replace(dc, { note = 36 })
local top = 0
for i, nn in ipairs(rep.notes) do if nn.vel == 127 then top = top + 1 end end
check(#rep.notes == #hits and rep.notes[1].note == 36 and top >= 1 and rep.notes[2].vel < rep.notes[1].vel and rep:lua():find('note = "c2"', 1, true),
      "sample replacement: a kick (c2) per hit, the loudest at 127 (%d, %d, ...)", rep.notes[1].vel, rep.notes[2].vel)
h:define("drums", { take = dt })
env.quantize_audio("drums", "1/4", 1)
local qon = E.onsets(h:get("drums"))
local qerr = 0
for i, o in ipairs(qon) do qerr = math.max(qerr, math.abs(o.frame - (6000 + (i - 1) * 6000))) end
check(#qon == #hits and qerr <= 1, "quantize_audio('1/4'): every hit found again on its beat within %d frame(s)", qerr)
check(h:lua():find('quantize_audio("drums", "1/4", 1)', 1, true), "and the history says so")

-- Strip silence: the gaps of a take with three phrases become silence.
write_take("gtr", 0, 4 * BAR, function(i)
  if (i >= 6000 and i < 24000) or (i >= 40000 and i < 60000) or (i >= 80000 and i < 90000) then return 0.4 * math.sin(2 * math.pi * 330 * i / RATE) end
  return 0.0002 * math.sin(i * 1.7)
end)
local gt = E.takes("gtr")[1]
local sb = E.render(E.clip{ take = gt, strip_silence = { threshold = -40, min = 0.05, pre = 0.005, post = 0.01 } })
check(sb:sample(3000) == 0 and sb:sample(30000) == 0 and sb:sample(70000) == 0 and sb:sample(12000) == gt:buffer():sample(12000)
      and sb:sample(6000 - 240 - 10) == 0, "strip_silence keeps the three phrases (with their rolls) and silences the rest")

print(("test_edit: %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
