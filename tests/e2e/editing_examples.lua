-- editing_examples.lua — measures an editing example from inside lute, for test_editing_examples:
--
--   lute exec tests/e2e/editing_examples.lua examples/25-comp-takes.lua BARS
--
-- Evaluates the example as `lute` evaluates a script file, plays BARS bars offline with the trace
-- on, and prints one JSON object: the clips as rendered (lengths to the frame, and what each
-- example teaches measured in the clip's own samples — a comp's regions against its takes and the
-- steps at its joins; a quantized take's onsets against the grid; the bleed left after strip
-- silence; replacement triggers against the hits they replace; MIDI notes against the table),
-- and the frames the scheduler started clips and notes on.  The Python test judges the figures.
local core = require "lute.core"
local Cl = require "lute.clips"
local Ed = require "edit"
local Demo = require "demo_takes"
local S = lute._state

local path, bars = arg[1], tonumber(arg[2] or "8")
local name = path:match("([^/]+)%.lua$")
local f = assert(io.open(path, "r"))
local code = f:read("a")
f:close()
Cl.script(path)
local msgs = {}
lute.message = function(fmt, ...) msgs[#msgs + 1] = string.format(fmt, ...) end
local ok, err = lute.eval(code, path)
if not ok then io.stderr:write(tostring(err), "\n"); os.exit(1) end
local ctx = Cl.context()
local rate = core.rate()

local function json(v)
  local t = type(v)
  if t == "table" then
    if #v > 0 or next(v) == nil then
      local parts = {}
      for i, x in ipairs(v) do parts[i] = json(x) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys, parts = {}, {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = ("%q:%s"):format(tostring(k), json(v[k])) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return math.type(v) == "integer" and tostring(v) or ("%.17g"):format(v)
  end
  if t == "string" then return ("%q"):format(v):gsub("\\\n", "\\n") end
  return tostring(v)
end

-- The largest step |x[i] - x[i-1]| of a buffer over [a, b).
local function max_step(buf, a, b) return buf:max_step(math.max(1, a), math.min(buf:frames(), b)) end

-- Play the example with the trace on.
local origin_before = S.origin
lute.trace(true)
local bar_frames = math.floor(ctx.frame_of_beat(ctx.meter) + 0.5)
local total = bars * bar_frames
local done = 0
while done < total do
  local n = math.min(rate * 10, total - done)
  core.render(n)
  done = done + n
end
local trace = lute.trace()
local origin = S.origin

local out = { example = name, rate = rate, bar = bar_frames, origin = origin, clips = {}, starts = {}, notes = {}, samples = {} }
for _, x in ipairs(trace) do
  if x.clip then out.starts[#out.starts + 1] = { track = x.track, frame = x.frame - origin, index = x.clip, begin = x.begin or 0, dur = x.dur or 0 }
  elseif x.sample then out.samples[#out.samples + 1] = { track = x.track, frame = x.frame - origin, vel = x.vel }
  elseif x.note then out.notes[#out.notes + 1] = { track = x.track, frame = x.frame - origin, note = x.note, vel = x.vel } end
end
for cname, desc in pairs(Cl.history.clips) do
  local buf, pos = Ed.render(desc, cname)
  out.clips[cname] = { frames = buf:frames(), pos = pos, peak = buf:peak() }
end

-- ---- 25: the comp's regions and joins --------------------------------------------------------
local lead = Cl.history.clips.vox_lead
if lead then
  local buf, pos = Ed.render(lead)
  local xf = math.floor((lead.xfade or 0.01) * rate + 0.5)
  local regions, joins = {}, {}
  for i, r in ipairs(lead) do
    local take = r[1]
    local tb = take:buffer()
    local a, b = Ed.frame_of(r[2]), Ed.frame_of(r[3])
    local lo = i == 1 and a or a + xf // 2 + 1
    local hi = i == #lead and b or b - xf // 2 - 1
    -- the comp against each take over this region: only its own take is sample for sample equal
    local diffs = {}
    for k, other in ipairs(Ed.takes("vox")) do
      local ob = other:buffer()
      local m = 0
      for fr = lo, hi - 1, 3 do
        local d = math.abs(buf:sample(fr - pos) - ob:sample(fr - (other.start or 0)))
        if d > m then m = d end
      end
      diffs[k] = m
    end
    regions[i] = { take = take.number, from = a, to = b, diff = diffs }
    if i > 1 then
      -- the largest step within the crossfade against the steady signal on either side (the 250 ms
      -- before and after it, the material's own largest step)
      joins[#joins + 1] = { at = a, step = max_step(buf, a - pos - xf, a - pos + xf),
                            steady = math.max(max_step(buf, a - pos - xf - 12000, a - pos - xf), max_step(buf, a - pos + xf, a - pos + xf + 12000)) }
    end
  end
  out.comp = { frames = buf:frames(), pos = pos, xfade = xf, regions = regions, joins = joins }
  out.melody = Demo.MELODY
  out.bpm = Demo.BPM
end

-- ---- 26: quantize, strip silence, replacement --------------------------------------------------
local kick = Cl.history.clips.kick
if kick then
  local step = ctx.frame_of_beat(0.25)
  local function grid_err(onsets)
    local worst = 0
    for _, o in ipairs(onsets) do
      local g = math.floor(o / step + 0.5) * step
      worst = math.max(worst, math.abs(o - g))
    end
    return worst
  end
  local function frames_of(list, pos0) local o = {} for i, x in ipairs(list) do o[i] = x.frame + (pos0 or 0) end return o end
  local kb, kpos = Ed.render(kick)
  local raw = Ed.clip{ take = kick.take }
  local rb = Ed.render(raw)
  local ob = Ed.render(Cl.history.clips.overheads)
  local rawover = Ed.render(Ed.clip{ take = Cl.history.clips.overheads.take })
  local kon, ron = frames_of(kb:onsets{}), frames_of(rb:onsets{})
  local oon, roon = frames_of(ob:onsets{}), frames_of(rawover:onsets{})
  -- bleed: the level where the snare is hit on beat 2 of each bar (no kick within 0.6 s before)
  local groove = Demo.groove(rate, 4)
  local bleed_raw, bleed_clip = 0, 0
  for _, hh in ipairs(groove) do
    if hh.sound == "sd" and (hh.grid // step) % 16 == 4 then
      for fr = hh.frame, hh.frame + 2400 do bleed_raw = math.max(bleed_raw, math.abs(rb:sample(fr))) end
      for fr = hh.grid - 2400, hh.grid + 4800 do bleed_clip = math.max(bleed_clip, math.abs(kb:sample(fr))) end
    end
  end
  local trig = {}
  for _, s in ipairs(out.samples) do if s.track == "boom" and s.frame < total then trig[#trig + 1] = s.frame end end
  -- each trigger against the nearest hit of the edited kick clip (as placed at bars 1 and 5)
  local worst = 0
  for _, t in ipairs(trig) do
    local best = math.huge
    for _, k in ipairs(kon) do
      for _, at in ipairs({ 0, 4 * 4 * ctx.frame_of_beat(1) }) do best = math.min(best, math.abs(t - (k + at))) end
    end
    worst = math.max(worst, best)
  end
  out.drums = { frames = kb:frames(), step = step, kick_onsets = kon, raw_kick_onsets = ron, kick_grid_err = grid_err(kon),
                raw_kick_grid_err = grid_err(ron), over_onsets = #oon, over_grid_err = grid_err(oon), raw_over_onsets = #roon,
                raw_over_grid_err = grid_err(roon), bleed_raw = bleed_raw, bleed_clip = bleed_clip, triggers = trig,
                trigger_err = worst, raw_peak = rb:peak(), peak = kb:peak() }
end

-- ---- 27: the pasted MIDI clip -------------------------------------------------------------------
if name:match("midi") then
  local t = S.tracks.played
  out.midi = { beat = ctx.frame_of_beat(1) }
end

io.write(json(out), "\n")
