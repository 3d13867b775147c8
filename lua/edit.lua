-- edit.lua — non-destructive editing in Lua: takes as listed by their sidecar, clips and comps as
-- plain descriptions rendered through lute.edit (core/edit), and an edit history with undo, redo
-- and a printout of every edit as Lua (the script is the truth).
--
--   local E = require "edit"
--   E.context{ folder = "song/takes", bpm = 96, meter = 4, origin = 0 }   -- or frame_of_beat/beat_of_frame
--   local t = E.takes("vox")                        -- every take of track vox, by number
--   local verse = E.clip{ take = t[3], from = "2:1", to = "6:1", fade_in = 0.01, fade_out = 0.05, gain = -2 }
--   local buf, at = E.render(verse)                 -- a lute.edit buffer, and its timeline frame
--   local lead = E.comp{ { t[1], "1:1", "3:1" }, { t[3], "3:1", "5:3" }, { t[2], "5:3", "9:1" }, xfade = 0.02 }
--
-- Positions: an integer is a frame of the source (the take file), "2:1" is bar 2 beat 1 of the
-- song (beats may have decimals, "5:2.5"), "1.25s" is seconds into the source.  Song positions
-- become source frames by the tempo map (the context) less the take's start frame, so a take
-- recorded at bar 2 is cut where the song is, not where the file is.  Durations (fades) are
-- seconds.  Rendering order, whatever order the fields were written in: cut the region (silence
-- outside the source), reverse, stretch and pitch, strip silence, quantize, normalize, clip-gain
-- envelope, gain, fades — so the fades always end on an exact 0.
--
-- History: every edit made through the commands (E.install puts them in the globals: trim, split,
-- move, fade_in, fade_out, gain, envelope, normalize, reverse, stretch, pitch, strip_silence,
-- quantize_audio; and undo, redo, edits) is a pure function from the clip's old description to a
-- new one; the history keeps both, so undo and redo are exact, and edits() prints the calls that
-- were made, ready to paste into the script.
local LE = require "lute.edit"
local LT = require "lute.take"

local E = {}
local floor = math.floor

-- ---------------------------------------------------------------------------------------------
-- Context: where the takes are, and the song's time
-- ---------------------------------------------------------------------------------------------
local ctx = {}

-- E.context{ folder =, rate =, bpm =, meter =, origin =, frame_of_beat =, beat_of_frame =,
--            frame_of_position = } — zero fields mean: rate 48000, 120 bpm, 4 beats a bar, bar 1 at
-- frame 0, folder "takes".  The lead passes the tempo map's two directions.
function E.context(o)
  o = o or {}
  ctx = { folder = o.folder or "takes", rate = o.rate or 48000, meter = o.meter or 4, origin = o.origin or 0,
          bpm = o.bpm or 120, frame_of_beat = o.frame_of_beat, beat_of_frame = o.beat_of_frame,
          frame_of_position = o.frame_of_position }
  local fpb = ctx.rate * 60 / ctx.bpm
  -- What a render depends on besides the description: the same positions read at another tempo
  -- cut other frames, so the render cache keys on this too.
  ctx.key = (ctx.frame_of_beat or ctx.beat_of_frame or ctx.frame_of_position)
    and ("%s|%s|%s|%s"):format(tostring(ctx.frame_of_beat), tostring(ctx.beat_of_frame), tostring(ctx.frame_of_position), ctx.meter)
    or ("%d|%.17g|%.17g|%d"):format(ctx.rate, ctx.bpm, ctx.meter, ctx.origin)
  ctx.frame_of_beat = ctx.frame_of_beat or function(b) return ctx.origin + floor(b * fpb + 0.5) end
  ctx.beat_of_frame = ctx.beat_of_frame or function(f) return (f - ctx.origin) / fpb end
  return ctx
end
E.context()

-- "bar:beat" -> beats from bar 1 beat 1.
local function beats_of_position(s, where)
  local bar, beat = s:match("^%s*(%d+)%s*:%s*([%d%.]+)%s*$")
  beat = beat and tonumber(beat)
  if not bar or not beat or tonumber(bar) < 1 or beat < 1 then
    error(("%s: position '%s' is not bar:beat (bars and beats from 1, e.g. \"2:1\" or \"5:2.5\"), a frame (an integer) or seconds (\"1.5s\")")
      :format(where, s), 0)
  end
  return (tonumber(bar) - 1) * ctx.meter + (beat - 1)
