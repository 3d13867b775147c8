-- clip.lua — MIDI recording into clips: notes (with their velocities), controllers and pitch bend
-- at the exact engine frames they arrived, printed back as Lua to paste into a script, quantized
-- into a new clip without ever touching the recorded timing.
--
--   local Clip = require "clip"
--   local rec = Clip.recorder{ rate = 48000, origin = frame_of_bar_1 }   -- or beat_of/frame_of
--   rec:feed{ frame = 123456, bytes = "\x90\x3c\x64" }   -- what core.midi_poll() gives
--   local c = rec:stop(frame)            -- held notes end at `frame`
--   print(c:lua())                       -- a note table: onsets in beats, durations, velocities
--   print(c:lua{ form = "pattern", grid = "1/16" })   -- mini-notation, one cycle per bar
--   local q = c:quantize("1/16", 0.8)    -- a new clip; c keeps its timing
--   track "keys" { notes = q:pattern() } -- or paste what c:lua() printed: midi_clip{ ... }
--
-- Time: a clip keeps frames; beats come from `beat_of(frame)` and frames from `frame_of(beat)`,
-- the tempo map's two directions (beat 0 = bar 1, beat 1; quarter-note beats).  Without them a
-- constant `bpm` (120) from `origin` (frame 0) is used.  `meter` is beats per bar (4).
-- Pairing: a note-off ends the note held on its channel and pitch; a second note-on of a held pitch
-- ends the first one there (a synth cannot sound them apart); note-on with velocity 0 is a note-off.
-- Controllers (the sustain pedal too) and pitch bend are kept as they came and are not quantized.
local R = require "rational"

local Clip = {}
Clip.__index = Clip

local floor = math.floor

-- ---------------------------------------------------------------------------------------------
-- Time
-- ---------------------------------------------------------------------------------------------
local function time_fns(o)
  local rate = o.rate or 48000
  local origin = o.origin or 0
  local bpm = o.bpm or 120
  if o.beat_of and o.frame_of then return o.beat_of, o.frame_of, rate end
  if o.beat_of or o.frame_of then error("clip: give both beat_of and frame_of (the tempo map's two directions), or neither", 3) end
  local fpb = rate * 60 / bpm
  return function(f) return (f - origin) / fpb end, function(b) return origin + floor(b * fpb + 0.5) end, rate
end

-- "1/16" -> 0.25 beats, "1/8t" -> 1/3, "1/4." -> 1.5, a number -> itself (beats).
function Clip.grid_beats(g)
  if type(g) == "number" then
    if g <= 0 then error(("clip: a grid of %s beats; a grid is a positive length"):format(g), 3) end
    return g
  end
  if type(g) ~= "string" then error("clip: a grid is \"1/16\", \"1/8t\", \"1/4.\" or a length in beats", 3) end
  local n, d, mod = g:match("^%s*(%d+)%s*/%s*(%d+)%s*([t%.]?)%s*$")
  if not n or tonumber(d) == 0 or tonumber(n) == 0 then
    error(("clip: grid '%s' is not a note length like \"1/16\", \"1/8t\" (triplet) or \"1/4.\" (dotted)"):format(g), 3)
  end
  local b = 4 * tonumber(n) / tonumber(d)
  if mod == "t" then b = b * 2 / 3 elseif mod == "." then b = b * 1.5 end
  return b
end

-- ---------------------------------------------------------------------------------------------
-- Recording
-- ---------------------------------------------------------------------------------------------
local Rec = {}
Rec.__index = Rec

