-- lute/decl.lua — what a declaration may say, and the one place its values are checked.
--
-- A track's fields are table-driven: each field is registered with its validator and with how it
-- reaches the engine, so another module adds a field (decl.field("patch", {...})) without editing
-- this file.  Parameters of the engine's synth are fields too, registered from the engine's own
-- parameter table.  Sections, set(), midi.map and the scheduler check parameter values through the
-- same check_param, so a value is judged the same way wherever it is written.
local P = require "pattern"
local Th = require "theory"
local E = require "lute.engine"

local D = {}

-- ---------------------------------------------------------------------------------------------
-- Engine parameters
-- ---------------------------------------------------------------------------------------------
D.param_info, D.param_names = {}, {}
for _, p in ipairs(E.params()) do D.param_info[p.name] = p; D.param_names[#D.param_names + 1] = p.name end
local param_info, param_names = D.param_info, D.param_names

-- Names a parameter may take as text (wave = "square").
D.param_words = { wave = { saw = 0, square = 1 } }

-- Numbers as a musician writes them: 20000, not 20000.0; 0.005, not 5.0000000000000001e-03.
function D.num(x)
  if type(x) ~= "number" then return tostring(x) end
  local i = math.tointeger(x)
  if i then return tostring(i) end
  return ("%.6g"):format(x)
end
local num = D.num
local function range_text(p) return ("%s .. %s%s"):format(p.min, p.max, p.unit ~= "" and " " .. p.unit or "") end

-- The value of parameter `pname` as the engine takes it, or an error that says what would be right.
-- v may be a number or, for parameters with words (wave), one of the words.
function D.check_param(pname, v)
  local p = param_info[pname]
  if not p then
    error(("unknown parameter '%s'; known: %s"):format(tostring(pname), table.concat(param_names, ", ")), 0)
  end
  local words = D.param_words[pname]
  if words and type(v) == "string" then
    if words[v] then return words[v] end
    local list = {}
    for w in pairs(words) do list[#list + 1] = ("%q"):format(w) end
    table.sort(list)
    error(("%s = %q is not one of %s"):format(pname, v, table.concat(list, ", ")), 0)
  end
  if type(v) ~= "number" then
    error(("%s takes a number (%s), got %s %s"):format(pname, range_text(p), type(v),
      type(v) == "string" and ("%q"):format(v) or tostring(v)), 0)
  end
  if not (v >= p.min and v <= p.max) then
    error(("%s = %s is out of range (%s)"):format(pname, num(v), range_text(p)), 0)
  end
  return v
end

-- ---------------------------------------------------------------------------------------------
-- Patterns and notes
-- ---------------------------------------------------------------------------------------------
-- Turns a pattern-ish value into a Pattern, or raises an error that names the track and field.
function D.as_pattern(v, where)
  if type(v) == "string" then
    local ok, p = pcall(P.mini, v)
    if not ok then error(("%s: %s"):format(where, tostring(p):gsub("^.-mini:", "mini:")), 0) end
    return p
  end
  if type(v) == "table" and v.query then return v end
  return P.pure(v)
end

-- A note number in the playable range, or an error naming the value, the range and, for a number
-- that reads as a frequency, the note it would be ("440" is a4 = 69).
local function check_note(n, written)
  if n ~= n or not (n >= E.NOTE_MIN and n <= E.NOTE_MAX) then
    local hint = ""
    if type(n) == "number" and n > E.NOTE_MAX and n < 30000 then
      local m = 69 + 12 * math.log(n / 440, 2)
      if m >= E.NOTE_MIN and m <= E.NOTE_MAX then
        hint = ("; if %s is a frequency in Hz, it is MIDI note %s"):format(num(n), num(math.floor(m * 100 + 0.5) / 100))
      end
    end
    local w = (written ~= nil and written ~= n) and (" (%s)"):format(P.value_text(written)) or ""
    error(("note %s%s is outside the playable range %d .. %d (MIDI note numbers, 60 = c4%s)")
      :format(num(n), w, E.NOTE_MIN, E.NOTE_MAX, hint), 0)
  end
  return n
end
D.check_note = check_note

-- The MIDI notes of a pattern value: a number (MIDI), a note name, a table with note, n or value,
-- or a list (a chord).  Appends to `out` and returns it; raises for a value that is not a note or
-- is outside the playable range (E.NOTE_MIN .. E.NOTE_MAX).
function D.note_values(v, out)
  local tv = type(v)
  if tv == "number" then out[#out + 1] = check_note(v)
  elseif tv == "string" then out[#out + 1] = check_note(Th.to_midi(v), v)
  elseif tv == "table" and getmetatable(v) == nil then
    if v.note ~= nil then D.note_values(v.note, out)
    elseif v.n ~= nil then D.note_values(v.n, out)
    elseif v.value ~= nil then D.note_values(v.value, out)
    elseif #v > 0 then for _, x in ipairs(v) do D.note_values(x, out) end
    else error(("%s has no note (a table value needs note = ..., as {note = \"c4\", vel = 0.5})")
      :format(P.value_text(v)), 0) end
  elseif tv == "function" then
    error("a function is not a note; notes = takes a pattern (\"c4 e4\", n(\"0 2\"):scale(\"C:major\")); "
      .. "for notes made by code, use a live loop: loop(\"x\", function() note(\"x\", 60) sleep(1) end)", 0)
  else
    error(("%s %s is not a note (a note is a MIDI number, a name like \"c4\", or a list of them)")
      :format(tv, P.value_text(v)), 0)
  end
  return out
end
local note_values = D.note_values

-- What one pattern value asks the scheduler to play: { notes, vel, pan, nudge, params } (vel, pan
-- and nudge nil when the value does not set them; params: name -> number).  Raises a message
-- without position for anything unplayable.  Fields other than notes, vel, pan, nudge and engine
-- parameters (speed, begin, end, s: for samples) are left to whoever reads them.
function D.event(v)
  local ev = { notes = note_values(v, {}) }
  if type(v) == "table" and getmetatable(v) == nil and v[1] == nil then
    local x = v.vel
    if x ~= nil then
      if type(x) ~= "number" or not (x >= 0 and x <= 1) then
        error(("vel = %s is outside 0 .. 1 (velocity is a fraction of full: 0.8, not 100)"):format(P.value_text(x)), 0)
      end
      ev.vel = x
    end
    x = v.pan
    if x ~= nil then
      if type(x) ~= "number" or not (x >= -1 and x <= 1) then
        error(("pan = %s is outside -1 .. 1 (-1 = left, 0 = centre, 1 = right)"):format(P.value_text(x)), 0)
      end
      ev.pan = x
    end
    x = v.nudge
    if x ~= nil then
      if type(x) ~= "number" or not (x >= -1 and x <= 1) then
        error(("nudge = %s is outside -1 .. 1 seconds"):format(P.value_text(x)), 0)
      end
      ev.nudge = x
    end
    for k, pv in pairs(v) do
      -- a note's pan places its voice (sent with the note); it is not the strip's pan, which would
      -- move every other voice of the track with it (a chord of hard-left and hard-right notes)
      if param_info[k] and k ~= "pan" then
        ev.params = ev.params or {}
        ev.params[k] = D.check_param(k, pv)
      end
    end
  end
  return ev
end

-- Checks the first cycles of a pattern now, so that a bad note is an error when the script is
-- evaluated (and changes nothing), not a surprise in the middle of a performance.  (A value that
-- goes wrong only later is skipped by the scheduler with a message.)
D.CHECK_CYCLES = 4
function D.validate_notes(pat, where)
  local ok, err = pcall(function()
    for _, h in ipairs(pat:query(0, D.CHECK_CYCLES)) do
      if h.whole then
        local ok2, e = pcall(D.event, h.value)
        if not ok2 then error(tostring(e):gsub("^.-:%d+: ", ""), 0) end
      end
    end
  end)
  if not ok then error(("%s: %s"):format(where, err), 0) end
end

-- The value of parameter pname in a pattern value (a number, a word, or a table with that field).
function D.param_value(pname, v)
  if type(v) == "table" then v = v[pname] end
  return D.check_param(pname, v)
end

-- The values a parameter pattern gives in its first cycles must be in range, so `cutoff = "high"`
-- is an error when evaluated, not silence later.
function D.validate_param_pattern(pat, pname, where)
  local ok, err = pcall(function()
    for _, h in ipairs(pat:query(0, D.CHECK_CYCLES)) do
      if h.whole then D.param_value(pname, h.value) end
    end
  end)
  if not ok then error(("%s: %s"):format(where, tostring(err):gsub("^.-:%d+: ", "")), 0) end
end

-- A parameter given in a declaration: a number (checked) or a pattern (its first cycles checked).
-- Returns the number or nil, and the pattern or nil.
function D.param_field(pname, v, where)
  if type(v) == "number" or (type(v) == "string" and D.param_words[pname] and D.param_words[pname][v]) then
    local ok, x = pcall(D.check_param, pname, v)
    if not ok then error(("%s: %s"):format(where, x), 0) end
    return x, nil
  end
  local pat = D.as_pattern(v, where)
  D.validate_param_pattern(pat, pname, where)
  return nil, pat
end

-- ---------------------------------------------------------------------------------------------
-- Track fields
-- ---------------------------------------------------------------------------------------------
-- D.field(name, spec) registers a track field.  spec:
--   validate(v, where, d) -> value   checks and normalises the written value (raise a message);
--                                     `where` is "track 'bass', cutoff" for messages; the value is
--                                     stored as d[name] (d.params[name] / d.param_pats[name] for
--                                     engine parameters)
--   default                          the value when the field is not written
--   engine = "param"                 an engine parameter: sent with the new track, and changed at
--                                     the switch when a reload changes it
--   engine = "rebuild"               changing it makes a new engine track (voices)
--   engine = function(t, old, new, frame)   how a changed value reaches a running track
--   after = function(name, value)    run once the tracks exist (MIDI selection)
--   help = "text"                    one line for help("track")
D.fields, D.field_order = {}, {}
D.checks = {}   -- functions(d, where) run on a whole normalised declaration (sound.lua adds its own)
function D.field(name, spec)
  assert(type(name) == "string" and type(spec) == "table", "decl.field(name, {validate = fn, ...})")
  if not D.fields[name] then D.field_order[#D.field_order + 1] = name end
  D.fields[name] = spec
end

function D.known_fields()
  return table.concat(D.field_order, ", ")
end

D.field("notes", {
  help = "a pattern of notes: mini-notation text or a pattern object",
  validate = function(v, where, d)
    if type(v) == "function" then
      error(("%s: a function is not a pattern.  For notes made by code, call a function that returns a "
        .. "pattern (notes = f()), or play them from a live loop: loop(\"x\", function() note(\"x\", 60) "
        .. "sleep(1) end)"):format(where), 0)
    end
    if type(v) ~= "string" and type(v) ~= "number" and type(v) ~= "table" then
      error(("%s: %s is not a pattern; write notes = \"c4 e4\" or a pattern object"):format(where, tostring(v)), 0)
    end
    local pat = D.as_pattern(v, where)
    D.validate_notes(pat, where)
    d.notes_src = v
    return pat
  end,
})
D.field("voices", {
  default = 8, engine = "rebuild", help = "how many notes sound at once (1 .. 1024)",
  validate = function(v, where)
    if math.type(v) ~= "integer" or v < 1 or v > 1024 then error(where .. " must be an integer 1 .. 1024", 0) end
    return v
  end,
})
D.field("vel", {
  default = 0.8, help = "velocity of notes that do not give their own (0 .. 1)",
  validate = function(v, where)
    if type(v) ~= "number" or not (v >= 0 and v <= 1) then error(where .. " must be a number 0 .. 1", 0) end
    return v
  end,
})
D.field("legato", {
  default = 1, help = "how long a note holds, in steps (1 = its whole step)",
  validate = function(v, where)
    if type(v) ~= "number" or not (v > 0 and v <= 16) then error(where .. " must be a number above 0 (1 = full length)", 0) end
    return v
  end,
})
D.field("midi", {
  help = "true: notes from the MIDI controller play this track",
  validate = function(v) return not not v end,
  after = function(name, v) if v then D.midi_select(name) end end,   -- set by midi.lua
})
for _, pname in ipairs(param_names) do
  D.field(pname, { engine = "param", help = param_info[pname].help })
end

-- A track's declaration, normalised: { name, params = {p = number}, param_pats = {p = pattern},
-- notes = pattern, notes_src, voices, vel, legato, midi, and any registered field }.
function D.normalize_track(name, spec)
  if type(name) ~= "string" or name == "" or #name > 31 then
    error(("track name must be a string of 1 to 31 characters, got %s"):format(tostring(name)), 0)
  end
  if type(spec) ~= "table" then error(("track '%s' needs a table: track \"%s\" { notes = \"c4 e4\" }"):format(name, name), 0) end
  local d = { name = name, params = {}, param_pats = {} }
  for k in pairs(spec) do
    if type(k) ~= "string" or not D.fields[k] then
      error(("unknown field '%s' in track '%s'; known: %s"):format(tostring(k), name, D.known_fields()), 0)
    end
  end
  for _, k in ipairs(D.field_order) do
    local f, v = D.fields[k], spec[k]
    if v ~= nil then
      local where = ("track '%s', %s"):format(name, k)
      if f.engine == "param" then
        local ok, num, pat = pcall(D.param_field, k, v, where)
        if not ok then error(num:gsub("^track '[^']*', [%w_]+: ", ("track '%s': "):format(name)), 0) end
        d.params[k], d.param_pats[k] = num, pat
      else
        d[k] = f.validate(v, where, d)
      end
    elseif f.default ~= nil then
      d[k] = f.default
    end
  end
  for _, check in ipairs(D.checks) do check(d, ("track '%s'"):format(name)) end
  return d
end

return D
