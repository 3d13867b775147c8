-- test_sandbox.lua — user code runs in its own environment: globals a script assigns (next, type,
-- pairs, math, table, lute ...) never reach lute's own modules; a script that fails changes no
-- global and no setting; code is loaded as text only; lute.quantum is checked when written.
-- Each case evaluates scripts with lute.eval (as lute evaluates a file) and renders offline,
-- counting the notes the scheduler sends.
local core = require "lute.core"
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

local SONG = [[tempo(120) track "a" { notes = "c4 e4 g4 b4" }]]
-- notes sent while rendering `bars` bars (96000 frames a bar at 120 bpm)
-- (the scheduler sends notes a lookahead ahead: a note due right at the end of one render was sent
-- during it, and is carried to the next)
local pending = {}
local function notes_in(bars)
  local from = core.frame()
  lute.trace(true)
  core.render(96000 * bars)
  local now = core.frame()
  local all = pending
  for _, x in ipairs(lute.trace()) do all[#all + 1] = x end
  pending = {}
  local n = 0
  for _, x in ipairs(all) do
    if x.frame >= now then pending[#pending + 1] = x elseif x.frame >= from then n = n + 1 end
  end
  return n
end
local function fresh(src)
  lute.stop(); S.stopped_by_user = false; pending = {}
  local ok, e = lute.eval(src, "song.lua")
  return ok, e
end

-- 1. Clobbering the globals lute's own Lua uses silences nothing and breaks no later evaluation.
for _, clobber in ipairs({ 'next = "chorus"', 'type = "square"', "pairs = nil", "ipairs = 1", "math = 1",
                           "table = {}", "string = nil", "tostring = print", "setmetatable = nil", "error = nil",
                           "lute = 5", "require = nil", "select = 0", "pcall = nil", "table.insert = nil",
                           "string.format = nil", "math.floor = nil", "coroutine = nil" }) do
  messages = {}
  local ok, e = fresh(clobber .. "\n" .. SONG)
  check(ok, "%s then a song: evaluates (%s)", clobber, tostring(e))
  local n = notes_in(2)
  check(n == 8, "%s: the song plays on, 8 notes in 2 bars: %d; messages: %s", clobber, n, table.concat(messages, " | "))
  ok, e = lute.eval(SONG .. ' track "b" { notes = "c3*2" }', "song.lua")
  check(ok, "%s: a later evaluation still works: %s", clobber, tostring(e))
  lute.trace(true); core.render(96000 * 2)
  local b = 0
  for _, x in ipairs(lute.trace()) do if x.track == "b" then b = b + 1 end end
  check(b >= 2, "%s: and is heard from the next bar (%d notes of the new track)", clobber, b)
  local name = clobber:match("^([%w_]+)")
  assert(lute.eval(name .. " = nil", "stdin", true))   -- the user's globals persist: put this one back
end
-- The user's globals persist across evaluations, by design (a script's state survives a reload).
local ok, e = lute.eval("lute = 5", "song.lua")
ok, e = lute.eval("assert(lute == 5, 'lute is 5 for the user'); lute = nil", "song.lua")
check(ok, "the user's own globals persist across evaluations (lute == 5 for them): %s", tostring(e))
ok, e = lute.eval("assert(type(next) == 'function' and lute.quantum == 1, 'deleting a global reveals lute\\'s')", "song.lua")
check(ok, "deleting the user's global reveals lute's again: %s", tostring(e))
ok, e = lute.eval("table.insert = nil; math.floor = nil", "song.lua")
check(ok and type(table.insert) == "function" and type(math.floor) == "function",
  "a script changing Lua's library tables changes its own copies, not lute's")
assert(lute.eval("table = nil; math = nil", "song.lua"))

-- 2. The same clobbering at the REPL (a partial evaluation) and in a live loop.
fresh(SONG)
ok, e = lute.eval("pairs = nil; ipairs = nil; next = 'x'", "stdin", true)
local n = notes_in(1)
check(ok and n == 4, "clobbering at the REPL: the music plays on (%s, %d notes)", tostring(e), n)
assert(lute.eval("pairs, ipairs, next = nil, nil, nil", "stdin", true))
fresh(SONG .. [[ loop("l", function() type = 1; math = nil; sleep(1) end)]])
messages = {}
n = notes_in(2)
check(n == 8, "a live loop clobbering globals: the music plays on (%d notes; %s)", n, table.concat(messages, " | "))
assert(lute.eval("type, math = nil, nil", "stdin", true))

-- 3. A script that fails changes nothing: its globals, its settings, its declarations.
fresh("x = 1\n" .. SONG)
ok, e = lute.eval("x = 2; y = 3; lute.quantum = 2; track 'a' { notes = 'c5' }\nerror('boom')", "song.lua")
check(not ok and e:find("song.lua:2: boom"), "a failing script reports its line: %s", tostring(e))
ok, e = lute.eval("assert(x == 1, 'x is ' .. tostring(x)); assert(y == nil, 'y leaked'); assert(lute.quantum == 1, 'quantum leaked')", "stdin", true)
check(ok, "after a failing script: no global and no setting changed (%s)", tostring(e))
check(S.tracks.a.def.notes_src == "c4 e4 g4 b4", "after a failing script: the track is unchanged")
ok, e = lute.eval("x = 5; _G.z = 6; rawset(_G, 'w', 7)", "stdin", true)
ok, e = lute.eval("assert(x == 5 and z == 6 and w == 7)", "stdin", true)
check(ok, "globals written directly, through _G and with rawset(_G, ...) survive a good evaluation: %s", tostring(e))

-- 4. A function defined in one evaluation sees the globals of later ones.
fresh([[track "a" { } pitch = 60 loop("l", function() note("a", pitch) sleep(1) end)]])
lute.trace(true); core.render(48000); local t1 = lute.trace()
assert(lute.eval("pitch = 72", "stdin", true))
lute.trace(true); core.render(96000); local t2 = lute.trace()
check(t1[1] and t1[1].note == 60 and t2[#t2] and t2[#t2].note == 72,
  "a loop from the file reads a global the REPL changed later: %s then %s", t1[1] and t1[1].note, t2[#t2] and t2[#t2].note)

-- 5. Text only: a binary chunk is refused by load, by a required module and by the file loader.
ok, e = lute.eval("local f, err = load(string.dump(function() return 1 end)); assert(f == nil and err:find('binary'), err)", "song.lua")
check(ok, "load() of a binary chunk is refused: %s", tostring(e))
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local f = io.open(dir .. "/binmod.lua", "wb"); f:write(string.dump(function() return 1 end)); f:close()
f = io.open(dir .. "/txtmod.lua", "w"); f:write("helper_global = 42\nreturn { notes = 'c4 d4' }"); f:close()
package.path = dir .. "/?.lua;" .. package.path
ok, e = lute.eval([[local m = require "binmod"]], "song.lua")
check(not ok and e:find("binmod") and e:find("binary"), "a precompiled module is refused with a message: %s", tostring(e))
ok, e = lute.eval([[local m = require "txtmod" track "a" { notes = m.notes } assert(helper_global == 42)]], "song.lua")
check(ok, "a text module runs in the script's environment (its globals are the script's): %s", tostring(e))
check(rawget(_G, "helper_global") == nil, "... and not in lute's global table")
os.remove(dir .. "/binmod.lua"); os.remove(dir .. "/txtmod.lua"); os.remove(dir)

-- 6. lute.quantum is checked when written, at the user's line; later reloads work.
for _, bad in ipairs({ "0", "0/0", "-1", "'x'", "1/0", "{}", "100" }) do
  fresh(SONG)
  ok, e = lute.eval("tempo(120)\nlute.quantum = " .. bad .. "\n" .. SONG, "song.lua")
  check(not ok and e:find("^song.lua:2: lute.quantum is a number of bars above 0"), "lute.quantum = %s: an error at the user's line: %s", bad, tostring(e))
  ok, e = lute.eval(SONG, "song.lua")
  check(ok and lute.quantum == 1, "lute.quantum = %s: later reloads work, the quantum is still 1 (%s)", bad, tostring(e))
end
ok, e = lute.eval("lute.quantum = 2", "stdin", true)
check(ok and lute.quantum == 2, "lute.quantum = 2 is accepted: %s", tostring(e))
ok, e = lute.eval("lute.quantum = '1/4'", "stdin", true)
check(ok and lute.quantum == 0.25, "lute.quantum = '1/4' is read exactly: %s", tostring(lute.quantum))
lute.quantum = 1
ok, e = lute.eval("lute._tick = nil", "song.lua")
check(not ok and e:find("lute._tick cannot be changed from a script"), "lute's own fields are read-only to a script: %s", tostring(e))
check(type(lute._tick) == "function", "lute._tick is still lute's")

-- 7. A global that hides one of lute's or Lua's is named once, at the user's line.
messages = {}
fresh("n = 5\n" .. SONG)
fresh("n = 6\n" .. SONG)
local w = {}
for _, m in ipairs(messages) do if m:find("warning: the global 'n'") then w[#w + 1] = m end end
check(#w == 1 and w[1]:find("^song.lua:1: warning: the global 'n' now hides lute's n"), "n = 5 warns once, at the line: %s", table.concat(w, " | "))
assert(lute.eval("n = nil"))

-- 8. Randomness is seeded: the same script gives the same notes; lute.seed(n) changes them.
local RANDOM = [[tempo(120) local t = {} for i = 1, 8 do t[i] = math.random(48, 72) end
track "a" { notes = table.concat(t, " ") }]]
local function random_notes(src)
  fresh(src)
  lute.trace(true); core.render(96000)
  local out = {}
  for _, x in ipairs(lute.trace()) do out[#out + 1] = x.note end
  return table.concat(out, " ")
end
local r1, r2 = random_notes(RANDOM), random_notes(RANDOM)
check(r1 == r2 and #r1 > 0, "math.random is seeded per evaluation: %s / %s", r1, r2)
local r3 = random_notes("lute.seed(7) " .. RANDOM)
check(r3 ~= r1, "lute.seed(7) gives other notes: %s / %s", r3, r1)
check(random_notes("lute.seed(7) " .. RANDOM) == r3, "... the same ones every time")
lute.seed(0)

print(("test_sandbox: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
