-- demo_takes.lua — stand-in recordings for the editing examples and docs: takes written into a
-- takes folder by lute itself, so that comping, strip silence, quantize and sample replacement can
-- be learnt (and tested) without a microphone and without audio files in the repository.
--
--   demo_takes("vox")     -- three sung takes of an 8-bar melody: vox-take-001 .. 003
--   demo_takes("drums")   -- a 4-bar acoustic groove: a close kick mic (kick-take-001) and
--                         -- overheads (drums-take-001)
--
-- Both are at 100 bpm in 4/4 (a bar is 2.4 s), start at bar 1 (take start frame 0), mono, at the
-- engine's rate, and the same every time (no randomness: timing and level offsets come from fixed
-- tables), so a render that edits them is deterministic.  A kind is made once: when takes.lua
-- already lists its takes it returns them.  Two lutes making the same folder at once are kept
-- apart by a lock (a folder `.demo-lock` that mkdir creates or refuses, atomically).
--
-- "vox": a voice-like tone (a harmonic series shaped by the formants of an "ah", vibrato that
-- starts after 150 ms, a 40 ms attack and 80 ms release) sings the melody below.  Each take has its
-- own vibrato rate, so no two takes share a sample, and its own faults, which a comp leaves out:
--   take 1: in tune and in time in bars 1-2; from bar 3 on it goes 45 cents flat
--   take 2: 35 cents sharp until beat 3 of bar 5; from there on the best of the three
--   take 3: 70 ms late in bars 1-2; bars 3 to 5:3 in tune and in time; a wrong note in bar 7
-- "drums": the GM Rock kit (Hydrogen's, installed with hydrogen-data): kick on 1, 2&, 3 and 4&
-- (sixteenths 0, 6, 8, 14), snare on 2 and 4, closed hats on eighths; every step played off the
-- grid by a fixed humanising table (up to 18 ms early or late; hits on one step together) and every
-- hit at its own velocity.  The kick take hears the snare too, 32 dB down (bleed); the overheads
-- hear everything.
local LT = require "lute.take"
local LE = require "lute.edit"
local sample = require "lute.sample"

local M = {}
M.BPM = 100
local floor, sin, pi, exp = math.floor, math.sin, math.pi, math.exp

-- ---------------------------------------------------------------------------------------------
-- The voice
-- ---------------------------------------------------------------------------------------------
-- The melody: { beat, beats, midi note } from bar 1 beat 1 (quarter-note beats).
local MELODY = {
  { 0, 2, 69 }, { 2, 1, 72 }, { 3, 1, 71 },            -- bar 1: a4 c5 b4
  { 4, 3, 69 },                                         -- bar 2: a4
  { 8, 1, 64 }, { 9, 1, 67 }, { 10, 2, 69 },            -- bar 3: e4 g4 a4
  { 12, 2, 72 }, { 14, 2, 71 },                         -- bar 4: c5 b4
  { 16, 2, 74 }, { 18, 1, 72 }, { 19, 1, 71 },          -- bar 5: d5 c5 b4
  { 20, 3, 69 },                                        -- bar 6: a4
  { 24, 1, 67 }, { 25, 1, 69 }, { 26, 1, 71 }, { 27, 1, 72 },   -- bar 7: g4 a4 b4 c5
  { 28, 4, 69 },                                        -- bar 8: a4
}
M.MELODY = MELODY

-- Per take: vibrato rate (Hz), and per note: cents off, seconds late.
local function vox_faults(take, beat, n)
  if take == 1 then return beat >= 8 and -45 or 0, 0, n end
  if take == 2 then return beat < 18 and 35 or 0, 0, n end
  local late = beat < 8 and 0.07 or 0
  if beat == 24 then n = 65 end                          -- take 3 sings f4 for g4 in bar 7
  return 0, late, n
end
local VIBRATO = { 5.3, 5.8, 6.2 }

-- One cycle of an "ah" at f0 Hz: harmonics under 5 kHz, each weighted by 1/k and the formants
-- F1 730 Hz, F2 1090 Hz, F3 2440 Hz (Peterson and Barney's averages for a male /a/).
local TABLE = 2048
local function vowel_table(f0)
  local t = {}
  local amps = {}
  local k = 1
  while f0 * k < 5000 do
    local f = f0 * k
    amps[k] = (0.3 + 3 * exp(-((f - 730) / 130) ^ 2) + 2 * exp(-((f - 1090) / 160) ^ 2) + exp(-((f - 2440) / 220) ^ 2)) / k
    k = k + 1
  end
  local peak = 0
  for i = 0, TABLE - 1 do
    local x, ph = 0, 2 * pi * i / TABLE
    for h = 1, #amps do x = x + amps[h] * sin(h * ph) end
    t[i] = x
    if math.abs(x) > peak then peak = math.abs(x) end
  end
  for i = 0, TABLE - 1 do t[i] = t[i] / peak end
  t[TABLE] = t[0]
  return t
end

-- Float32 samples as a string, in chunks (string.pack takes a bounded number of arguments).
local function pack(x, n)
  local parts, chunk = {}, {}
  for i = 1, n do
    chunk[#chunk + 1] = x[i] or 0
    if #chunk == 4000 or i == n then
      parts[#parts + 1] = string.pack("<" .. ("f"):rep(#chunk), table.unpack(chunk))
      chunk = {}
    end
  end
  return table.concat(parts)
end

-- The take as an edit buffer: each note sung into its own buffer, placed at its frame.
local function sing(take, rate, bars)
  local fpb = rate * 60 / M.BPM
  local total = floor(bars * 4 * fpb + 0.5)
  local out = LE.buffer(total, 1, rate)
  local tables = {}
  for _, m in ipairs(MELODY) do
    local beat, len, note = m[1], m[2], m[3]
    local cents, late, n = vox_faults(take, beat, note)
    local f0 = 440 * 2 ^ ((n - 69 + cents / 100) / 12)
    local tab = tables[n] or vowel_table(440 * 2 ^ ((n - 69) / 12))
    tables[n] = tab
    local frames = floor((len * 60 / M.BPM - 0.03) * rate)       -- a breath between notes
    local att, rel = floor(0.04 * rate), floor(0.08 * rate)
    local x, ph = {}, 0
    local vr = VIBRATO[take]
    for i = 0, frames - 1 do
      local t = i / rate
      local depth = t < 0.15 and 0 or math.min(1, (t - 0.15) / 0.3) * 0.015   -- about 25 cents
      ph = ph + f0 * (1 + depth * sin(2 * pi * vr * t)) / rate
      ph = ph - floor(ph)
      local p = ph * TABLE
      local j = floor(p)
      local v = tab[j] + (tab[j + 1] - tab[j]) * (p - j)
      local env = i < att and i / att or (i >= frames - rel and (frames - i) / rel or 1)
      x[i + 1] = 0.3 * env * v
    end
    local nb = LE.from_floats(pack(x, frames), 1, rate)
    out = out:place(nb, floor(beat * fpb + late * rate + 0.5), 1)
  end
  return out
end

-- ---------------------------------------------------------------------------------------------
-- The drums
-- ---------------------------------------------------------------------------------------------
-- Humanising: seconds early (-) or late (+) for the hits of the i-th sixteenth that has any (the
-- drummer's hands and feet land together: hits on one step share it), and a velocity for the i-th
-- hit (fixed tables).
local SHIFT = { 0.004, -0.012, 0.009, 0.017, -0.006, 0.013, -0.018, 0.002, 0.011, -0.009, 0.015, -0.003, 0.007, -0.015, 0.018, -0.001 }
local VEL = { 1.0, 0.8, 0.92, 0.7, 0.95, 0.85, 0.75, 0.9 }
local KICK, SNARE, HATS = { 0, 6, 8, 14 }, { 4, 12 }, { 0, 2, 4, 6, 8, 10, 12, 14 }

-- The hits of the groove: { frame, grid (the frame it belongs on), sound, vel }, in order.
function M.groove(rate, bars)
  local step = rate * 60 / M.BPM / 4
  local hits, n, shift_of, steps = {}, 0, {}, 0
  for bar = 0, bars - 1 do
    local function add(list, sound)
      for _, s in ipairs(list) do
        n = n + 1
        local k = bar * 16 + s
        if not shift_of[k] then steps = steps + 1; shift_of[k] = SHIFT[(steps - 1) % #SHIFT + 1] end
        local f = floor(k * step + shift_of[k] * rate + 0.5)
        hits[#hits + 1] = { frame = math.max(0, f), grid = floor(k * step + 0.5), sound = sound,
                            vel = VEL[(n - 1) % #VEL + 1] }
      end
    end
    add(KICK, "bd"); add(SNARE, "sd"); add(HATS, "hh")
  end
  table.sort(hits, function(a, b) if a.frame ~= b.frame then return a.frame < b.frame end return a.sound < b.sound end)
  return hits
end

local function drums(rate, bars)
  local kits = require "kits"
  local k, err = kits.load("rock", { rate = rate })
  if not k then error("demo_takes: the drum takes are made from the GM Rock kit (hydrogen-data): " .. tostring(err), 0) end
  local total = floor(bars * 4 * rate * 60 / M.BPM + 0.5)
  local kick, over = LE.buffer(total, 1, rate), LE.buffer(total, 1, rate)
  local cache = {}
  local function buf(sound, vel)
    local idx = k:index(sound, 0, vel)
    local b = cache[idx]
    if not b then
      local s = k.samples[idx + 1]
      b = LE.from_floats(s:floats(), s:channels(), s:rate())
      if b:channels() == 2 then   -- a mono take: the two sides averaged
        local x, f = {}, b:floats()
        for i = 1, b:frames() do
          local l, r = string.unpack("<ff", f, 8 * i - 7)
          x[i] = 0.5 * (l + r)
        end
        b = LE.from_floats(pack(x, #x), 1, rate)
      end
      cache[idx] = b
    end
    return b
  end
  local LEVEL = { kick = { bd = 0.9, sd = 0.025, hh = 0 }, over = { bd = 0.45, sd = 0.7, hh = 0.35 } }
  for _, h in ipairs(M.groove(rate, bars)) do
    local b = buf(h.sound, h.vel)
    if LEVEL.kick[h.sound] > 0 then kick = kick:place(b, h.frame, LEVEL.kick[h.sound] * h.vel) end
    over = over:place(b, h.frame, LEVEL.over[h.sound] * h.vel)
  end
  return kick, over
end

-- ---------------------------------------------------------------------------------------------
-- Writing takes
-- ---------------------------------------------------------------------------------------------
local function write(folder, track, buf)
  local secs = buf:frames() / buf:rate()
  local w, err = LT.open{ folder = folder, name = track, track = track, rate = buf:rate(), channels = buf:channels(),
                          start = 0, ring = math.ceil(secs) + 2 }
  if not w then error("demo_takes: " .. tostring(err), 0) end
  assert(w:write(0, buf:floats()), "demo_takes: the take's ring refused the frames")
  local info = w:close()
  if info.error then error("demo_takes: " .. info.error, 0) end
  return info
end

local function listed(E, folder, track)
  local out = {}
  for _, t in ipairs(E.takes(track, folder)) do if t.state == "done" then out[#out + 1] = t end end
  return out
end

local function sh(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- M.make(kind, folder, E) -> the takes of that kind's first track (E is lua/edit.lua, which lists them).
function M.make(kind, folder, E)
  local want = ({ vox = { "vox" }, drums = { "kick", "drums" } })[kind]
  if not want then error(("demo_takes(\"%s\"): the demo takes are \"vox\" (three sung takes) and \"drums\" (a kick mic and overheads)")
    :format(tostring(kind)), 0) end
  local have = listed(E, folder, want[1])
  if #have >= (kind == "vox" and 3 or 1) and (kind ~= "drums" or #listed(E, folder, "drums") >= 1) then return have end
  os.execute("mkdir -p " .. sh(folder))
  local lock = folder .. "/.demo-lock"
  local waited = 0
  while not os.execute("mkdir " .. sh(lock) .. " 2>/dev/null") do   -- another lute is making them
    os.execute("sleep 0.1")
    waited = waited + 0.1
    if waited > 60 then os.execute("rmdir " .. sh(lock)); waited = 0 end   -- a lock left by a crash
  end
  local ok, err = pcall(function()
    have = listed(E, folder, want[1])
    if kind == "vox" and #have < 3 then
      local rate = sample.rate()
      for take = #have + 1, 3 do write(folder, "vox", sing(take, rate, 8)) end
    elseif kind == "drums" and (#have < 1 or #listed(E, folder, "drums") < 1) then
      local kick, over = drums(sample.rate(), 4)
      if #have < 1 then write(folder, "kick", kick) end
      if #listed(E, folder, "drums") < 1 then write(folder, "drums", over) end
    end
  end)
  os.execute("rmdir " .. sh(lock))
  if not ok then error(err, 0) end
  return listed(E, folder, want[1])
end

return M
