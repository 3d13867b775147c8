-- lute.lua — the language of lute: assembles the modules of lua/lute/ and publishes the names a
-- script uses (track, loop, tempo, section, ...), the way Lua's linit.c opens its libraries.
--
-- A script *declares* what should play: tracks (a synth sound plus a pattern of notes), live loops,
-- the tempo, sections and a song form.  Evaluating a script again declares the new desired state and
-- lute reconciles: what did not change keeps running untouched, what changed switches at the next bar
-- (lute.quantum bars), what disappeared fades out.  A script that fails changes nothing.
--
--   lute/state.lua      the running state, one table (lute._state for tests)
--   lute/engine.lua     the one door to the engine binding (lute.core)
--   lute/report.lua     messages; errors at the user's file and line; repeated messages limited
--   lute/time.lua       rationals, meter map, tempo map, bars <-> beats <-> frames, lute.quantum
--   lute/decl.lua       track fields (extensible) and the one parameter check
--   lute/reconcile.lua  declare and reconcile: begin, commit, abort; parts of a declaration
--   lute/sched.lua      the scheduler and its plan providers
--   lute/handles.lua    running tracks by name: set, note, track("x").cutoff = v
--   lute/loops.lua      live loops on logical time
--   lute/midi.lua       MIDI handlers, CC maps, note-through
--   lute/transport.lua  play, stop, pause, resume, hush, panic, tempo, meter, solo, where
--   lute/live.lua       mute, unmute, remove, setbpm, setcps
--   lute/chance.lua     rrand, rrand_i, choose, ring, tick, look (seeded)
--   lute/sandbox.lua    where user code runs: its own _ENV, copy-on-write, text only
--   lute/clips.lua      audio clips, comps and their edits on tracks; MIDI takes; sample replacement
--   lute/mixview.lua    mix() and meters(): the mix and its meters in the terminal
--   arrange.lua         sections, song form, jumps, render span, Standard MIDI Files
--   lute/automation.lua automate, automation, arm/disarm, sections' mix, effect times as note values
local R = require "rational"
local P = require "pattern"
local Th = require "theory"
local E = require "lute.engine"
local S = require "lute.state"
local Rp = require "lute.report"
local T = require "lute.time"
local D = require "lute.decl"
local Rc = require "lute.reconcile"
local Sc = require "lute.sched"
local H = require "lute.handles"
local L = require "lute.loops"
local M = require "lute.midi"
local A = require "arrange"
local Tr = require "lute.transport"
local Sb = require "lute.sandbox"
local Lv = require "lute.live"
local C = require "lute.chance"
local Snd = require "lute.sound"
local Au = require "lute.automation"
local Rec = require "lute.record"
local Mv = require "lute.mixview"
D.checks[#D.checks + 1] = Snd.check_track
local Cl = require "lute.clips"   -- audio clips, comps, edits, MIDI takes (after sound: it wraps clip and comp)

local lute = { version = "0.1.0" }

-- Messages from lute during a performance (a loop that stopped, a skipped note) go to stderr;
-- tests and tools may replace lute.message to collect them (the REPL does, to keep the prompt).
function lute.message(fmt, ...) io.stderr:write(string.format(fmt, ...), "\n"); io.stderr:flush() end
Rp.output = function(text) lute.message("%s", text) end

-- Wiring between the modules (set here, so no module requires one that requires it back).
Rc.play = Tr.play
Rc.handle = H.handle
H.track = Rc.track
Sc.on_tick[#Sc.on_tick + 1] = M.dispatch
Sc.on_window[#Sc.on_window + 1] = L.run
Sc.before_window[#Sc.before_window + 1] = Rc.before_window
Sc.after_window[#Sc.after_window + 1] = Au.window
Sc.before_window[#Sc.before_window + 1] = Rec.before_window
Sc.on_tick[#Sc.on_tick + 1] = Rec.poll
Sc.on_tick[#Sc.on_tick + 1] = Mv.tick

-- ---------------------------------------------------------------------------------------------
-- Settings: lute.quantum, lute.autoplay, lute.song_name, lute.message — checked when written.
-- Written by a script, a setting is part of its declaration: it applies when the script commits,
-- and a script that fails changes none.
-- ---------------------------------------------------------------------------------------------
local settings = {
  quantum = { get = function() return T.quantum:tonumber() end, check = T.check_quantum,
              apply = function(q) T.quantum = q end },
  autoplay = { get = function() return Rc.autoplay end,
               check = function(v)
                 if type(v) ~= "boolean" then error("lute.autoplay is true or false", 0) end
                 return v
               end,
               apply = function(v) Rc.autoplay = v end },
  song_name = { get = function() return A.song_name end,
                check = function(v)
                  if v ~= nil and type(v) ~= "string" then error("lute.song_name is a string (the SMF's title)", 0) end
                  return v
                end,
                apply = function(v) A.song_name = v end },
  message = { get = function() return rawget(lute, "message") end,
              check = function(v)
                if type(v) ~= "function" then error("lute.message is a function(fmt, ...)", 0) end
                return v
              end,
              apply = function(v) rawset(lute, "message", v) end },
}
local setting_names = "quantum, autoplay, song_name, message"

-- Checks a value for a setting (raising what would be right); returns a function that applies it.
local function check_setting(k, v)
  local st = settings[k]
  local ok, x = pcall(st.check, v)
  if not ok then return nil, x end
  return function() st.apply(x) end
end

setmetatable(lute, {
  __index = function(_, k) local st = settings[k]; if st then return st.get() end end,
  __newindex = function(t, k, v)
    if not settings[k] or k == "message" then rawset(t, k, v); return end
    local apply, e = check_setting(k, v)
    if not apply then Rp.error(e) end
    apply()
  end,
})

-- What a script sees as `lute`: lute's table, read-only but for the settings.
local lute_view = setmetatable({}, {
  __index = function(_, k)
    if S.decl and S.decl.settings and S.decl.settings[k] ~= nil then return S.decl.settings[k] end
    return lute[k]
  end,
  __newindex = function(_, k, v)
    if not settings[k] then
      Rp.error("lute.%s cannot be changed from a script; the settings are %s", tostring(k), setting_names)
    end
    local apply, e = check_setting(k, v)
    if not apply then Rp.error(e) end
    if S.decl then
      S.decl.settings[k] = v
      S.decl.apply_settings[#S.decl.apply_settings + 1] = apply
    else
      apply()
    end
  end,
  __tostring = function() return "lute" end,
  __metatable = false,
})
Rc.part{ name = "settings", order = 5,
  begin = function(d) d.settings, d.apply_settings = {}, {} end,
  apply = function(d) for _, fn in ipairs(d.apply_settings) do fn() end end }

-- ---------------------------------------------------------------------------------------------
-- Randomness: math.random is seeded, so a script gives the same notes (and a render the same
-- bytes) every time.  Each evaluation of a whole script starts from lute.seed's seed (0 unless
-- set), so saving an unchanged file changes nothing; REPL chunks and live loops go on from there.
-- ---------------------------------------------------------------------------------------------
local seed = 0
function lute.seed(n)
  if n == nil then return seed end
  if math.type(n) ~= "integer" then
    if type(n) == "number" and n == math.floor(n) and n > -2^53 and n < 2^53 then n = math.tointeger(n)
    else Rp.error("lute.seed(n): n is a whole number, got %s", tostring(n)) end
  end
  seed = n
  math.randomseed(n)
end
math.randomseed(seed)

-- ---------------------------------------------------------------------------------------------
-- What C calls (lua/session.c, lua/api.c, lua/main.c)
-- ---------------------------------------------------------------------------------------------
lute._state = S
lute._render_span = A.render_span
lute._user_modules = Sb.user_modules   -- the files a script required: watched and reloaded with it
lute._user_env = Sb.user               -- the user's globals (for the REPL's completion of their names)

-- An evaluation: _begin(full [, path]) opens the declaration and the sandbox layer and returns the
-- environment the user's chunk runs in; _commit applies both; _abort drops both.  A whole script
-- (full) is the desired state: what it does not declare stops; a REPL chunk adds and changes.
function lute._begin(full, path)
  if full then
    math.randomseed(seed); Cl.script(path)
    if path then Rec.recover_on_start() end   -- takes a crash left open beside the script
  end
  Rc.begin(full)
  return Sb.open()
end
function lute._commit()
  Rc.commit()
  Sb.merge()
  Rp.reset()   -- a new declaration: its faults are news, even if the last one had the same
end
function lute._abort()
  Rc.abort()
  Sb.drop()
  Cl.abort()
end
lute._tick = Sc.tick
lute._at_exit = function() Rp.flush(true) end   -- session.c, as lute ends
lute._device_lost = Rec.device_lost   -- main.c: the audio device stopped calling back (record.lua)
lute._empty_save = Rc.empty_save   -- session.c: a script saved empty while it plays (see reconcile.lua)

-- lute.eval(code [, name [, partial]]): evaluates a script text as `lute` evaluates a file (partial:
-- as a REPL chunk), in the sandbox; returns true, or nil and the message, having changed nothing.
function lute.eval(code, name, partial)
  if type(code) ~= "string" then return nil, "lute.eval(code): code is a string of Lua" end
  if not partial and not code:find("%S") and Rc.empty_save(name) then return true end
  -- a whole script named by a path (with a folder) is that file: its folder holds its takes
  local env = lute._begin(not partial, name and name:find("/") and name:find("%.lua$") and name or nil)
  local fn, e = load(code, "=" .. (name or "script"), "t", env)
  if not fn then lute._abort(); return nil, e end
  local ok, err = pcall(fn)
  if ok then ok, err = pcall(lute._commit) end
  if not ok then lute._abort(); return nil, tostring(err) end
  return true
end

-- lute.trace(true) records every note the scheduler sends ({track, frame, off, note, vel, pan}) for
-- tests and tools; lute.trace(true, "params") parameter changes too ({track, frame, param, value});
-- lute.trace() returns the list and stops recording.
function lute.trace(on, what)
  if on then S.trace = {}; S.trace_params = what == "params"; return end
  local t = S.trace or {}
  S.trace, S.trace_params = nil, nil
  return t
end

-- ---------------------------------------------------------------------------------------------
-- The language's names
-- ---------------------------------------------------------------------------------------------
lute.rational = T.to_r
lute.bar_to_beat = T.bar_to_beat
lute.frame_of_bar = T.frame_of_bar
lute.next_switch_bar = T.next_switch_bar
lute.handle = H.handle
lute.play, lute.stop, lute.solo = Tr.play, Tr.stop, Tr.solo
lute.pause, lute.resume, lute.hush, lute.panic = Tr.pause, Tr.resume, Tr.hush, Tr.panic
lute.midi_select = M.select
lute.decode_midi = M.decode
lute.export_midi, lute.import_midi, lute.clip = A.export_midi, A.import_midi, A.clip
lute.field = D.field            -- lute.field(name, spec): a new track field (see lute/decl.lua)
lute.R, lute.P, lute.T = R, P, Th

-- chords("Dm7 G7 Cmaj7" | list, {per = "bar" | "step", range = {lo, hi}}): a pattern of voiced chords
-- (lists of MIDI notes), voice-led so each chord moves as little as possible from the one before;
-- one chord per bar by default, or all of them in one bar (per = "step").
local function chords(symbols, opts)
  opts = opts or {}
  local voiced = Th.voice_lead(symbols, opts)
  local pats = {}
  for i, v in ipairs(voiced) do pats[i] = P.pure(v) end
  if opts.per == "step" then return P.sequence(table.unpack(pats)) end
  return P.cat(table.unpack(pats))
end

-- ---------------------------------------------------------------------------------------------
-- Help
-- ---------------------------------------------------------------------------------------------
local help_text = require "lute_help"

local names_of_values   -- help(midi.learn) as help("midi.learn"): the API's values to their names
local function help(name)
  if name == nil then
    io.write(help_text.overview, "\n")
    return
  end
  if type(name) ~= "string" then
    if not names_of_values then
      names_of_values = {}
      for k, v in pairs(lute.api) do
        if type(v) == "function" then names_of_values[v] = k end
        if k == "midi" then for mk, mv in pairs(v) do names_of_values[mv] = "midi." .. mk end end
      end
      names_of_values[lute.seed] = "seed"
    end
    name = names_of_values[name] or tostring(name)
  end
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
  for _, n in ipairs(D.param_names) do out[#out + 1] = n end
  for n in pairs(S.tracks) do out[#out + 1] = n end
  return out
end

-- The globals a script sees.
lute.api = {
  lute = lute_view,
  track = Rc.track, set = H.set, note = H.note,
  loop = L.loop, sleep = L.sleep, cue = L.cue, sync = L.sync,
  midi = { on = M.on, off = M.off, map = M.map, select = M.select, learn = M.learn },
  tempo = Tr.tempo, meter = Tr.meter, setbpm = Lv.setbpm, setcps = Lv.setcps,
  play = function(...) return Tr.play(...) end, stop = function(...) return Tr.stop(...) end,
  pause = Tr.pause, resume = Tr.resume, hush = Tr.hush, panic = Tr.panic,
  mute = Lv.mute, unmute = Lv.unmute, remove = Lv.remove,
  quit = Tr.quit, solo = Tr.solo, where = Tr.where,
  rrand = C.rrand, rrand_i = C.rrand_i, choose = C.choose, ring = C.ring, tick = C.tick, look = C.look,
  section = A.section, song = A.song, tempo_map = A.tempo_map, meter_map = A.meter_map,
  jump = A.jump, queue = A.queue, loop_region = A.loop_region,
  help = help,
  pattern = P, theory = Th, mini = P.mini,
  n = P.reify,        -- n("0 2 4"):scale("D:dorian"), as in Strudel
  prog = Th.prog,     -- prog("ii7 V7 Imaj7", "C") -> chord symbols
  chords = chords,
  mix = Mv.mix, meters = Mv.meters,   -- (inside a patch, mix is the unit: sound.lua resolves it)
  automate = Au.automate, automation = Au.automation, arm = Au.arm, disarm = Au.disarm,
}
-- Patches, units, effects, buses and the master (sound.lua); names a unit shares with lute's or
-- Lua's resolve by where they are called (inside a patch: the unit).
for k, v in pairs(Snd.globals(lute.api)) do lute.api[k] = v end
Au.wrap_effects(lute.api, Snd.building)   -- delay{ time = "3/16" }: times as note values follow the tempo
for k, v in pairs(Rec.globals()) do lute.api[k] = v end   -- input, record, stop_record, calibrate
for k, v in pairs(Cl.globals(lute.api)) do lute.api[k] = v end   -- clip, comp, takes, edits, MIDI takes
Sb.publish(lute.api)
-- lute exec runs tools and tests in the real global table: they see the same names (and the real
-- lute table, which they may change as they need).
for k, v in pairs(lute.api) do _G[k] = v end
_G.lute = lute
Mv.host = lute   -- the REPL puts its status line function there (lute._status)

return lute
