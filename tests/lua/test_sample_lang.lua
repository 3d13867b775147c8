-- test_sample_lang.lua — samples and Strudel's effect names in the language, checked through what
-- the scheduler sends (lute.trace): "bd:3" and s(); slice, splice, loopAt, chop, striate and fit as
-- regions and speeds; onsets = true slices at the detected onsets; stretch = and pitch = as
-- prepared variants (cached, their lengths); kit = "lute"; bounce{}; room, delay, lpf ... as
-- parameter changes on the events' frames and buses of the track's own; the rule for cutoff; the
-- wavetable unit; errors that say what would be right.  (tests/e2e/test_sound_examples measures the
-- same in rendered audio.)
--
--   lute exec tests/lua/test_sample_lang.lua
local core = require "lute.core"
local sample = require "lute.sample"
local kits = require "kits"
local Snd = require "lute.sound"
local S = lute._state
local passed, failed = 0, 0
local function check(ok, fmt, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

local BAR = 96000          -- 120 bpm, 4/4, 48 kHz
local function run(src, frames, params)
  lute.stop()
  S.stopped_by_user = false
  messages = {}
  local ok, e = lute.eval(src, "song.lua")
  if not ok then return nil, e end
  lute.trace(true, params and "params" or nil)
  core.render(frames or BAR)
  local out = {}
  for _, x in ipairs(lute.trace()) do
    x.at = x.frame - S.origin
    out[#out + 1] = x
  end
  return out
end
local function samples_of(tr)
  local o = {}
  for _, x in ipairs(tr or {}) do if x.sample then o[#o + 1] = x end end
  return o
end
local function near(a, b, eps) return a ~= nil and b ~= nil and math.abs(a - b) <= (eps or 1e-9) end
local function fails(src, ...)
  local ok, e = lute.eval(src, "song.lua")
  if ok then return false, "evaluated" end
  for _, w in ipairs({ ... }) do if not e:find(w, 1, true) then return false, e end end
  return true, e
end

-- A 16-bit mono WAV written by hand (the test needs no writer).
local function write_wav(path, x)
  local data = {}
  for i = 1, #x do data[i] = string.pack("<i2", math.floor(math.max(-1, math.min(1, x[i])) * 32767 + 0.5)) end
  local pcm = table.concat(data)
  local f = assert(io.open(path, "wb"))
  f:write("RIFF", string.pack("<I4", 36 + #pcm), "WAVE", "fmt ", string.pack("<I4I2I2I4I4I2I2", 16, 1, 1, 48000, 96000, 2, 16),
          "data", string.pack("<I4", #pcm), pcm)
  f:close()
end
local out = os.getenv("OUT") or "tests/out"
os.execute("mkdir -p " .. out)
local tone = out .. "/sl-tone.wav"
do
  local x = {}
  for i = 1, 24000 do x[i] = 0.5 * math.sin(2 * math.pi * 440 * (i - 1) / 48000) end
  write_wav(tone, x)
end
local hits = out .. "/sl-hits.wav"
local hit_frames = { 0, 7000, 19000, 30000 }
do
  local x, r = {}, 12345
  for i = 1, 40000 do x[i] = 0 end
  for k, a in ipairs(hit_frames) do
    local b = hit_frames[k + 1] or 40000
    for i = a, b - 1 do
      r = (r * 1103515245 + 12345) % 2147483648
      x[i + 1] = (r / 2147483648 - 0.5) * math.exp(-(i - a) / 2000)
    end
  end
  write_wav(hits, x)
end

-- ---- names: "bd:3", s(), variants ------------------------------------------------------------------
local k808 = assert(kits.load("808"))
local tr = samples_of(run([[tempo(120) track "d" { kit = "808", s = "bd:1 sd bd:3 [hh, oh]" }]]))
local want = { k808:resolve("bd:1"), k808:resolve("sd"), k808:resolve("bd:3"), k808:resolve("hh"), k808:resolve("oh") }
local got = {}
for i, x in ipairs(tr) do got[i] = x.sample end
check(#got >= 5 and got[1] == want[1] and got[2] == want[2] and got[3] == want[3] and want[1] ~= k808:resolve("bd"),
      "\"bd:1 sd bd:3\" plays the kit's variants: %s (want %s %s %s)", table.concat(got, " "), want[1], want[2], want[3])
tr = samples_of(run([[tempo(120) track "d" { kit = "808", s = s("bd:1 sd"):n(0) }]]))
check(#tr >= 2 and tr[1].sample == k808:resolve("bd:1") and tr[1].at == 0 and tr[2].at == 48000,
      "s(\"bd:1 sd\") is a pattern of sounds (the n of a \"name:n\" value is the name's)")
tr = samples_of(run([[tempo(120) track "d" { kit = "808", s = mini("bd*2"):n("<0 1>") }]], 2 * BAR))
check(#tr >= 4 and tr[1].sample == k808:resolve("bd:0") and tr[3].sample == k808:resolve("bd:1"),
      "s = mini(\"bd*2\"):n(\"<0 1>\"): n picks the variant per bar")

-- ---- regions and speeds ----------------------------------------------------------------------------
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", s = mini("sample"):slice(4, "3 ~ 1 0") }]]):format(tone)))
check(#tr >= 3 and near(tr[1].opts.begin, 0.75) and near(tr[1].opts["end"], 1) and tr[2].at == 48000 and near(tr[2].opts.begin, 0.25)
      and near(tr[3].opts.begin, 0) and near(tr[3].opts["end"], 0.25), "slice(4, \"3 ~ 1 0\"): regions 3/4..1, 1/4..1/2, 0..1/4 on the index pattern's steps")
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", s = mini("sample"):slice({0, 0.1, 0.6}, "2 5") }]]):format(tone)))
check(#tr >= 2 and near(tr[1].opts.begin, 0.6) and near(tr[1].opts["end"], 1) and near(tr[2].opts.begin, 0.6),
      "slice with a list of points: slice 2 is 0.6 .. 1, and indices wrap (5 of 3 is 2)")
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", s = mini("sample"):splice(4, "3 [1 2]") }]]):format(tone)))
-- a quarter of a 0.5 s sample (0.125 s) fills half a bar (1 s): speed 0.125; in the second half, a quarter bar (0.5 s): 0.25
check(#tr >= 3 and near(tr[1].opts.speed, 0.125, 1e-6) and near(tr[2].opts.speed, 0.25, 1e-6) and tr[2].at == 48000 and tr[3].at == 72000,
      "splice(4, \"3 [1 2]\"): each quarter's speed fills its step: %s %s", tr[1] and tr[1].opts.speed, tr[2] and tr[2].opts.speed)
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", s = mini("sample"):loopAt(2):chop(4) }]]):format(tone), 2 * BAR))
-- loopAt(2): the 0.5 s sample lasts 2 bars (4 s): speed 0.125; chop(4) after it cuts the two bars in 4
check(#tr >= 4 and near(tr[1].opts.speed, 0.125, 1e-6) and tr[2].at == 48000 and near(tr[2].opts.begin, 0.25) and tr[4].at == 144000,
      "loopAt(2):chop(4): four pieces on half bars, each at the speed that makes the whole last two bars")
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", s = mini("sample"):striate(2) }]]):format(tone)))
check(#tr >= 2 and near(tr[1].opts["end"], 0.5) and near(tr[2].opts.begin, 0.5) and tr[2].at == 48000,
      "striate(2): first half, then second half")
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", s = mini("sample sample"):fit() }]]):format(tone)))
check(#tr >= 2 and near(tr[1].opts.speed, 24000 / 48000, 1e-6), "fit(): the sample lasts its event (half a bar, 1 s: speed 0.5): %s",
      tr[1] and tr[1].opts.speed)
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", chop = 4, fit = 1, notes = "3 2" }]]):format(tone)))
check(#tr >= 2 and near(tr[1].opts.begin, 0.75) and near(tr[1].opts.speed, 24000 / 96000, 1e-6),
      "chop = 4, fit = 1 (fields): slice 3, the sample lasting a bar")

-- ---- onsets = true ---------------------------------------------------------------------------------
local hs = assert(sample.load(hits))
local det = hs:onsets()
tr = samples_of(run(([[tempo(120) track "h" { sample = "%s", onsets = true, notes = "0 1 2 3 4" }]]):format(hits)))
local ok_on = #tr >= 5 and #det == 4
for i = 1, 4 do
  local x = tr[i]
  ok_on = ok_on and x and near(x.opts.begin, det[i] / hs:frames()) and near(x.opts["end"], (det[i + 1] or hs:frames()) / hs:frames())
end
check(ok_on and near(tr[5].opts.begin, tr[1].opts.begin), "onsets = true: note i plays from onset i to onset i+1 (%s detected: %s; "
      .. "the hits are at %s); note 4 wraps to 0", #det, table.concat(det, " "), table.concat(hit_frames, " "))
local worst = 0
for i, f in ipairs(hit_frames) do worst = math.max(worst, math.abs((det[i] or 1e9) - f)) end
check(worst <= 48, "the detected onsets are within 1 ms of the hits: worst %d frames", worst)
tr = samples_of(run(([[tempo(120) track "h" { sample = "%s", onsets = true, s = mini("sample"):slice(16, "2 1") }]]):format(hits)))
check(#tr >= 2 and near(tr[1].opts.begin, det[3] / hs:frames()), "slice(16, ...) on a track with onsets = true picks the onset slices")

-- ---- stretch and pitch -----------------------------------------------------------------------------
local t0 = os.clock()
tr = samples_of(run(([[tempo(120) track "t" { sample = "%s", stretch = 2, pitch = -12, notes = "c4" }]]):format(tone)))
local first = os.clock() - t0
local d = S.tracks.t and S.tracks.t.def
local v = d and d.play_samples and d.play_samples[tr[1].sample + 1]
check(tr[1] and tr[1].sample == 1 and v and v:frames() == 48000, "stretch = 2: the track plays a prepared variant twice as long: %s frames",
      v and v:frames())
t0 = os.clock()
run(([[tempo(120) track "t" { sample = "%s", stretch = 2, pitch = -12, notes = "c4" }]]):format(tone))
local again = os.clock() - t0
check(again < first / 3 or again < 0.02, "the variant is made once: %.3f s the first time, %.3f s again", first, again)
tr = samples_of(run([[tempo(120) track "d" { kit = "rock", s = mini("sd sd"):vel("0.3 1"):stretch("<1 1.5>") }]], 2 * BAR))
d = S.tracks.d.def
local rock = d.kit_obj
local layers = #rock.sounds.sd[1].layers
local nvar = 0
for _ in pairs(d.variants or {}) do nvar = nvar + 1 end
check(#tr >= 4 and tr[1].sample < #rock.samples and tr[3].sample >= #rock.samples and nvar >= layers,
      "per event: stretch(\"<1 1.5>\") plays the kit's own sample in bar 1 and a variant in bar 2; every velocity layer of the "
      .. "snare is prepared (%d variants, %d layers)", nvar, layers)
local r, e = run([[tempo(120) track "d" { kit = "808", s = mini("bd"):stretch("<1 1 1 1 1 1 1 1 1.25>") }]], 9 * BAR)
check(r and #samples_of(r) >= 8 and #messages > 0 and messages[1]:find("not ready", 1, true),
      "a stretch first used after the bars prepared at evaluation is skipped with a message: %s", messages[1])

-- ---- kit = "lute" ----------------------------------------------------------------------------------
local kl = assert(kits.load("lute"))
local names = table.concat(kl.names, " ")
check(names == "bd cb cp cr hh ht lt mt oh rd rim sd", "kit = \"lute\" has %s", names)
check(kits.load("lute") == kl, "kit = \"lute\" is made once (per rate)")
local _, _, _, cut_hh = kl:resolve("hh")
local _, _, _, cut_oh = kl:resolve("oh")
check(cut_hh == 1 and cut_oh == 1, "its closed hat cuts the open one (choke group 1)")
local ok_len = true
for _, n in ipairs(kl.names) do
  local i = kl:resolve(n)
  local smp = kl.samples[i + 1]
  if not (smp:frames() > 100 and smp:duration() < kits.LUTE_SECONDS) then ok_len = false end
end
check(ok_len, "every sound of the lute kit is a sample of sound (not empty, not cut at the render's limit)")
local prog = Snd.resolve_patch("kick", "test").program
local a = sample.render(prog, { note = 60 })
local b = sample.render(prog, { note = 60 })
check(a:hash() == b:hash() and a:channels() == 1, "sample.render: the same arguments give the same samples; a mono patch renders mono")
check(not pcall(sample.render, prog, { controls = { nope = 1 } }), "sample.render: an unknown control is an error")

-- ---- bounce{} --------------------------------------------------------------------------------------
local bl = Snd.bounce{ kit = "808", s = "bd sd", bars = 2, bpm = 100 }
check(bl:frames() == math.floor(2 * 4 * 60 / 100 * 48000 + 0.5), "bounce{ bars = 2, bpm = 100 } is two bars long: %d frames", bl:frames())
check(Snd.bounce{ kit = "808", s = "bd sd", bars = 2, bpm = 100 } == bl, "bounce{} with the same arguments is made once")
check(not pcall(Snd.bounce, { kit = "808", s = "bd zz" }), "bounce{}: a sound the kit lacks is an error")

-- ---- Strudel's effect names ------------------------------------------------------------------------
local function params_of(trace)
  local o = {}
  for _, x in ipairs(trace or {}) do if x.param then o[#o + 1] = x end end
  return o
end
local function find(ps, name, at)
  for _, x in ipairs(ps) do if x.param == name and (at == nil or x.at == at) then return x end end
end
local ps = params_of(run([[tempo(120) track "d" { kit = "808", s = mini("bd sd"):room("<0.5 0>"), lpf = 2000 }]], 2 * BAR, true))
local s0, s1 = find(ps, "send.d.room", 0), find(ps, "send.d.room", BAR)
check(s0 and near(s0.value, 20 * math.log(0.5, 10), 1e-9) and s1 and s1.value == -120 and not find(ps, "send.d.room", 48000),
      "room(\"<0.5 0>\"): the send to the track's reverb bus at -6.02 dB on bar 1's first event, -120 on bar 2's, nothing in "
      .. "between (unchanged values are not sent again)")
check(find(ps, "st_lpf.cutoff", 0) and find(ps, "st_lpf.cutoff", 0).value == 2000 and core.mix_handle("d.room") and not core.mix_handle("d.delay"),
      "lpf = 2000 on the insert st_lpf; a bus \"d.room\", no delay bus")
ps = params_of(run([[tempo(120) track "d" { kit = "808", s = "bd", delay = 0.3, delaytime = 0.125, delayfb = 0.6, size = 3, room = 0.1 }]], BAR, true))
check(find(ps, "d.delay:st_delay.time") and find(ps, "d.delay:st_delay.time").value == 0.125 and find(ps, "d.delay:st_delay.feedback").value == 0.6
      and find(ps, "d.room:st_room.decay").value == 3, "delaytime, delayfb (= delayfeedback) and size reach the buses' effects")
run([[tempo(120) track "d" { kit = "808", s = "bd" }]])
check(not core.mix_handle("d.room") and not core.mix_handle("d.delay"), "a track that no longer uses room or delay has no buses left")
-- the rule for cutoff
ps = params_of(run([[tempo(120) track "s" { notes = mini("c4 e4"):cutoff("<300 900>") }]], BAR, true))
check(find(ps, "cutoff", 0) and not find(ps, "st_lpf.cutoff"), "per-event cutoff on the built-in synth is its own filter")
ps = params_of(run([[tempo(120) track "d" { kit = "808", s = mini("bd sd"):cutoff(700) }]], BAR, true))
check(find(ps, "st_lpf.cutoff", 0) and find(ps, "st_lpf.cutoff", 0).value == 700, "per-event cutoff on a sample track is Strudel's lpf")
ps = params_of(run([[tempo(120) track "k" { patch = "kick", notes = "c2", cutoff = 300 }]], BAR, true))
check(S.tracks.k and S.tracks.k.def.sfx and S.tracks.k.def.sfx.lpf == 300, "cutoff = 300 on a patch without a cutoff control is Strudel's lpf")
ps = params_of(run([[tempo(120) track "a" { patch = "acid", notes = "c2", cutoff = 300, room = "<0 0.2>" }]], 2 * BAR, true))
check(S.tracks.a and S.tracks.a.def.params.cutoff == 300 and find(ps, "send.a.room", BAR),
      "cutoff on a patch with a cutoff control is its control; room = \"<0 0.2>\" a per-event value of its notes")

-- a patch control named like a track field (clap's width) is that patch's; the field stays the strip's elsewhere
run([[tempo(120) track "c" { patch = "clap", notes = "c4", width = 0.3 } track "a" { notes = "c4", width = 0.5 }]])
check(S.tracks.c.def.params.width == 0.3 and S.tracks.a.def.width == 0.5 and S.tracks.a.def.params.width == nil,
      "width on the clap patch's track is its control; on the synth's track it is still the strip's stereo width")

-- ---- the wavetable unit ----------------------------------------------------------------------------
check(lute.eval([[tempo(120) patch "wt" (function(v) return wavetable("basic", v.freq, 0.5) * 0.2 end)
  track "w" { patch = "wt", notes = "a3" }]], "song.lua"), "wavetable(\"basic\", freq, position) compiles")
check(lute.eval([[tempo(120) patch "wt2" (function(v) return wavetable({1, 4, 0, 1, 0, -1}, v.freq) * 0.2 end)
  track "w" { patch = "wt2", notes = "a3" }]], "song.lua"), "wavetable({frames, length, samples...}, freq) compiles")
check(fails([[patch "wt3" (function(v) return wavetable("nope", v.freq) end)]], "song.lua:1", "nope", "basic"),
      "an unknown built-in table names the built-in ones")

-- ---- help("units") --------------------------------------------------------------------------------
local text = require("lute_help").topics.units
local missing = {}
for _, u in ipairs(core.units()) do
  if not u.name:match("^saw_lpf") and u.name ~= "vca_pan" and not (text:find(u.signature, 1, true) and text:find(u.example, 1, true)) then
    missing[#missing + 1] = u.name
  end
end
check(#missing == 0 and text:find("unison(", 1, true) and text:find("mix{", 1, true),
      "help(\"units\") lists every unit with its signature and example (missing: %s)", table.concat(missing, " "))

-- ---- mistakes ---------------------------------------------------------------------------------------
local cases = {
  { [[track "d" { kit = "808", s = "bd", room = 3 }]], { "song.lua:1", "room", "0 .. 2" } },
  { [[track "d" { kit = "808", s = "bd", attack = 0.1 }]], { "song.lua:1", "attack", "built-in synth" } },
  { [[track "d" { notes = "c4", stretch = 2 }]], { "song.lua:1", "stretch", "tracks of samples" } },
  { ([[track "d" { sample = "%s", chop = 4, onsets = true, notes = "0" }]]):format(tone), { "song.lua:1", "chop", "onsets" } },
  { [[track "k" { patch = "kick", notes = mini("c2"):cutoff(300) }]], { "song.lua:1", "lpf" } },
  { [[track "d" { kit = "808", s = mini("bd"):stretch(100) }]], { "song.lua:1", "stretch", "1/64 .. 64" } },
  { [[track "d" { kit = "808", s = "bd", onsets = "yes" }]], { "song.lua:1", "onsets" } },
  { [[track "d" { kit = "808", s = "bd", lpf = 300, cutoff = 500 }]], { "song.lua:1", "cutoff and lpf" } },
  { [[track "d" { kit = "lutee", s = "bd" }]], { "song.lua:1", "lute" } },
  { [[track "d" { sample = bounce{ kit = "808" }, notes = "c4" }]], { "song.lua:1", "bounce: s" } },
}
for i, cs in ipairs(cases) do
  local ok, e = fails(cs[1], table.unpack(cs[2]))
  check(ok, "mistake %d names %s: %s", i, table.concat(cs[2], ", "), e)
end

print(("test_sample_lang.lua: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
