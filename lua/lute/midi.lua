-- lute/midi.lua — MIDI from Lua: note-through and CC maps run in C (the engine maps a controller to
-- a parameter with no Lua on the way); Lua handlers get every other message.
local E = require "lute.engine"
local S = require "lute.state"
local D = require "lute.decl"
local H = require "lute.handles"
local Rp = require "lute.report"
local Rc = require "lute.reconcile"

local M = {}

local midi_types = { [0x80] = "noteoff", [0x90] = "noteon", [0xA0] = "aftertouch", [0xB0] = "cc",
                     [0xC0] = "program", [0xD0] = "pressure", [0xE0] = "bend" }
local known_midi_types = "noteon, noteoff, cc, program, bend, aftertouch, pressure, sysex, clock, start, stop, any"

-- midi.on(type, fn): fn(msg) for every message of that type; msg has type, channel (1-16), and
-- note/vel, cc/value, program, bend (-8192..8191) or bytes.
function M.on(kind, fn)
  if type(kind) ~= "string" or not known_midi_types:find("%f[%w]" .. kind .. "%f[%W]") then
    error(("midi.on: unknown message type '%s'; known: %s"):format(tostring(kind), known_midi_types), 2)
  end
  if type(fn) ~= "function" then error("midi.on(type, function(msg) ... end)", 2) end
  if S.decl then
    local handlers = S.decl.midi_handlers
    handlers[kind] = handlers[kind] or {}
    table.insert(handlers[kind], fn)
  else
    S.midi_handlers[kind] = S.midi_handlers[kind] or {}
    table.insert(S.midi_handlers[kind], { fn = fn, origin = "repl" })
  end
end

function M.off(kind) S.midi_handlers[kind] = nil end

function M.decode(bytes)
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

function M.dispatch()
  if not next(S.midi_handlers) and not S.learning and not M.on_message then E.midi_poll(); return end
  for _, ev in ipairs(E.midi_poll()) do
    local m = M.decode(ev.bytes)
    m.frame = ev.frame
    if S.learning and m.type == "cc" then M.learned(m) end
    if M.on_message then M.on_message(m) end   -- automation's recording (arm), set while armed
    for _, kind in ipairs({ m.type, "any" }) do
      for _, h in ipairs(S.midi_handlers[kind] or {}) do
        local ok, e = pcall(h.fn, m)
        if not ok then Rp.limited("midi:" .. kind, "lute: midi.on('%s') handler: %s", kind, tostring(e)) end
      end
    end
  end
end

-- The map a midi.map spec asks for, checked: { cc, ch (-1 = any), track, param, to, lo, hi, curve },
-- or an error saying what would be right.  `known(track)` tells whether a track exists.
local function check_map(spec, known)
  if type(spec) ~= "table" then error('midi.map{cc = 74, to = "bass.cutoff", min = 200, max = 8000, curve = "exp"}', 0) end
  local cc = spec.cc
  if math.type(cc) ~= "integer" or cc < 0 or cc > 127 then error(("midi.map: cc must be an integer 0 .. 127, got %s"):format(tostring(cc)), 0) end
  local tname, pname = tostring(spec.to):match("^([^.]+)%.(.+)$")
  if not tname then error(('midi.map: to = "track.param" (e.g. "bass.cutoff"), got %s'):format(tostring(spec.to)), 0) end
  if not known(tname) then H.running(tname, 0) end
  local pi = D.param_info[pname]
  local lo, hi, late
  if pi then
    lo, hi = spec.min or pi.min, spec.max or pi.max
    for _, x in ipairs({ { "min", lo }, { "max", hi } }) do   -- the same check as every other path
      local ok, e = pcall(D.check_param, pname, x[2])
      if not ok then error(("midi.map: %s: %s"):format(x[1], e), 0) end
    end
  elseif pname:find("%.") then
    -- an insert's parameter ("comp.ratio", "crushed_comp.ratio") or a send ("send.verb"): checked
    -- against the mix when the map is applied (the track may be declared by this very script)
    lo, hi, late = spec.min, spec.max, true
    for _, x in ipairs({ { "min", lo }, { "max", hi } }) do
      if x[2] ~= nil and (type(x[2]) ~= "number" or x[2] ~= x[2]) then error(("midi.map: %s is a number"):format(x[1]), 0) end
    end
  else
    error(("midi.map: unknown parameter '%s' on track '%s'; known: %s, or an insert's (\"%s.comp.ratio\") or a send's "
      .. "(\"%s.send.verb\")"):format(pname, tname, table.concat(D.param_names, ", "), tname, tname), 0)
  end
  local curve = spec.curve or "lin"
  if curve ~= "lin" and curve ~= "exp" then error(("midi.map: curve must be \"lin\" or \"exp\", got %s"):format(tostring(curve)), 0) end
  if curve == "exp" and not late and (lo <= 0 or hi <= 0) then error("midi.map: an exp curve needs min and max above 0", 0) end
  local ch = spec.channel
  if ch ~= nil and (math.type(ch) ~= "integer" or ch < 1 or ch > 16) then
    error(("midi.map: channel is 1 .. 16 (or left out for any), got %s"):format(tostring(ch)), 0)
  end
  return { cc = cc, ch = ch and ch - 1 or -1, track = tname, param = pname, to = spec.to, lo = lo, hi = hi, curve = curve,
           late = late }
