-- docs_snippet.lua — runs one Lua example from the documentation, as test_docs extracted it.
--
--   lute exec tests/e2e/docs_snippet.lua SNIPPET.lua DOC.md FIRST_LINE
--
-- The snippet is evaluated the way lute evaluates a script file (lute.eval), under the name of the
-- markdown file and with its own line numbers, so an error reads "README.md:97: ...".  A REPL
-- transcript (lines starting with "lute> ", continued by "  >> ") is evaluated chunk by chunk, as
-- the REPL does; lines of a transcript without a prompt are the REPL's output and are not run.
-- Output shown after a transcript's chunk must be what the REPL prints for that chunk's values.
-- A line "EXPR  --> VALUE" is also a check: EXPR must give VALUE (a Lua literal; what follows it
-- in parentheses is commentary).  Then the offline engine plays 8 seconds, so that the scheduler
-- queries every pattern and runs every loop: an error it reports (a pattern that fails when
-- queried, a loop that stops) fails the snippet too.
-- Prints one "FAIL ..." line per problem and "docs snippet DOC.md:LINE: N passed, N failed".
local core = require "lute.core"

local path, doc, first = arg[1], arg[2], tonumber(arg[3])
local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()

local passed, failed = 0, 0
local function check(ok, fmt, ...)
  if ok then passed = passed + 1
  else failed = failed + 1; print("FAIL " .. string.format(fmt, ...)) end
end

local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

-- Deep equality for the values an example shows (numbers, strings, booleans, nested lists).
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for i = 1, #v do parts[i] = show(v[i]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- The value after "-->": the longest prefix that is a Lua expression ("64   (E4: ...)" gives 64).
local function expected_of(s)
  s = s:gsub("%s+$", "")
  for n = #s, 1, -1 do
    local fn = load("return " .. s:sub(1, n), "=expect", "t", {})
    if fn then
      local ok, v = pcall(fn)
      if ok then return true, v, s:sub(1, n) end
    end
  end
  return false
end

-- "EXPR --> VALUE" lines become checks, in place (same line, so line numbers stay right).
local expects = {}
_G.__doc_expect = function(line, ...)
  local e = expects[line]
  local got = select("#", ...) > 0 and (...) or nil
  e.ran = true
  check(same(got, e.value), "%s:%d: %s gave %s, the text says %s", doc, line, e.expr, show(got), e.src)
end
local function with_checks(code, line0)
  local out, line = {}, line0
  for l in (code .. "\n"):gmatch("(.-)\n") do
    local expr, rest = l:match("^(.-)%s*%-%->%s*(.+)$")
    if expr and expr:match("%S") and load("return " .. expr, "=x") then
      local ok, v, src = expected_of(rest)
      if ok then
        expects[line] = { expr = expr:gsub("^%s+", ""), value = v, src = src }
        l = ("__doc_expect(%d, %s)"):format(line, expr)
      end
    end
    out[#out + 1] = l
    line = line + 1
  end
  return table.concat(out, "\n")
end

local pad = string.rep("\n", first - 1)   -- Lua's line numbers = the markdown's
local chunks = {}
if text:match("^%s*lute> ") then
  -- A REPL transcript: each prompt starts a chunk, "  >> " continues it, other lines are output.
  local line, cur = first, nil
  for l in (text .. "\n"):gmatch("(.-)\n") do
    local p = l:match("^lute> (.*)$")
    local c = l:match("^%s*>> ?(.*)$")
    if p then cur = { line = line, lines = { p }, output = {} }; chunks[#chunks + 1] = cur
    elseif c and cur and #cur.output == 0 then cur.lines[#cur.lines + 1] = c
    elseif cur and l:match("%S") then cur.output[#cur.output + 1] = l
    end
    line = line + 1
  end
  for i, ch in ipairs(chunks) do
    chunks[i] = { code = string.rep("\n", ch.line - 1) .. with_checks(table.concat(ch.lines, "\n"), ch.line),
                  partial = true, line = ch.line, output = ch.output, text = table.concat(ch.lines, "\n") }
  end
else
  chunks[1] = { code = pad .. with_checks(text, first), partial = false, line = first }
end

-- A REPL chunk as lua/session.c evaluates it: an expression first (its values are printed), else a
-- statement; one transaction (lute._begin / lute._commit) that a failure undoes.
local function repl_eval(ch)
  local fn = load("return " .. ch.code .. ";", "=" .. doc)
  if not fn then fn = load(ch.code, "=" .. doc) end
  if not fn then return nil, select(2, load(ch.code, "=" .. doc)) end
  lute._begin(false)
  local res = table.pack(pcall(fn))
  local ok, err = res[1], res[2]
  if ok then ok, err = pcall(lute._commit) end
  if not ok then lute._abort(); return nil, tostring(err) end
  local shown = {}
  for i = 2, res.n do shown[#shown + 1] = tostring(res[i]) end
  return true, shown
end

for _, ch in ipairs(chunks) do
  if ch.partial then
    local ok, shown = repl_eval(ch)
    check(ok, "%s:%d: evaluation failed: %s", doc, ch.line, tostring(shown))
    if ok and #shown > 0 and #ch.output > 0 then
      local want = table.concat(ch.output, "\n")
      check(table.concat(shown, "\t") == want, "%s:%d: the REPL prints %q for '%s', the text shows %q",
        doc, ch.line, table.concat(shown, "\t"), ch.text, want)
    end
  else
    local ok, err = lute.eval(ch.code, doc, ch.partial)
    check(ok, "%s:%d: evaluation failed: %s", doc, ch.line, tostring(err))
  end
end
for line, e in pairs(expects) do
  check(e.ran, "%s:%d: the check '%s --> %s' did not run", doc, line, e.expr, e.src)
end

-- Play 8 seconds offline: the scheduler queries what was declared and runs the loops.
local ok, err = pcall(core.render, 8 * 48000)
check(ok, "%s:%d: playing the example offline failed: %s", doc, first, tostring(err))
for _, m in ipairs(messages) do
  check(not (m:find("error") or m:find("stopped") or m:find("fail")), "%s:%d: while playing: %s", doc, first, m)
end
print(("docs snippet %s:%d: %d passed, %d failed"):format(doc, first, passed, failed))
os.exit(failed == 0 and 0 or 1)
