-- lute.lua — the language of lute, on top of the engine bindings in `lute.core`.
--
-- A script *declares* what should play: tracks (a synth sound plus a pattern of notes), live loops,
-- the tempo, sections and a song form.  Evaluating a script again declares the new desired state and
-- lute reconciles: what did not change keeps running untouched, what changed switches at the next bar
-- (lute.quantum bars), what disappeared fades out.  A script that fails changes nothing.
--
-- Time: the scheduler works in rational cycles (1 cycle = 1 bar) and beats (quarter notes), and
-- turns them into frames through the tempo map; it runs ahead of the audio by the lookahead, live,
-- and in lockstep with the engine, offline — the same code either way.
local core = require "lute.core"
local R = require "rational"
local P = require "pattern"
local T = require "theory"
local Patch = require "patch"

-- The built-in synth is a patch (scripts/patches/synth.lua), compiled once.
local synth_program
local function builtin_synth()
  if not synth_program then
    local env = setmetatable(Patch.globals(), { __index = _G })
    local fn = assert(loadfile(core.root .. "/scripts/patches/synth.lua", "t", env))()
    synth_program = Patch.compile(fn, "synth")
  end
  return synth_program
end

local lute = { quantum = 1, version = "0.1.0" }
_G.lute = lute

-- ---------------------------------------------------------------------------------------------
-- State
-- ---------------------------------------------------------------------------------------------
local S = {
  tempo = core.tempo(120),   -- the tempo map, in beats from the transport's start
  bpm = 120,
  meters = { { bar = 0, num = 4, den = 4, beat = R(0) } },   -- meter map in transport bars
  origin = 0,                -- frame of transport beat 0
  playing = false,
  sched = R(0),              -- cycles scheduled so far (transport bars)
  tracks = {},               -- name -> running track
  order = {},                -- track names in declaration order
  loops = {},                -- name -> loop
  cues = {},                 -- recent cues: { name, beat }
  decl = nil,                -- the declaration being evaluated
  midi_handlers = {},        -- message type -> list of functions
  ccmaps = {},               -- list of maps, index = engine map slot + 1
  note_target = nil,         -- name of the track MIDI notes play
  song = nil,                -- arrangement (see the Arrangement part)
  jumps = {},                -- transport bar -> song bar, for live jumps
  errors_seen = {},
}
lute._state = S

