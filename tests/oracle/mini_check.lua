-- mini_check.lua — compares lute's mini-notation with Strudel's answers, case for case.
--
--   lute exec tests/oracle/mini_check.lua CORPUS.txt EXPECTED.jsonl   (via tests/oracle-check mini)
--
-- For every pattern line: parse it with P.mini, query [0, N) once (N from the expected "cycles"),
-- keep the haps that have a whole, merge touching fragments of the same event (Tidal's
-- defragParts, as the oracle does), and compare begin/end/whole/value as sorted multisets with
-- Strudel's events; an expected error must be an error here (parse or query), and vice versa.
-- Every disagreement is printed with a diff.  Random patterns ('?', '|') are reported apart: lute
-- reproduces Strudel's RNG, so they must match exactly too.  Works on any corpus in the format
-- of tests/oracle/data/README.md (the project's corpus is tests/oracle/data/mini-public.*).

-- Find json.lua next to this file and the lute modules in ../../lua, however we are started.
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. here .. "/../../lua/?.lua;" .. package.path

local json = require "json"
local P = require "pattern"
local R = require "rational"

local corpus_path, expected_path = arg and arg[1], arg and arg[2]
if not corpus_path and not expected_path then   -- the project's own corpus
  corpus_path, expected_path = here .. "/data/mini-public.txt", here .. "/data/mini-public.jsonl"
end
if not corpus_path or not expected_path then
  io.stderr:write("usage: mini_check.lua [CORPUS.txt EXPECTED.jsonl]\n")
  os.exit(2)
end

local function read_lines(path)
  local f, err = io.open(path, "rb")
  if not f then io.stderr:write("mini_check: " .. err .. "\n") os.exit(2) end
  local text = f:read("a")
  f:close()
  local out = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", "")
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

local patterns = read_lines(corpus_path)
local expected = json.read_lines(expected_path)
if #patterns ~= #expected then
  io.stderr:write(("mini_check: %d patterns but %d expected answers\n"):format(#patterns, #expected))
  os.exit(2)
end

-- Canonical JSON-like text of a value, so numbers compare by value (1 == 1.0).
local function vkey(v)
  local t = type(v)
  if t == "number" then
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.17g", v)
  elseif t == "string" then
    return string.format("%q", v)
  elseif t == "table" then
    local parts = {}
    if v[1] ~= nil or next(v) == nil then
      for i = 1, #v do parts[i] = vkey(v[i]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for i, k in ipairs(keys) do parts[i] = k .. ":" .. vkey(v[k]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return tostring(v)
end

local function finite_check(v)
  if type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then
    error("non-finite numeric value", 0)
  elseif type(v) == "table" then
    for _, x in pairs(v) do finite_check(x) end
  end
end

-- Merges fragments with the same whole and value whose parts touch.
local function defragment(haps)
  local groups, order = {}, {}
  for _, h in ipairs(haps) do
    local key = tostring(h.whole.b) .. "|" .. tostring(h.whole.e) .. "|" .. vkey(h.value)
    if not groups[key] then groups[key] = {}; order[#order + 1] = key end
    local g = groups[key]
    g[#g + 1] = { b = h.part.b, e = h.part.e, whole = h.whole, value = h.value }
  end
  local out = {}
  for _, key in ipairs(order) do
    local frags = groups[key]
    table.sort(frags, function(x, y)
      local c = R.cmp(x.b, y.b)
      if c ~= 0 then return c < 0 end
      return R.cmp(x.e, y.e) < 0
    end)
    local chains = {}
    for _, f in ipairs(frags) do
      local joined = false
      for _, c in ipairs(chains) do
        if R.eq(c.e, f.b) then c.e = f.e; joined = true; break end
      end
      if not joined then chains[#chains + 1] = { b = f.b, e = f.e, whole = f.whole, value = f.value } end
    end
    for _, c in ipairs(chains) do out[#out + 1] = c end
  end
  return out
end

local function ekey(b, e, wb, we, v)
  return ("%s %s [%s %s] %s"):format(b, e, wb, we, vkey(v))
end

-- Runs one pattern: returns a sorted list of event keys, or nil and the error.
local function lute_events(pattern, cycles)
  local ok, pat = pcall(P.mini, pattern)
  if not ok then return nil, pat, "parse" end
  local ok2, res = pcall(function()
    local haps = pat:query(R(cycles[1]), R(cycles[2]))
    local kept = {}
    for _, h in ipairs(haps) do
      if h.whole then finite_check(h.value); kept[#kept + 1] = h end
    end
    local keys = {}
    for _, e in ipairs(defragment(kept)) do
      keys[#keys + 1] = ekey(tostring(e.b), tostring(e.e), tostring(e.whole.b), tostring(e.whole.e), e.value)
    end
    table.sort(keys)
    return keys
  end)
  if not ok2 then return nil, res, "query" end
  return res
end

local function diff(got, want)
  local count = {}
  for _, k in ipairs(want) do count[k] = (count[k] or 0) + 1 end
  local extra = {}
  for _, k in ipairs(got) do
    if (count[k] or 0) > 0 then count[k] = count[k] - 1 else extra[#extra + 1] = k end
  end
  local missing = {}
  for _, k in ipairs(want) do
    if (count[k] or 0) > 0 then missing[#missing + 1] = k; count[k] = count[k] - 1 end
  end
  return missing, extra
end

local stats = { det = { p = 0, f = 0 }, rnd = { p = 0, f = 0 } }
for i, pattern in ipairs(patterns) do
  local exp = expected[i]
  local cycles = exp.cycles or { 0, 4 }
  local bucket = exp.random and stats.rnd or stats.det
  local got, err, phase = lute_events(pattern, cycles)
  local ok, why = true, nil
  if exp.error then
    if got then ok, why = false, ("Strudel: %s error (%s); lute: %d events, no error")
      :format(exp.phase or "?", exp.error:sub(1, 80), #got) end
  elseif not got then
    ok, why = false, ("lute: %s error: %s; Strudel: %d events"):format(phase, err, #exp.events)
  else
    local want = {}
    for _, e in ipairs(exp.events) do
      want[#want + 1] = ekey(e.begin, e["end"], e.whole_begin, e.whole_end, e.value)
    end
    table.sort(want)
    local missing, extra = diff(got, want)
    if #missing > 0 or #extra > 0 then
      ok = false
      local lines = { ("%d events from lute, %d from Strudel"):format(#got, #want) }
      for j = 1, math.min(#missing, 8) do lines[#lines + 1] = "    - " .. missing[j] end
      if #missing > 8 then lines[#lines + 1] = ("    - ... %d more missing"):format(#missing - 8) end
      for j = 1, math.min(#extra, 8) do lines[#lines + 1] = "    + " .. extra[j] end
      if #extra > 8 then lines[#lines + 1] = ("    + ... %d more extra"):format(#extra - 8) end
      why = table.concat(lines, "\n")
    end
  end
  if ok then bucket.p = bucket.p + 1 else
    bucket.f = bucket.f + 1
    print(("FAIL line %d%s: %q\n  %s"):format(i, exp.random and " (random)" or "", pattern, why))
  end
end

print(("deterministic patterns: %d passed, %d failed"):format(stats.det.p, stats.det.f))
print(("random patterns ('?' '|', Strudel's seeded RNG reproduced, compared exactly): %d passed, %d failed")
  :format(stats.rnd.p, stats.rnd.f))
print(("%d passed, %d failed"):format(stats.det.p + stats.rnd.p, stats.det.f + stats.rnd.f))
os.exit((stats.det.f + stats.rnd.f) == 0 and 0 or 1)
