-- test_pattern.lua — the pattern engine's transformations, checked against events computed by
-- hand from Strudel's documented behaviour, plus the properties the scheduler relies on: results
-- independent of how a query is split, exact rational time, and seeded randomness with the
-- right statistics over many cycles.
--
--   lute exec tests/lua/test_pattern.lua

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../lua/?.lua;" .. package.path

local P = require "pattern"
local R = require "rational"
local m = P.mini

local passed, failed = 0, 0
local function check(cond, name, detail)
  if cond then passed = passed + 1 else
    failed = failed + 1
    print("FAIL " .. name .. (detail and ("\n    " .. detail) or ""))
  end
end

-- "begin-end:value" for every event with an onset in [c0, c1) (fragments show their part).
local function ev(p, c0, c1)
  local t = {}
  for _, h in ipairs(p:events(c0 or 0, c1 or 1)) do
    t[#t + 1] = tostring(h.part.b):gsub("/1$", "") .. "-" .. tostring(h.part.e):gsub("/1$", "")
      .. ":" .. P.value_text(h.value)
  end
  return table.concat(t, " ")
end
local function same(p, want, name, c0, c1)
  local got = ev(p, c0, c1)
  check(got == want, name, "got  " .. got .. "\n    want " .. want)
end
local function f_add(n) return function(x) return x:add(n) end end

-- rational time ---------------------------------------------------------------------------
check(tostring(R(1, 3) + R(1, 3) + R(1, 3)) == "1/1", "rational: thirds add up to exactly 1")
check(tostring(R(-1, 2)) == "-1/2" and tostring(R(0)) == "0/1" and tostring(R(4, 2)) == "2/1",
  "rational: printed as p/q")
check(R.from(0.25) == R(1, 4) and R.from("1/3") == R(1, 3) and R.from(0.1) == R(1, 10),
  "rational: from floats and strings")
check(R(7, 3):floor() == 2 and R(-7, 3):floor() == -3 and R(-7, 3):ceil() == -2
  and R(7, 3):sam() == R(2), "rational: floor/ceil/sam")
check(R(1, 2) < 1 and 1 <= R(3, 2) and -R(1, 2) < R(0), "rational: comparisons mix with integers")
check(not pcall(R.from, "abc"), "rational: bad input is an error")

-- elementary --------------------------------------------------------------------------------
same(P.pure("a"), "0-1:a", "pure: one event per cycle")
same(P.pure("a"), "1-2:a 2-3:a", "pure: later cycles", 1, 3)
same(P.silence, "", "silence")
same(P.sequence("a", { "b", "c" }), "0-1/2:a 1/2-3/4:b 3/4-1:c", "sequence: nested list")

-- time ----------------------------------------------------------------------------------------
same(m("a b"):fast(2), "0-1/4:a 1/4-1/2:b 1/2-3/4:a 3/4-1:b", "fast 2")
same(m("a b"):slow(2), "0-1:a 1-2:b", "slow 2", 0, 2)
same(m("a b"):fast("<1 2>"), "0-1/2:a 1/2-1:b 1-5/4:a 5/4-3/2:b 3/2-7/4:a 7/4-2:b",
  "fast with a patterned factor", 0, 2)
same(m("a b c d"):early(0.25), "0-1/4:b 1/4-1/2:c 1/2-3/4:d 3/4-1:a", "early 1/4")
same(m("a b c d"):late(0.25), "0-1/4:d 1/4-1/2:a 1/2-3/4:b 3/4-1:c", "late 1/4")
same(m("a b c"):rev(), "0-1/3:c 1/3-2/3:b 2/3-1:a", "rev")
same(m("a b c"):palindrome(), "0-1/3:a 1/3-2/3:b 2/3-1:c 1-4/3:c 4/3-5/3:b 5/3-2:a",
  "palindrome alternates forwards and backwards", 0, 2)
same(m("a b c d"):iter(4), "1-5/4:b 5/4-3/2:c 3/2-7/4:d 7/4-2:a", "iter 4, second cycle", 1, 2)
same(m("a b c d"):iterBack(4), "1-5/4:d 5/4-3/2:a 3/2-7/4:b 7/4-2:c", "iterBack 4", 1, 2)
same(m("a b"):ply(2), "0-1/4:a 1/4-1/2:a 1/2-3/4:b 3/4-1:b", "ply 2")
same(m("a b"):hurry(2), "0-1/4:{speed=2 value=a} 1/4-1/2:{speed=2 value=b} "
  .. "1/2-3/4:{speed=2 value=a} 3/4-1:{speed=2 value=b}", "hurry: faster and speed field")
same(m("a b c d"):linger(0.25), "0-1/4:a 1/4-1/2:a 1/2-3/4:a 3/4-1:a", "linger 1/4")
same(m("a b c d"):linger(-0.25), "0-1/4:d 1/4-1/2:d 1/2-3/4:d 3/4-1:d", "linger -1/4: the end")
same(m("a b c d"):zoom(0.25, 0.75), "0-1/2:b 1/2-1:c", "zoom to the middle half")
same(m("a b"):compress(0.5, 1), "1/2-3/4:a 3/4-1:b", "compress into the second half")
-- swing: in each quarter the second eighth starts 1/3 of an eighth late (at 1/8 + 1/24 = 1/6)
do
  local onsets = {}
  for _, h in ipairs(m("a*8"):swingBy(1 / 3, 4):events(0, 1)) do
    if h.part.b == h.whole.b then onsets[#onsets + 1] = tostring(h.whole.b) end
  end
  check(table.concat(onsets, " ") == "0/1 1/6 1/4 5/12 1/2 2/3 3/4 11/12", "swingBy 1/3 4: onsets",
    table.concat(onsets, " "))
end
same(m("a b"):nudge(0.01), "0-1/2:{nudge=0.01 value=a} 1/2-1:{nudge=0.01 value=b}", "nudge field")

-- combining -------------------------------------------------------------------------------------
same(P.stack("a", "b c"), "0-1/2:b 0-1:a 1/2-1:c", "stack")
same(P.cat("a", "b c"), "0-1:a 1-3/2:b 3/2-2:c", "cat: one per cycle", 0, 2)
same(P.slowcat("a", "b"), "2-3:a", "slowcat: cycle 2 back to the first", 2, 3)
same(P.fastcat("a", "b c"), "0-1/2:a 1/2-3/4:b 3/4-1:c", "fastcat")
same(P.seq("a", "b"), "0-1/2:a 1/2-1:b", "seq = fastcat")
same(P.timecat({ 1, "a" }, { 3, "b" }), "0-1/4:a 1/4-1:b", "timecat 1:3")
same(m("a"):overlay(m("b b")), "0-1/2:b 0-1:a 1/2-1:b", "overlay")
same(m("0 1"):superimpose(f_add(10)), "0-1/2:0 0-1/2:10 1/2-1:1 1/2-1:11", "superimpose")
same(m("0 1"):layer(f_add(1), f_add(2)), "0-1/2:1 0-1/2:2 1/2-1:2 1/2-1:3", "layer")
same(m("0 1"):off(0.25, f_add(12)), "0-1/4:13 0-1/2:0 1/4-3/4:12 1/2-1:1 3/4-1:13",
  "off: shifted copy (the first 13 is the tail of the previous cycle's)")
same(m("a b"):jux(function(x) return x:rev() end),
  "0-1/2:{pan=-1 value=a} 0-1/2:{pan=1 value=b} 1/2-1:{pan=-1 value=b} 1/2-1:{pan=1 value=a}",
  "jux: original hard left, transformed hard right (lute's pan, -1 .. 1)")
same(m("a"):pan(0.2):juxBy(0.5, function(x) return x end),
  "0-1:{pan=-0.3 value=a} 0-1:{pan=0.7 value=a}", "juxBy: half way out from the pattern's own pan")
same(P.polymeter({ "a", "b", "c" }, { "d", "e" }),
  "0-1/3:a 0-1/3:d 1/3-2/3:b 1/3-2/3:e 2/3-1:c 2/3-1:d", "polymeter")
same(P.polymeterSteps(2, { "a", "b", "c" }), "0-1/2:a 1/2-1:b 1-3/2:c 3/2-2:a", "polymeterSteps", 0, 2)

-- conditional ------------------------------------------------------------------------------------
do
  local p = m("0 1"):every(3, f_add(10))
  same(p, "0-1/2:10 1/2-1:11 1-3/2:0 3/2-2:1 2-5/2:0 5/2-3:1 3-7/2:10 7/2-4:11",
    "every 3: cycles 0 and 3", 0, 4)
end
check(ev(m("0"):firstOf(2, f_add(1)), 0, 2) == ev(m("0"):every(2, f_add(1)), 0, 2), "firstOf = every")
same(m("0"):lastOf(3, f_add(10)), "0-1:0 1-2:0 2-3:10", "lastOf 3: cycle 2", 0, 3)
same(m("0 1"):when("<1 0>", f_add(10)), "0-1/2:10 1/2-1:11 1-3/2:0 3/2-2:1", "when", 0, 2)
same(m("0 0 0 0"):chunk(4, f_add(1)), "0-1/4:1 1/4-1/2:0 1/2-3/4:0 3/4-1:0 "
  .. "1-5/4:0 5/4-3/2:1 3/2-7/4:0 7/4-2:0", "chunk 4: a later quarter each cycle", 0, 2)
same(m("0"):always(f_add(1)), "0-1:1", "always")
same(m("0"):never(f_add(1)), "0-1:0", "never")

-- structure --------------------------------------------------------------------------------------
same(m("a"):euclid(3, 8), "0-1/8:a 3/8-1/2:a 3/4-7/8:a", "euclid 3 8")
same(m("a"):euclid(-3, 8), "1/8-1/4:a 1/4-3/8:a 1/2-5/8:a 5/8-3/4:a 7/8-1:a", "euclid -3 8 inverts")
same(m("a"):euclidRot(3, 8, 2), "0-1/8:a 1/4-3/8:a 5/8-3/4:a", "euclidRot 3 8 2")
same(m("a"):euclidLegato(3, 8), "0-3/8:a 3/8-3/4:a 3/4-1:a", "euclidLegato 3 8")
check(not pcall(function() return m("a"):euclid(9, 8):query(0, 1) end), "euclid: 9 pulses in 8 steps is an error")
same(m("c"):struct("x ~ x x"), "0-1/4:c 1/2-3/4:c 3/4-1:c", "struct")
same(m("a b c d"):mask("1 0"), "0-1/4:a 1/4-1/2:b", "mask")
same(P.run(4), "0-1/4:0 1/4-1/2:1 1/2-3/4:2 3/4-1:3", "run 4")
same(m("a"):segment(2), "0-1/2:a 1/2-1:a", "segment 2")
same(m("0 0.5 1"):range(100, 200), "0-1/3:100 1/3-2/3:150 2/3-1:200", "range")
do
  local hs = m("0 1"):rangex(20, 20000):events(0, 1)
  check(math.abs(hs[1].value - 20) < 1e-9 and math.abs(hs[2].value - 20000) < 1e-6, "rangex ends")
  local mid = m("0.5"):rangex(20, 20000):events(0, 1)[1].value
  check(math.abs(mid - math.sqrt(20 * 20000)) < 1e-6, "rangex: geometric middle", tostring(mid))
end

-- values ------------------------------------------------------------------------------------------
same(m("0 2"):add(10), "0-1/2:10 1/2-1:12", "add a number")
same(m("0 2"):add("<0 12>"), "1-3/2:12 3/2-2:14", "add a pattern", 1, 2)
same(m("c3 e3"):add(12), "0-1/2:60 1/2-1:64", "add on note names gives MIDI numbers (c3 = 48)")
same(m("10 20"):sub(1):mul(2):div(4), "0-1/2:4.5 1/2-1:9.5", "sub mul div")
same(m("0 1 2 3"):add(m("10 20")), "0-1/4:10 1/4-1/2:11 1/2-3/4:22 3/4-1:23", "add keeps the left structure")
same(m("200 800"):as("cutoff"), "0-1/2:{cutoff=200} 1/2-1:{cutoff=800}", "as: table values")
same(m("c:bd"):as("note:s"), "0-1:{note=c s=bd}", "as with two names")
same(m("200"):as("cutoff"):set({ gain = 0.5 }), "0-1:{cutoff=200 gain=0.5}", "set merges fields")
same(m("200"):as("cutoff"):add({ cutoff = 100 }), "0-1:{cutoff=300}", "add on table values")
same(m("a"):chop(2), "0-1/2:{begin=0.0 end=0.5 value=a} 1/2-1:{begin=0.5 end=1.0 value=a}", "chop 2")
same(m("a b"):striate(2), "0-1/4:{begin=0.0 end=0.5 value=a} 1/4-1/2:{begin=0.0 end=0.5 value=b} "
  .. "1/2-3/4:{begin=0.5 end=1.0 value=a} 3/4-1:{begin=0.5 end=1.0 value=b}", "striate 2")
same(m("a"):chop(2):fit(), "0-1/2:{begin=0.0 end=0.5 speed=1.0 unit=c value=a} "
  .. "1/2-1:{begin=0.5 end=1.0 speed=1.0 unit=c value=a}", "fit: half a sample in half a cycle")
same(m("a*4"):fit(), "0-1/4:{speed=4.0 unit=c value=a} 1/4-1/2:{speed=4.0 unit=c value=a} "
  .. "1/2-3/4:{speed=4.0 unit=c value=a} 3/4-1:{speed=4.0 unit=c value=a}", "fit: quarter-cycle events")
same(m("0 1"):fmap(function(v) return v * 2 end), "0-1/2:0 1/2-1:2", "fmap")
check(not pcall(function() return m("x"):add(1):query(0, 1) end), "add on a non-note string is an error")

-- arpeggios
local chord = P.pure({ 60, 64, 67 })
same(chord:arp("up"), "0-1/3:60 1/3-2/3:64 2/3-1:67", "arp up")
same(chord:arp("down"), "0-1/3:67 1/3-2/3:64 2/3-1:60", "arp down")
same(chord:arp("updown"), "0-1/4:60 1/4-1/2:64 1/2-3/4:67 3/4-1:64", "arp updown")
same(chord:arp("downup"), "0-1/4:67 1/4-1/2:64 1/2-3/4:60 3/4-1:64", "arp downup")
same(P.pure({ 1, 2, 3, 4 }):arp("converge"), "0-1/4:1 1/4-1/2:4 1/2-3/4:2 3/4-1:3", "arp converge")
same(P.pure({ 1, 2, 3, 4 }):arp("diverge"), "0-1/4:3 1/4-1/2:2 1/2-3/4:4 3/4-1:1", "arp diverge")
same(chord:arp("pinkyup"), "0-1/4:60 1/4-1/2:67 1/2-3/4:64 3/4-1:67", "arp pinkyup")
same(chord:arp("thumbup"), "0-1/4:60 1/4-1/2:64 1/2-3/4:60 3/4-1:67", "arp thumbup")
same(m("[60,64]"):arp("up"), "0-1/2:60 1/2-1:64", "arp on stacked events")
same(chord:arp("<up down>"), "1-4/3:67 4/3-5/3:64 5/3-2:60", "arp with a patterned mode", 1, 2)
check(not pcall(function() return chord:arp("sideways"):query(0, 1) end), "arp: unknown mode is an error")

-- scale (through theory.scale_degree)
do
  local ok, T = pcall(require, "theory")
  if ok and T.scale_degree then
    local want = {}
    for i, d in ipairs({ 0, 2, 4 }) do want[i] = T.scale_degree("C4:major", d) end
    local got = {}
    for _, h in ipairs(m("0 2 4"):scale("C4:major"):events(0, 1)) do got[#got + 1] = h.value end
    check(table.concat(got, " ") == table.concat(want, " "), "scale: degrees through theory",
      table.concat(got, " ") .. " vs " .. table.concat(want, " "))
    check(got[1] == 60 and got[2] == 64 and got[3] == 67, "scale C4:major 0 2 4 = 60 64 67",
      table.concat(got, " "))
    local alt = {}
    for _, h in ipairs(m("0"):scale("<C4:major D4:minor>"):events(0, 2)) do alt[#alt + 1] = h.value end
    check(alt[1] == 60 and alt[2] == 62, "scale: patterned name", table.concat(alt, " "))
  else
    check(false, "scale: theory.lua with scale_degree is missing")
  end
end

-- randomness --------------------------------------------------------------------------------------
local function count(p, c0, c1, f)
  local n = 0
  for _, h in ipairs(p:events(c0, c1)) do if h.part.b == h.whole.b and (not f or f(h.value)) then n = n + 1 end end
  return n
end
do
  local n = count(m("a*8"):degradeBy(0.3), 0, 1000)
  check(math.abs(n / 8000 - 0.7) < 0.02, "degradeBy 0.3 keeps ~70% over 1000 cycles", n / 8000)
  local k = count(m("a*8"):degrade(), 0, 1000)
  check(math.abs(k / 8000 - 0.5) < 0.02, "degrade keeps ~50%", k / 8000)
  local a = ev(m("a*8"):degradeBy(0.5), 0, 4)
  check(a == ev(m("a*8"):degradeBy(0.5), 0, 4), "degradeBy is deterministic")
  local u = count(m("a*8"):undegradeBy(0.3), 0, 1000)
  check(n + u == 8000, "undegradeBy keeps exactly what degradeBy drops", n + u)
end
do
  local p = m("0*8"):sometimesBy(0.25, f_add(1))
  local all = count(p, 0, 500)
  local changed = count(p, 0, 500, function(v) return v == 1 end)
  check(all == 4000, "sometimesBy: every event kept once (changed or not)", all)
  check(math.abs(changed / all - 0.25) < 0.02, "sometimesBy 0.25 changes ~25%", changed / all)
  local rates = { sometimes = 0.5, often = 0.75, rarely = 0.25, almostNever = 0.1, almostAlways = 0.9 }
  for name, r in pairs(rates) do
    local q = m("0*8")[name](m("0*8"), f_add(1))
    local c = count(q, 0, 500, function(v) return v == 1 end)
    check(math.abs(c / 4000 - r) < 0.03, name .. " rate", c / 4000)
  end
end
do
  local p = m("0*4"):someCyclesBy(0.3, f_add(1))
  local whole, mixed = 0, 0
  for c = 0, 999 do
    local k = count(p, c, c + 1, function(v) return v == 1 end)
    if k == 4 then whole = whole + 1 elseif k ~= 0 then mixed = mixed + 1 end
  end
  check(mixed == 0, "someCyclesBy: whole cycles change together", mixed)
  check(math.abs(whole / 1000 - 0.3) < 0.04, "someCyclesBy 0.3 changes ~30% of cycles", whole / 1000)
end
do
  local sum, n, lo, hi = 0, 0, 1, 0
  for _, h in ipairs(P.rand:segment(16):events(0, 200)) do
    sum = sum + h.value; n = n + 1
    lo, hi = math.min(lo, h.value), math.max(hi, h.value)
  end
  check(n == 3200 and math.abs(sum / n - 0.5) < 0.02 and lo >= 0 and hi < 1, "rand: uniform in [0,1)", sum / n)
  local hist = {}
  for _, h in ipairs(P.irand(4):segment(8):events(0, 500)) do hist[h.value] = (hist[h.value] or 0) + 1 end
  local okh = true
  for v = 0, 3 do if math.abs((hist[v] or 0) / 4000 - 0.25) > 0.03 then okh = false end end
  check(okh and hist[4] == nil, "irand 4: values 0..3 equally often")
  local prev, maxstep = nil, 0
  for _, h in ipairs(P.perlin:segment(64):events(0, 20)) do
    if prev then maxstep = math.max(maxstep, math.abs(h.value - prev)) end
    prev = h.value
  end
  check(maxstep < 0.1, "perlin: smooth (max step between 1/64 samples < 0.1)", maxstep)
  local seen = {}
  local okperm = true
  for c = 0, 49 do
    local vals = {}
    for _, h in ipairs(m("a b c d"):shuffle(4):events(c, c + 1)) do vals[#vals + 1] = h.value end
    table.sort(vals)
    if table.concat(vals) ~= "abcd" then okperm = false end
    seen[#seen + 1] = ev(m("a b c d"):shuffle(4), c, c + 1)
  end
  check(okperm, "shuffle: each part once per cycle")
  local distinct = {}
  for _, s in ipairs(seen) do distinct[s:gsub("%d+", "")] = true end
  local nd = 0
  for _ in pairs(distinct) do nd = nd + 1 end
  check(nd > 5, "shuffle: orders vary between cycles", nd)
  -- the global seed changes the sequence, and 0 restores Strudel's
  local s0 = ev(m("a*16?"), 0, 2)
  P.seed(7)
  local s7 = ev(m("a*16?"), 0, 2)
  P.seed(0)
  check(s0 ~= s7 and ev(m("a*16?"), 0, 2) == s0, "P.seed changes and restores the random sequence")
end

-- query-split invariance --------------------------------------------------------------------------
local function canon(haps)
  -- merge fragments, as the scheduler effectively does by playing only onsets
  local groups, keys = {}, {}
  for _, h in ipairs(haps) do
    if h.whole then
      local k = tostring(h.whole.b) .. " " .. tostring(h.whole.e) .. " " .. P.value_text(h.value)
      if not groups[k] then groups[k] = {}; keys[#keys + 1] = k end
      table.insert(groups[k], { h.part.b, h.part.e })
    end
  end
  local out = {}
  for _, k in ipairs(keys) do
    local fr = groups[k]
    table.sort(fr, function(a, b) return a[1] < b[1] end)
    local chains = {}
    for _, f in ipairs(fr) do
      local last = chains[#chains]
      if last and last[2] == f[1] then last[2] = f[2] else chains[#chains + 1] = { f[1], f[2] } end
    end
    for _, c in ipairs(chains) do out[#out + 1] = k .. " @" .. tostring(c[1]) .. "-" .. tostring(c[2]) end
  end
  table.sort(out)
  return table.concat(out, "\n")
end
local split_cases = {
  { "mini mix", m("bd*2 [~ sd] <hh oh>*2 cp? {a b c}%4") },
  { "slow events", m("a/1.5 <b c>/3") },
  { "every/off", m("0 1 2"):every(2, f_add(5)):off(1 / 3, f_add(12)) },
  { "iter/ply", m("a b c"):iter(3):ply("<1 2>") },
  { "swing", m("a*8"):swing(4) },
  { "euclid", m("a(<3 5>,8,<0 2>)") },
  { "chunk/linger", m("0 1 2 3"):chunk(4, f_add(1)):linger("<1 0.5>") },
  { "sometimes", m("a*8"):sometimes(function(x) return x:fast(2) end) },
  { "arp", m("<[0,4,7] [2,5,9]>"):arp("updown") },
  { "rand choice", m("[a|b|c]*4 . d?") },
  { "range", m("0 .. <3 5>") },
}
for _, c in ipairs(split_cases) do
  local name, p = c[1], c[2]
  local whole = canon(p:query(0, 4))
  local pieces = {}
  for i = 0, 11 do
    for _, h in ipairs(p:query(R(i, 3), R(i + 1, 3))) do pieces[#pieces + 1] = h end
  end
  local odd = {}
  local cuts = { R(0), R(1, 7), R(5, 7), R(2), R(13, 5), R(4) }
  for i = 1, #cuts - 1 do
    for _, h in ipairs(p:query(cuts[i], cuts[i + 1])) do odd[#odd + 1] = h end
  end
  check(whole == canon(pieces), "split invariance (thirds): " .. name)
  check(whole == canon(odd), "split invariance (odd cuts): " .. name)
end

-- query arguments and errors ----------------------------------------------------------------------
check(#m("a b"):query(0, 1) == 2 and #m("a b"):query(R(1, 4), R(3, 4)) == 2, "query accepts integers and rationals")
check(not pcall(function() return m("a"):query(1, 0) end), "query: begin after end is an error")
do
  local ok, err = pcall(function() return m("a"):fast("x") end)
  check(not ok and tostring(err):find("fast") and tostring(err):find("x"), "fast: a bad factor names the value", tostring(err))
end

-- show ----------------------------------------------------------------------------------------------
do
  local s = m("bd*2 [~ sd] <hh oh>"):show(2)
  check(s:find("0/1 1/6 bd", 1, true) and s:find("2/3 1/1 hh", 1, true), "show: event lines", s)
  check(s:find("bd |##....|##....|", 1, true) and s:find("hh |....#=|......|", 1, true)
    and s:find("oh |......|....#=|", 1, true), "show: piano roll rows", s)
end

print(("test_pattern: %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
