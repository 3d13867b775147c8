-- test_sampler.lua — lute.sample and the kits module from Lua: the 808 and GM Rock kits load from
-- Hydrogen's drumkit.xml with Strudel's names, variants wrap, velocity picks the GM Rock kit's
-- layers, the toms of both kits rise in pitch lt < mt < ht (measured), a folder of files and a
-- table of files make kits, kits are cached, and a missing file is an error naming it.
--
--   lute exec tests/lua/test_sampler.lua
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../lua/?.lua;" .. package.path

local sample = require "lute.sample"
local kits = require "kits"

local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
end
local out = os.getenv("OUT") or "tests/out"
local function base(p) return p and p:match("[^/]+$") end

-- A 16-bit mono WAV of `n` frames of a sine at `freq` (written by hand: the test needs no writer).
local function write_wav(path, freq, n, rate)
  rate = rate or 48000
  local data = {}
  for i = 0, n - 1 do
    data[#data + 1] = string.pack("<i2", math.floor(12000 * math.sin(2 * math.pi * freq * i / rate) + 0.5))
  end
  local pcm = table.concat(data)
  local f = assert(io.open(path, "wb"))
  f:write("RIFF", string.pack("<I4", 36 + #pcm), "WAVE", "fmt ", string.pack("<I4I2I2I4I4I2I2", 16, 1, 1, rate, rate * 2, 2, 16),
          "data", string.pack("<I4", #pcm), pcm)
  f:close()
end

-- The fundamental of a drum by autocorrelation over 2048 frames from 10 ms in: the highest peak
-- after the autocorrelation first falls below zero (the main lobe around lag 0), lags 40..1200.
local function pitch(s)
  local x = s:read(480, math.min(2048 + 1200, s:frames() - 480))
  local function ac(l) local acc = 0; for i = 1, 2048 do acc = acc + x[i] * (x[i + l] or 0) end; return acc end
  local l = 40
  while l < 1200 and ac(l) > 0 do l = l + 1 end
  local best, lag = -math.huge, l
  for k = l, 1200 do
    local a = ac(k)
    if a > best then best, lag = a, k end
  end
  return 48000 / lag
end

-- ---- lute.sample ---------------------------------------------------------------------------------
local hydrogen = "/usr/share/hydrogen/data/drumkits"
local s, err = sample.load(hydrogen .. "/TR808EmulationKit/808_Kick_Long.flac", 48000)
check(s and s:channels() == 1 and s:rate() == 48000 and s:source_rate() == 44100, "a FLAC loads at 48 kHz: %s", tostring(err))
if s then
  check(math.abs(s:duration() - 52734 / 44100) < 1e-4 and s:frames() == math.floor(52734 * 48000 / 44100 + 0.5),
        "its length in frames follows the rate: %d", s:frames())
  check(#s:hash() == 16 and s:hash() == sample.load(hydrogen .. "/TR808EmulationKit/808_Kick_Long.flac", 44100):hash(),
        "the hash names the file's audio, whatever the rate")
  local t = s:stretch(2)
  check(t and t:frames() == 2 * s:frames(), "stretch 2 doubles the length")
  check(#s:onsets() == 1 and s:onsets()[1] == 0, "one onset, at frame 0")
  check(tostring(s):find("808_Kick_Long.flac", 1, true), "tostring names the file")
end
local r, m = sample.load(out .. "/no-such-file.wav")
check(r == nil and m == out .. "/no-such-file.wav: No such file or directory", "missing file: nil, %s", tostring(m))
local f = assert(io.open(out .. "/not-audio.wav", "w")); f:write("hello"); f:close()
r, m = sample.load(out .. "/not-audio.wav")
check(r == nil and m:find(out .. "/not-audio.wav: not an audio file", 1, true), "text file: nil, %s", tostring(m))
check(not pcall(sample.load), "no path: a Lua error")
local ok, e = pcall(sample.kit, { s, 5 })
check(not ok and e:find("item 2: expected a sample", 1, true), "a kit of a non-sample: %s", tostring(e))
if s then
  ok, e = pcall(s.stretch, s, 0)
  check(not ok and e:find("time ratio", 1, true), "stretch 0 is misuse: %s", tostring(e))
  local k = sample.kit{ s, s }
  check(#k == 2 and k:sample(1):frames() == s:frames(), "a kit of two")
end

-- ---- the 808 ------------------------------------------------------------------------------------
local k808, kerr = kits.load("808")
check(k808, "kit 808 loads: %s", tostring(kerr))
if k808 then
  check(#k808.kit == 16, "16 samples in the 808 kit (%d)", #k808.kit)
  local want = { bd = "808_Kick_Long.flac", ["bd:1"] = "808_Kick_Short.flac", ["bd:2"] = "808_Kick_Long.flac",
                 sd = "808_Snare_1.flac", ["sd:1"] = "808_Snare_2.flac", hh = "808_Hat_Closed.flac", ["hh:1"] = "808_Hat_Pedal.flac",
                 oh = "808_Hat_Open.flac", cp = "808_Clap.flac", lt = "808_Tom_Low.flac", mt = "808_Tom_Mid.flac",
                 ht = "808_Tom_Hi.flac", cr = "808_Cymbal.flac", cb = "808_Cowbell.flac", sh = "808_Shaker.flac",
                 cl = "808_Clave.flac", cg = "808_Conga.flac", kick_short = "808_Kick_Short.flac", ["bd:-1"] = "808_Kick_Short.flac" }
  for name, file in pairs(want) do
    local i = k808:resolve(name)
    check(i and base(k808:file(i)) == file, "808 %s plays %s (got %s)", name, file, i and base(k808:file(i)))
  end
  local i, g, p = k808:resolve("lt")
  check(math.abs(g - 0.77) < 1e-9 and math.abs(p + 0.48) < 1e-9, "808 lt keeps Hydrogen's volume 0.77 and pan -0.48")
  local ni, nerr = k808:resolve("zz")
  check(ni == nil and nerr:find("has no sound 'zz'", 1, true) and nerr:find("bd cb cg cl", 1, true), "unknown name: %s", tostring(nerr))
  local pl, pm, ph = pitch(k808.samples[k808:resolve("lt") + 1]), pitch(k808.samples[k808:resolve("mt") + 1]),
                     pitch(k808.samples[k808:resolve("ht") + 1])
  check(pl < pm and pm < ph, "808 toms rise: lt %.1f Hz < mt %.1f Hz < ht %.1f Hz", pl, pm, ph)
  print(string.format("  808 toms: lt %.1f Hz, mt %.1f Hz, ht %.1f Hz", pl, pm, ph))
  for _, name in ipairs{ "bd", "sd", "hh", "oh", "cp", "cr", "cb", "sh", "cl", "cg" } do
    local x = k808.samples[k808:resolve(name) + 1]:read()
    local peak = 0
    for _, v in ipairs(x) do peak = math.max(peak, math.abs(v)) end
    check(peak > 0.02 and peak < 2 and peak == peak, "808 %s sounds (peak %.3f)", name, peak)
  end
end

-- ---- the GM Rock kit: velocity layers ----------------------------------------------------------
local t0 = os.clock()
local rock, rerr = kits.load("rock")
local load_s = os.clock() - t0
check(rock, "kit rock loads: %s", tostring(rerr))
if rock then
  print(string.format("  rock kit: %d samples loaded in %.2f s of CPU", #rock.kit, load_s))
  check(#rock.kit == 86, "86 samples (17 instruments x 5 layers + a clap): %d", #rock.kit)
  local layers = { { 0.0, "Snare-Softest.wav" }, { 0.1, "Snare-Softest.wav" }, { 0.2028, "Snare-Softest.wav" },
                   { 0.2029, "Snare-Soft.wav" }, { 0.3, "Snare-Soft.wav" }, { 0.5, "Snare-Med.wav" },
                   { 0.7, "Snare-Hard.wav" }, { 0.85, "Snare-Hardest.wav" }, { 1.0, "Snare-Hardest.wav" }, { 7, "Snare-Hardest.wav" } }
  for _, c in ipairs(layers) do
    local i = rock:index("sd", 0, c[1])
    check(base(rock:file(i)) == c[2], "rock sd at velocity %g plays %s (got %s)", c[1], c[2], base(rock:file(i)))
  end
  check(base(rock:file(rock:index("sd", 1, 0.5))) == "SnareRimshot-Med.wav", "rock sd:1 is the rimshot")
  check(base(rock:file(rock:index("rim", 0, 0.1))) == "SideStick-Softest.wav", "rock rim is the side stick")
  check(base(rock:file(rock:index("rd", 1, 0.1))) == "24Ride-1.wav" and base(rock:file(rock:index("rd", 1, 0.9))) == "24Ride-5.wav",
        "rock rd:1 (Ride 2) picks its layers listed high to low")
  check(base(rock:file(rock:index("hh", 1, 0.5))) == "HatPedal-Med.wav" and base(rock:file(rock:index("oh", 1, 0.5))) == "HatSemiOpen-Med.wav",
        "rock hh:1 pedal, oh:1 semi-open")
  check(base(rock:file(rock:index("cp", 0, 0.1))) == "HandClap.wav", "one clap for every velocity")
  local _, g, p = rock:index("hh", 0, 1)
  check(math.abs(g - 0.685345) < 1e-6 and math.abs(p + 0.52) < 1e-9, "rock hh keeps volume 0.685 and pan -0.52 (%g, %g)", g, p)
  local pl, pm, ph = pitch(rock.samples[rock:index("lt", 0, 0.5) + 1]), pitch(rock.samples[rock:index("mt", 0, 0.5) + 1]),
                     pitch(rock.samples[rock:index("ht", 0, 0.5) + 1])
  check(pl < pm and pm < ph, "rock toms rise: lt %.1f Hz < mt %.1f Hz < ht %.1f Hz", pl, pm, ph)
  print(string.format("  rock toms: lt %.1f Hz, mt %.1f Hz, ht %.1f Hz", pl, pm, ph))
  -- velocity layers get louder
  local function rms(x) local a = 0; for _, v in ipairs(x) do a = a + v * v end; return math.sqrt(a / #x) end
  local soft = rms(rock.samples[rock:index("sd", 0, 0.05) + 1]:read(0, 9600))
  local hard = rms(rock.samples[rock:index("sd", 0, 0.95) + 1]:read(0, 9600))
  check(hard > 2 * soft, "the hardest snare layer is louder than the softest (%.1f dB)", 20 * math.log(hard / soft, 10))
  print(string.format("  rock snare: the hardest layer is %.1f dB louder than the softest", 20 * math.log(hard / soft, 10)))
  -- cached: loading again reuses the kit and its samples
  t0 = os.clock()
  local again = kits.load("rock")
  local again_ms = (os.clock() - t0) * 1000
  check(rawequal(again, rock), "loading rock again returns the cached kit (%.1f ms)", again_ms)
  print(string.format("  rock kit again: %.2f ms (cached)", again_ms))
  check(rawequal(kits.load("GMRockKit"), kits.load(hydrogen .. "/GMRockKit")) and rawequal(kits.load("GMRockKit"), rock),
        "rock, GMRockKit and its folder are the same kit")
end

-- ---- a folder of files ---------------------------------------------------------------------------
local dir = out .. "/kit_folder"
os.execute("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "/hh'")
write_wav(dir .. "/kick.wav", 60, 4800)
write_wav(dir .. "/bd.wav", 100, 480)
write_wav(dir .. "/bd2.wav", 200, 480)
write_wav(dir .. "/bd3.wav", 300, 480)
write_wav(dir .. "/snare_02.wav", 500, 480)
write_wav(dir .. "/snare_01.wav", 400, 480, 44100)
write_wav(dir .. "/hh/b.wav", 900, 480)
write_wav(dir .. "/hh/a.wav", 800, 480)
f = assert(io.open(dir .. "/notes.txt", "w")); f:write("not a sample"); f:close()
local fk, ferr = kits.load(dir)
check(fk, "a folder kit loads: %s", tostring(ferr))
if fk then
  check(table.concat(fk.names, " ") == "bd hh kick snare", "names from file and folder names: %s", table.concat(fk.names, " "))
  local cases = { kick = "kick.wav", bd = "bd.wav", ["bd:1"] = "bd2.wav", ["bd:2"] = "bd3.wav", ["bd:3"] = "bd.wav",
                  snare = "snare_01.wav", ["snare:1"] = "snare_02.wav", hh = "a.wav", ["hh:1"] = "b.wav" }
  for name, file in pairs(cases) do
    local i = fk:resolve(name)
    check(i and base(fk:file(i)) == file, "folder %s plays %s (got %s)", name, file, i and base(fk:file(i)))
  end
  check(fk.samples[fk:resolve("snare") + 1]:source_rate() == 44100 and fk.samples[fk:resolve("snare") + 1]:rate() == 48000,
        "a 44.1 kHz file in the folder plays at 48 kHz")
  check(rawequal(kits.load(dir), fk), "the folder kit is cached")
  write_wav(dir .. "/cp.wav", 700, 480)
  local fk2 = kits.load(dir)
  check(fk2 and not rawequal(fk2, fk) and fk2:resolve("cp") ~= nil, "a file added to the folder is seen on the next load")
  check(fk2 and rawequal(fk2.samples[fk2:resolve("kick") + 1], fk.samples[fk:resolve("kick") + 1]),
        "the files that did not change are not read again")
end
os.execute("mkdir -p '" .. out .. "/kit_empty'")
local ek, eerr = kits.load(out .. "/kit_empty")
check(ek == nil and eerr:find("holds no audio files", 1, true), "an empty folder: %s", tostring(eerr))

-- ---- a table of files -----------------------------------------------------------------------------
local tk, terr = kits.load({ bd = "kick.wav", sd = { "snare_01.wav", "snare_02.wav" } }, { base = dir })
check(tk and base(tk:file(tk:resolve("bd"))) == "kick.wav" and base(tk:file(tk:resolve("sd:1"))) == "snare_02.wav"
      and base(tk:file(tk:resolve("sd:2"))) == "snare_01.wav", "a table kit: %s", tostring(terr))
local mk, merr = kits.load({ bd = "kick.wav", sd = "missing.wav" }, { base = dir })
check(mk == nil and merr == "kit table: sd: " .. dir .. "/missing.wav: No such file or directory",
      "a missing file in a table is named: %s", tostring(merr))
mk, merr = kits.load({ "kick.wav" }, { base = dir })
check(mk == nil and merr:find("keys are sound names", 1, true), "a list is not a kit: %s", tostring(merr))

-- ---- unknown kits ----------------------------------------------------------------------------------
local uk, uerr = kits.load("909")
check(uk == nil and uerr:find("kit 909: not a kit name (808, lute, rock)", 1, true), "an unknown kit: %s", tostring(uerr))
uk, uerr = kits.load(out .. "/no-such-folder")
check(uk == nil and uerr:find("no-such-folder", 1, true), "a missing folder: %s", tostring(uerr))

-- ---- drumkit.xml formats -----------------------------------------------------------------------------
local old_xml = [[<drumkit_info><name>Old &amp; Gold</name><instrumentList>
<instrument><id>0</id><name>Kick &amp; Co</name><volume>0.5</volume><pan_L>1</pan_L><pan_R>0.5</pan_R><muteGroup>2</muteGroup>
<layer><filename>k1.wav</filename><min>0</min><max>0.5</max><gain>1</gain></layer>
<layer><filename>k2.wav</filename><min>0.5</min><max>1</max><gain>0.8</gain></layer></instrument>
<instrument><id>1</id><name>Open HiHat</name><filename>oh.wav</filename></instrument>
<instrument><id>2</id><name>Muted</name><isMuted>true</isMuted><filename>m.wav</filename></instrument>
</instrumentList></drumkit_info>]]
local kname, ins = kits.parse_hydrogen(old_xml, "/kits/old")
check(kname == "Old & Gold" and #ins == 2 and ins[1].name == "Kick & Co" and #ins[1].layers == 2 and ins[1].layers[2].gain == 0.8
      and ins[1].layers[2].file == "/kits/old/k2.wav" and ins[1].pan == -0.5 and ins[1].gain == 0.5 and ins[1].cut == 3
      and ins[2].layers[1].file == "/kits/old/oh.wav", "older drumkit.xml (layers in the instrument, pan_L/pan_R, a lone filename)")
check(kits.guess("Open HiHat") == "oh" and kits.guess("Kick & Co") == "bd" and kits.guess("Tom Floor") == "lt" and
      kits.guess("Cowbell") == "cb" and kits.guess("Ride Bell") == "rd" and kits.guess("Rimshot") == "rim" and kits.guess("Foo") == nil,
      "names guessed for other Hydrogen kits")
check(select(1, kits.file_name("bd2.wav")) == "bd" and select(2, kits.file_name("bd2.wav")) == 2 and
      select(1, kits.file_name("808.wav")) == "808" and select(2, kits.file_name("808.wav")) == nil and
      select(1, kits.file_name("HH Open-03.flac")) == "HH Open", "file names split into name and number")

print(string.format("test_sampler_lua: %d passed, %d failed", passed, failed))
if failed > 0 then os.exit(1) end
