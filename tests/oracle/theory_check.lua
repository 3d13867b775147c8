-- theory_check.lua — differential test of lute's music theory (lua/theory.lua) against tonal 6.5.0.
--
-- Usage: lute exec tests/oracle/theory_check.lua [CORPUS.txt EXPECTED.jsonl]
--        (normally through: tests/oracle-check theory)
-- CORPUS has one query per line, "<kind> <argument>" with kind chord, scale, note, midi or
-- interval; EXPECTED has tonal's answer for each, in the same order (see
-- tests/oracle/data/README.md, "Theory output").  Without arguments it reads the project's corpus,
-- tests/oracle/data/theory-public.{txt,jsonl}, found beside this file.  This script builds the same JSON shape from lute's
-- answers, compares every field (numbers exactly, frequencies with relative tolerance 1e-9; JSON
-- null matches a missing value or NaN), prints each disagreement with its query and field, and
-- ends with "theory oracle: N passed, N failed".  Nothing here knows about particular queries.
-- json.lua is beside this file, however we are started.
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local T = require "theory"
local json = require "json"

local corpus_path, expected_path = arg and arg[1], arg and arg[2]
if not corpus_path and not expected_path then
  corpus_path, expected_path = here .. "/data/theory-public.txt", here .. "/data/theory-public.jsonl"
end
if not corpus_path or not expected_path then
  io.stderr:write("usage: theory_check.lua CORPUS.txt EXPECTED.jsonl\n")
  os.exit(2)
end

local NaN = 0 / 0
local null = json.null

-- JavaScript's Number(string), for "midi <number>" queries.
local function js_number(s)
  s = s:gsub("^%s+", ""):gsub("%s+$", "")
  if s == "" then return 0 end
  if s:match("^[+-]?Infinity$") then return s:sub(1, 1) == "-" and -math.huge or math.huge end
  if s:match("^0[xX]%x+$") then return tonumber(s) end
  local o = s:match("^0[oO]([0-7]+)$"); if o then return tonumber(o, 8) end
  local b = s:match("^0[bB]([01]+)$"); if b then return tonumber(b, 2) end
  if s:match("^[+-]?%d+%.?%d*$") or s:match("^[+-]?%d*%.%d+$")
      or s:match("^[+-]?%d+%.?%d*[eE][+-]?%d+$") or s:match("^[+-]?%d*%.%d+[eE][+-]?%d+$") then
    return math.tointeger(tonumber(s)) or tonumber(s)
  end
  return NaN
end

local function freq440(m) return 2 ^ ((m - 69) / 12) * 440 end

local function pick(t, keys)
  local r = {}
  for _, k in ipairs(keys) do r[k] = t[k] end
  return r
end

local builders = {}

function builders.chord(arg)
  local c = T.chord(arg)
  local r = pick(c, { "empty", "name", "symbol", "tonic", "type", "root", "bass", "quality", "aliases",
    "intervals", "semitones", "notes", "chroma" })
  r.octave4 = c.octave4
  return r
end

function builders.scale(arg)
  local s = T.scale(arg)
  local r = pick(s, { "empty", "name", "type", "tonic", "aliases", "intervals", "semitones", "notes", "chroma" })
  r.octave4 = s.octave4
  return r
end

function builders.note(arg)
  local n = T.note(arg)
  local r = pick(n, { "empty", "name", "pc", "letter", "acc", "alt", "oct", "chroma", "midi", "freq",
    "simplified", "enharmonic" })
  local m, err = T.strudel_midi(arg)
  if m then r.strudel = { midi = m, freq = freq440(m) }
  else r.strudel = { midi = null, freq = null, error = err } end
  return r
end

function builders.midi(arg)
  local n = js_number(arg)
  return {
    number = n,
    name = T.midi_name(n), name_sharps = T.midi_name(n, { sharps = true }),
    pc = T.midi_name(n, { pitchClass = true }), pc_sharps = T.midi_name(n, { pitchClass = true, sharps = true }),
    freq = freq440(n),
  }
end

function builders.interval(arg)
  local i = T.interval(arg)
  return pick(i, { "empty", "name", "num", "quality", "type", "dir", "simple", "semitones", "chroma", "oct" })
end

local KINDS = "chord, scale, note, midi, interval"

-- Same line handling as theory-oracle.mjs: strip \r, skip blank lines, "<kind> <arg>" trimmed.
local function read_queries(path)
  local f = assert(io.open(path, "rb"))
  local out = {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line:match("%S") then out[#out + 1] = line end
  end
  f:close()
  return out
end

local function answer(line)
  local kind, input = line:match("^%s*(%S+)%s+(.-)%s*$")
  local res = { query = line, kind = kind or null, input = input or "" }
  if not kind or not builders[kind] then
    res.error = "unknown query kind (expected one of " .. KINDS .. ")"
    return res
  end
  local ok, r = pcall(builders[kind], input)
  if ok then res.result = r else res.error = tostring(r) end
  return res
end

local function is_null(v)
  return v == nil or v == null or v == false or (type(v) == "number" and v ~= v)
end

local function show(v)
  if v == nil or v == null then return "null" end
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  if #v > 0 or next(v) == nil then
    for i = 1, #v do parts[i] = show(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. ":" .. show(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Compares expected (decoded JSON) with actual; calls report(path, exp, act) for each difference.
local function compare(exp, act, path, report)
  if exp == null then
    if not is_null(act) then report(path, exp, act) end
    return
  end
  local te = type(exp)
  if te == "number" then
    if type(act) ~= "number" then return report(path, exp, act) end
    if math.type(exp) == "integer" and math.type(act) == "integer" then
      if exp ~= act then report(path, exp, act) end
    else
      local tol = 1e-9 * math.max(math.abs(exp), math.abs(act))
      if not (math.abs(exp - act) <= tol) then report(path, exp, act) end
    end
  elseif te == "table" then
    if type(act) ~= "table" then return report(path, exp, act) end
    local is_array = #exp > 0 or next(exp) == nil
    if is_array then
      if #exp ~= #act then return report(path .. " (length)", exp, act) end
      for i = 1, #exp do compare(exp[i], act[i], path .. "[" .. (i - 1) .. "]", report) end
      for k in pairs(act) do
        if math.type(k) ~= "integer" or k < 1 or k > #exp then report(path .. "." .. tostring(k), nil, act[k]) end
      end
    else
      for k, v in pairs(exp) do compare(v, act[k], path == "" and k or path .. "." .. k, report) end
      for k, v in pairs(act) do
        if exp[k] == nil and not is_null(v) then report(path == "" and k or path .. "." .. k, nil, v) end
      end
    end
  else
    if exp ~= act then report(path, exp, act) end
  end
end

local queries = read_queries(corpus_path)
local expected = json.read_lines(expected_path)
local passed, failed = 0, 0
if #queries ~= #expected then
  print(("FAIL corpus has %d queries but %s has %d answers"):format(#queries, expected_path, #expected))
  failed = failed + 1
end
for i = 1, math.max(#queries, #expected) do
  local q, e = queries[i], expected[i]
  if not q or not e then
    failed = failed + 1
  else
    local got = answer(q)
    local diffs = {}
    compare(e, got, "", function(path, ev, av)
      diffs[#diffs + 1] = ("  %s: expected %s, got %s"):format(path, show(ev), show(av))
    end)
    if #diffs == 0 then passed = passed + 1
    else
      failed = failed + 1
      print(("FAIL line %d: %s"):format(i, q))
      for _, d in ipairs(diffs) do print(d) end
    end
  end
end
print(("theory oracle: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