end

-- An insert's or a send's range, from the mix as it is, or as the declaration `d` makes it
-- (automation.lua resolves the same names).
local function late_range(m, d)
  local Au = require("lute.automation")
  local ok, info = pcall(Au.resolve, m.to, Au.channels(d), "")
  if not ok then error((tostring(info):gsub('^automate%(("[^"]*")%)', "midi.map: %1")), 0) end
  local lo, hi = m.lo or info.lo, m.hi or info.hi
  for _, x in ipairs({ { "min", lo }, { "max", hi } }) do
    if not (x[2] >= info.lo and x[2] <= info.hi) then
      error(("midi.map: %s = %s is out of range for %s (%s .. %s %s)"):format(x[1], tostring(x[2]), m.to, tostring(info.lo),
        tostring(info.hi), info.unit or ""), 0)
    end
  end
  if m.curve == "exp" and (lo <= 0 or hi <= 0) then error("midi.map: an exp curve needs min and max above 0", 0) end
  return lo, hi
end

local function apply_map(m, origin)
  local t = H.running(m.track)
  -- one map per (cc, channel, target): mapping again replaces it
  local index
  for i, x in ipairs(S.ccmaps) do
    if x.cc == m.cc and x.ch == m.ch and x.to == m.to then index = i end
  end
  index = index or #S.ccmaps + 1
  if index > 128 then error("midi.map: at most 128 maps", 0) end
  if m.late then m.lo, m.hi = late_range(m) end
  E.ccmap(index - 1, m.cc, m.ch, t.handle, m.param, m.lo, m.hi, m.curve)
  S.ccmaps[index] = { cc = m.cc, ch = m.ch, to = m.to, spec = m, origin = origin or "repl" }
end

-- midi.map{cc = 74, to = "bass.cutoff", min = 200, max = 8000, curve = "exp", channel = 1}
function M.map(spec)
  local decl = S.decl
  local ok, m = pcall(check_map, spec, function(n) return (decl and decl.tracks[n]) or S.tracks[n] end)
  if not ok then error(m, 2) end
  if m.late and decl and (decl.tracks[m.track] or S.tracks[m.track]) then
    -- the track is known: its insert or send is checked now, at the user's line
    local ok2, e2 = pcall(late_range, m, decl)
    if not ok2 then error(e2, 2) end
  end
  if decl then   -- part of the declaration: mapped once the tracks exist
    local origin = decl.full and "file" or "repl"
    table.insert(decl.after, function() apply_map(m, origin) end)
    return
  end
  ok, m = pcall(apply_map, m, "repl")
  if not ok then error(m, 2) end