-- The files a script requires (outside lute's own folders) are reloaded and watched with it.
lute._user_modules = {}
do
  local lua_searcher = package.searchers[2]
  package.searchers[2] = function(name)
    local loader, path = lua_searcher(name)
    if type(loader) == "function" and type(path) == "string" and path:sub(1, #core.root + 1) ~= core.root .. "/" then
      lute._user_modules[name] = path
    end
    return loader, path
  end
end

-- Messages from lute during a performance (a loop that stopped, a skipped note) go to stderr;
-- tests and tools may replace lute.message to collect them.
function lute.message(fmt, ...) io.stderr:write(string.format(fmt, ...), "\n"); io.stderr:flush() end
local function msg(...) return lute.message(...) end

-- A float beat count to an exact rational: integers stay exact, and floats become the nearest
-- fraction with a denominator up to 9600 (enough for any musical subdivision, triplets included).
local function to_r(x)
  if getmetatable(x) == getmetatable(R(0)) then return x end
  if type(x) == "string" then return R.from(x) end
  if math.type(x) == "integer" then return R(x, 1) end
  -- the best approximation with a denominator up to 9600, by continued fractions (a few steps)
  local sign = x < 0 and -1 or 1
  x = math.abs(x)
  local h0, h1, k0, k1 = 0, 1, 1, 0
  local a = x
  for _ = 1, 40 do
    local ai = math.floor(a)
    local h2, k2 = ai * h1 + h0, ai * k1 + k0
    if k2 > 9600 then break end
    h0, h1, k0, k1 = h1, h2, k1, k2
    if math.abs(h1 / k1 - x) < 1e-12 or a == ai then break end
    a = 1 / (a - ai)
  end
  return R(sign * math.tointeger(h1), math.tointeger(k1))
end
lute.rational = to_r

-- ---------------------------------------------------------------------------------------------
-- Meter map: bars (cycles) <-> beats.  A bar of num/den lasts num * 4/den quarter-note beats.
-- ---------------------------------------------------------------------------------------------
local function meter_at_bar(c)
  local m = S.meters[1]
  for i = 2, #S.meters do if S.meters[i].bar <= c then m = S.meters[i] else break end end
  return m
end

local function bar_to_beat(c)   -- c: rational cycle (transport)
  local m = meter_at_bar(c)
  return m.beat + (c - m.bar) * R(m.num * 4, m.den)
end
lute.bar_to_beat = bar_to_beat

local function beat_to_bar(b)   -- b: rational beat
  local m = S.meters[1]
  for i = 2, #S.meters do if S.meters[i].beat <= b then m = S.meters[i] else break end end
  return m.bar + (b - m.beat) / R(m.num * 4, m.den)
end

local function frame_of_beat(b)
  return S.origin + S.tempo:frame(type(b) == "number" and b or b:tonumber())
end
local function frame_of_bar(c) return frame_of_beat(bar_to_beat(c)) end
lute.frame_of_bar = frame_of_bar

local function rebuild_meter_beats()
  table.sort(S.meters, function(a, b) return a.bar < b.bar end)
  S.meters[1].beat = R(0)
  for i = 2, #S.meters do
    local p, m = S.meters[i - 1], S.meters[i]
    m.beat = p.beat + (R(m.bar) - p.bar) * R(p.num * 4, p.den)
  end
  for _, m in ipairs(S.meters) do m.bar = R(m.bar) end
end

local function parse_meter(s, level)
  local num, den = tostring(s):match("^%s*(%d+)%s*/%s*(%d+)%s*$")
  num, den = tonumber(num), tonumber(den)
  if not num or num < 1 or num > 64 or not (den == 1 or den == 2 or den == 4 or den == 8 or den == 16 or den == 32) then
    error(("meter '%s' is not a time signature like \"4/4\", \"7/8\" or \"5/4\""):format(tostring(s)), level or 3)
  end
  return num, den
end

-- ---------------------------------------------------------------------------------------------
-- Declarations
-- ---------------------------------------------------------------------------------------------
local param_info, param_names = {}, {}
for _, p in ipairs(core.params()) do param_info[p.name] = p; param_names[#param_names + 1] = p.name end
local track_fields = { notes = true, voices = true, vel = true, legato = true, midi = true }
local function known_fields()
  local t = { "notes", "voices", "vel", "legato", "midi" }
  for _, n in ipairs(param_names) do t[#t + 1] = n end
  return table.concat(t, ", ")
end

local waves = { saw = 0, square = 1 }

-- Turns a pattern-ish value into a Pattern, or raises an error that names the track and field.
local function as_pattern(v, where)
  if type(v) == "string" then
    local ok, p = pcall(P.mini, v)
    if not ok then error(("%s: %s"):format(where, tostring(p):gsub("^.-mini:", "mini:")), 0) end
    return p
  end
  if type(v) == "table" and v.query then return v end
  return P.pure(v)
end

-- A note value from a pattern: a number (MIDI), a note name, a table with note/n, or a list (chord).
local function note_values(v, out)
  local tv = type(v)
  if tv == "number" then out[#out + 1] = v
  elseif tv == "string" then out[#out + 1] = T.to_midi(v)
  elseif tv == "table" then
    if v.note ~= nil then note_values(v.note, out)
    elseif v.n ~= nil then note_values(v.n, out)
    elseif #v > 0 then for _, x in ipairs(v) do note_values(x, out) end end
  end
  return out
end

-- Checks the first cycles of a pattern now, so that a bad note name is an error when the script is
-- evaluated (and changes nothing), not a surprise in the middle of a performance.
local function validate_notes(pat, where)
  local ok, err = pcall(function()
    for _, h in ipairs(pat:query(R(0), R(4))) do
      if h.whole then
        local ok2, e = pcall(note_values, h.value, {})
        if not ok2 then error(tostring(e):gsub("^.-:%d+: ", ""), 0) end
      end
    end
  end)
  if not ok then error(("%s: %s"):format(where, err), 0) end
end

-- The values a parameter pattern gives in its first cycles must be numbers in range (or, for
-- wave, "saw"/"square"), so `cutoff = "high"` is an error when evaluated, not silence later.
local function validate_param_pattern(pat, pname, where)
  local ok, err = pcall(function()
    for _, h in ipairs(pat:query(R(0), R(4))) do
      if h.whole then
        local v = h.value
        if type(v) == "table" then v = v[pname] end
        if pname == "wave" and type(v) == "string" then v = waves[v] end
        if type(v) ~= "number" then
          error(("%s gives %s; %s takes numbers (%s .. %s %s)"):format(pname, tostring(h.value), pname,
            param_info[pname].min, param_info[pname].max, param_info[pname].unit), 0)
        end
        local ok2, e = pcall(core.param_check, pname, v)
        if not ok2 then error(tostring(e):match("%((.*)%)$") or tostring(e), 0) end
      end
    end
  end)
  if not ok then error(("%s: %s"):format(where, err), 0) end
end

local function normalize_track(name, spec)
  if type(name) ~= "string" or name == "" or #name > 31 then
    error(("track name must be a string of 1 to 31 characters, got %s"):format(tostring(name)), 0)
  end
  if type(spec) ~= "table" then error(("track '%s' needs a table: track \"%s\" { notes = \"c4 e4\" }"):format(name, name), 0) end
  local d = { name = name, params = {}, param_pats = {}, voices = 8, vel = 0.8, legato = 1 }
  for k, v in pairs(spec) do
    if type(k) ~= "string" or not (track_fields[k] or param_info[k]) then
      error(("unknown field '%s' in track '%s'; known: %s"):format(tostring(k), name, known_fields()), 0)
    end
  end
  for k, v in pairs(spec) do
    local where = ("track '%s', %s"):format(name, k)
    if k == "wave" and type(v) == "string" and waves[v] then v = waves[v] end
    if param_info[k] then
      if type(v) == "number" then
        local ok, e = pcall(core.param_check, k, v)
        if not ok then error(("track '%s': %s"):format(name, tostring(e):match("%((.*)%)$") or tostring(e)), 0) end
        d.params[k] = v
      else
        d.param_pats[k] = as_pattern(v, where)
        validate_param_pattern(d.param_pats[k], k, where)
      end
    elseif k == "notes" then
      d.notes_src = v
      d.notes = as_pattern(v, where)
      validate_notes(d.notes, where)
    elseif k == "voices" then
      if math.type(v) ~= "integer" or v < 1 or v > 1024 then error(where .. " must be an integer 1 .. 1024", 0) end
      d.voices = v
    elseif k == "vel" then
      if type(v) ~= "number" or v < 0 or v > 1 then error(where .. " must be a number 0 .. 1", 0) end
      d.vel = v
    elseif k == "legato" then
      if type(v) ~= "number" or v <= 0 or v > 16 then error(where .. " must be a number above 0 (1 = full length)", 0) end
      d.legato = v
    elseif k == "midi" then d.midi = not not v
    end
  end
  return d
end

-- track "name" { ... } declares a track; track("name") alone is the running track's handle
-- (track("bass").cutoff = 800).  The handle is callable, which is what makes the first form work.
function track(name, spec)
  if type(name) ~= "string" or name == "" or #name > 31 then
    error(("track name must be a string of 1 to 31 characters, got %s"):format(tostring(name)), 2)
  end
  if spec == nil then return lute.handle(name) end
  local ok, d = pcall(normalize_track, name, spec)
  if not ok then error(d, 2) end   -- the user's line that declared the track
  local decl = S.decl
  if decl then
    if decl.tracks[name] then error(("track '%s' is declared twice"):format(name), 2) end
    decl.tracks[name] = d
    decl.order[#decl.order + 1] = name
  else
    lute._apply_tracks({ [name] = d }, { name }, false)
  end
  return lute.handle(name)
end

-- ---------------------------------------------------------------------------------------------
-- Reconcile
-- ---------------------------------------------------------------------------------------------
local function next_switch_bar()
  if not S.playing then return S.sched end
  local q = R.from(lute.quantum)
  local c = S.sched / q
  local n = c:ceil()
  return q * n
end
lute.next_switch_bar = next_switch_bar

function lute._apply_tracks(decls, order, full)
  local switch = next_switch_bar()
  local sw_frame = frame_of_bar(switch)
  for _, name in ipairs(order) do
    local d, t = decls[name], S.tracks[name]
    if t and t.voices ~= d.voices then   -- a new voice pool: replace the track at the switch
      core.track_remove(t.slot, sw_frame)
      S.tracks[name] = nil
      t = nil
    end
    if not t then
      local params = {}
      for k, v in pairs(d.params) do params[k] = v end
      local slot = core.track_add(name, d.voices, params, builtin_synth())
      t = { name = name, slot = slot, voices = d.voices, params = params, def = d,
            notes = d.notes, switch = switch, old = nil }
      S.tracks[name] = t
      local listed = false
      for _, n in ipairs(S.order) do if n == name then listed = true end end
      if not listed then S.order[#S.order + 1] = name end
    else
      for _, pname in ipairs(param_names) do
        local nv = d.params[pname] or param_info[pname].default
        local ov = t.params[pname] or param_info[pname].default
        if nv ~= ov then core.param(t.slot, sw_frame, pname, nv) end
      end
      t.params = {}
      for k, v in pairs(d.params) do t.params[k] = v end
      if d.notes_src ~= t.def.notes_src or (type(d.notes_src) == "table") then
        t.old, t.old_def, t.switch = t.notes, t.def, switch
        t.notes = d.notes
      end
      t.def = d
    end
    if d.midi then lute.midi_select(name) end
  end
  if full then
    for name, t in pairs(S.tracks) do
      if not decls[name] then
        core.track_remove(t.slot, sw_frame)
        S.tracks[name] = nil
        if S.note_target == name then S.note_target = nil end
      end
    end
    local o = {}
    for _, n in ipairs(S.order) do if S.tracks[n] then o[#o + 1] = n end end
    S.order = o
  end
end

-- Called by C around the evaluation of a script file (full = true) or a REPL chunk (full = false).
function lute._begin(full)
  S.decl = { full = full, tracks = {}, order = {}, loops = {}, loop_order = {}, tempo = nil, song = nil, after = {},
             midi_handlers = {},
             sections = {}, section_order = {}, meters = nil }
end

function lute._abort()
  S.decl = nil
end

function lute._commit()
  local d = S.decl
  S.decl = nil
  if not d then return end
  lute._validate(d)
  if d.full or d.tempo or d.meters or d.song or d.tempo_map or d.meter_map or next(d.sections) then
    lute._apply_timeline(d)
  end
  lute._apply_tracks(d.tracks, d.order, d.full)
  -- MIDI belongs to the declaration too: a whole script replaces the handlers and CC maps (so a
  -- reload does not add a second handler), a REPL chunk adds to them.
  if d.full then
    for i = 1, #S.ccmaps do core.ccmap(i - 1, -1) end
    S.ccmaps = {}
    S.midi_handlers = d.midi_handlers
  else
    for kind, list in pairs(d.midi_handlers) do
      S.midi_handlers[kind] = S.midi_handlers[kind] or {}
      for _, fn in ipairs(list) do table.insert(S.midi_handlers[kind], fn) end
    end
  end
  for _, fn in ipairs(d.after) do fn() end   -- MIDI maps and selections, once the tracks exist
  lute._apply_loops(d.loops, d.loop_order, d.full)
  if d.full and lute.autoplay ~= false and not S.playing and not S.stopped_by_user then lute.play() end
end

-- ---------------------------------------------------------------------------------------------
-- Transport and tempo
-- ---------------------------------------------------------------------------------------------
function tempo(bpm, opts)
  if bpm == nil then return S.tempo:bpm(bar_to_beat(S.sched):tonumber()) end
  if type(bpm) ~= "number" or bpm < 1 or bpm > 1000 then
    error(("tempo(%s): the tempo is a number of beats per minute, 1 .. 1000"):format(tostring(bpm)), 2)
  end
  if S.decl then S.decl.tempo = bpm
  else lute._apply_timeline({ tempo = bpm, sections = {}, section_order = {} }) end
end

function meter(s)
  local num, den = parse_meter(s)
  local m = { { bar = 0, num = num, den = den } }
  if S.decl then S.decl.meters = m
  else lute._apply_timeline({ meters = m, sections = {}, section_order = {} }) end
end

-- Starts the transport from bar 0 (or from `bar`) at the next moment the scheduler can reach.
function lute.play(bar)
  if S.playing then return end
  -- Live, the first bar starts two lookaheads from now so its first notes are not late; offline
  -- the engine waits for the scheduler, so the song starts at the current frame.
  -- (The engine renders in quanta of 32 frames, so offline the start is rounded up to the next one.)
  local now = core.frame()
  S.origin = core.live() and now + 2 * math.floor(core.lookahead() * core.rate() / 1000) or -(-now // 32) * 32
  S.sched = R(0)
  if bar then
    S.song_start = R(bar)
  end
  for _, t in pairs(S.tracks) do t.old = nil; t.switch = R(0) end
  S.jumps = { { t = R(0), s = S.song_start or R(0) } }
  S.song_old, S.song_switch, S.queued = nil, nil, nil
  lute._relayout(R(0), S.song_start or R(0))
  S.playing = true
  S.stopped_by_user = false
  for _, l in pairs(S.loops) do lute._restart_loop(l) end
end

function lute.stop()
  if not S.playing then return end
  S.playing = false
  S.stopped_by_user = true
  core.release_all(nil, 0)
  for _, l in pairs(S.loops) do l.co = nil end
end

play = function(...) return lute.play(...) end
stop = function(...) return lute.stop(...) end

function quit() core.quit() end

-- ---------------------------------------------------------------------------------------------
-- Track handles: live edits from the REPL (bass.cutoff = 800, bass:note("c3"))
-- ---------------------------------------------------------------------------------------------
local handle_mt = {}
function lute.handle(name) return setmetatable({ name = name }, handle_mt) end

local function running(name, level)
  local t = S.tracks[name]
  if not t then
    local names = {}
    for n in pairs(S.tracks) do names[#names + 1] = n end
    table.sort(names)
    error(("unknown track '%s'; tracks: %s"):format(name, #names > 0 and table.concat(names, ", ") or "(none)"), level or 3)
  end
  return t
end

handle_mt.__index = function(h, k)
  if k == "note" then return function(self, ...) return note(self.name, ...) end end
  if k == "set" then return function(self, p, v) return set(self.name, p, v) end end
  local t = running(rawget(h, "name"))
  if param_info[k] then return t.params[k] or param_info[k].default end
  error(("unknown parameter '%s' on track '%s'; known: %s"):format(tostring(k), t.name, table.concat(param_names, ", ")), 2)
end
-- Changes a parameter now (smoothed where the parameter is smoothed).  Errors blame the caller's
-- caller: the user's line that wrote set(...) or track("x").param = v.
local function set_param(name, pname, v)
  local declared = S.decl and S.decl.tracks[name]
  local t = declared or running(name, 4)
  if not param_info[pname] then
    error(("unknown parameter '%s' on track '%s'; known: %s"):format(tostring(pname), name, table.concat(param_names, ", ")), 3)
  end
  if pname == "wave" and type(v) == "string" then v = waves[v] or v end
  if type(v) ~= "number" then error(("%s.%s must be a number, got %s"):format(name, pname, type(v)), 3) end
  local ok, e = pcall(core.param_check, pname, v)
  if not ok then error(("track '%s': %s"):format(name, tostring(e):match("%((.*)%)$") or tostring(e)), 3) end
  t.params[pname] = v
  if declared then return end   -- declared in the script being evaluated: part of its declaration
  core.param(t.slot, lute._now_frame(), pname, v)
end

handle_mt.__newindex = function(h, k, v) set_param(rawget(h, "name"), k, v) end
handle_mt.__tostring = function(h) return "track " .. rawget(h, "name") end
handle_mt.__call = function(h, spec) return track(rawget(h, "name"), spec) end

-- set(track, param, value)
function set(name, pname, v) set_param(name, pname, v) end

function lute._now_frame()
  if S.loop_frame then return S.loop_frame end
  return core.frame() + math.floor(core.lookahead() * core.rate() / 1000)
end

-- note(track, value, {dur = beats, vel = 0..1}): one note, now (or at the loop's logical time).
function note(name, value, opts)
  local t = running(name)
  if S.solo and not S.solo[name] then return end
  opts = opts or {}
  local dur = opts.dur or 0.5
  local vel = opts.vel or t.def.vel
  local ok, notes = pcall(note_values, value, {})
  if not ok then error(("note(%s, %s): %s"):format(name, tostring(value), tostring(notes):gsub("^.-:%d+: ", "")), 2) end
  local on, off
  if S.loop_beat then
    on = frame_of_beat(S.loop_beat)
    off = frame_of_beat(S.loop_beat + to_r(dur))
  else
    on = lute._now_frame()
    off = on + math.floor(60 / S.bpm * dur * core.rate() + 0.5)
  end
  for _, n in ipairs(notes) do
    core.note(t.slot, on, off, n, vel)
    if S.trace then S.trace[#S.trace + 1] = { track = t.name, frame = on, off = off, note = n, vel = vel } end
  end
end

-- ---------------------------------------------------------------------------------------------
-- The scheduler
-- ---------------------------------------------------------------------------------------------
-- The scheduler's windows end on a grid of 1/16 bar, rounded up from where the lookahead reaches:
-- each pattern is queried about 16 times a bar whatever the block size, and events are sent up to
-- a sixteenth of a bar earlier than strictly needed (harmless: they carry their frame).
local GRID = 16

-- Transport bar (a float) at beat b (a float), through the meter map.
local function bar_at_beat(b)
  local m = S.meters[1]
  for i = 2, #S.meters do if S.meters[i].beat:tonumber() <= b then m = S.meters[i] else break end end
  return m.bar:tonumber() + (b - m.beat:tonumber()) * m.den / (m.num * 4)
end

-- Schedules the haps of `pat` whose onsets fall in transport cycles [a, b); `shift` maps pattern
-- time to transport time (pattern cycle = transport cycle - shift).
-- The notes a track's pattern starts in transport cycles [a, b): one entry per onset with its start
-- and end in cycles (legato applied), velocity, value and MIDI notes (or the error that made its
-- value unplayable).  The scheduler and the MIDI export both read patterns through this.
local function pattern_notes(t, pat, a, b, shift)
  local out, d = {}, t.def
  for _, h in ipairs(pat:query(a - shift, b - shift)) do
    local w = h.whole
    if w and w.b == h.part.b then
      local on = w.b + shift
      local len = w.e - w.b
      if d.legato ~= 1 then len = len * to_r(d.legato) end
      local v = h.value
      local vel = type(v) == "table" and v.vel or d.vel
      local ok, notes = pcall(note_values, v, {})
      out[#out + 1] = { on = on, off = on + len, value = v, vel = vel, notes = ok and notes or nil,
                        err = not ok and notes or nil }
    end
  end
  return out
end
lute._pattern_notes = pattern_notes

local function schedule_pattern(t, pat, a, b, shift)
  for _, ev in ipairs(pattern_notes(t, pat, a, b, shift)) do
    local on, off = frame_of_bar(ev.on), frame_of_bar(ev.off)
    if type(ev.value) == "table" then   -- a table value also sets parameters on the note's frame
      for k, pv in pairs(ev.value) do
        if param_info[k] and type(pv) == "number" then core.param(t.slot, on, k, pv) end
      end
    end
    if ev.notes then
      for _, n in ipairs(ev.notes) do
        core.note(t.slot, on, off, n, ev.vel)
        if S.trace then S.trace[#S.trace + 1] = { track = t.name, frame = on, off = off, note = n, vel = ev.vel } end
      end
    elseif not S.errors_seen[t.name] then
      S.errors_seen[t.name] = true
      msg("lute: track '%s': %s (the note is skipped)", t.name, tostring(ev.err):gsub("^.-:%d+: ", ""))
    end
  end
end

local function schedule_params(t, pats, a, b, shift)
  for pname, pat in pairs(pats) do
    for _, h in ipairs(pat:query(a - shift, b - shift)) do
      local w = h.whole
      if w and w.b == h.part.b then
        local v = h.value
        if type(v) == "table" then v = v[pname] end
        if pname == "wave" and type(v) == "string" then v = waves[v] end
        if type(v) == "number" then
          local ok = pcall(core.param, t.slot, frame_of_bar(w.b + shift), pname, v)
          if not ok and not S.errors_seen[t.name .. pname] then
            S.errors_seen[t.name .. pname] = true
            msg("lute: track '%s': %s = %s is out of range (skipped)", t.name, pname, tostring(v))
          end
        end
      end
    end
  end
end

-- What a track plays in transport cycles [a, b): without a song, its own notes; with a song, what
-- the sections say.  Returns a list of { a, b, pattern, param_patterns, shift }.
local function track_plan(t, a, b)
  if S.song and lute._song_plan then return lute._song_plan(t, a, b) end
  local out = {}
  local sw = t.switch or R(0)
  if t.old and a < sw then
    local e = sw < b and sw or b
    out[#out + 1] = { a, e, t.old, t.old_def.param_pats, R(0) }
    if sw < b then out[#out + 1] = { sw, b, t.notes, t.def.param_pats, R(0) } end
    if sw <= b then t.old = nil end
  else
    out[#out + 1] = { a, b, t.notes, t.def.param_pats, R(0) }
  end
  return out
end
lute._track_plan = track_plan

function lute._tick(upto)
  lute._midi_dispatch()
  if not S.playing then return end
  local beat = S.tempo:beat_at_frame(upto - S.origin)
  if beat <= 0 then return end
  local to = R(math.ceil(bar_at_beat(beat) * GRID - 1e-9), GRID)
  if S.song and lute._song_end and to > lute._song_end() then to = lute._song_end() end
  if to <= S.sched then return end
  local from = S.sched
  if S.song and core.live() then lute._plan_jumps(from, to) end
  for _, name in ipairs(S.order) do
    local t = S.tracks[name]
    if t and (not S.solo or S.solo[name]) then
      for _, seg in ipairs(track_plan(t, from, to)) do
        if seg[3] then schedule_pattern(t, seg[3], seg[1], seg[2], seg[5]) end
        if seg[4] then schedule_params(t, seg[4], seg[1], seg[2], seg[5]) end
      end
    end
  end
  lute._run_loops(bar_to_beat(to))
  S.sched = to
end

-- lute.eval(code [, name [, partial]]): evaluates a script text as `lute` evaluates a file (partial:
-- as a REPL chunk); returns true, or nil and the message, having changed nothing.
function lute.eval(code, name, partial)
  local fn, e = load(code, "=" .. (name or "script"))
  if not fn then return nil, e end
  lute._begin(not partial)
  local ok, err = pcall(fn)
  if ok then ok, err = pcall(lute._commit) end
  if not ok then lute._abort(); return nil, tostring(err) end
  return true
end

-- lute.trace(true) records every note the scheduler sends ({track, frame, off, note, vel}) for tests
-- and tools; lute.trace() returns the list and stops recording.
function lute.trace(on)
  if on then S.trace = {}; return end
  local t = S.trace or {}
  S.trace = nil
  return t
end

-- solo("lead,bass") plays only those tracks; solo() plays all again.
function lute.solo(names)
  if names == nil or names == "" then S.solo = nil; return end
  local set = {}
  for n in tostring(names):gmatch("[^,%s]+") do running(n, 3); set[n] = true end
  S.solo = set
end
solo = lute.solo

-- Where the playhead is: bar and beat (1-based, as musicians count), and the section with a song.
function where()
  local f = core.frame()
  if not S.playing then return "stopped" end
  local beat = S.tempo:beat_at_frame(f - S.origin)
  if beat < 0 then return "starting" end
  local bar = beat_to_bar(to_r(beat))
  local b = bar:floor()
  local m = meter_at_bar(R(b))
  local in_bar = (to_r(beat) - bar_to_beat(R(b))):tonumber()
  local s = ("bar %d, beat %.2f of %d/%d, %.1f bpm"):format(b + 1, in_bar + 1, m.num, m.den, S.tempo:bpm(beat))
  if S.song and lute._song_where then s = lute._song_where(R(b)) .. ", " .. s end
  return s
end

-- ---------------------------------------------------------------------------------------------
-- Live loops: coroutines on logical time (Sonic Pi / ChucK).  sleep(beats) advances logical time.
-- ---------------------------------------------------------------------------------------------
function loop(name, fn)
  if type(name) ~= "string" then error("loop(name, function() ... sleep(1) end): the name must be a string", 2) end
  if type(fn) ~= "function" then error(("loop '%s' needs a function"):format(name), 2) end
  if S.decl then
    S.decl.loops[name] = fn
    S.decl.loop_order[#S.decl.loop_order + 1] = name
  else
    lute._apply_loops({ [name] = fn }, { name }, false)
  end
end

function lute._restart_loop(l)
  l.beat = bar_to_beat(next_switch_bar())
  l.co = nil
  l.waiting = nil
end

function lute._apply_loops(decls, order, full)
  for _, name in ipairs(order) do
    local l = S.loops[name]
    if l then l.next_fn = decls[name]   -- swapped at its next iteration
    else
      l = { name = name, fn = decls[name] }
      S.loops[name] = l
      lute._restart_loop(l)
    end
  end
  if full then
    for name in pairs(S.loops) do if not decls[name] then S.loops[name] = nil end end
  end
end

function sleep(beats)
  if not S.loop_beat then error("sleep() belongs inside a loop: loop(\"name\", function() ... sleep(1) end)", 2) end
  if type(beats) ~= "number" or beats < 0 then error(("sleep(%s): beats must be a number >= 0"):format(tostring(beats)), 2) end
  coroutine.yield("sleep", beats)
end

function cue(name)
  if not S.loop_beat then error("cue() belongs inside a loop", 2) end
  S.cues[#S.cues + 1] = { name = name, beat = S.loop_beat }
end

function sync(name)
  if not S.loop_beat then error("sync() belongs inside a loop", 2) end
  coroutine.yield("sync", name)
end

local function loop_body(l)
  return function()
    while true do
      if l.next_fn then l.fn, l.next_fn = l.next_fn, nil end
      S.cues[#S.cues + 1] = { name = l.name, beat = S.loop_beat }
      local before = l.slept
      l.fn()
      if l.slept == before then
        error(("loop '%s' went round without sleep(); add sleep(beats) to its body"):format(l.name), 0)
      end
    end
  end
end

function lute._run_loops(to_beat)
  local progress = true
  local guard = 0
  while progress do
    progress = false
    guard = guard + 1
    if guard > 10000 then break end
    for name, l in pairs(S.loops) do
      if l.waiting then
        for _, c in ipairs(S.cues) do
          if c.name == l.waiting and c.beat >= l.beat then l.beat = c.beat; l.waiting = nil; break end
        end
      end
      while not l.waiting and l.beat < to_beat and S.loops[name] == l do
        l.co = l.co or coroutine.create(loop_body(l))
        l.slept = l.slept or 0
        S.loop_beat = l.beat
        S.loop_frame = frame_of_beat(l.beat)
        local ok, what, arg = coroutine.resume(l.co)
        S.loop_beat, S.loop_frame = nil, nil
        if not ok then
          msg("lute: loop '%s' stopped: %s", name, tostring(what))
          S.loops[name] = nil
          break
        elseif what == "sleep" then
          l.slept = l.slept + 1
          l.beat = l.beat + to_r(arg)
          progress = true
        elseif what == "sync" then
          l.waiting = arg
          l.slept = l.slept + 1
          progress = true
        else
          l.co = nil
        end
      end
    end
  end
  -- forget cues every loop has passed
  local oldest = to_beat
  for _, l in pairs(S.loops) do if l.beat < oldest then oldest = l.beat end end
  local keep = {}
  for _, c in ipairs(S.cues) do if c.beat >= oldest then keep[#keep + 1] = c end end
  S.cues = keep
end

-- ---------------------------------------------------------------------------------------------
-- MIDI: note-through and CC maps run in C; Lua handlers get everything else
-- ---------------------------------------------------------------------------------------------
midi = {}

local midi_types = { [0x80] = "noteoff", [0x90] = "noteon", [0xA0] = "aftertouch", [0xB0] = "cc",
                     [0xC0] = "program", [0xD0] = "pressure", [0xE0] = "bend" }
local known_midi_types = "noteon, noteoff, cc, program, bend, aftertouch, pressure, sysex, clock, start, stop, any"

-- midi.on(type, fn): fn(msg) for every message of that type; msg has type, channel (1-16), and
-- note/vel, cc/value, program, bend (-8192..8191) or bytes.
function midi.on(kind, fn)
  if type(kind) ~= "string" or not known_midi_types:find("%f[%w]" .. kind .. "%f[%W]") then
    error(("midi.on: unknown message type '%s'; known: %s"):format(tostring(kind), known_midi_types), 2)
  end
  if type(fn) ~= "function" then error("midi.on(type, function(msg) ... end)", 2) end
  local handlers = S.decl and S.decl.midi_handlers or S.midi_handlers
  handlers[kind] = handlers[kind] or {}
  table.insert(handlers[kind], fn)
end

function midi.off(kind) S.midi_handlers[kind] = nil end

local function decode_midi(bytes)
  local st = bytes:byte(1)
  local m = { bytes = bytes }
  if st >= 0xF0 then
    m.type = ({ [0xF0] = "sysex", [0xF8] = "clock", [0xFA] = "start", [0xFC] = "stop" })[st] or "system"
    return m
  end
  m.type = midi_types[st & 0xF0]
  m.channel = (st & 0x0F) + 1
  local d1, d2 = bytes:byte(2) or 0, bytes:byte(3) or 0
  if m.type == "noteon" and d2 == 0 then m.type = "noteoff" end
  if m.type == "noteon" or m.type == "noteoff" then m.note, m.vel = d1, d2
  elseif m.type == "cc" then m.cc, m.value = d1, d2
  elseif m.type == "program" then m.program = d1
  elseif m.type == "bend" then m.bend = d1 + d2 * 128 - 8192
  elseif m.type == "aftertouch" then m.note, m.value = d1, d2
  elseif m.type == "pressure" then m.value = d1 end
  return m
end
lute.decode_midi = decode_midi

function lute._midi_dispatch()
  if not next(S.midi_handlers) then core.midi_poll(); return end
  for _, ev in ipairs(core.midi_poll()) do
    local m = decode_midi(ev.bytes)
    m.frame = ev.frame
    for _, kind in ipairs({ m.type, "any" }) do
      for _, fn in ipairs(S.midi_handlers[kind] or {}) do
        local ok, e = pcall(fn, m)
        if not ok then msg("lute: midi.on('%s') handler: %s", kind, tostring(e)) end
      end
    end
  end
end

-- midi.map{cc = 74, to = "bass.cutoff", min = 200, max = 8000, curve = "exp", channel = 1}
function midi.map(spec)
  if type(spec) ~= "table" then error('midi.map{cc = 74, to = "bass.cutoff", min = 200, max = 8000, curve = "exp"}', 2) end
  local cc = spec.cc
  if math.type(cc) ~= "integer" or cc < 0 or cc > 127 then error(("midi.map: cc must be an integer 0 .. 127, got %s"):format(tostring(cc)), 2) end
  local tname, pname = tostring(spec.to):match("^([^.]+)%.(.+)$")
  if not tname then error(('midi.map: to = "track.param" (e.g. "bass.cutoff"), got %s'):format(tostring(spec.to)), 2) end
  if S.decl then   -- part of the declaration: mapped once the tracks exist
    if not S.decl.tracks[tname] then running(tname) end
    if not param_info[pname] then
      error(("midi.map: unknown parameter '%s' on track '%s'; known: %s"):format(pname, tname, table.concat(param_names, ", ")), 2)
    end
    local copy = {}
    for k, v in pairs(spec) do copy[k] = v end
    table.insert(S.decl.after, function() midi.map(copy) end)
    return
  end
  local t = running(tname)
  if not param_info[pname] then
    error(("midi.map: unknown parameter '%s' on track '%s'; known: %s"):format(pname, tname, table.concat(param_names, ", ")), 2)
  end
  local pi = param_info[pname]
  local lo, hi = spec.min or pi.min, spec.max or pi.max
  local curve = spec.curve or "lin"
  if curve ~= "lin" and curve ~= "exp" then error(("midi.map: curve must be \"lin\" or \"exp\", got %s"):format(tostring(curve)), 2) end
  if curve == "exp" and (lo <= 0 or hi <= 0) then error("midi.map: an exp curve needs min and max above 0", 2) end
  local ch = spec.channel and spec.channel - 1 or -1
  -- one map per (cc, channel, target): mapping again replaces it
  local index
  for i, m in ipairs(S.ccmaps) do
    if m.cc == cc and m.ch == ch and m.to == spec.to then index = i end
  end
  index = index or #S.ccmaps + 1
  if index > 128 then error("midi.map: at most 128 maps", 2) end
  S.ccmaps[index] = { cc = cc, ch = ch, to = spec.to }
  core.ccmap(index - 1, cc, ch, t.slot, pname, lo, hi, curve)
end

-- midi.select(track): MIDI notes play this track (note-through, in C, timestamped on arrival).
function lute.midi_select(name)
  if S.decl and S.decl.tracks[name] then
    table.insert(S.decl.after, function() lute.midi_select(name) end)
    return
  end
  local t = running(name)
  S.note_target = name
  core.note_target(t.slot)
end
midi.select = lute.midi_select

-- ---------------------------------------------------------------------------------------------
-- Help
-- ---------------------------------------------------------------------------------------------
local help_text = require "lute_help"

function help(name)
  if name == nil then
    io.write(help_text.overview, "\n")
    return
  end
  if type(name) ~= "string" then name = tostring(name) end
  local h = help_text.topics[name]
  if not h then
    local keys = {}
    for k in pairs(help_text.topics) do keys[#keys + 1] = k end
    table.sort(keys)
    io.write(("no help for '%s'; topics: %s\n"):format(name, table.concat(keys, ", ")))
    return
  end
  io.write(h, "\n")
end

-- Names for the REPL's tab completion.
function lute._completions()
  local out = {}
  for k in pairs(help_text.topics) do out[#out + 1] = k end
  for _, n in ipairs(param_names) do out[#out + 1] = n end
  for n in pairs(S.tracks) do out[#out + 1] = n end
  return out
end

lute.R = R
lute.P = P
lute.T = T
pattern = P
theory = T
mini = P.mini
n = P.reify        -- n("0 2 4"):scale("D:dorian"), as in Strudel
prog = T.prog      -- prog("ii7 V7 Imaj7", "C") -> chord symbols

-- chords("Dm7 G7 Cmaj7" | list, {per = "bar" | "step", range = {lo, hi}}): a pattern of voiced chords
-- (lists of MIDI notes), voice-led so each chord moves as little as possible from the one before;
-- one chord per bar by default, or all of them in one bar (per = "step").
function chords(symbols, opts)
  opts = opts or {}
  local voiced = T.voice_lead(symbols, opts)
  local pats = {}
  for i, v in ipairs(voiced) do pats[i] = P.pure(v) end
  if opts.per == "step" then return P.sequence(table.unpack(pats)) end
  return P.cat(table.unpack(pats))
end

lute._parse_meter = function(v, level) return parse_meter(v, level) end
lute._as_pattern = as_pattern
lute._validate_notes = validate_notes
lute._note_values = note_values
lute._param_info = param_info
lute._param_names = param_names
lute._rebuild_meter_beats = rebuild_meter_beats

-- arrangement, tempo maps and SMF on top of this
require "arrange"

return lute