end

-- A song position ("2:1") as a timeline frame.
function E.frame_of(pos, where)
  where = where or "position"
  if math.type(pos) == "integer" then return pos end
  if type(pos) ~= "string" then error(("%s: a position is \"bar:beat\" or a frame, not %s"):format(where, tostring(pos)), 0) end
  if ctx.frame_of_position then return ctx.frame_of_position(pos) end
  return ctx.frame_of_beat(beats_of_position(pos, where))
end

-- A position as a frame of a source that starts at timeline frame `start` at rate `rate`.
local function source_frame(pos, start, rate, where)
  if math.type(pos) == "integer" then return pos end
  if type(pos) == "string" then
    local secs = pos:match("^%s*([%d%.]+)%s*s%s*$")
    if secs and tonumber(secs) then return floor(tonumber(secs) * rate + 0.5) end
    return E.frame_of(pos, where) - start
  end
  error(("%s: a position is \"bar:beat\", a frame (an integer) or seconds (\"1.5s\"), not %s"):format(where, tostring(pos)), 0)
end

local function seconds(v, where)
  if type(v) ~= "number" or v < 0 or v ~= v then error(("%s: a length in seconds (>= 0), not %s"):format(where, tostring(v)), 0) end
  return v
end

-- ---------------------------------------------------------------------------------------------
-- Takes
-- ---------------------------------------------------------------------------------------------
local Take = {}
Take.__index = Take
Take.__tostring = function(t) return ("take %s #%d (%s, %d frames from %d)"):format(t.track or "?", t.number or 0, t.file, t.frames or 0, t.start or 0) end

local buffers = setmetatable({}, { __mode = "v" })   -- path..hash -> buffer, kept while used

-- The take's audio (loaded once while it is in use).
function Take:buffer()
  local key = self.path .. "#" .. tostring(self.hash)
  local b = buffers[key]
  if not b then
    local msg
    b, msg = LE.load(self.path)
    if not b then error(("take %s: %s"):format(self.file, msg), 0) end
    buffers[key] = b
  end
  return b
end

