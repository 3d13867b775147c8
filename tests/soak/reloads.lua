-- tests/soak/reloads.lua — the offline half of `make soak`: 10,000 reloads of a script through lute.eval,
-- as hot reload does them, with the engine rendering between them (a quarter bar each, so a reload lands on
-- a new bar every four), a bad edit every fifth reload (an endless loop every 500th, stopped by a 500 ms budget).  Prints the figures every 1,000 reloads: reloads that
-- failed when they should not have (with the first message), Lua memory, seconds; ends with "N passed,
-- N failed" (a valid reload that failed, memory that grew without bound, or a render that fell silent).
-- Usage: lute exec tests/soak/reloads.lua [RELOADS]
local core = require "lute.core"
local vm = require "lute.vm"
local N = tonumber(arg and arg[1]) or 10000
local rate = core.rate()

local function script(i)
  local notes = ({ "a4 c5 e5 c5", "c5 e5 g5 e5", "d5 f5 a5 f5" })[i % 3 + 1]
  return ([[
tempo(%d)
track "pulse" { notes = "a2*4", wave = "saw", legato = 1, sustain = 1, gain = -14 }
track "tune" { notes = "%s", wave = "square", gain = -16 }
loop("tick", function() sleep(1) end)
]]):format(118 + i % 5, notes)
end

local BAD = {
  'track "broken" { notes = "a4",',
  'error("a runtime error at top level")',
  'track "x" { notes = "a4", cutoff = "bright" }',
}
local ENDLESS = 'while true do end'   -- once every 500 reloads; stopped by the budget

local failed_valid, failed_first, bad_ok, passed, failed = 0, nil, 0, 0, 0
local mem0, t0 = nil, os.clock()
local silent_blocks = 0
local function check(cond, msg)
  if cond then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", msg, "\n") end
end

for i = 1, N do
  local text = script(i)
  local bad = i % 5 == 0
  if bad then text = text .. (i % 500 == 0 and ENDLESS or BAD[(i // 5) % #BAD + 1]) .. "\n" end
  -- each reload with a budget of its own, as live evaluation has (lute exec itself runs unlimited)
  local vok, ok, err = vm.call(500, lute.eval, text, "soak.lua")
  if not vok then ok, err = nil, ok end
  if bad and ok then bad_ok = bad_ok + 1 end
  if not bad and not ok then
    failed_valid = failed_valid + 1
    failed_first = failed_first or ("reload " .. i .. ": " .. tostring(err))
  end
  local r = core.render(rate // 8)
  if r.peak == 0 then silent_blocks = silent_blocks + 1 end
  if i == 100 then collectgarbage(); mem0 = collectgarbage("count") end
  if i % 1000 == 0 then
    collectgarbage()
    print(("soak reloads: %d done, %.1f s, Lua memory %.0f KiB, valid reloads that failed %d%s, silent renders %d")
      :format(i, os.clock() - t0, collectgarbage("count"), failed_valid,
              failed_first and (" (first: " .. failed_first:sub(1, 120) .. ")") or "", silent_blocks))
    io.stdout:flush()
  end
end
collectgarbage()
local mem = collectgarbage("count")
check(failed_valid == 0, ("every valid reload of %d succeeds: %d failed%s"):format(N, failed_valid,
      failed_first and (", the first: " .. failed_first) or ""))
check(bad_ok == 0, ("every bad reload fails: %d succeeded"):format(bad_ok))
check(mem < (mem0 or mem) * 2 + 1024, ("Lua memory after %d reloads %.0f KiB, after 100: %.0f KiB"):format(N, mem, mem0 or 0))
check(silent_blocks == 0, ("the music never falls silent between reloads: %d silent eighth-bars"):format(silent_blocks))
print(("soak reloads: %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
