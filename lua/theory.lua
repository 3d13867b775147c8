-- theory.lua — music theory for lute scripts: notes, intervals, chords, scales, progressions,
-- voicings and arpeggios, in pure Lua.
--
-- The note, interval, chord and scale queries agree case for case with the tonal library 6.5.0
-- (Note.get, Interval.get, Chord.get, Scale.get, Midi.midiToNoteName), quirks included, because
-- Strudel users expect lute to name and spell things the same way; tests/oracle/theory_check.lua
-- holds lute to that.  Pattern values follow Strudel: T.to_midi is Strudel's noteToMidi and
-- T.scale_degree is Strudel's scale() step mapping.  The rest (chord_notes, voice_lead, prog, arp)
-- is lute's own, documented in docs/theory.md.
--
-- Pitches are computed the way tonal does it: a note or interval is a pair of coordinates
-- (fifths, octaves), so transposition is addition and spelling falls out of the line of fifths
-- (Bb + 3M = D, never C##).
--
-- Thread: control (the Lua VM).  Everything here is pure and allocation-happy; never on the audio
-- thread.
local D = require "theory_data"

local T = {}

local floor, abs = math.floor, math.abs
local NaN = 0 / 0

-- ---------------------------------------------------------------------------------------------
-- Small helpers that reproduce JavaScript semantics where tonal's output depends on them.

local function isnan(x) return x ~= x end

-- Formats a number the way JavaScript's String(n) does for the values that occur here.
local function jsnum(n)
  if n == nil then return "undefined" end
  if isnan(n) then return "NaN" end
  if n == math.huge then return "Infinity" end
  if n == -math.huge then return "-Infinity" end
  local i = math.tointeger(n)
  if i then return string.format("%d", i) end
  return string.format("%.17g", n)
end

-- JavaScript's % (truncating remainder).
local function jsrem(a, b)
  if isnan(a) then return NaN end
  return math.fmod(a, b)
end

-- Integers stay integers so that results print as 60, not 60.0.
local function int(x)
  return math.tointeger(x) or x
end

local function split(s, sep)
  local out, i = {}, 1
  while true do
    local j = s:find(sep, i, true)
    if not j then out[#out + 1] = s:sub(i); return out end
    out[#out + 1] = s:sub(i, j - 1)
    i = j + #sep
  end
end

local function copy(t)
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  return r
end

local function list_copy(t)
  local r = {}
  for i = 1, #t do r[i] = t[i] end
  return r
end

local function index_of(list, v)
  for i = 1, #list do if list[i] == v then return i end end
  return nil
end

-- Levenshtein distance, for "did you mean" suggestions.
local function edit_distance(a, b)
  local la, lb = #a, #b
  local prev = {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    local cur = { [0] = i }
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = (ca == b:byte(j)) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[lb]
end

-- The closest candidate to `word`, if it is close enough to be a plausible typo.
local function suggest(word, candidates)
  local best, bestd
  local lw = word:lower()
  for _, c in ipairs(candidates) do
    if c ~= "" then
      local d = edit_distance(lw, c:lower())
      if not bestd or d < bestd then best, bestd = c, d end
    end
  end
  -- One typo in a short word, two (or a quarter of the letters) in a longer one.
  local limit = #word <= 4 and 1 or math.max(2, floor(#word / 4))
  if best and bestd <= limit then return best end
  return nil
end

local function did_you_mean(word, candidates)
  local s = suggest(word, candidates)
  return s and ("; did you mean '" .. s .. "'?") or ""
end

-- ---------------------------------------------------------------------------------------------
-- Pitch coordinates (tonal's @tonaljs/pitch).

local FIFTHS = { [0] = 0, 2, 4, -1, 1, 3, 5 }          -- fifths from C of C D E F G A B
local STEPS_TO_OCTS = {}
for s = 0, 6 do STEPS_TO_OCTS[s] = floor(FIFTHS[s] * 7 / 12) end
local FIFTHS_TO_STEPS = { [0] = 3, 0, 4, 1, 5, 2, 6 }
local SEMI = { [0] = 0, 2, 4, 5, 7, 9, 11 }

-- {step, alt, oct?, dir?} -> {fifths} or {fifths, octaves}
local function coordinates(step, alt, oct, dir)
  dir = dir or 1
  local f = FIFTHS[step] + 7 * alt
  if oct == nil then return { dir * f } end
  local o = oct - STEPS_TO_OCTS[step] - 4 * alt
  return { dir * f, dir * o }
end

local function unaltered(f)
  local i = jsrem(f + 1, 7)
  if i < 0 then return 7 + i end
  return i
end

-- {fifths, octaves?, dir?} -> step, alt, oct, dir
local function pitch(coord)
  local f, o, dir = coord[1], coord[2], coord[3]
  local step = FIFTHS_TO_STEPS[int(unaltered(f))]
  local alt = floor((f + 1) / 7)
  if o == nil then return step, alt, nil, dir end
  return step, alt, o + 4 * alt + STEPS_TO_OCTS[step], dir
end

-- ---------------------------------------------------------------------------------------------
-- Notes (tonal's @tonaljs/pitch-note).

local function fill(ch, n)
  return string.rep(ch, abs(n))
end

local function alt_to_acc(alt)
  if alt < 0 then return fill("b", -alt) end
  return fill("#", alt)
end

local function acc_to_alt(acc)
  if acc:sub(1, 1) == "b" then return -#acc end
  return #acc
end

-- JavaScript's \s for the characters that can reach us.
local function skip_space(s, i)
  while true do
    local c = s:sub(i, i)
    if c == " " or c == "\t" or c == "\n" or c == "\r" or c == "\f" or c == "\v" then
      i = i + 1
    elseif s:sub(i, i + 1) == "\194\160" then
      i = i + 2
    else
      return i
    end
  end
end

-- tonal's tokenizeNote: /^([a-gA-G]?)(#{1,}|b{1,}|x{1,}|)(-?\d*)\s*(.*)$/ -> letter, acc, oct, rest
local function tokenize_note(s)
  if s:find("\n", 1, true) then return "", "", "", "" end  -- '.' does not match a newline
  local i = 1
  local letter = ""
  if s:sub(1, 1):match("^[a-gA-G]$") then letter = s:sub(1, 1):upper(); i = 2 end
  local acc = s:match("^#+", i) or s:match("^b+", i) or s:match("^x+", i) or ""
  i = i + #acc
  acc = acc:gsub("x", "##")
  local oct = s:match("^%-?%d*", i)
  i = skip_space(s, i + #oct)
  return letter, acc, oct, s:sub(i)
end

local NO_NOTE = { empty = true, name = "", letter = "", acc = "", pc = "" }

local note_cache = {}

local function parse_note(name)
  local letter, acc, octstr, rest = tokenize_note(name)
  if letter == "" or rest ~= "" then return NO_NOTE end
  local step = (letter:byte() + 3) % 7
  local alt = acc_to_alt(acc)
  local oct
  if #octstr > 0 then oct = tonumber(octstr) or NaN; oct = int(oct) end
  local n = {
    empty = false, letter = letter, acc = acc, alt = alt, step = step, oct = oct,
    name = letter .. acc .. octstr, pc = letter .. acc,
    chroma = (SEMI[step] + alt + 120) % 12,
    coord = coordinates(step, alt, oct),
  }
  if oct == nil then
    n.height = (SEMI[step] + alt) % 12 - 12 * 99
  else
    n.height = SEMI[step] + alt + 12 * (oct + 1)
    n.freq = 2 ^ ((n.height - 69) / 12) * 440
  end
  if n.height >= 0 and n.height <= 127 then n.midi = int(n.height) end
  return n
end

-- The tonal note for a name (shared, read-only).
local function note(name)
  if type(name) ~= "string" then return NO_NOTE end
  local n = note_cache[name]
  if not n then n = parse_note(name); note_cache[name] = n end
  return n
end

local function note_name_from(step, alt, oct)
  local letter = ("CDEFGAB"):sub(step + 1, step + 1)
  local pc = letter .. alt_to_acc(alt)
  if oct ~= nil then return pc .. jsnum(oct) end
  return pc
end

local function coord_to_note(coord)
  local step, alt, oct = pitch(coord)
  if step == nil then return NO_NOTE end
  return note(note_name_from(step, alt, oct))
end

-- ---------------------------------------------------------------------------------------------
-- Intervals (tonal's @tonaljs/pitch-interval).

local ISIZES = { [0] = 0, 2, 4, 5, 7, 9, 11 }
local TYPES = "PMMPPMM"
local NO_INTERVAL = { empty = true, name = "", q = "", type = "" }

-- tonal 6.5.0's interval syntax, anchored at both ends ("ddd5" and "5Pgarbage" are not intervals):
-- ^([-+]?\d+)(d{1,4}|m|M|P|A{1,4})$  or  ^(AA|A|P|M|m|d|dd)([-+]?\d+)$
local function tokenize_interval(s)
  local num, q = s:match("^([-+]?%d+)(.*)$")
  if num and (q == "m" or q == "M" or q == "P" or q:match("^d+$") or q:match("^A+$")) and #q <= 4 then
    return num, q
  end
  local q2, n2 = s:match("^(%a%a?)([-+]?%d+)$")
  if q2 and (q2 == "AA" or q2 == "A" or q2 == "P" or q2 == "M" or q2 == "m" or q2 == "d" or q2 == "dd") then
    return n2, q2
  end
  return "", ""
end

local function q_to_alt(typ, q)
  if (q == "M" and typ == "majorable") or (q == "P" and typ == "perfectable") then return 0 end
  if q == "m" and typ == "majorable" then return -1 end
  if q:match("^A+$") then return #q end
  if q:match("^d+$") then return -1 * (typ == "perfectable" and #q or #q + 1) end
  return 0
end

local function alt_to_q(typ, alt)
  if alt == 0 then return typ == "majorable" and "M" or "P" end
  if alt == -1 and typ == "majorable" then return "m" end
  if alt > 0 then return fill("A", alt) end
  return fill("d", typ == "perfectable" and alt or alt + 1)
end

local interval_cache = {}

local function parse_interval(s)
  local numstr, q = tokenize_interval(s)
  if numstr == "" then return NO_INTERVAL end
  local num = int(tonumber(numstr))
  local step = int(jsrem(abs(num) - 1, 7))
  local t = TYPES:sub(step + 1, step + 1)
  if step < 0 then t = "" end
  if t == "M" and q == "P" then return NO_INTERVAL end
  local typ = t == "M" and "majorable" or "perfectable"
  local dir = num < 0 and -1 or 1
  local simple = (num == 8 or num == -8) and num or dir * (step + 1)
  local alt = q_to_alt(typ, q)
  local oct = floor((abs(num) - 1) / 7)
  local size = ISIZES[step]
  local i = {
    empty = false, name = jsnum(num) .. q, num = num, q = q, step = step, alt = alt, dir = dir,
    type = typ, simple = simple, oct = oct,
  }
  if size then
    i.semitones = dir * (size + alt + 12 * oct)
    i.chroma = int(jsrem(jsrem(dir * (size + alt), 12) + 12, 12))
    i.coord = coordinates(step, alt, oct, dir)
  else
    i.semitones, i.chroma = NaN, NaN
  end
  return i
end

local function interval(name)
  if type(name) ~= "string" then return NO_INTERVAL end
  local i = interval_cache[name]
  if not i then i = parse_interval(name); interval_cache[name] = i end
  return i
end

-- An interval from its parts (tonal's pitchName for intervals).
local function interval_from(step, alt, oct, dir)
  if not dir or step == nil or isnan(alt) then return NO_INTERVAL end
  oct = oct or 0
  local calc = step + 1 + 7 * oct
  local num = calc == 0 and step + 1 or calc
  local typ = TYPES:sub(step + 1, step + 1) == "M" and "majorable" or "perfectable"
  return interval((dir < 0 and "-" or "") .. jsnum(num) .. alt_to_q(typ, alt))
end

local function coord_to_interval(coord, force_descending)
  local f, o = coord[1], coord[2] or 0
  if isnan(f) or isnan(o) then return NO_INTERVAL end
  local descending = f * 7 + o * 12 < 0
  local c = (force_descending or descending) and { -f, -o, -1 } or { f, o, 1 }
  return interval_from(pitch(c))
end

-- Transposes a note name by an interval name (or a {fifths, octaves} pair); "" when invalid.
local function transpose(note_name, ivl)
  local n = note(note_name)
  local ic = type(ivl) == "table" and ivl or interval(ivl).coord
  if n.empty or not ic or #ic < 2 then return "" end
  local nc = n.coord
  if #nc == 1 then return coord_to_note({ nc[1] + ic[1] }).name end
  return coord_to_note({ nc[1] + ic[1], nc[2] + ic[2] }).name
end

-- The interval from one note to another (tonal's distance).
local function distance(from_name, to_name)
  local from, to = note(from_name), note(to_name)
  if from.empty or to.empty then return "" end
  local fc, tc = from.coord, to.coord
  local fifths = tc[1] - fc[1]
  local octs
  if #fc == 2 and #tc == 2 then octs = tc[2] - fc[2] else octs = -floor(fifths * 7 / 12) end
  local force = to.height == from.height and to.midi ~= nil and from.oct == to.oct
    and from.step > to.step
  return coord_to_interval({ fifths, octs }, force).name
end

local function subtract_intervals(a, b)
  local ca, cb = interval(a).coord, interval(b).coord
  if not ca or not cb then return "" end
  return coord_to_interval({ ca[1] - cb[1], ca[2] - cb[2] }).name
end

-- ---------------------------------------------------------------------------------------------
-- Pitch-class sets and the dictionaries.

local function chroma_of(intervals)
  local bits = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
  for _, name in ipairs(intervals) do
    local p = note(name)
    if p.empty then p = interval(name) end
    if not p.empty and p.chroma and not isnan(p.chroma) then bits[p.chroma + 1] = 1 end
  end
  return table.concat(bits)
end

local chord_types, chord_index = {}, {}
local function add_chord_type(ivls, name, aliases)
  local has = function(i) return index_of(ivls, i) ~= nil end
  local quality = has("5A") and "Augmented" or has("3M") and "Major" or has("5d") and "Diminished"
    or has("3m") and "Minor" or "Unknown"
  local chroma = chroma_of(ivls)
  local ct = { empty = false, name = name, quality = quality, intervals = ivls, aliases = aliases,
               chroma = chroma, setNum = tonumber(chroma, 2) }
  chord_types[#chord_types + 1] = ct
  if name ~= "" then chord_index[name] = ct end
  chord_index[tostring(ct.setNum)] = ct
  chord_index[chroma] = ct
  for _, a in ipairs(aliases) do chord_index[a] = ct end
end
for _, e in ipairs(D.chords) do add_chord_type(split(e[1], " "), e[2], split(e[3], " ")) end

local scale_types, scale_index = {}, {}
for _, e in ipairs(D.scales) do
  local ivls = split(e[1], " ")
  local aliases = {}
  for k = 3, #e do aliases[#aliases + 1] = e[k] end
  local chroma = chroma_of(ivls)
  local st = { empty = false, name = e[2], intervals = ivls, aliases = aliases, chroma = chroma,
               setNum = tonumber(chroma, 2) }
  scale_types[#scale_types + 1] = st
  scale_index[st.name] = st
  scale_index[tostring(st.setNum)] = st
  scale_index[chroma] = st
  for _, a in ipairs(aliases) do scale_index[a] = st end
end

local function semitones_of(intervals)
  local r = {}
  for k, i in ipairs(intervals) do r[k] = interval(i).semitones end
  return r
end

-- Pitches at an octave: each interval added to a tonic that has an octave.
local function pitched(tonic, intervals)
  local names, midi, freq = {}, {}, {}
  for k, iv in ipairs(intervals) do
    local n = note(transpose(tonic, iv))
    -- false stands for tonal's null (a note outside MIDI's 0..127), keeping the list dense.
    names[k], midi[k], freq[k] = n.name, n.midi or false, n.freq or false
  end
  return { notes = names, midi = midi, freq = freq }
end

-- ---------------------------------------------------------------------------------------------
-- Public: note, interval, midi names, frequency.

local NOTE_FIELDS = { "empty", "name", "pc", "letter", "acc", "alt", "oct", "chroma", "midi", "freq" }

local function simplify(name)
  local n = note(name)
  if n.empty then return "" end
  return T.midi_name(n.midi and n.midi ~= 0 and n.midi or n.chroma,
    { sharps = n.alt > 0, pitchClass = n.midi == nil })
end

local function enharmonic(name)
  local src = note(name)
  if src.empty then return "" end
  local dest = note(T.midi_name(src.midi and src.midi ~= 0 and src.midi or src.chroma,
    { sharps = src.alt < 0, pitchClass = true }))
  if dest.empty or dest.chroma ~= src.chroma then return "" end
  if src.oct == nil then return dest.pc end
  local sc, dc = src.chroma - src.alt, dest.chroma - dest.alt
  local off = (sc > 11 or dc < 0) and -1 or (sc < 0 or dc > 11) and 1 or 0
  return dest.pc .. jsnum(src.oct + off)
end

--- T.note(name) -> table with tonal Note.get's fields plus `simplified` and `enharmonic`.
-- An invalid name gives { empty = true, name = "", ... } (numbers nil), as tonal does.
function T.note(name)
  local n = note(name)
  local r = {}
  for _, k in ipairs(NOTE_FIELDS) do r[k] = n[k] end
  if r.oct ~= nil and isnan(r.oct) then r.oct = nil end
  if r.freq ~= nil and isnan(r.freq) then r.freq = nil end
  r.height, r.step = n.height, n.step
  r.simplified = simplify(name)
  r.enharmonic = enharmonic(name)
  return r
end

--- T.interval(name) -> tonal Interval.get's fields (name, num, q, type, dir, simple, semitones,
-- chroma, oct, step, alt; `quality` is the same as `q`).  Invalid: { empty = true, name = "" }.
function T.interval(name)
  local i = copy(interval(name))
  i.coord = nil
  i.quality = i.q
  return i
end

--- T.midi_name(m, {sharps = bool, pitchClass = bool}) -> "Db4" / "C#4" (tonal midiToNoteName).
function T.midi_name(m, opts)
  opts = opts or {}
  if type(m) ~= "number" or isnan(m) or m == math.huge or m == -math.huge then return "" end
  m = floor(m + 0.5)
  local pcs = opts.sharps == true and { "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B" }
    or { "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B" }
  local r = jsrem(m, 12)
  local pc = r < 0 and "undefined" or pcs[int(r) + 1]
  if opts.pitchClass then return pc end
  return pc .. jsnum(floor(m / 12) - 1)
end

local a4 = 440

--- T.set_a4(hz): the concert pitch used by T.freq (default 440).
function T.set_a4(hz)
  if type(hz) ~= "number" or hz ~= hz or hz <= 0 or hz == math.huge then
    error(("theory.set_a4: A4 reference must be a positive frequency in Hz (e.g. 440 or 432), got %s")
      :format(tostring(hz)), 2)
  end
  a4 = hz
end

--- T.a4() -> the current A4 reference in Hz.
function T.a4() return a4 end

--- T.freq(midi) -> frequency in Hz at the current A4 reference (fractional MIDI allowed).
function T.freq(m)
  if type(m) ~= "number" then
    error(("theory.freq: expected a MIDI note number, got %s '%s'"):format(type(m), tostring(m)), 2)
  end
  return a4 * 2 ^ ((m - 69) / 12)
end

-- Strudel's noteToMidi: /^([a-gA-G])([#bsf]*)(-?[0-9]*)$/, default octave 3, no range limit.
-- Returns the number (NaN for "c-", as Strudel) or nil and Strudel's message.
local CHROMAS = { c = 0, d = 2, e = 4, f = 5, g = 7, a = 9, b = 11 }
local ACCS = { ["#"] = 1, b = -1, s = 1, f = -1 }
function T.strudel_midi(s, default_octave)
  local pc, acc, oct = s:match("^([a-gA-G])([#bsf]*)(%-?[0-9]*)$")
  if not pc then return nil, 'not a note: "' .. s .. '"' end
  local o = default_octave or 3
  if oct ~= "" then o = tonumber(oct) or NaN end
  local off = 0
  for c in acc:gmatch(".") do off = off + ACCS[c] end
  return int((o + 1) * 12 + CHROMAS[pc:lower()] + off)
end

--- T.to_midi(value) -> MIDI number for a pattern value: numbers pass through, note names are read
-- as Strudel does ("c" = 48, "C#4", "eb3", "fs2"; accidentals # b s f, repeatable).
function T.to_midi(v)
  if type(v) == "number" then return v end
  if type(v) == "string" then
    local m = T.strudel_midi(v)
    if m and m == m then return m end
  end
  local shown = (type(v) == "string" or type(v) == "number") and ("'" .. tostring(v) .. "'") or "a " .. type(v)
  error(("not a note: %s; expected a MIDI number or a note name like c, C#4, eb3 or fs2 "
    .. "(letter a-g, accidentals # b s f, optional octave, default 3)"):format(shown), 2)
end

-- ---------------------------------------------------------------------------------------------
-- Chords (tonal's @tonaljs/chord).

local function no_chord()
  return { empty = true, name = "", symbol = "", root = "", bass = "", rootDegree = 0, type = "",
           tonic = nil, quality = "Unknown", chroma = "", aliases = {}, notes = {}, intervals = {},
           semitones = {} }
end

local function tokenize_bass(tonic, chord)
  local parts = split(chord, "/")
  if #parts == 1 then return tonic, parts[1], "" end
  local letter, acc, oct, rest = tokenize_note(parts[2])
  if letter ~= "" and oct == "" and rest == "" then return tonic, parts[1], letter .. acc end
  return tonic, chord, ""
end

local function tokenize_chord(name)
  local letter, acc, oct, rest = tokenize_note(name)
  if letter == "" then return tokenize_bass("", name) end
  if letter == "A" and rest == "ug" then return tokenize_bass("", "aug") end
  return tokenize_bass(letter .. acc, oct .. rest)
end

local function get_chord(type_name, opt_tonic, opt_bass)
  local ct = chord_index[type_name]
  local tonic = note(opt_tonic or "")
  local bass = note(opt_bass or "")
  if not ct or (opt_tonic and opt_tonic ~= "" and tonic.empty)
      or (opt_bass and opt_bass ~= "" and bass.empty) then
    return nil
  end
  local bass_interval = distance(tonic.pc, bass.pc)
  local bass_index = index_of(ct.intervals, bass_interval)
  local has_root = bass_index ~= nil
  local root = has_root and bass or NO_NOTE
  local root_degree = bass_index or NaN
  local has_bass = bass.pc ~= "" and bass.pc ~= tonic.pc
  local intervals = list_copy(ct.intervals)
  if has_root then
    -- tonal moves each interval below the bass up an octave by reading the first character as
    -- the number and the second as the quality; only simple intervals are ever moved.
    for _ = 2, root_degree do
      local first = intervals[1]
      local num, q = tonumber(first:sub(1, 1)), first:sub(2, 2)
      table.remove(intervals, 1)
      intervals[#intervals + 1] = jsnum(num + 7) .. q
    end
  elseif has_bass then
    local ivl = subtract_intervals(distance(tonic.pc, bass.pc), "8P")
    if ivl ~= "" then table.insert(intervals, 1, ivl) end
  end
  local notes = {}
  if not tonic.empty then
    for k, iv in ipairs(intervals) do notes[k] = transpose(tonic.pc, iv) end
  end
  if not index_of(ct.aliases, type_name) then type_name = ct.aliases[1] end
  local over = (has_root and root_degree > 1) and root.pc or (has_bass and bass.pc or nil)
  local c = {
    empty = false, name = ((opt_tonic and opt_tonic ~= "") and tonic.pc .. " " or "") .. ct.name
      .. (over and " over " .. over or ""),
    symbol = (tonic.empty and "" or tonic.pc) .. type_name .. (over and "/" .. over or ""),
    tonic = tonic.pc, type = ct.name, root = root.pc, bass = has_bass and bass.pc or "",
    quality = ct.quality, aliases = ct.aliases, chroma = ct.chroma, setNum = ct.setNum,
    intervals = intervals, semitones = semitones_of(intervals), rootDegree = root_degree,
    notes = notes,
  }
  return c
end

--- T.chord(symbol) -> tonal Chord.get's fields (empty, name, symbol, tonic, type, root, bass,
-- quality, aliases, intervals, notes, chroma) plus semitones and octave4 = {notes, midi, freq}
-- (the chord built from <tonic>4; nil without a tonic).  Unknown symbols give the empty chord.
function T.chord(symbol)
  if type(symbol) ~= "string" or symbol == "" then return no_chord() end
  local tonic, typ, bass = tokenize_chord(symbol)
  local c = get_chord(typ, tonic, bass) or get_chord(symbol)
  if not c then return no_chord() end
  if c.tonic ~= "" then c.octave4 = pitched(c.tonic .. "4", c.intervals) end
  return c
end

-- ---------------------------------------------------------------------------------------------
-- Scales (tonal's @tonaljs/scale).

local function no_scale()
  return { empty = true, name = "", type = "", tonic = nil, chroma = "", aliases = {}, notes = {},
           intervals = {}, semitones = {} }
end

local function tokenize_scale(name)
  local i = name:find(" ", 1, true)
  local tonic = note(i and name:sub(1, i - 1) or "")
  if tonic.empty then
    local n = note(name)
    if n.empty then return "", name end
    return n.name, ""
  end
  return tonic.name, name:sub(#tonic.name + 2):lower()
end

--- T.scale(name) -> tonal Scale.get's fields (empty, name, type, tonic, aliases, intervals, notes,
-- chroma) plus semitones and octave4 (from the tonic at octave 4 unless the name gives one).
function T.scale(name)
  if type(name) ~= "string" then return no_scale() end
  local tname, tname_type = tokenize_scale(name)
  local tonic = note(tname).name
  local st = scale_index[tname_type]
  if not st then return no_scale() end
  local notes = {}
  if tonic ~= "" then
    for k, iv in ipairs(st.intervals) do notes[k] = transpose(tonic, iv) end
  end
  local s = {
    empty = false, name = tonic ~= "" and tonic .. " " .. st.name or st.name, type = st.name,
    tonic = tonic, aliases = st.aliases, intervals = st.intervals, chroma = st.chroma,
    setNum = st.setNum, semitones = semitones_of(st.intervals), notes = notes,
  }
  if tonic ~= "" then
    local t = tonic
    if note(t).oct == nil then t = t .. "4" end
    s.octave4 = pitched(t, st.intervals)
  end
  return s
end

--- T.scale_names() -> the names of every scale in the dictionary (tonal's order).
function T.scale_names()
  local r = {}
  for k, st in ipairs(scale_types) do r[k] = st.name end
  return r
end

--- T.chord_symbols() -> the canonical symbol of every chord type ("" for major).
function T.chord_symbols()
  local r = {}
  for k, ct in ipairs(chord_types) do r[k] = ct.aliases[1] end
  return r
end

local function all_scale_words()
  local r = {}
  for _, st in ipairs(scale_types) do
    r[#r + 1] = st.name
    for _, a in ipairs(st.aliases) do r[#r + 1] = a end
  end
  return r
end

local function all_chord_words()
  local r = {}
  for _, ct in ipairs(chord_types) do
    for _, a in ipairs(ct.aliases) do r[#r + 1] = a end
  end
  return r
end

-- ---------------------------------------------------------------------------------------------
-- Pattern helpers: scale degrees (Strudel's scale()), chord pitches, voicings, progressions,
-- arpeggios.

-- MIDI height of a tonal note name with an octave (no 0..127 limit, unlike tonal's midi).
local function height_of(name)
  local n = note(name)
  if n.empty or n.oct == nil or isnan(n.oct) then return nil end
  return int(n.height)
end

local scale_cache = {}

-- Reads a Strudel scale name ("C:major", "c4:minor:pentatonic", "D dorian") into
-- tonic pitch class, octave and the scale's intervals; raises a clear error otherwise.
local function strudel_scale(name, fn)
  local hit = scale_cache[name]
  if hit then return hit end
  if type(name) ~= "string" then
    error(("%s: scale must be a string like 'C:major' or 'D4:dorian', got %s")
      :format(fn, type(name)), 3)
  end
  local spaced = name:gsub(":", " ")
  local s = T.scale(spaced)
  if s.empty then
    local first, rest = spaced:match("^(%S+)%s*(.*)$")
    if first and not note(first).empty then
      if rest == "" then
        error(("%s: incomplete scale '%s': give a tonic and a scale type, e.g. '%s:major'")
          :format(fn, name, first), 3)
      end
      error(("%s: unknown scale '%s' in '%s'%s"):format(fn, rest, name,
        did_you_mean(rest, all_scale_words())), 3)
    end
    if first and scale_index[spaced:lower()] then
      error(("%s: incomplete scale '%s': add a tonic, e.g. 'C:%s'"):format(fn, name, spaced), 3)
    end
    error(("%s: unknown scale '%s'; expected tonic:type such as 'C:major', 'D4:dorian' or "
      .. "'A:minor pentatonic'%s"):format(fn, name, did_you_mean(rest or name, all_scale_words())), 3)
  end
  if s.tonic == "" then
    error(("%s: incomplete scale '%s': add a tonic, e.g. 'C:%s'"):format(fn, name, s.type), 3)
  end
  local t = note(s.tonic)
  hit = { pc = t.pc, oct = (t.oct ~= nil and not isnan(t.oct)) and t.oct or 3, intervals = s.intervals }
  scale_cache[name] = hit
  return hit
end

--- T.scale_degree(scale_name, degree) -> MIDI number.  Strudel's scale(): degree 0 is the tonic
-- (default octave 3), degrees wrap into octaves both ways, fractional degrees round up (Math.ceil),
-- and a string degree may carry sharps or flats ("2#", "4b") that shift it by semitones.
function T.scale_degree(name, degree)
  local sc = strudel_scale(name, "theory.scale_degree")
  local shift = 0
  if type(degree) == "string" then
    local num, accs = degree:match("^([-+]?%d+)([#b]*)$")
    if not num or (accs:find("#", 1, true) and accs:find("b", 1, true)) then
      error(("theory.scale_degree: invalid scale step '%s'; expected an integer, optionally "
        .. "followed by sharps or flats, e.g. 2, -1, '3#', '6b'"):format(degree), 2)
    end
    local _, sharps = accs:gsub("#", "")
    local _, flats = accs:gsub("b", "")
    shift = sharps - flats
    degree = tonumber(num)
  elseif type(degree) ~= "number" or degree ~= degree or degree == math.huge or degree == -math.huge then
    error(("theory.scale_degree: degree must be an integer (0 = tonic, negative goes down), got %s '%s'")
      :format(type(degree), tostring(degree)), 2)
  end
  degree = math.ceil(degree)
  local len = #sc.intervals
  local octave = floor(degree / len)
  local idx = degree % len
  local tonic = sc.pc .. jsnum(sc.oct + octave)
  local h = height_of(transpose(tonic, sc.intervals[idx + 1]))
  return int(h + shift)
end

-- Raises the error for a chord symbol that tonal does not know.
local function chord_error(fn, symbol)
  if type(symbol) ~= "string" then
    error(("%s: chord must be a symbol string like 'Cmaj7' or 'C/E', got %s"):format(fn, type(symbol)), 3)
  end
  local letter, acc, oct, rest = tokenize_note(symbol)
  if letter == "" then
    error(("%s: chord '%s' has no root; expected a root note then a type, e.g. 'C%s'")
      :format(fn, symbol, symbol), 3)
  end
  local typ = (oct .. rest):gsub("/.*$", "")
  error(("%s: unknown chord type '%s' in '%s'%s"):format(fn, typ, symbol,
    did_you_mean(typ, all_chord_words())), 3)
end

-- Moves the lowest note up an octave (k > 0) or the highest down (k < 0), |k| times, keeping order.
local function invert(midi, k)
  local m = list_copy(midi)
  table.sort(m)
  for _ = 1, abs(k) do
    if k > 0 then
      local low = table.remove(m, 1)
      m[#m + 1] = low + 12
    else
      local high = table.remove(m)
      table.insert(m, 1, high - 12)
    end
    table.sort(m)
  end
  return m
end

--- T.chord_notes(symbol, octave_or_opts) -> list of MIDI numbers, ascending.
-- The chord is built upward from its tonic at the octave (default 4: "Cmaj7" -> 60 64 67 71);
-- slash chords start at the bass ("C/E" -> 64 67 72).  opts = {octave = n, inversion = k}:
-- inversion k moves the lowest note up an octave k times (negative: the highest down).
function T.chord_notes(symbol, opts)
  local octave, inversion = 4, 0
  if type(opts) == "number" then octave = opts
  elseif type(opts) == "table" then
    octave = opts.octave or 4
    inversion = opts.inversion or 0
  elseif opts ~= nil then
    error(("theory.chord_notes: second argument must be an octave number or {octave=, inversion=}, got %s")
      :format(type(opts)), 2)
  end
  if math.type(octave) ~= "integer" and not (type(octave) == "number" and octave == floor(octave)) then
    error(("theory.chord_notes: octave must be an integer, got %s"):format(tostring(octave)), 2)
  end
  if type(inversion) ~= "number" or inversion ~= floor(inversion) then
    error(("theory.chord_notes: inversion must be an integer, got %s"):format(tostring(inversion)), 2)
  end
  local c = type(symbol) == "string" and T.chord(symbol) or { empty = true }
  if c.empty then chord_error("theory.chord_notes", symbol) end
  if c.tonic == "" then
    error(("theory.chord_notes: chord '%s' has no root; expected a root note then a type, e.g. 'C%s'")
      :format(symbol, symbol), 2)
  end
  local tonic = c.tonic .. jsnum(int(octave))
  local r = {}
  for k, iv in ipairs(c.intervals) do r[k] = height_of(transpose(tonic, iv)) end
  table.sort(r)
  if inversion ~= 0 then r = invert(r, inversion) end
  return r, c
end

-- Movement between two voicings: voice by voice when the sizes match, otherwise every note to the
-- nearest note of the other chord (both ways), so that adding or dropping a voice is fair.
local function movement(a, b)
  local total = 0
  if #a == #b then
    for i = 1, #a do total = total + abs(a[i] - b[i]) end
    return total
  end
  local function nearest(x, set)
    local best = math.huge
    for _, y in ipairs(set) do best = math.min(best, abs(x - y)) end
    return best
  end
  for _, x in ipairs(a) do total = total + nearest(x, b) end
  for _, y in ipairs(b) do total = total + nearest(y, a) end
  return total
end

-- Every inversion of a chord, at every octave, that fits in [lo, hi] (slash chords keep their bass
-- lowest).
local function placements(symbol, lo, hi)
  local base, c = T.chord_notes(symbol, 4)
  local bass_chroma = c.bass ~= "" and note(c.bass).chroma or nil
  local out = {}
  for inv = 0, #base - 1 do
    local v = invert(base, inv)
    if not bass_chroma or v[1] % 12 == bass_chroma then
      local shift_lo = math.ceil((lo - v[1]) / 12)
      local shift_hi = floor((hi - v[#v]) / 12)
      for s = shift_lo, shift_hi do
        local p = {}
        for i = 1, #v do p[i] = v[i] + 12 * s end
        out[#out + 1] = p
      end
    end
  end
  return out
end

--- T.voice_lead(symbols, opts) -> list of MIDI lists.  The first chord is in root position, as
-- near the middle of the range as fits; every next chord is the inversion and octave placement,
-- inside opts.range = {lo, hi} (default {48, 76}), that moves least from the previous chord
-- (sum of voice movements; ties go to the smaller top-voice move, then the lower placement).
function T.voice_lead(symbols, opts)
  opts = opts or {}
  if type(symbols) == "string" then
    local list = {}
    for w in symbols:gmatch("%S+") do list[#list + 1] = w end
    symbols = list
  end
  if type(symbols) ~= "table" then
    error(("theory.voice_lead: expected a list of chord symbols, got %s"):format(type(symbols)), 2)
  end
  local range = opts.range or { 48, 76 }
  local lo, hi = range[1], range[2]
  if type(lo) ~= "number" or type(hi) ~= "number" or hi - lo < 12 then
    error(("theory.voice_lead: range must be {lo, hi} MIDI numbers at least an octave apart, got {%s, %s}")
      :format(tostring(lo), tostring(hi)), 2)
  end
  local out, prev = {}, nil
  for k, sym in ipairs(symbols) do
    if type(sym) ~= "string" or T.chord(sym).empty or T.chord(sym).tonic == "" then
      chord_error("theory.voice_lead", sym)
    end
    local cands = placements(sym, lo, hi)
    if #cands == 0 then
      error(("theory.voice_lead: chord %d '%s' spans more than the range {%d, %d}; widen opts.range")
        :format(k, sym, lo, hi), 2)
    end
    local best, bestkey
    for _, c in ipairs(cands) do
      local key
      if prev then
        key = { movement(prev, c), abs(prev[#prev] - c[#c]), c[1] }
      else
        local root_pos = (c[1] % 12 == T.chord_notes(sym, 4)[1] % 12) and 0 or 1
        local centre = (lo + hi) / 2
        key = { root_pos, abs((c[1] + c[#c]) / 2 - centre), c[1] }
      end
      local better = not bestkey
      if not better then
        for i = 1, 3 do
          if key[i] ~= bestkey[i] then better = key[i] < bestkey[i]; break end
        end
      end
      if better then best, bestkey = c, key end
    end
    out[k] = best
    prev = best
  end
  return out
end

-- Reads a key ("Bb", "Bb major", "Am", "A minor", "D dorian", "F#:minor") into a 7-note scale.
local function key_scale(key)
  if type(key) ~= "string" then
    error(("theory.prog: key must be a string like 'C', 'Bb', 'Am' or 'A minor', got %s"):format(type(key)), 3)
  end
  local k = key:gsub(":", " "):gsub("^%s+", ""):gsub("%s+$", "")
  local tonic, rest = k:match("^([a-gA-G][#b]*)%s*(.*)$")
  if not tonic then
    error(("theory.prog: key '%s' must start with a tonic letter a-g, e.g. 'Bb' or 'A minor'"):format(key), 3)
  end
  if rest == "" or rest == "M" or rest == "maj" or rest:lower() == "major" then rest = "major"
  elseif rest == "m" or rest == "min" or rest:lower() == "minor" then rest = "minor" end
  local s = T.scale(tonic .. " " .. rest)
  if s.empty then
    error(("theory.prog: unknown key '%s'; expected a tonic and major, minor or a mode%s")
      :format(key, did_you_mean(rest, all_scale_words())), 3)
  end
  if #s.notes ~= 7 then
    error(("theory.prog: key '%s' needs a 7-note scale for Roman numerals, %s has %d notes")
      :format(key, s.type, #s.notes), 3)
  end
  return s
end

local ROMAN = { I = 1, II = 2, III = 3, IV = 4, V = 5, VI = 6, VII = 7 }

-- Chord type for a numeral's case and suffix (see docs/theory.md for the table).
local function numeral_type(upper, suffix)
  local s = suffix
  if s == "" then return upper and "" or "m" end
  if s == "°" or s == "o" or s == "dim" then return "dim" end
  if s == "°7" or s == "o7" or s == "dim7" then return "dim7" end
  if s == "ø" or s == "ø7" or s == "h7" or s == "m7b5" then return "m7b5" end
  if s == "+" or s == "aug" then return "aug" end
  if s == "+7" or s == "aug7" then return "7#5" end
  if upper then
    if s == "M7" or s == "Δ" or s == "Δ7" or s == "^7" then return "maj7" end
    return s
  end
  if s == "maj7" or s == "M7" or s == "Δ" or s == "Δ7" or s == "^7" then return "mMaj7" end
  if s:match("^sus") or s:match("^m") then return s end
  return "m" .. s
end

--- T.prog(numerals, key) -> list of chord symbols.  "ii V I" in "Bb" -> {"Cm", "F", "Bb"};
-- "ii7 V7 Imaj7" -> {"Cm7", "F7", "Bbmaj7"}.  Upper case = major, lower case = minor; a plain
-- numeral is a triad; ° / o = diminished, ø = half-diminished, + = augmented; flats and sharps
-- before the numeral alter the key's degree (bVII); any chord suffix may follow (7, maj7, 9, sus4).
-- Degrees come from the key's own scale: in "A minor", III is C and VII is G.
function T.prog(numerals, key)
  local s = key_scale(key)
  local list = numerals
  if type(numerals) == "string" then
    list = {}
    for w in numerals:gmatch("[^%s,|]+") do list[#list + 1] = w end
  elseif type(numerals) ~= "table" then
    error(("theory.prog: numerals must be a string like 'ii V I' or a list, got %s"):format(type(numerals)), 2)
  end
  local out = {}
  for k, rn in ipairs(list) do
    local acc, roman, suffix = tostring(rn):match("^([#b]*)([IViv]+)(.*)$")
    local degree = roman and ROMAN[roman:upper()]
    if not degree or (roman ~= roman:upper() and roman ~= roman:lower()) then
      error(("theory.prog: numeral %d '%s' is not a Roman numeral; expected I-VII or i-vii with "
        .. "optional b/# before and a chord suffix after, e.g. 'ii7', 'bVII', 'vii°'"):format(k, tostring(rn)), 2)
    end
    local root = s.notes[degree]
    for c in acc:gmatch(".") do root = transpose(root, c == "#" and "1A" or "1d") end
    local typ = numeral_type(roman == roman:upper(), suffix)
    local sym = root .. typ
    if T.chord(sym).empty then
      error(("theory.prog: numeral %d '%s': unknown chord suffix '%s'%s"):format(k, rn, suffix,
        did_you_mean(typ, all_chord_words())), 2)
    end
    out[k] = sym
  end
  return out
end

local function init(t) local r = {}; for i = 1, #t - 1 do r[i] = t[i] end; return r end
local function reverse(t) local r = {}; for i = #t, 1, -1 do r[#r + 1] = t[i] end; return r end
local function concat(a, b) local r = list_copy(a); for _, v in ipairs(b) do r[#r + 1] = v end; return r end
local function tail(t) local r = {}; for i = 2, #t do r[#r + 1] = t[i] end; return r end

local function converge(x)
  local r, i, j, left = {}, 1, #x, true
  while i <= j do
    if left then r[#r + 1] = x[i]; i = i + 1 else r[#r + 1] = x[j]; j = j - 1 end
    left = not left
  end
  return r
end

local function pinkyup(x)
  local r = {}
  for i = 1, #x - 1 do r[#r + 1] = x[i]; r[#r + 1] = x[#x] end
  return r
end

local function thumbup(x)
  local r = {}
  for i = 2, #x do r[#r + 1] = x[1]; r[#r + 1] = x[i] end
  return r
end

-- Tidal's arp modes (Strudel uses the same names).
local ARP = {
  up = function(x) return x end,
  down = reverse,
  updown = function(x) return concat(init(x), init(reverse(x))) end,
  downup = function(x) return concat(init(reverse(x)), init(x)) end,
  ["up&down"] = function(x) return concat(x, reverse(x)) end,
  ["down&up"] = function(x) return concat(reverse(x), x) end,
  converge = converge,
  diverge = function(x) return reverse(converge(x)) end,
  disconverge = function(x) return concat(converge(x), tail(reverse(converge(x)))) end,
  pinkyup = pinkyup,
  pinkyupdown = function(x) return concat(init(pinkyup(x)), init(reverse(pinkyup(x)))) end,
  thumbup = thumbup,
  thumbupdown = function(x) return concat(init(thumbup(x)), init(reverse(thumbup(x)))) end,
}
local ARP_NAMES = { "up", "down", "updown", "downup", "up&down", "down&up", "converge", "diverge",
  "disconverge", "pinkyup", "pinkyupdown", "thumbup", "thumbupdown" }

--- T.arp(notes, mode, steps) -> list of MIDI numbers.  notes: a list of MIDI numbers or note
-- names (sorted low to high first) or a chord symbol ("Cmaj7", at octave 4).  mode: one of Tidal's
-- and Strudel's arp modes (up, down, updown, downup, up&down, down&up, converge, diverge,
-- disconverge, pinkyup, pinkyupdown, thumbup, thumbupdown; default up).  steps: how many notes to
-- return, repeating the pattern (default: one pass).
function T.arp(notes, mode, steps)
  local x
  if type(notes) == "string" then x = T.chord_notes(notes, 4)
  elseif type(notes) == "table" then
    x = {}
    for i, v in ipairs(notes) do x[i] = T.to_midi(v) end
    table.sort(x)
  else
    error(("theory.arp: notes must be a list of MIDI numbers or note names, or a chord symbol; got %s")
      :format(type(notes)), 2)
  end
  mode = mode or "up"
  local f = ARP[mode]
  if not f then
    error(("theory.arp: unknown arp mode '%s'%s; modes: %s"):format(tostring(mode),
      did_you_mean(tostring(mode), ARP_NAMES), table.concat(ARP_NAMES, ", ")), 2)
  end
  local pat = f(x)
  if steps == nil then return pat end
  if type(steps) ~= "number" or steps < 0 or steps ~= floor(steps) then
    error(("theory.arp: steps must be a whole number of notes >= 0, got %s"):format(tostring(steps)), 2)
  end
  local out = {}
  if #pat == 0 then return out end
  for i = 1, steps do out[i] = pat[(i - 1) % #pat + 1] end
  return out
end

-- Exposed for tests and for other modules that need tonal's spelling.
T.transpose = transpose
T.distance = distance

return T