-- E.takes([track] [, folder]) -> the takes in the folder's takes.lua, by number, with what the
-- sidecar says of each (file, path, track, number, state, start, rate, channels, frames, lost,
-- hash, time, note, message).  A take whose process died while recording is recovered first.
function E.takes(track, folder)
  folder = folder or ctx.folder
  LT.recover_folder(folder)
  local f = io.open(folder .. "/takes.lua", "r")
  if not f then return {} end
  local by_file, order = {}, {}
  local env = { take = function(t)
    local e = by_file[t.file]
    if not e then e = setmetatable({ path = folder .. "/" .. t.file }, Take); by_file[t.file] = e; order[#order + 1] = e end
    for k, v in pairs(t) do e[k] = v end
  end }
  for line in f:lines() do
    if line:match("^take{") then
      local chunk = load(line, "takes.lua", "t", env)   -- a line cut by a crash does not load: skipped
      if chunk then pcall(chunk) end
    end
  end
  f:close()
  local out = {}
  for _, e in ipairs(order) do
    if (not track or e.track == track) and e.state ~= "missing" then out[#out + 1] = e end
  end
  table.sort(out, function(a, b) if a.track ~= b.track then return tostring(a.track) < tostring(b.track) end return (a.number or 0) < (b.number or 0) end)
  return out
end

-- take("vox", 3) -> that take (what the history prints for a take).
function E.take(track, number, folder)
  for _, t in ipairs(E.takes(track, folder)) do if t.number == number then return t end end
  error(("there is no take %d of '%s' in %s/takes.lua"):format(number, tostring(track), folder or ctx.folder), 0)
end

-- ---------------------------------------------------------------------------------------------
-- Descriptions
-- ---------------------------------------------------------------------------------------------
local CLIP_FIELDS = { take = true, file = true, from = true, to = true, at = true, fade_in = true, fade_out = true,
  gain = true, envelope = true, normalize = true, reverse = true, stretch = true, pitch = true, formants = true,
  strip_silence = true, quantize = true, name = true }

local function copy(t)
  if type(t) ~= "table" or getmetatable(t) == Take then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = copy(v) end
  return setmetatable(c, getmetatable(t))
end

local Desc = {}
Desc.__index = Desc

-- E.clip{ take = t | file = "path", from =, to =, at =, fade_in = s | { s, "curve" }, fade_out =,
--         gain = dB, envelope = { { pos, dB }, ... }, normalize = { peak = dB } | { lufs = LUFS },
--         reverse = true, stretch = ratio, pitch = semitones, formants = true,
--         strip_silence = { threshold = dB, min = s, pre = s, post = s },
--         quantize = { grid = "1/16", strength = 1 } } -> a description (nothing is rendered yet).
function E.clip(spec, where)
  where = where or "clip"
  if type(spec) ~= "table" then error(where .. ": a clip is a table: { take = t[1], from = \"2:1\", to = \"6:1\" }", 0) end
  for k in pairs(spec) do
    if type(k) ~= "string" or not CLIP_FIELDS[k] then
      local names = {}
      for n in pairs(CLIP_FIELDS) do names[#names + 1] = n end
      table.sort(names)
      error(("%s: unknown field '%s'; a clip has %s"):format(where, tostring(k), table.concat(names, ", ")), 0)
    end
  end
  if (spec.take == nil) == (spec.file == nil) then error(where .. ": a clip needs a take (take = t[3]) or a file (file = \"x.wav\"), one of them", 0) end
  local d = setmetatable(copy(spec), Desc)
  d.kind = "clip"
  return d
end

-- E.comp{ { take, from, to }, ..., xfade = seconds, shape = "power" | "gain" } -> a description.
-- Regions are song positions (bar:beat or timeline frames), in order, touching or apart.
function E.comp(spec, where)
  where = where or "comp"
  if type(spec) ~= "table" or #spec == 0 then error(where .. ": a comp lists regions: { { t[1], \"1:1\", \"3:1\" }, ..., xfade = 0.02 }", 0) end
  for i, r in ipairs(spec) do
    if type(r) ~= "table" or getmetatable(r[1]) ~= Take or r[2] == nil or r[3] == nil then
      error(("%s: region %d is { take, from, to } (a take from takes(), two positions)"):format(where, i), 0)
    end
  end
  local d = setmetatable(copy(spec), Desc)
  d.kind = "comp"
  return d
end

-- ---------------------------------------------------------------------------------------------
-- Rendering
-- ---------------------------------------------------------------------------------------------
local cache = setmetatable({}, { __mode = "v" })

local as_key = false          -- while true, a take is written by its file and content, for the render cache

local function ser(v, seen)
  local tv = type(v)
  if tv == "string" then return ("%q"):format(v) end
  if tv == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    for p = 1, 17 do local s = ("%." .. p .. "g"):format(v); if tonumber(s) == v then return s end end
    return ("%.17g"):format(v)
  end
  if tv == "boolean" or tv == "nil" then return tostring(v) end
  if tv == "table" then
    if getmetatable(v) == Take then
      if as_key then return ("take(%q, %q)"):format(v.path, tostring(v.hash)) end
      return ("take(%q, %d)"):format(v.track, v.number)
    end
    seen = seen or {}
    if seen[v] then error("edit: a description cannot contain itself", 0) end
    seen[v] = true
    local parts, n = {}, #v
    for i = 1, n do parts[#parts + 1] = ser(v[i], seen) end
    local keys = {}
    for k in pairs(v) do if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local ks = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or ("[" .. ser(k, seen) .. "]")
      parts[#parts + 1] = ks .. " = " .. ser(v[k], seen)
    end
    seen[v] = nil
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  error(("edit: cannot write a %s as Lua"):format(tv), 0)
end
E.ser = ser

local function fade_spec(v, where)
  if type(v) == "table" then return seconds(v[1], where), v[2] or "linear" end
  return seconds(v, where), "linear"
end

-- The timeline frame where a clip's first frame plays: its `at`, or where its region is in the song.
local function clip_position(d, src_start, from)
  if d.at ~= nil then return E.frame_of(d.at, "clip at") end
  return src_start + from
end

local function quantize_buffer(buf, q, pos, where)
  local grid = q.grid or "1/16"
  local gb = require("clip").grid_beats(grid)
  local strength = q.strength == nil and 1 or q.strength
  if type(strength) ~= "number" or strength < 0 or strength > 1 then error(where .. ": quantize strength is 0 .. 1", 0) end
  local on = buf:onsets(q.onsets or {})
  local src, tgt = {}, {}
  for _, o in ipairs(on) do
    local b = ctx.beat_of_frame(pos + o.frame)
    local g = floor(b / gb + 0.5) * gb
    local t = ctx.frame_of_beat(b + strength * (g - b)) - pos
    if #tgt == 0 or t > tgt[#tgt] then src[#src + 1] = o.frame; tgt[#tgt + 1] = t end   -- two on one line: the first stays
  end
  local pre = q.pre and floor(seconds(q.pre, where) * buf:rate() + 0.5) or floor(buf:rate() / 500)
  return buf:move_slices(src, tgt, pre), #on - #src
end

local function render_clip(d, where)
  local src, start
  if d.take then
    if getmetatable(d.take) ~= Take then error(where .. ": take = must be a take from takes()", 0) end
    src, start = d.take:buffer(), d.take.start or 0
  else
    local msg
    src, msg = LE.load(d.file)
    if not src then error(where .. ": " .. msg, 0) end
    start = 0
  end
  local rate = src:rate()
  local from = d.from ~= nil and source_frame(d.from, start, rate, where .. " from") or 0
  local to = d.to ~= nil and source_frame(d.to, start, rate, where .. " to") or src:frames()
  if to < from then error(("%s: it ends (%s) before it starts (%s)"):format(where, tostring(d.to), tostring(d.from)), 0) end
  local pos = clip_position(d, start, from)
  local b = src:trim(from, to)
  if d.reverse then b = b:reverse() end
  if d.stretch or d.pitch then
    b = b:stretch{ ratio = d.stretch or 1, semitones = d.pitch or 0, formants = d.formants }
  end
  if d.strip_silence then
    local s = d.strip_silence
    local regions = b:strip_silence{ threshold = s.threshold or -50, min = floor((s.min or 0.05) * rate + 0.5),
                                     pre = floor((s.pre or 0) * rate + 0.5), post = floor((s.post or 0) * rate + 0.5) }
    b = b:keep(regions, floor(0.002 * rate + 0.5))
  end
  if d.quantize then b = quantize_buffer(b, d.quantize, pos, where) end
  if d.normalize then b = b:normalize(d.normalize) end
  if d.envelope then
    local pts = {}
    for i, p in ipairs(d.envelope) do
      if type(p) ~= "table" or p[1] == nil or type(p[2]) ~= "number" then error(("%s: envelope point %d is { position, dB }"):format(where, i), 0) end
      local f = math.type(p[1]) == "integer" and p[1] or (source_frame(p[1], start, rate, where .. " envelope") - from)
      pts[i] = { f, p[2] }
    end
    table.sort(pts, function(x, y) return x[1] < y[1] end)
    b = b:envelope(pts)
  end
  if d.gain and d.gain ~= 0 then b = b:gain(d.gain) end
  if d.fade_in then local s, c = fade_spec(d.fade_in, where .. " fade_in"); b = b:fade_in(floor(s * rate + 0.5), c) end
  if d.fade_out then local s, c = fade_spec(d.fade_out, where .. " fade_out"); b = b:fade_out(floor(s * rate + 0.5), c) end
  return b, pos
end

local function render_comp(d, where)
  local takes, index, regions = {}, {}, {}
  for i, r in ipairs(d) do
    local t = r[1]
    if not index[t] then
      takes[#takes + 1] = { t:buffer(), t.start or 0 }
      index[t] = #takes
    end
    regions[i] = { index[t], E.frame_of(r[2], ("%s region %d"):format(where, i)), E.frame_of(r[3], ("%s region %d"):format(where, i)) }
  end
  local rate = takes[1][1]:rate()
  local xf = floor(seconds(d.xfade or 0.01, where .. " xfade") * rate + 0.5)
  local b = LE.comp(takes, regions, xf, d.shape or "power")
  local pos = regions[1][2]
  if d.gain and d.gain ~= 0 then b = b:gain(d.gain) end
  return b, pos
end

-- E.render_key(desc) -> the text that names a render: the description (takes by file and content)
-- and the time it is read in.  Equal keys render to equal buffers.
function E.render_key(d)
  as_key = true
  local ok, key = pcall(ser, d)
  as_key = false
  if not ok then error(key, 0) end
  return key .. "@" .. ctx.key
end

-- E.render(desc [, name]) -> buffer, timeline frame of its first frame.  The same description gives
-- the same buffer (cached while in use), bit for bit.
function E.render(d, name)
  local where = name and ((d.kind == "comp" and "comp '%s'" or "clip '%s'"):format(name)) or (d.kind or "clip")
  local key = E.render_key(d)
  local hit = cache[key]
  if hit then return hit, cache[key .. "@"] end
  local b, pos
  if d.kind == "comp" then b, pos = render_comp(d, where) else b, pos = render_clip(d, where) end
  cache[key] = b
  cache[key .. "@"] = pos
  return b, pos
end

-- ---------------------------------------------------------------------------------------------
-- Edits: pure functions from a description to a new one
-- ---------------------------------------------------------------------------------------------
local ops = {}

local function need_clip(d, op)
  if d.kind ~= "clip" then error(("%s works on clips; this is a %s"):format(op, tostring(d.kind)), 0) end
end

function ops.trim(d, from, to)
  need_clip(d, "trim")
  local n = copy(d)
  if from ~= nil then n.from = from end
  if to ~= nil then n.to = to end
  return n
end

-- split(d, at) -> the part before `at`, the part from `at` on (both keep their place in the song).
function ops.split(d, at)
  need_clip(d, "split")
  local a, b = copy(d), copy(d)
  a.to, b.from = at, at
  a.fade_out, b.fade_in = nil, nil
  if d.at ~= nil then   -- a moved clip: the second part follows the first
    local start, rate = d.take and d.take.start or 0, d.take and d.take.rate or ctx.rate
    local f0 = d.from ~= nil and source_frame(d.from, start, rate, "split") or 0
    b.at = E.frame_of(d.at, "split") + (source_frame(at, start, rate, "split") - f0)
  end
  return a, b
end

function ops.move(d, at) local n = copy(d); n.at = at; return n end
function ops.fade_in(d, secs, curve) need_clip(d, "fade_in"); local n = copy(d); n.fade_in = curve and { secs, curve } or secs; return n end
function ops.fade_out(d, secs, curve) need_clip(d, "fade_out"); local n = copy(d); n.fade_out = curve and { secs, curve } or secs; return n end
function ops.gain(d, db) local n = copy(d); n.gain = db; return n end
function ops.envelope(d, pts) need_clip(d, "envelope"); local n = copy(d); n.envelope = copy(pts); return n end
function ops.normalize(d, spec) need_clip(d, "normalize"); local n = copy(d); n.normalize = copy(spec); return n end
function ops.reverse(d, on) need_clip(d, "reverse"); local n = copy(d); if on == false then n.reverse = nil else n.reverse = true end; return n end
function ops.stretch(d, ratio) need_clip(d, "stretch"); local n = copy(d); n.stretch = ratio ~= 1 and ratio or nil; return n end
function ops.pitch(d, semis) need_clip(d, "pitch"); local n = copy(d); n.pitch = semis ~= 0 and semis or nil; return n end
function ops.strip_silence(d, spec) need_clip(d, "strip_silence"); local n = copy(d); n.strip_silence = copy(spec or {}); return n end
function ops.quantize_audio(d, grid, strength) need_clip(d, "quantize_audio"); local n = copy(d); n.quantize = { grid = grid, strength = strength }; return n end
E.ops = ops

-- ---------------------------------------------------------------------------------------------
-- Analysis: onsets and sample replacement
-- ---------------------------------------------------------------------------------------------
local function bar_beat(frame)
  local b = ctx.beat_of_frame(frame)
  local bar = floor(b / ctx.meter + 1e-9)
  return ("%d:%.3f"):format(bar + 1, b - bar * ctx.meter + 1):gsub("%.?0+$", "")
end

-- E.onsets(desc, opts) -> { { frame = timeline frame, at = "bar:beat", db =, strength = }, ... }
function E.onsets(d, opts)
  local b, pos = E.render(d)
  local out = {}
  for i, o in ipairs(b:onsets(opts)) do out[i] = { frame = pos + o.frame, at = bar_beat(pos + o.frame), db = o.db, strength = o.strength } end
  return out
end

-- E.replace(desc, { note = 36, range = 40 dB, threshold =, min_gap = }) -> a MIDI clip (lua/clip.lua)
-- with one note per hit of the drum take, velocity from the hit's level (127 for the loudest), to
-- trigger a kit sample: clip:lua() prints it, clip:pattern() plays it.
function E.replace(d, o)
  o = o or {}
  local Clip = require "clip"
  local on = E.onsets(d, o)
  local vel = LE.velocities(on, o.range or 40)
  local notes = {}
  local len = floor(ctx.rate * (o.length or 0.05) + 0.5)
  for i, h in ipairs(on) do notes[i] = { on = h.frame, off = h.frame + len, note = o.note or 36, vel = vel[i] } end
  return Clip.new{ rate = ctx.rate, beat_of = ctx.beat_of_frame, frame_of = ctx.frame_of_beat, meter = ctx.meter, notes = notes }
end

-- ---------------------------------------------------------------------------------------------
-- History
-- ---------------------------------------------------------------------------------------------
local History = {}
History.__index = History

-- E.history() -> a history of clips by name.  on_change(name, desc or nil) is called after every
-- change (edit, undo, redo), for the lead to render and hand the result to the sampler.
function E.history(on_change)
  return setmetatable({ clips = {}, done = {}, undone = {}, on_change = on_change }, History)
end

local function shallow(t) local c = {}; for k, v in pairs(t) do c[k] = v end; return c end

-- Transactions: h:begin() remembers the clips and both stacks; h:abort() puts them back (an
-- evaluation that failed changed nothing); h:finish() keeps what was done and returns the names
-- that changed since begin.  Descriptions are values that are never changed in place, so shallow
-- copies are enough.  Without begin, every change is final at once (tools, tests).
function History:begin()
  self.snap = { clips = shallow(self.clips), done = shallow(self.done), undone = shallow(self.undone) }
  self.changed = {}
end

function History:abort()
  local s = self.snap
  if not s then return end
  self.clips, self.done, self.undone = s.clips, s.done, s.undone
  self.snap, self.changed = nil, nil
end

function History:finish()
  local changed = self.changed or {}
  self.snap, self.changed = nil, nil
  return changed
end

local function changed(self, name, d)
  if self.changed then self.changed[name] = true end
  if self.on_change then self.on_change(name, d) end
end

-- Declares (or redeclares, from the script) a clip: not an edit, not undone.
function History:define(name, d)
  if type(name) ~= "string" or name == "" then error("a clip needs a name", 0) end
  if getmetatable(d) ~= Desc then d = (d and d[1]) and E.comp(d, ("comp '%s'"):format(name)) or E.clip(d, ("clip '%s'"):format(name)) end
  self.clips[name] = d
  changed(self, name, d)
  return d
end

function History:get(name) return self.clips[name] end

local function call_text(op, args, n)
  local parts = {}
  for i = 1, n do parts[i] = ser(args[i]) end
  return ("%s(%s)"):format(op, table.concat(parts, ", "))
end

local function apply(self, changes)
  for name, d in pairs(changes) do
    self.clips[name] = d or nil
    changed(self, name, d or nil)
  end
end

-- history:edit(op, name, ...) applies E.ops[op] to clip `name`.  split also takes the new part's
-- name: edit("split", "vox", "4:1", "vox_b").  Returns the new description(s).
function History:edit(op, name, ...)
  local f = ops[op]
  if not f then
    local names = {}
    for k in pairs(ops) do names[#names + 1] = k end
    table.sort(names)
    error(("unknown edit '%s'; the edits are %s"):format(tostring(op), table.concat(names, ", ")), 0)
  end
  local d = self.clips[name]
  if not d then
    local names = {}
    for k in pairs(self.clips) do names[#names + 1] = k end
    table.sort(names)
    error(("%s: there is no clip '%s'%s"):format(op, tostring(name),
      #names > 0 and ("; the clips are " .. table.concat(names, ", ")) or " (no clip is declared)"), 0)
  end
  local args, n = { name, ... }, select("#", ...) + 1
  local before, after = {}, {}
  if op == "split" then
    local at, new_name = ...
    if type(new_name) ~= "string" or new_name == "" then error(("split(%q, %s, NEW_NAME): the part after the split needs a name"):format(name, ser(at)), 0) end
    if self.clips[new_name] then error(("split: a clip '%s' exists already"):format(new_name), 0) end
    local a, b = f(d, at)
    before[name], before[new_name] = d, false
    after[name], after[new_name] = a, b
  else
    local rest = { ... }
    local ok, nd = pcall(f, d, table.unpack(rest, 1, n - 1))
    if not ok then error(("%s: %s"):format(call_text(op, args, n), tostring(nd)), 0) end
    before[name], after[name] = d, nd
  end
  -- The new description must render: an edit that cannot (a bad position, a bad curve) is refused
  -- and changes nothing.
  for nm, nd in pairs(after) do
    local ok, err = pcall(E.render, nd, nm)
    if not ok then error(("%s: %s"):format(call_text(op, args, n), tostring(err)), 0) end
  end
  self.done[#self.done + 1] = { text = call_text(op, args, n), before = before, after = after }
  self.undone = {}
  apply(self, after)
  return after[name], op == "split" and after[select(2, ...)] or nil
end

-- undo() / redo(): the last edit, exactly; false when there is nothing to undo or redo.
function History:undo()
  local e = table.remove(self.done)
  if not e then return false end
  self.undone[#self.undone + 1] = e
  apply(self, e.before)
  return e.text
end

function History:redo()
  local e = table.remove(self.undone)
  if not e then return false end
  self.done[#self.done + 1] = e
  apply(self, e.after)
  return e.text
end

-- The edits made (undone ones left out), one call per line: paste them after the clips'
-- declarations and the script makes the same clips.
function History:lua()
  local lines = {}
  for i, e in ipairs(self.done) do lines[i] = e.text end
  return table.concat(lines, "\n")
end

-- E.install(env, history [, call]) defines the REPL's editing commands in `env` (the globals): trim,
-- split, move, fade_in, fade_out, gain, envelope, normalize, reverse, stretch, pitch, strip_silence,
-- quantize_audio — each `op(clip_name, ...)` — and undo(), redo(), edits(), take(track, n), takes().
-- A name that exists already (gain{...} is an effect, pitch and reverse may be) keeps its old
-- meaning unless the first argument is a string (a clip's name); every command is also reachable
-- as edit.op(...).  `call(fn, ...)`, when given, runs each command (the language runs it inside
-- its evaluation's transaction).
function E.install(env, h, call)
  env = env or _G
  h = h or E.history()
  call = call or function(fn, ...) return fn(...) end
  local cmds = {}
  for op in pairs(ops) do
    cmds[op] = function(name, ...) return call(h.edit, h, op, name, ...) end
    -- An edit names its clip first (a string); where the name is already taken (gain{...} and
    -- pitch are effects and pattern words too), the string decides and the old meaning stays.
    local other = env[op]
    if other == nil then env[op] = cmds[op]
    elseif type(other) == "function" then
      env[op] = function(name, ...)
        if type(name) == "string" then return cmds[op](name, ...) end
        return other(name, ...)
      end
    end
  end
  env.edit = cmds
  local function say(t, what, none) if t then print(what .. t) else print(none) end; return t end
  env.undo = function() return say(call(h.undo, h), "undone: ", "nothing to undo") end
  env.redo = function() return say(call(h.redo, h), "redone: ", "nothing to redo") end
  env.edits = function() local s = h:lua(); print(s ~= "" and s or "-- no edits"); return s end
  env.take = function(track, n) return E.take(track, n) end
  env.takes = function(track) return E.takes(track) end
  return h
end

return E
