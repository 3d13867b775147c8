-- test_mini.lua — mini-notation: every grammar feature against events computed by hand from
-- Strudel's documentation, value conversion, error messages that name the column, query-split
-- invariance, and the statistics of '?' and '|' over many cycles.
--
--   lute exec tests/lua/test_mini.lua

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../lua/?.lua;" .. package.path

local P = require "pattern"
local R = require "rational"
local mini = require "mini"

local passed, failed = 0, 0
local function check(cond, name, detail)
  if cond then passed = passed + 1 else
    failed = failed + 1
    print("FAIL " .. name .. (detail and ("\n    " .. tostring(detail)) or ""))
  end
end

local function ev(src, c0, c1)
  local t = {}
  for _, h in ipairs(P.mini(src):events(c0 or 0, c1 or 1)) do
    local s = tostring(h.part.b):gsub("/1$", "") .. "-" .. tostring(h.part.e):gsub("/1$", "")
    if not (h.part.b == h.whole.b and h.part.e == h.whole.e) then
      s = s .. "(" .. tostring(h.whole.b):gsub("/1$", "") .. "-" .. tostring(h.whole.e):gsub("/1$", "") .. ")"
    end
    t[#t + 1] = s .. ":" .. P.value_text(h.value)
  end
  return table.concat(t, " ")
end
local function same(src, want, c0, c1, name)
  local ok, got = pcall(ev, src, c0, c1)
  check(ok and got == want, name or ("mini " .. src), (ok and ("got  " .. got) or got) .. "\n    want " .. want)
end

-- sequences and grouping
same("bd sd hh", "0-1/3:bd 1/3-2/3:sd 2/3-1:hh")
same("bd [sd sd]", "0-1/2:bd 1/2-3/4:sd 3/4-1:sd")
same("bd ~ sd -", "0-1/4:bd 1/2-3/4:sd", nil, nil, "rests ~ and -")
same("bd, hh hh", "0-1/2:hh 0-1:bd 1/2-1:hh", nil, nil, "stack")
same("[a b, c]", "0-1/2:a 0-1:c 1/2-1:b")
same("a . b c", "0-1/2:a 1/2-3/4:b 3/4-1:c", nil, nil, "feet")
-- alternation and polymeter
same("<a b c>", "0-1:a 1-2:b 2-3:c 3-4:a", 0, 4)
same("a <b c>", "1-3/2:a 3/2-2:c", 1, 2)
same("<a b>*2", "0-1/2:a 1/2-1:b")
same("<a b, c d e>", "2-3:a 2-3:e", 2, 3)
same("{a b c, d e}", "0-1/3:a 0-1/3:d 1/3-2/3:b 1/3-2/3:e 2/3-1:c 2/3-1:d")
same("{a b c}%4", "1-5/4:b 5/4-3/2:c 3/2-7/4:a 7/4-2:b", 1, 2)
same("{a b}%<2 4>", "1-5/4:a 5/4-3/2:b 3/2-7/4:a 7/4-2:b", 1, 2)
-- operators
same("a@3 b", "0-3/4:a 3/4-1:b", nil, nil, "weight")
same("a _ _ b", "0-3/4:a 3/4-1:b", nil, nil, "elongation")
same("a@ b", "0-2/3:a 2/3-1:b", nil, nil, "bare @ is 2")
same("a!2 b", "0-1/3:a 1/3-2/3:a 2/3-1:b", nil, nil, "replicate")
same("a ! ! b", "0-1/4:a 1/4-1/2:a 1/2-3/4:a 3/4-1:b", nil, nil, "bare ! repeats")
same("a!2@3 b", "0-2/5:a 2/5-4/5:a 4/5-1:b", nil, nil, "replicate then weight")
same("a*2 b", "0-1/4:a 1/4-1/2:a 1/2-1:b")
same("a*1.5", "0-2/3:a 2/3-1(2/3-4/3):a", nil, nil, "fractional fast")
same("a/2", "0-1(0-2):a", nil, nil, "slow: event longer than a cycle")
same("a*<2 3>", "1-4/3:a 4/3-5/3:a 5/3-2:a", 1, 2, "patterned fast")
same("a*0 b", "1/2-1:b", nil, nil, "fast 0 is silent")
same("a(3,8)", "0-1/8:a 3/8-1/2:a 3/4-7/8:a", nil, nil, "euclid")
same("a(3,8,2)", "0-1/8:a 1/4-3/8:a 5/8-3/4:a", nil, nil, "euclid rotation")
same("a(-3,8)", "1/8-1/4:a 1/4-3/8:a 1/2-5/8:a 5/8-3/4:a 7/8-1:a", nil, nil, "negative pulses")
same("a(<3 5>,8)", "1-9/8:a 5/4-11/8:a 11/8-3/2:a 13/8-7/4:a 7/4-15/8:a", 1, 2)
same("bd:3", "0-1:bd:3", nil, nil, "tail")
same("0 .. 3", "0-1/4:0 1/4-1/2:1 1/2-3/4:2 3/4-1:3", nil, nil, "range")
same("3 .. 1", "0-1/3:3 1/3-2/3:2 2/3-1:1", nil, nil, "descending range")
same("a .. b", "", nil, nil, "range of words is silent")
same("^a b", "0-1/2:a 1/2-1:b", nil, nil, "step marker does not change events")
same("a..b", "0-1:a..b", nil, nil, "a..b is one word")

-- values
do
  local vals = {}
  for _, h in ipairs(P.mini("1e3 007 0x10 -1 0.5 c#3 ~~"):events(0, 1)) do vals[#vals + 1] = h.value end
  check(vals[1] == 1000 and math.type(vals[1]) == "integer", "1e3 -> 1000", vals[1])
  check(vals[2] == 7 and vals[3] == 16 and vals[4] == -1 and vals[5] == 0.5, "007 0x10 -1 0.5")
  check(vals[6] == "c#3" and vals[7] == "~~", "words stay strings")
  local t = P.mini("bd:3:0.5"):events(0, 1)[1].value
  check(type(t) == "table" and t[1] == "bd" and t[2] == 3 and t[3] == 0.5, "bd:3:0.5 -> {'bd', 3, 0.5}")
  check(P.mini("ü é"):events(0, 1)[1].value == "ü", "unicode letters are words")
  check(ev("bd\tsd\194\160hh") == "0-1/3:bd 1/3-2/3:sd 2/3-1:hh", "tab and no-break space separate")
end

-- errors name the column
local function perr(src)
  local ok, err = pcall(P.mini, src)
  return not ok and tostring(err) or nil
end
do
  local e = perr("a ] b")
  check(e and e:find("unexpected ']' at column 3", 1, true) and e:find('"a ] b"', 1, true),
    "error: stray ] at column 3", e)
  e = perr("[a b")
  check(e and e:find("end of pattern at column 5", 1, true), "error: unclosed [ reported at the end", e)
  e = perr("a(3)")
  check(e and e:find("')' at column 4", 1, true), "error: euclid needs two arguments", e)
  e = perr("<a | b>")
  check(e and e:find("'|' at column 4", 1, true), "error: | not allowed in <>", e)
  e = perr("ü ]")
  check(e and e:find("column 3", 1, true), "error: columns count characters, not bytes", e)
  for _, bad in ipairs({ "a b]", "{a b", "*2", "a**2", "a | b, c", "a ,, b", "a %4", "| a", "a:",
    ". a", "a .", "<a . b>", "+1", "()" }) do
    check(perr(bad) ~= nil, "error: " .. bad)
  end
  for _, good in ipairs({ "a@@", "a..", "a?-1", "~*2 a", "a(3,8,)", "a( 3 , 8 , 2 )", "0 ..3 5" }) do
    check(perr(good) == nil, "accepted: " .. good, perr(good))
  end
  check(not pcall(function() return P.mini("a*b"):query(0, 1) end), "error: a*b (non-numeric factor)")
  check(not pcall(function() return P.mini("a(x,8)"):query(0, 1) end), "error: a(x,8)")
  check(not pcall(P.mini, 42), "error: mini needs a string")
end

-- reify
check(P.reify("a b") ~= nil and #P.reify("a b"):query(0, 1) == 2, "reify: string is mini-notation")
check(P.reify(5):query(0, 1)[1].value == 5, "reify: number is pure")
local pp = P.pure(1)
check(P.reify(pp) == pp, "reify: a pattern is itself")

-- randomness: exact Strudel values for two known cases, then statistics
same("a?", "1-2:a", 0, 2, "a? drops cycle 0 and keeps cycle 1, as Strudel")
same("[a|b|c]*4", "0-1/4:a 1/4-1/2:b 1/2-3/4:c 3/4-1:a", 0, 1, "[a|b|c]*4 as Strudel")
do
  local n = #P.mini("a*8?"):events(0, 1000)
  check(math.abs(n / 8000 - 0.5) < 0.02, "a*8? keeps ~50%", n / 8000)
  n = #P.mini("a*8?0.25"):events(0, 1000)
  check(math.abs(n / 8000 - 0.75) < 0.02, "a*8?0.25 keeps ~75%", n / 8000)
  local cnt = { a = 0, b = 0, c = 0 }
  for _, h in ipairs(P.mini("a | b | c"):events(0, 3000)) do cnt[h.value] = cnt[h.value] + 1 end
  local okc = true
  for _, k in ipairs({ "a", "b", "c" }) do if math.abs(cnt[k] / 3000 - 1 / 3) > 0.03 then okc = false end end
  check(okc and cnt.a + cnt.b + cnt.c == 3000, "a | b | c: one choice per cycle, each ~1/3",
    cnt.a .. " " .. cnt.b .. " " .. cnt.c)
  -- two '?' in one pattern have different seeds, so they drop different events
  local both, one = 0, 0
  for _, h in ipairs(P.mini("[a?, b?]*8"):events(0, 200)) do
    if h.value == "a" then both = both + 1 else one = one + 1 end
  end
  local same_drops = ev("a*8?", 0, 50):gsub("a", "") == ev("b*8?", 0, 50):gsub("b", "")
  check(same_drops, "the same ? in the same place drops the same events")
  local a_on, b_on = {}, {}
  for _, h in ipairs(P.mini("[a*8?, b*8?]"):events(0, 50)) do
    local t = tostring(h.whole.b)
    if h.value == "a" then a_on[t] = true else b_on[t] = true end
  end
  local differ = false
  for t in pairs(a_on) do if not b_on[t] then differ = true end end
  check(differ, "successive ? operators use different seeds")
end

-- query-split invariance
for _, src in ipairs({ "bd*2 [~ sd] <hh oh>*2 cp?", "a/1.5 b", "{a b c}%<4 8>, d*3", "a/[1 2]",
  "[a|b|c]*4 . d e?", "a(<3 5>,<8 16>,<0 2 4>)", "<0 4> .. 7", "a*<1.5 2>" }) do
  local p = P.mini(src)
  local function canon(hs)
    local g, keys = {}, {}
    for _, h in ipairs(hs) do
      local k = tostring(h.whole.b) .. " " .. tostring(h.whole.e) .. " " .. P.value_text(h.value)
      if not g[k] then g[k] = {}; keys[#keys + 1] = k end
      table.insert(g[k], { h.part.b, h.part.e })
    end
    local out = {}
    for _, k in ipairs(keys) do
      table.sort(g[k], function(a, b) return a[1] < b[1] end)
      local chains = {}
      for _, f in ipairs(g[k]) do
        local last = chains[#chains]
        if last and last[2] == f[1] then last[2] = f[2] else chains[#chains + 1] = { f[1], f[2] } end
      end
      for _, c in ipairs(chains) do out[#out + 1] = k .. "@" .. tostring(c[1]) .. "-" .. tostring(c[2]) end
    end
    table.sort(out)
    return table.concat(out, ";")
  end
  local whole = canon(p:events(0, 4))
  local parts = {}
  for i = 0, 15 do for _, h in ipairs(p:events(R(i, 4), R(i + 1, 4))) do parts[#parts + 1] = h end end
  check(whole == canon(parts), "split invariance: " .. src)
end

check(mini.uses_random(mini.ast("a b?")) and mini.uses_random(mini.ast("[a|b]"))
  and not mini.uses_random(mini.ast("a b")), "uses_random")

print(("test_mini: %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