end

-- midi.learn("bass.cutoff" [, {min =, max =, curve =}]): the next controller moved maps to that
-- parameter (its channel and number), over the parameter's range unless given; lute prints the
-- midi.map{...} line to keep in the script.  midi.learn() cancels.
function M.learn(to, opts)
  if to == nil then S.learning = nil; return "midi.learn cancelled" end
  if opts ~= nil and type(opts) ~= "table" then error('midi.learn("bass.cutoff", {min = 200, max = 8000, curve = "exp"})', 2) end
  local spec = { cc = 0, to = to }
  for k, v in pairs(opts or {}) do spec[k] = v end
  local pname = tostring(to):match("%.(.+)$")
  local pi = pname and D.param_info[pname]
  if pi and spec.curve == nil then   -- frequencies feel even on an exponential curve
    spec.curve = (pi.unit == "Hz" and (spec.min or pi.min) > 0) and "exp" or "lin"
  end
  local ok, m = pcall(check_map, spec, function(n) return S.tracks[n] end)
  if not ok then error(m:gsub("^midi%.map", "midi.learn"), 2) end
  S.learning = { spec = spec }
  return ("midi.learn: move a controller to map it to %s"):format(m.to)
end

local function num(x)
  local i = math.tointeger(x)
  if i then return tostring(i) end
  return ("%.6g"):format(x)
end

-- A controller moved while learning: map it, and say the line that keeps the map.
function M.learned(msg)
  local spec = S.learning.spec
  S.learning = nil
  spec.cc, spec.channel = msg.cc, msg.channel
  local ok, m = pcall(check_map, spec, function(n) return S.tracks[n] end)
  local ok2, e2 = true, nil
  if ok then ok2, e2 = pcall(apply_map, m, "repl") end
  if not ok or not ok2 then Rp.say("lute: midi.learn: %s", tostring(ok and e2 or m)); return end
  Rp.say('lute: midi.learn: CC %d on channel %d now moves %s; to keep it, put this line in the script:\n'
    .. '  midi.map{cc = %d, channel = %d, to = "%s", min = %s, max = %s, curve = "%s"}',
    spec.cc, spec.channel, spec.to, spec.cc, spec.channel, spec.to, num(m.lo), num(m.hi), spec.curve or "lin")
end

-- midi.select(track): MIDI notes play this track (note-through, in C, timestamped on arrival).
function M.select(name)
  if S.decl and S.decl.tracks[name] then
    table.insert(S.decl.after, function() M.select(name) end)
    return
  end
  local t = H.running(name)
  S.note_target = name
  E.note_target(t.handle)
end
D.midi_select = M.select

-- MIDI belongs to the declaration too: a script's handlers and CC maps replace the ones the script
-- declared before (so a reload does not add a second handler); those typed at the REPL stay.
Rc.part{ name = "midi", order = 30,
  begin = function(d) d.midi_handlers = {} end,
  apply = function(d)
    local origin = d.full and "file" or "repl"
    if d.full then
      for kind, list in pairs(S.midi_handlers) do
        local keep = {}
        for _, h in ipairs(list) do if h.origin == "repl" then keep[#keep + 1] = h end end
        S.midi_handlers[kind] = #keep > 0 and keep or nil
      end
      local keep = {}
      for _, m in ipairs(S.ccmaps) do if m.origin == "repl" then keep[#keep + 1] = m end end
      if #keep < #S.ccmaps then   -- the engine's maps are numbered: lay the kept ones out again
        for i = 1, #S.ccmaps do pcall(E.ccmap_clear, i - 1) end
        S.ccmaps = {}
        for _, m in ipairs(keep) do pcall(apply_map, m.spec, "repl") end
      end
    end
    for kind, list in pairs(d.midi_handlers) do
      S.midi_handlers[kind] = S.midi_handlers[kind] or {}
      for _, fn in ipairs(list) do table.insert(S.midi_handlers[kind], { fn = fn, origin = origin }) end
    end
  end }

return M