-- Clip.recorder{ rate =, origin =, bpm =, beat_of =, frame_of =, meter = } -> a recorder.
-- Thread: control (it is fed from the control thread's MIDI poll).
function Clip.recorder(o)
  o = o or {}
  local beat_of, frame_of, rate = time_fns(o)
  return setmetatable({ rate = rate, beat_of = beat_of, frame_of = frame_of, meter = o.meter or 4,
                        notes = {}, ccs = {}, bends = {}, pressure = {}, held = {}, first = nil, last = nil,
                        stray_offs = 0 }, Rec)
end

local function end_note(self, key, frame, off_vel)
  local n = self.held[key]
  if not n then return false end
  n.off = frame > n.on and frame or n.on + 1     -- a note lasts at least a frame
  n.off_vel = off_vel
  self.held[key] = nil
  return true
end

-- One channel message at an engine frame: status, data1, data2 as numbers.
function Rec:message(frame, status, d1, d2)
  if math.type(frame) ~= "integer" then error("clip recorder: a message needs an integer frame", 2) end
  local kind, ch = status & 0xF0, (status & 0x0F) + 1
  self.first = self.first and math.min(self.first, frame) or frame
  self.last = self.last and math.max(self.last, frame) or frame
  if kind == 0x90 and (d2 or 0) > 0 then
    local key = ch * 128 + d1
    end_note(self, key, frame, 64)
    local n = { on = frame, note = d1, vel = d2, ch = ch }
    self.notes[#self.notes + 1] = n
    self.held[key] = n
  elseif kind == 0x80 or kind == 0x90 then
    if not end_note(self, ch * 128 + d1, frame, kind == 0x80 and d2 or 64) then self.stray_offs = self.stray_offs + 1 end
  elseif kind == 0xB0 then
    self.ccs[#self.ccs + 1] = { frame = frame, cc = d1, value = d2, ch = ch }
  elseif kind == 0xE0 then
    self.bends[#self.bends + 1] = { frame = frame, value = (d1 | (d2 << 7)) - 8192, ch = ch }
  elseif kind == 0xD0 then
    self.pressure[#self.pressure + 1] = { frame = frame, value = d1, ch = ch }
  end
end

-- An event as core.midi_poll() returns it: { frame =, bytes = "..." } (one complete message).
function Rec:feed(ev)
  local b = ev.bytes
  if type(b) ~= "string" or #b == 0 then return end
  local s = b:byte(1)
  if s < 0x80 or s >= 0xF0 then return end          -- system messages are not part of a clip
  self:message(ev.frame, s, b:byte(2) or 0, b:byte(3) or 0)
end

-- Ends the recording: notes still held end at `frame`.  Returns the clip.
function Rec:stop(frame)
  frame = frame or self.last or 0
  for key in pairs(self.held) do end_note(self, key, frame, 64) end
  self.held = {}
  local c = Clip.new{ rate = self.rate, beat_of = self.beat_of, frame_of = self.frame_of, meter = self.meter,
                      notes = self.notes, ccs = self.ccs, bends = self.bends, pressure = self.pressure }
  c.stray_offs = self.stray_offs
  return c
end

-- ---------------------------------------------------------------------------------------------
-- Clips
-- ---------------------------------------------------------------------------------------------
local function copy_list(l)
  local out = {}
  for i, e in ipairs(l or {}) do local c = {}; for k, v in pairs(e) do c[k] = v end; out[i] = c end
  return out
end

-- Clip.new{ notes = { {on =, off =, note =, vel =, ch =}, ... }, ccs =, bends =, + time as above }
-- Notes are sorted by onset (then pitch); each gets `beat` and `len` (beats) from the tempo map.
function Clip.new(o)
  local beat_of, frame_of, rate = time_fns(o)
  local c = setmetatable({ rate = rate, beat_of = beat_of, frame_of = frame_of, meter = o.meter or 4,
                           notes = copy_list(o.notes), ccs = copy_list(o.ccs), bends = copy_list(o.bends),
                           pressure = copy_list(o.pressure) }, Clip)
  for i, n in ipairs(c.notes) do
    if math.type(n.on) ~= "integer" or math.type(n.off) ~= "integer" or n.off <= n.on then
      error(("clip: note %d needs integer frames on < off"):format(i), 2)
    end
    n.vel = n.vel or 100
    n.ch = n.ch or 1
    n.beat = n.beat or beat_of(n.on)
    n.len = n.len or (beat_of(n.off) - n.beat)
  end
  table.sort(c.notes, function(a, b) if a.on ~= b.on then return a.on < b.on end return a.note < b.note end)
  local by_frame = function(a, b) return a.frame < b.frame end
  table.sort(c.ccs, by_frame)
  table.sort(c.bends, by_frame)
  return c
end

-- How many whole bars the clip spans from bar 1 (at least one).
function Clip:bars()
  local last = 0
  for _, n in ipairs(self.notes) do last = math.max(last, n.beat + n.len) end
  return math.max(1, math.ceil(last / self.meter - 1e-9))
end

-- clip:quantize(grid, strength [, { ends = true }]) -> a new clip.  Each onset moves `strength`
-- (0..1, default 1) of the way to the nearest grid line; a note keeps its length unless `ends` is
-- set (then its end moves the same way, and the note lasts at least half a grid step).
-- Controllers and bends keep their frames.  The clip itself is left exactly as it was.
function Clip:quantize(grid, strength, opts)
  local g = Clip.grid_beats(grid)
  strength = strength == nil and 1 or strength
  if type(strength) ~= "number" or strength < 0 or strength > 1 then
    error(("clip:quantize: strength %s; it is 0 (nothing) .. 1 (onto the grid)"):format(tostring(strength)), 2)
  end
  opts = opts or {}
  local q = Clip.new{ rate = self.rate, beat_of = self.beat_of, frame_of = self.frame_of, meter = self.meter,
                      notes = {}, ccs = self.ccs, bends = self.bends, pressure = self.pressure }
  for i, n in ipairs(self.notes) do
    local target = floor(n.beat / g + 0.5) * g
    local beat = n.beat + strength * (target - n.beat)
    local len = n.len
    if opts.ends then
      local e = n.beat + n.len
      local et = floor(e / g + 0.5) * g
      len = math.max((e + strength * (et - e)) - beat, g / 2)
    end
    local on = self.frame_of(beat)
    local off = math.max(self.frame_of(beat + len), on + 1)
    q.notes[i] = { on = on, off = off, note = n.note, vel = n.vel, ch = n.ch, off_vel = n.off_vel,
                   beat = beat, len = len }
  end
  table.sort(q.notes, function(a, b) if a.on ~= b.on then return a.on < b.on end return a.note < b.note end)
  q.quantized = { grid = grid, strength = strength }
  return q
end

-- ---------------------------------------------------------------------------------------------
-- Printing
-- ---------------------------------------------------------------------------------------------
local DENS = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 192 }

-- A beat count as Lua text: "3", "1/3", "7/16", or a decimal with 4 places.
local function num(x)
  for _, d in ipairs(DENS) do
    local n = x * d
    if math.abs(n - floor(n + 0.5)) < 1e-6 then
      n = floor(n + 0.5)
      if d == 1 then return tostring(n) end
      return ("%d/%d"):format(n, d)
    end
  end
  return (("%.4f"):format(x):gsub("0+$", ""))
end

local NAMES = { "c", "c#", "d", "d#", "e", "f", "f#", "g", "g#", "a", "a#", "b" }
local function note_name(m) return NAMES[m % 12 + 1] .. tostring(m // 12 - 1) end

local function bar_beat(self, b)
  local bar = floor(b / self.meter + 1e-9)
  return ("%d:%s"):format(bar + 1, num(b - bar * self.meter + 1))
end

-- The note table: midi_clip{ meter =, bars =, { at = beats, dur = beats, note = "c4", vel = 1..127 }, ...,
-- cc = { { at =, cc =, value = }, ... }, bend = { { at =, value = -8192..8191 }, ... } }
local function lua_notes(self)
  local out = { ("midi_clip{ meter = %d, bars = %d,"):format(self.meter, self:bars()) }
  for _, n in ipairs(self.notes) do
    out[#out + 1] = ("  { at = %s, dur = %s, note = %q, vel = %d%s },  -- %s"):format(
      num(n.beat), num(n.len), note_name(n.note), n.vel, n.ch ~= 1 and (", ch = %d"):format(n.ch) or "", bar_beat(self, n.beat))
  end
  if #self.ccs > 0 then
    out[#out + 1] = "  cc = {"
    for _, e in ipairs(self.ccs) do
      out[#out + 1] = ("    { at = %s, cc = %d, value = %d%s },"):format(num(self.beat_of(e.frame)), e.cc, e.value,
        e.ch ~= 1 and (", ch = %d"):format(e.ch) or "")
    end
    out[#out + 1] = "  },"
  end
  if #self.bends > 0 then
    out[#out + 1] = "  bend = {"
    for _, e in ipairs(self.bends) do
      out[#out + 1] = ("    { at = %s, value = %d%s },"):format(num(self.beat_of(e.frame)), e.value,
        e.ch ~= 1 and (", ch = %d"):format(e.ch) or "")
    end
    out[#out + 1] = "  },"
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n")
end

-- The pattern: mini-notation with one cycle per bar, "<[bar 1] [bar 2] ...>", each bar cut into
-- grid steps, a note "c4@3" lasting three steps, "~" a rest; notes that overlap go into voices
-- stacked with ",".  Velocities do not fit in mini-notation: their mean is given as `vel`.
local function lua_pattern(self, grid)
  local g = Clip.grid_beats(grid or "1/16")
  local steps = self.meter / g
  if math.abs(steps - floor(steps + 0.5)) > 1e-9 then
    error(("clip:lua: a bar of %d beats is not a whole number of %s steps"):format(self.meter, tostring(grid)), 3)
  end
  steps = floor(steps + 0.5)
  local q = self:quantize(g, 1, { ends = true })
  local bars = q:bars()
  -- Voices: each note goes to the first voice free at its step.
  local voices = {}
  local vsum = 0
  for _, n in ipairs(q.notes) do
    local s = floor(n.beat / g + 0.5)
    local e = math.max(s + 1, floor((n.beat + n.len) / g + 0.5))
    vsum = vsum + n.vel
    local placed = false
    for _, v in ipairs(voices) do
      local lastn = v[#v]
      if lastn.e <= s then v[#v + 1] = { s = s, e = e, names = { note_name(n.note) } }; placed = true; break end
      if lastn.s == s and lastn.e == e then lastn.names[#lastn.names + 1] = note_name(n.note); placed = true; break end
    end
    if not placed then voices[#voices + 1] = { { s = s, e = e, names = { note_name(n.note) } } } end
  end
  local function voice_text(v)
    local bar_texts = {}
    for b = 0, bars - 1 do
      local lo, hi = b * steps, (b + 1) * steps
      local items, at = {}, lo
      for _, ev in ipairs(v) do
        local s, e = math.max(ev.s, lo), math.min(ev.e, hi)
        if e > s and ev.s >= lo then        -- a note belongs to the bar it starts in (cut at the bar line)
          if s > at then items[#items + 1] = s - at == 1 and "~" or ("~@%d"):format(s - at) end
          local nm = #ev.names == 1 and ev.names[1] or ("[%s]"):format(table.concat(ev.names, ","))
          items[#items + 1] = e - s == 1 and nm or ("%s@%d"):format(nm, e - s)
          at = e
        end
      end
      if at < hi then items[#items + 1] = hi - at == 1 and "~" or ("~@%d"):format(hi - at) end
      bar_texts[#bar_texts + 1] = "[" .. table.concat(items, " ") .. "]"
    end
    if #bar_texts == 1 then return bar_texts[1]:sub(2, -2) end
    return "<" .. table.concat(bar_texts, " ") .. ">"
  end
  local texts = {}
  for _, v in ipairs(voices) do texts[#texts + 1] = voice_text(v) end
  if #texts == 0 then texts[1] = "~" end
  local body = #texts == 1 and texts[1] or ("[%s]"):format(table.concat(texts, ", "))
  local vel = #q.notes > 0 and vsum / #q.notes / 127 or 0.8
  return ("notes = %q, vel = %s,   -- %d bar(s), quantized to %s"):format(body, num(floor(vel * 100 + 0.5) / 100),
    bars, tostring(grid or "1/16"))
end

-- clip:lua{ form = "notes" | "pattern", grid = "1/16" } -> Lua text to paste into a script.
function Clip:lua(opts)
  opts = opts or {}
  local form = opts.form or "notes"
  if form == "notes" then return lua_notes(self) end
  if form == "pattern" then return lua_pattern(self, opts.grid) end
  error(("clip:lua: form '%s'; it is \"notes\" (a note table) or \"pattern\" (mini-notation)"):format(tostring(form)), 2)
end

Clip.__tostring = function(c) return ("clip (%d notes, %d controller moves, %d bends)"):format(#c.notes, #c.ccs, #c.bends) end

-- ---------------------------------------------------------------------------------------------
-- Back into patterns
-- ---------------------------------------------------------------------------------------------
local function to_r(x)
  for _, d in ipairs(DENS) do
    local n = x * d
    if math.abs(n - floor(n + 0.5)) < 1e-6 then return R(floor(n + 0.5), d) end
  end
  return R(floor(x * 960000 + 0.5), 960000)
end

-- Clip.from_table(t) -> a Pattern from a note table (what clip:lua() prints, or clip:notes_table()):
-- each note an event { note = n, vel = 0..1 } at its bar position (one cycle = one bar), the whole
-- table repeating every `bars` bars.  midi_clip{...} is this function (Clip.install).
function Clip.from_table(t)
  local P = require "pattern"
  local T = require "theory"
  if type(t) ~= "table" then error("midi_clip needs a table: midi_clip{ meter = 4, bars = 1, { at = 0, dur = 1, note = \"c4\", vel = 100 } }", 2) end
  local meter = t.meter or 4
  local evs = {}
  local last = 0
  for i, n in ipairs(t) do
    if type(n) ~= "table" or type(n.at) ~= "number" or type(n.dur) ~= "number" or n.dur <= 0 or n.note == nil then
      error(("midi_clip: note %d needs at = beats, dur = beats (> 0) and note"):format(i), 2)
    end
    local midi = type(n.note) == "number" and n.note or T.to_midi(n.note)
    local vel = n.vel or 100
    if type(vel) ~= "number" or vel < 1 or vel > 127 then error(("midi_clip: note %d: vel %s is not 1 .. 127"):format(i, tostring(vel)), 2) end
    local b = to_r(n.at) / meter
    local e = to_r(n.at + n.dur) / meter
    evs[#evs + 1] = { b = b, e = e, value = { note = midi, vel = vel / 127 } }
    last = math.max(last, (n.at + n.dur) / meter)
  end
  local bars = t.bars or math.max(1, math.ceil(last - 1e-9))
  local period = R(bars)
  return P.new(function(qb, qe)
    local out = {}
    local k0 = (qb / period):floor() - 1
    local k1 = (qe / period):floor()
    for k = k0, k1 do
      local shift = period * k
      for _, ev in ipairs(evs) do
        local wb, we = ev.b + shift, ev.e + shift
        local pb = wb > qb and wb or qb
        local pe = we < qe and we or qe
        if pb < pe or (R.eq(pb, pe) and R.eq(wb, pb) and R.eq(qb, qe)) then
          out[#out + 1] = { whole = { b = wb, e = we }, part = { b = pb, e = pe }, value = ev.value }
        end
      end
    end
    return out
  end)
end

-- The clip as the table clip:lua() prints, ready for Clip.from_table.
function Clip:notes_table()
  local t = { meter = self.meter, bars = self:bars() }
  for i, n in ipairs(self.notes) do t[i] = { at = n.beat, dur = n.len, note = n.note, vel = n.vel, ch = n.ch } end
  return t
end

function Clip:pattern() return Clip.from_table(self:notes_table()) end

-- Defines midi_clip{...} in `env` (the script's globals), so a printed clip reads back.
function Clip.install(env)
  env = env or _G
  env.midi_clip = Clip.from_table
end

return Clip
