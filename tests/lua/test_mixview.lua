-- test_mixview.lua — mix(), meters() and the help topics, offline (lute exec).
--
-- The table's figures are checked against what the engine must read for a known signal: a steady
-- sine of amplitude 0.5 on a track with gain -6 and pan 0 peaks at 0.5 * 10^(-6/20) * cos(pi/4)
-- (-15.04 dBFS) with an RMS 3.01 dB lower, and its short-term loudness is the BS.1770 figure for
-- that sine in both channels; a limiter with 5 ms of lookahead makes the master's latency 240
-- frames.  The view's figures for inserts and the master's loudness are also driven through a
-- stand-in binding (section 4), and the master's true peak and correlation are measured on known
-- signals at the end.  The live view's drawing
-- goes through lute._status (the REPL's), here a function that records what it is given.
local core = require "lute.core"
local Mv = require "lute.mixview"
-- Whether this build's binding lists a channel's inserts (core.mix_inserts) and the master's
-- momentary loudness: the checks below expect "n/a" without them and figures with them.
local NATIVE_INSERTS = core.mix_inserts ~= nil
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end

local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

-- print() collected, as the REPL would show it
local printed = {}
local real_print = print
local function capture(fn, ...)
  printed = {}
  print = function(...)
    local t = {}
    for i = 1, select("#", ...) do t[i] = tostring((select(i, ...))) end
    printed[#printed + 1] = table.concat(t, "\t")
  end
  local ok, e = pcall(fn, ...)
  print = real_print
  if not ok then error(e, 0) end
  return table.concat(printed, "\n")
end

local function fresh(src, frames)
  lute.stop()
  S.stopped_by_user = false
  local ok, e = lute.eval(src, "song.lua")
  assert(ok, e)
  Mv.watch(true)
  core.render(frames or core.rate() * 4)
end

local function line_of(text, pat)
  for l in text:gmatch("[^\n]+") do if l:find(pat) then return l end end
end

-- 1. The table: a steady sine, measured.
fresh([[
tempo(120)
patch "pure" (function(v) return sine(v.freq) * 0.5 end)
track "tone" { patch = "pure", notes = "a4", legato = 1, gain = -6, pan = 0 }
track "left" { patch = "pure", notes = "a4", legato = 1, gain = -12, pan = -0.5, sends = { verb = -10, dly = { -20, pre = true } } }
bus "verb" { fx = { reverb{ size = 0.5, mix = 1 } }, gain = -3 }
bus "dly" { fx = { delay{ time = 0.25, feedback = 0.3, mix = 1 } } }
master { fx = { limiter{ ceiling = -1, lookahead = 5 } } }
]])
local text = capture(mix)
check(text:find("^mix: 2 tracks, 2 buses, master latency 240 frames %(5%.0 ms%) at 48000 Hz"),
  "the header: counts and the master's latency of a 5 ms lookahead limiter: %s", text:match("^[^\n]*"))
local tone = line_of(text, "^tone ")
check(tone, "a line for track 'tone':\n%s", text)
if tone then
  local gain, pan, out, peak, rms, lufs = tone:match("^tone%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)")
  local want_peak = 20 * math.log(0.5 * 10 ^ (-6 / 20) * math.cos(math.pi / 4), 10)
  check(gain == "-6.0" and pan == "C" and out == "master", "tone: gain -6.0, pan C, out master: %s", tone)
  check(math.abs(tonumber(peak) - want_peak) <= 0.06, "tone: peak %s dBFS (a 0.5 sine at -6 dB, centred: %.2f)", peak, want_peak)
  check(math.abs(tonumber(rms) - (want_peak - 3.01)) <= 0.06, "tone: rms %s dBFS (%.2f)", rms, want_peak - 3.01)
  -- BS.1770 at 440 Hz: the K-weighting is about 0 dB there; both channels at RMS r: -0.691 + 10 log10(2 r^2)
  local r = 10 ^ ((want_peak - 3.01) / 20)
  local want_lufs = -0.691 + 10 * math.log(2 * r * r, 10)
  check(math.abs(tonumber(lufs) - want_lufs) <= 0.5, "tone: short-term %s LUFS (about %.1f)", lufs, want_lufs)
end
local left = line_of(text, "^left ")
check(left and left:find("^left%s+%-12%.0%s+L50%s+master"), "left: gain -12.0, pan L50: %s", tostring(left))
check(text:find("\n    sends dly %-20 dB pre, verb %-10 dB\n"), "left's sends, pre marked:\n%s", text)
check(text:find("\nbus dly ") and text:find("\nbus verb%s+%-3%.0"), "the buses with their gains")
check(text:find("\n    fx 1  reverb  size 0%.5, decay 2 s, mix 1"), "the reverb with its key settings (decay's default shown):\n%s", text)
check(text:find("\n    fx 1  limiter  ceiling %-1 dBTP, release 100 ms, lookahead 5 ms%s+GR " .. (NATIVE_INSERTS and "[%d.]+ dB, latency 240" or "n/a")),
  "the master's limiter, its lookahead, and its GR (n/a without the binding):\n%s", text)
local master = line_of(text, "^master ")
check(master and master:find("%s240$"), "the master's latency column: %s", tostring(master))
local mline = line_of(text, "^    momentary ") or ""
local mom, integ = mline:match("^    momentary (%S+), short%-term %-[%d.]+, integrated (%S+) LUFS$")
check(mom and integ and ((mom == "n/a") == (integ == "n/a")),
  "the master's loudness line, n/a for what the engine does not report yet: %s", mline)
if mom and mom ~= "n/a" then
  -- a steady 440 Hz sine: momentary and integrated read what short-term reads
  local st = tonumber(mline:match("short%-term (%-[%d.]+)"))
  check(math.abs(tonumber(mom) - st) < 0.3 and math.abs(tonumber(integ) - st) < 0.3,
    "momentary %s and integrated %s agree with short-term %s on a steady tone", mom, integ, st)
end
local widest = 0
for l in text:gmatch("[^\n]+") do widest = math.max(widest, #l) end
check(widest <= 100, "mix() fits 100 columns: %d", widest)

-- 2. One channel, several, and a name that is not there.
text = capture(mix, "left")
check(line_of(text, "^left ") and not line_of(text, "^tone ") and not line_of(text, "^master "), "mix(\"left\") shows left alone")
text = capture(mix, "tone, verb")
check(line_of(text, "^tone ") and line_of(text, "^bus verb") and not line_of(text, "^left "), "mix(\"tone, verb\")")
local ok, e = pcall(mix, "nosuch")
check(not ok and e:find("no track or bus 'nosuch'; there are: tone, left, dly, verb, master", 1, true), "mix(\"nosuch\"): %s", tostring(e))
ok, e = pcall(mix, 5)
check(not ok and e:find("mix(name): name is a track or bus", 1, true), "mix(5): %s", tostring(e))

-- 3. Inserts: key settings, sidechain, eq bands, a key that names the instance; mute, solo, polarity.
fresh([[
tempo(120)
track "kick" { kit = "808", s = "bd*4" }
track "bass" { patch = "acid", notes = "c2*8", mute = true, polarity = true,
               fx = { eq{ { "hp", 35, 24 }, { "bell", 120, -3, 1.2 }, { "hs", 9000, 2 } },
                      duck{ by = "kick", depth = 8, release = 120 }, comp{ ratio = 4, key = "glue" } } }
track "pad" { notes = "c4", solo = true }
]], 48000)
text = capture(mix)
check(text:find("fx 1  eq  low cut 35 Hz 24 dB/oct, bell 120 Hz %-3 dB q 1%.2, high shelf 9 kHz %+2 dB q"),
  "eq's bands in words:\n%s", text)
check(text:find("fx 2  duck  by kick, depth 8 dB, hold 30 ms, release 120 ms"), "duck: by kick and its settings")
check(text:find('fx 3  comp  threshold %-18 dB, ratio 4:1, attack 10 ms, release 100 ms, makeup 0 dB,%s+key "glue"'),
  "comp with key = \"glue\" (not a channel: the instance's name)")
check(line_of(text, "^bass %[MP%]") and line_of(text, "^pad %[S%]") and text:find("%[M%] muted, %[S%] soloed, %[P%] polarity"),
  "flags and their legend")

-- 4. What the binding will give: an insert's gain reduction and current values, the master's
-- loudness figures.  A stand-in core.mix_inserts and core.meter show they are read and printed.
local real_meter, real_inserts = core.meter, core.mix_inserts
core.mix_inserts = function(name)
  if name == "bass" then
    return { { type = "eq", handle = 9001, params = {} }, { type = "duck", handle = 9002, params = { depth = 6 } },
             { type = "comp", handle = 9003, params = {}, latency = 0 } }
  end
  return {}
end
core.meter = function(h)
  if h == 9002 then return { 0, 0, rms = 0, lufs = -math.huge, reduction = 5.5 } end
  if h == 9003 then return { 0, 0, rms = 0, lufs = -math.huge, reduction = 1.25 } end
  local r = real_meter(h)
  if h == 0 then r.momentary, r.integrated, r.truepeak, r.correlation = -12.3, -14.5, { -1.2, -0.8 }, 0.42 end
  return r
end
Mv.watch(false); Mv.watch(true)   -- a fresh history: only the stand-in's readings
for _ = 1, 3 do Mv.sample() end
text = capture(mix)
check(text:find("fx 2  duck  by kick, depth 6 dB, hold 30 ms, release 120 ms%s+GR 5%.5 dB"),
  "the duck's current depth (6, from the engine) and its gain reduction:\n%s", text)
check(text:find("fx 3  comp  .-GR 1%.2 dB") or text:find("fx 3  comp  .-GR 1%.3 dB"), "the comp's gain reduction")
local bass = line_of(text, "^bass ")
check(bass and bass:find("%s5%.5%s+0$"), "the channel's GR column: the largest of its inserts: %s", tostring(bass))
check(text:find("momentary %-12%.3, short%-term [%-%d.inf]+, integrated %-14%.5 LUFS\n    true peak %-0%.8 dBTP; correlation %+0%.42"),
  "the master's loudness figures when the meter has them:\n%s", text)
local view = Mv.view_text()
check(line_of(view, "^bass ") and line_of(view, "^bass "):find("GR  5%.5"), "the live view shows the GR: %s", view)
check(line_of(view, "^master "):find("M %-12%.3  I %-14%.5  TP %-0%.8  corr %+0%.42"), "the live view's master line: %s",
  tostring(line_of(view, "^master ")))
core.mix_inserts, core.meter = real_inserts, real_meter
Mv.watch(false)

-- 5. meters(): the live view through lute._status, rate-limited; without it, one view printed.
fresh('tempo(120)\ntrack "a" { notes = "c4*4" }\ntrack "b" { notes = "e4*4", gain = -20 }\n')
local drawn = {}
rawset(lute, "_status", function(t) drawn[#drawn + 1] = t end)
meters()
check(#drawn == 1 and line_of(drawn[1], "^a ") and line_of(drawn[1], "^b ") and line_of(drawn[1], "^master "),
  "meters() draws the view at once: %s", tostring(drawn[1]))
local a_line = drawn[1] and line_of(drawn[1], "^a ") or ""
check(a_line:find("^a%s+%-[%d.]+ |#+=*%s*| LUFS%-S %-[%d.]+$"), "a channel's line: peak, bar, loudness: %s", a_line)
for _ = 1, 50 do Mv.redraw() end
check(#drawn == 1, "redraws within 0.125 s of the last are skipped: %d drawn", #drawn)
local t0 = core.clock()
while core.clock() - t0 < 0.15 do end
core.render(4800)     -- the scheduler's tick redraws once the time has passed (and the view changed)
check(#drawn == 2, "after 0.15 s the next tick draws again: %d drawn", #drawn)
meters()
check(drawn[#drawn] == "", "meters() again removes the view (an empty status): %q", tostring(drawn[#drawn]))
local n = #drawn
core.render(4800)
check(#drawn == n, "with the view off nothing is drawn")
rawset(lute, "_status", nil)
text = capture(meters)
check(line_of(text, "^a ") and text:find("needs the REPL in a terminal", 1, true), "without a terminal meters() prints the view once: %s", text)
check(not Mv.live, "... and the view stays off")
-- many channels: the view stays short
local src = { "tempo(120)" }
for i = 1, 30 do src[#src + 1] = ('track "t%d" { notes = "c4" }'):format(i) end
fresh(table.concat(src, "\n"), 4800)
view = Mv.view_text()
local count = select(2, view:gsub("\n", "")) + 1
check(count <= 16 and view:find("%.%.%. %d+ more: mix%(%) lists them all") and line_of(view, "^master "),
  "30 tracks: the view keeps 16 lines, says how many more, and keeps the master: %d lines", count)

-- 6. help topics
local H = require "lute_help"
local ht = H.topics
check(type(ht.patches) == "string" and ht.patches:find("\n  acid%s+a 303%-style bass"), "help(\"patches\") reads the first line of each file")
local f = io.open(core.root .. "/scripts/patches/sub.lua")
local first = f:read("l"); f:close()
check(ht.patches:find(first:match("— (.*)$"):sub(1, 40), 1, true), "... word for word (sub: %s)", first)
local fx = require "fx"
local missing = {}
for _, name in ipairs(fx.list()) do if not ht.effects:find("\n" .. name .. " — ", 1, true) then missing[#missing + 1] = name end end
check(#missing == 0, "help(\"effects\") has every effect: missing %s", table.concat(missing, ", "))
check(ht.effects:find("threshold -60 .. 0 dB (-18)", 1, true) and ht.effects:find("b2_ .. b8_ as b1_", 1, true),
  "... with ranges and defaults, eq's bands once")
for _, t in ipairs({ "mixing", "mix", "meters", "bus", "mastering", "analyze", "album", "limiter", "comp" }) do
  check(type(ht[t]) == "string" and #ht[t] > 50, "help(\"%s\")", t)
end
check(ht.master:find("master { fx", 1, true) and ht.master:find("--target", 1, true), "help(\"master\"): the strip and the command")
local ov = H.overview
check(ov:find("^lute — live%-coding music production%.") and ov:find("Topics — guides: rules, patterns, params, mixing, effects, patches,", 1, false),
  "help() lists the topics after the overview")
local longest = 0
for _, t in ipairs({ "patches", "effects", "mixing", "mix", "meters" }) do
  for l in ht[t]:gmatch("[^\n]+") do longest = math.max(longest, #l) end
end
check(longest <= 100, "the new topics fit 100 columns: %d", longest)
local keys = {}
for k in pairs(ht) do keys[k] = true end
check(keys.patches and keys.effects and keys.mixing, "pairs() over the topics lists the computed ones too (completion, help(\"nosuch\"))")

-- The master's true peak and correlation, measured by the engine on its output.  A sine at a quarter
-- of the rate whose samples fall 45 degrees off its crests: every sample at cos(pi/4) of its crest,
-- so the true peak is 3.01 dB over the sample peak.  Left and right: the same signal
-- (correlation +1), one polarity inverted (-1), two unrelated pitches (about 0).
local function master_after(src)
  fresh(src)                    -- 4 s: past the bar where the new declaration starts
  core.meter(0)                 -- looking at the master starts its true-peak meter
  core.render(core.rate() // 2)
  return core.meter(0)
end
local m = master_after([[
tempo(120)
patch "q" (function(v) return sine(12000, 0.125) * 0.5 end)
track "l" { patch = "q", notes = "a4", legato = 1, pan = -1 }
track "r" { patch = "q", notes = "a4", legato = 1, pan = 1 }
]])
local sp = 20 * math.log(math.max(m[1], m[2]), 10)
local m_tp, m_sp = m.truepeak, sp
check(sp > -30 and m.truepeak and math.abs(m.truepeak - sp - 3.01) < 0.1,
  "the master's true peak of a quarter-rate sine 45 degrees off its crests is 3.01 dB over its samples: %s dBTP, "
  .. "sample peak %.2f dBFS", tostring(m.truepeak), sp)
check(m.correlation and m.correlation > 0.999, "the same signal left and right: correlation %s (want +1)", tostring(m.correlation))
m = master_after([[
tempo(120)
patch "p" (function(v) return sine(v.freq) * 0.5 end)
track "l" { patch = "p", notes = "a4", legato = 1, pan = -1 }
track "r" { patch = "p", notes = "a4", legato = 1, pan = 1, polarity = true }
]])
check(m.correlation and m.correlation < -0.999, "one side's polarity inverted: correlation %s (want -1)", tostring(m.correlation))
m = master_after([[
tempo(120)
patch "p" (function(v) return sine(v.freq) * 0.5 end)
track "l" { patch = "p", notes = "a4", legato = 1, pan = -1 }
track "r" { patch = "p", notes = "e5", legato = 1, pan = 1 }
]])
check(m.correlation and math.abs(m.correlation) < 0.05, "unrelated pitches left and right: correlation %s (want about 0)", tostring(m.correlation))
print(("measured: master true peak %.2f dBTP over a sample peak of %.2f dBFS; correlation of unrelated pitches %+.3f")
  :format(m_tp or 0, m_sp or 0, m.correlation or 0))
local txt = capture(Mv.mix)
check(txt:find("true peak %-?[%d.]+ dBTP; correlation [%+%-]0%.%d%d"), "mix() prints the master's true peak and correlation: %s",
  tostring(line_of(txt, "true peak")))

print(("test_mixview: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
