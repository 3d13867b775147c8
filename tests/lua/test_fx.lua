-- test_fx.lua — lua/fx.lua: a constructor for every registered unit, descriptors as plain data, and
-- errors that name the bad field, say what would be right and point at the caller's line.
local fx = require "fx"
local passed, failed = 0, 0
local function check(cond, msg)
  if cond then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL " .. msg .. "\n") end
end
local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  return not ok and tostring(e) or nil
end

-- every unit of the registry has a constructor
local names = fx.list()
check(#names >= 6, "at least the six mastering units are registered: " .. #names)
for _, n in ipairs(names) do check(type(fx[n]) == "function", "constructor for " .. n) end

-- a descriptor is plain data with only the given params
local d = fx.limiter{ ceiling = -1, key = "final" }
check(d.kind == "fx" and d.type == "limiter" and d.params.ceiling == -1 and d.key == "final" and d.params.release == nil,
      "limiter{ceiling = -1, key = 'final'} is a plain descriptor")
check(fx.is(d) and not fx.is({}) and not fx.is(3), "fx.is tells a descriptor from other values")
local v = fx.values(d)
check(v[1] == 0 and v[2] == -1 and v[3] == 100, "fx.values fills the defaults: " .. table.concat(v, ","))
check(fx.mineq{ mix = 0.5 }.mix == 0.5, "mix is kept")
check(fx.limiter().type == "limiter" and next(fx.limiter().params) == nil, "no table: all defaults")
check(fx.limiter{ truepeak = false }.params.truepeak == 0, "a boolean for an on/off setting")

-- errors name the field and what would be right, at the caller's line
local line = debug.getinfo(1, "l").currentline + 1
local e = err_of(function() local x = fx.limiter{ ceilng = -1 } return x end)
check(e and e:find("'ceilng' is not a setting of limiter", 1, true) and e:find("did you mean 'ceiling'", 1, true)
      and e:find("gain, ceiling, release", 1, true), "unknown setting: " .. tostring(e))
check(e and e:find("test_fx.lua:" .. line, 1, true), "the error points at the caller's line " .. line .. ": " .. tostring(e))
e = err_of(function() return fx.limiter{ ceiling = 3 } end)
check(e and e:find("ceiling = 3 is out of range; it takes -24 .. 0 dBTP", 1, true), "out of range: " .. tostring(e))
e = err_of(function() return fx.mbcomp{ low_ratio = "lots" } end)
check(e and e:find("low_ratio must be a number (1 .. 20), not 'lots'", 1, true), "not a number: " .. tostring(e))
e = err_of(function() return fx.limiter{ mix = 0.5 } end)
check(e and e:find("limiter has no wet/dry mix", 1, true), "no mix on the limiter: " .. tostring(e))
e = err_of(function() return fx.lineq{ mix = 2 } end)
check(e and e:find("mix must be a number from 0 (dry) to 1 (wet), not 2", 1, true), "mix range: " .. tostring(e))
e = err_of(function() return fx.lineq("loud") end)
check(e and e:find("lineq{ ... } takes a table of settings, not a string", 1, true), "not a table: " .. tostring(e))
e = err_of(function() return fx.lineq{ 3 } end)
check(e and e:find("settings are named", 1, true), "positional value: " .. tostring(e))
e = err_of(function() return fx.nonesuch end)
check(e and e:find("no effect 'nonesuch'; effects: ", 1, true) and e:find("limiter", 1, true), "unknown effect: " .. tostring(e))
e = err_of(function() return fx.limiter{ key = 5 } end)
check(e and e:find("key must be a non-empty string", 1, true), "key type: " .. tostring(e))

-- help text from the registry
local h = fx.help("softclip")
check(h:find("softclip{ ... }", 1, true) and h:find("ceiling", 1, true) and h:find("-12 .. 0 dBFS", 1, true), "help lists settings with ranges")

-- the presets load and are chains of descriptors
for _, p in ipairs{ "streaming", "apple", "broadcast", "cd", "club" } do
  local ok, preset = pcall(require, "master." .. p)
  check(ok and type(preset) == "table" and type(preset.source) == "string" and #preset.source > 10,
        "preset " .. p .. " loads and names its source: " .. tostring(ok and preset.source or preset))
  if ok then
    local all = true
    for _, u in ipairs(preset) do if not fx.is(u) then all = false end end
    check(all and #preset >= 1 and preset[#preset].type == "limiter", "preset " .. p .. " is a chain ending in a limiter")
  end
end

-- help topics for the mastering commands and every unit (lua/help_mastering.lua)
local hm = require "help_mastering"
for _, t in ipairs{ "mastering", "analyze", "master", "album", "fx" } do
  check(type(hm.topics[t]) == "string" and #hm.topics[t] > 100, "help topic " .. t)
end
for _, n in ipairs(names) do check(hm.topics[n] == fx.help(n), "help topic for unit " .. n .. " comes from the registry") end
check(hm.topics.master:find("--target", 1, true) and hm.topics.album:find("ISRC", 1, true), "the topics name the options")

-- every setting takes its documented bounds, which the engine holds as single-precision floats
-- (0.05 is 0.0500000007 there): the minimum and the maximum are accepted, a hair outside is not
local edge_bad = {}
for _, n in ipairs(fx.list()) do
  local d = fx.def(n)
  for _, p in ipairs(d and d.params or {}) do
    for _, v in ipairs({ p.min, p.max, tonumber(("%.6g"):format(p.min)), tonumber(("%.6g"):format(p.max)) }) do
      local ok, e = pcall(fx[n], { [p.name] = v })
      if not ok then edge_bad[#edge_bad + 1] = ("%s{ %s = %s }: %s"):format(n, p.name, v, e) end
    end
  end
end
check(#edge_bad == 0, "every effect setting accepts its bounds as written in the docs: " .. table.concat(edge_bad, "; ", 1, math.min(3, #edge_bad)))
check(not pcall(fx.comp, { attack = 0.049 }), "comp{ attack = 0.049 } (under 0.05 ms) is still refused")

print(("test_fx: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
