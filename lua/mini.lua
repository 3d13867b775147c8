-- mini.lua — Tidal/Strudel mini-notation ("bd*2 [sd cp] <hh oh>") parsed into lute patterns.
--
-- The grammar is Strudel 1.2.6's krill.pegjs, rebuilt as a backtracking recursive-descent parser
-- with the same ordered choices, so the same strings are accepted and mean the same thing
-- (including its quirks: `a@<2 3>` is `a@` then `<2 3>`, `a..b` is one word, a lone `.` is never
-- a word).  Random operators (`?`, `|`) are numbered in parse order, exactly as krill numbers its
-- seeds, and use Strudel's RNG (pattern.lua), so results agree with Strudel event for event.
--
--   local mini = require "mini"
--   local pat = mini.parse("bd(3,8) sd")      -- a Pattern (see pattern.lua)
--   local ast = mini.ast("a b")               -- the syntax tree, for tools
--
-- A parse error raises a string naming the 1-based column (in characters):
--   mini: unexpected ']' at column 3 in "a ] b" (expected a word, '[', '<', '{' or end)

local P = require "pattern"
local R = require "rational"

local M = {}

local utf8char = utf8.char

-- Whitespace as krill sees it: space, tab, CR, LF and U+00A0.
local WS = { [32] = true, [9] = true, [10] = true, [13] = true, [0xA0] = true }

-- krill's unicode_letter; beyond ASCII, anything but the punctuation and symbol blocks counts.
local function is_letter(c)
  if c < 128 then return (c >= 65 and c <= 90) or (c >= 97 and c <= 122) end
  if c <= 0xBF then return c == 0xAA or c == 0xB5 or c == 0xBA end
  if c == 0xD7 or c == 0xF7 then return false end
  if c >= 0x2000 and c <= 0x2BFF then return false end
  if c >= 0x3000 and c <= 0x303F then return false end
  if c >= 0xFE30 and c <= 0xFE4F then return false end
  if c >= 0xFF00 and c <= 0xFF20 then return false end
  if c >= 0x1F000 then return false end
  return true
end

local function is_step_char(c)
  if not c then return false end
  return is_letter(c) or (c >= 48 and c <= 57) or c == 126 --[[~]] or c == 45 --[[-]]
    or c == 35 --[[#]] or c == 46 --[[.]] or c == 94 --[[^]] or c == 95 --[[_]]
end

-- JavaScript's Number() on a word (the words krill can produce): decimal, hex/octal/binary
-- literals and Infinity; nil when it is not a number.
local function js_number(s)
  local v
  if s == "Infinity" then return math.huge end
  if s == "-Infinity" then return -math.huge end
  local base, digits = nil, nil
  if s:match("^0[xX]%x+$") then base, digits = 16, s:sub(3)
  elseif s:match("^0[oO][0-7]+$") then base, digits = 8, s:sub(3)
  elseif s:match("^0[bB][01]+$") then base, digits = 2, s:sub(3)
  end
  if base then
    v = 0.0
    for ch in digits:gmatch(".") do v = v * base + tonumber(ch, 16) end
  elseif s:match("^-?%d+%.?%d*$") or s:match("^-?%.%d+$")
      or s:match("^-?%d+%.?%d*[eE][-+]?%d+$") or s:match("^-?%.%d+[eE][-+]?%d+$") then
    v = tonumber(s)
    if v == nil then return nil end
    v = v + 0.0
  else
    return nil
  end
  if v == math.floor(v) and v > -2^53 and v < 2^53 then return math.tointeger(v) end
  return v
end
M.js_number = js_number

local function describe(c)
  if c == nil then return "end of pattern" end
  local ch = utf8char(c)
  if ch == "'" then return "\"'\"" end
  return "'" .. ch .. "'"
end

------------------------------------------------------------------------------------------------
-- Parser

local function parser(src)
  local ok, cps = pcall(function()
    local t = {}
    for _, c in utf8.codes(src) do t[#t + 1] = c end
    return t
  end)
  if not ok then error(("mini: invalid UTF-8 in %q"):format(src), 0) end
  local n = #cps
  local pos = 1
  local seed = 0
  local far, expected = 0, {}

  -- Remembers the furthest position where something was expected, for the error message.
  local function fail(what)
    if pos > far then far, expected = pos, {} end
    if pos == far then expected[what] = true end
  end
  local function char(c) -- literal single character
    if cps[pos] == c then pos = pos + 1 return true end
    fail("'" .. utf8char(c) .. "'")
    return false
  end
  local function ws()
    while WS[cps[pos]] do pos = pos + 1 end
  end

  local stack_or_choose, polymeter_stack, sequence, slice

  -- number = "-"? int frac? exp?   (krill's number, used after @ ! ?)
  local function number()
    local save = pos
    if cps[pos] == 45 then pos = pos + 1 end
    local c = cps[pos]
    if c == 48 then pos = pos + 1
    elseif c and c >= 49 and c <= 57 then
      repeat pos = pos + 1 c = cps[pos] until not (c and c >= 48 and c <= 57)
    else
      fail("a number"); pos = save; return nil
    end
    if cps[pos] == 46 and cps[pos + 1] and cps[pos + 1] >= 48 and cps[pos + 1] <= 57 then
      pos = pos + 1
      while cps[pos] and cps[pos] >= 48 and cps[pos] <= 57 do pos = pos + 1 end
    end
    if cps[pos] == 101 or cps[pos] == 69 then
      local p2 = pos + 1
      if cps[p2] == 43 or cps[p2] == 45 then p2 = p2 + 1 end
      if cps[p2] and cps[p2] >= 48 and cps[p2] <= 57 then
        while cps[p2] and cps[p2] >= 48 and cps[p2] <= 57 do p2 = p2 + 1 end
        pos = p2
      end
    end
    return tonumber(utf8char(table.unpack(cps, save, pos - 1)))
  end

  -- step = ws step_char+ ws, where a lone "." is not a step
  local function step()
    local save = pos
    ws()
    local start = pos
    while is_step_char(cps[pos]) do pos = pos + 1 end
    if pos == start then fail("a word"); pos = save; return nil end
    local text = utf8char(table.unpack(cps, start, pos - 1))
    ws()
    if text == "." then fail("whitespace"); pos = save; return nil end
    return { k = "atom", text = text, col = start }
  end

  local function sub_cycle()
    local save = pos
    ws()
    if not char(91) then pos = save return nil end
    ws()
    local s = stack_or_choose()
    if not s then pos = save return nil end
    ws()
    if not char(93) then pos = save return nil end
    ws()
    return s
  end

  local function polymeter()
    local save = pos
    ws()
    if not char(123) then pos = save return nil end
    ws()
    local s = polymeter_stack()
    if not s then pos = save return nil end
    ws()
    if not char(125) then pos = save return nil end
    local p2 = pos
    local steps
    if char(37) then
      steps = slice()
      if not steps then pos = p2 end
    end
    ws()
    return { k = "poly", list = s.list, steps = steps }
  end

  local function slow_sequence()
    local save = pos
    ws()
    if not char(60) then pos = save return nil end
    ws()
    local s = polymeter_stack()
    if not s then pos = save return nil end
    ws()
    if not char(62) then pos = save return nil end
    ws()
    return { k = "slowcat", list = s.list }
  end

  function slice()
    return step() or sub_cycle() or polymeter() or slow_sequence()
  end

  local function comma()
    local save = pos
    ws()
    if not char(44) then pos = save return false end
    ws()
    return true
  end

  -- Operators return a function applied to the element once all its operators are parsed
  -- (krill does the same, which fixes the order in which random seeds are handed out).
  local function op_weight()
    local save = pos
    ws()
    if cps[pos] == 64 or cps[pos] == 95 then
      pos = pos + 1
      local a = number()
      return function(x) x.weight = x.weight + (a or 2) - 1 end
    end
    fail("'@'")
    pos = save
    return nil
  end

  local function op_replicate()
    local save = pos
    ws()
    if not char(33) then pos = save return nil end
    local a = number()
    return function(x)
      local reps = x.reps + (a or 2) - 1
      x.reps = reps
      local kept = {}
      for _, o in ipairs(x.ops) do if o.type ~= "replicate" then kept[#kept + 1] = o end end
      kept[#kept + 1] = { type = "replicate", amount = reps }
      x.ops = kept
      x.weight = reps
    end
  end

  local function op_bjorklund()
    local save = pos
    if not char(40) then return nil end
    ws()
    local p = sequence()
    if not p then pos = save return nil end
    ws()
    if not comma() then pos = save return nil end
    ws()
    local s = sequence()
    if not s then pos = save return nil end
    ws()
    comma()
    ws()
    local r = sequence()
    ws()
    if not char(41) then pos = save return nil end
    return function(x) x.ops[#x.ops + 1] = { type = "bjorklund", pulse = p, step = s, rotation = r } end
  end

  local function op_stretch(c, kind)
    return function()
      local save = pos
      if not char(c) then return nil end
      local a = slice()
      if not a then pos = save return nil end
      return function(x) x.ops[#x.ops + 1] = { type = "stretch", kind = kind, amount = a, col = save } end
    end
  end
  local op_slow, op_fast = op_stretch(47, "slow"), op_stretch(42, "fast")

  local function op_degrade()
    if not char(63) then return nil end
    local a = number()
    return function(x)
      x.ops[#x.ops + 1] = { type = "degrade", amount = a, seed = seed }
      seed = seed + 1
    end
  end

  local function op_tail()
    local save = pos
    if not char(58) then return nil end
    local s = slice()
    if not s then pos = save return nil end
    return function(x) x.ops[#x.ops + 1] = { type = "tail", element = s } end
  end

  local function op_range()
    local save = pos
    if not (cps[pos] == 46 and cps[pos + 1] == 46) then fail("'..'") return nil end
    pos = pos + 2
    ws()
    local s = slice()
    if not s then pos = save return nil end
    return function(x) x.ops[#x.ops + 1] = { type = "range", element = s } end
  end

  local function slice_op()
    return op_weight() or op_bjorklund() or op_slow() or op_fast() or op_replicate()
      or op_degrade() or op_tail() or op_range()
  end

  local function slice_with_ops()
    local s = slice()
    if not s then return nil end
    local fs = {}
    while true do
      local f = slice_op()
      if not f then break end
      fs[#fs + 1] = f
    end
    local el = { k = "element", node = s, ops = {}, weight = 1, reps = 1 }
    for _, f in ipairs(fs) do f(el) end
    return el
  end

  -- sequence = "^"? slice_with_ops+
  function sequence()
    local save = pos
    local marked = false
    if cps[pos] == 94 then pos = pos + 1 marked = true end
    local items = {}
    while true do
      local el = slice_with_ops()
      if not el then break end
      items[#items + 1] = el
    end
    if #items == 0 then pos = save return nil end
    return { k = "seq", items = items, marked = marked }
  end

  local function sep_tail(c)
    local list = {}
    while true do
      local save = pos
      ws()
      if not char(c) then pos = save break end
      ws()
      local s = sequence()
      if not s then pos = save break end
      list[#list + 1] = s
    end
    if #list == 0 then return nil end
    return list
  end

  function stack_or_choose()
    local head = sequence()
    if not head then return nil end
    local tail, kind = sep_tail(44), "stack"
    if not tail then tail, kind = sep_tail(124), "rand" end
    if not tail then tail, kind = sep_tail(46), "feet" end
    if not tail then return head end
    local list = { head }
    for _, s in ipairs(tail) do list[#list + 1] = s end
    local node = { k = kind, list = list }
    if kind ~= "stack" then node.seed = seed; seed = seed + 1 end
    return node
  end

  function polymeter_stack()
    local head = sequence()
    if not head then return nil end
    local list = { head }
    for _, s in ipairs(sep_tail(44) or {}) do list[#list + 1] = s end
    return { k = "polystack", list = list }
  end

  ws()
  local root = stack_or_choose()
  ws()
  if root and pos > n then return root end
  if pos > n then pos = n + 1 end
  fail("end of pattern")
  local names = {}
  for k in pairs(expected) do names[#names + 1] = k end
  table.sort(names)
  local exp = ""
  if #names > 0 then
    if #names > 8 then names = { table.unpack(names, 1, 8) }; names[#names + 1] = "..." end
    exp = " (expected " .. table.concat(names, ", ") .. ")"
  end
  error(("mini: unexpected %s at column %d in %q%s"):format(describe(cps[far]), far, src, exp), 0)
end

-- M.ast(str): the syntax tree of a mini-notation string (raises on a parse error).
function M.ast(src)
  if type(src) ~= "string" then
    error(("mini: expected a string, got %s"):format(type(src)), 2)
  end
  return parser(src)
end

------------------------------------------------------------------------------------------------
-- From syntax tree to pattern (Strudel's mini.mjs)

local RAND_OFFSET = R(3, 10000)   -- Strudel's randOffset = 0.0003, times each operator's seed
local function seeded_rand(seed)
  if seed == 0 then return P.rand end
  return P.rand:early(RAND_OFFSET * seed)
end

local build

local function array_range(a, b)
  if type(a) ~= "number" or type(b) ~= "number" or a ~= a or b ~= b then return {} end
  local len = math.floor(math.abs(b - a) + 1)
  if len > 100000 then
    error(("mini: range %s .. %s has too many steps (%d)"):format(a, b, len), 0)
  end
  local out = {}
  for i = 0, len - 1 do
    local v = a < b and a + i or a - i
    if math.type(v) == "float" and v == math.floor(v) then v = math.tointeger(v) or v end
    out[#out + 1] = v
  end
  return out
end

-- A Euclid argument that is a single element loses its operators in Strudel 1.2.6 (the element
-- is entered without them): "a(3,8,<0 2>*2)" rotates by <0 2>.  Longer sequences keep them.
local function build_arg(seq)
  if seq.k == "seq" and #seq.items == 1 then return build(seq.items[1].node) end
  return build(seq)
end

local current_src   -- the text being built, for error messages that point into it

local function apply_ops(pat, el)
  for _, op in ipairs(el.ops) do
    local t = op.type
    if t == "stretch" then
      local amount = build(op.amount)
      local ok, r = pcall(op.kind == "fast" and pat.fast or pat.slow, pat, amount)
      if not ok then   -- a factor that is not a number: say where it is
        error(("mini: %s, for the '%s' at column %d in %q"):format(tostring(r):gsub("^mini: ", ""),
          op.kind == "fast" and "*" or "/", op.col or 0, current_src or ""), 0)
      end
      pat = r
    elseif t == "replicate" then
      pat = pat:repeatCycles(op.amount):fast(op.amount)
    elseif t == "bjorklund" then
      if op.rotation then
        pat = pat:euclidRot(build_arg(op.pulse), build_arg(op.step), build_arg(op.rotation))
      else
        pat = pat:euclid(build_arg(op.pulse), build_arg(op.step))
      end
    elseif t == "degrade" then
      local x = op.amount or 0.5
      pat = P.degrade_with(pat, seeded_rand(op.seed), x)
    elseif t == "tail" then
      pat = P.app_left(pat, build(op.element), function(a, b)
        if P.is_list(a) then
          local c = { table.unpack(a) }
          c[#c + 1] = b
          return c
        end
        return { a, b }
      end)
    elseif t == "range" then
      local friend = build(op.element)
      pat = pat:squeezeBind(function(a)
        return friend:bind(function(b)
          local vals = array_range(a, b)
          if #vals == 0 then return P.silence end
          return P.fastcat(table.unpack(vals))
        end)
      end)
    end
  end
  return pat
end

-- Builds a sequence; returns the pattern and its total weight (steps), as mini.mjs's __weight.
local function build_seq(node)
  local pats, weights, total, plain = {}, {}, 0, true
  for i, el in ipairs(node.items) do
    pats[i] = apply_ops(build(el.node), el)
    local w = el.weight
    if w == 0 then w = 1 end
    weights[i] = w
    total = total + w
    if w ~= 1 then plain = false end
  end
  if #pats == 1 and plain then return pats[1], total end
  if plain then return P.fastcat(table.unpack(pats)), total end
  local pairs_ = {}
  for i = 1, #pats do pairs_[i] = { weights[i], pats[i] } end
  return P.timecat(table.unpack(pairs_)), total
end

function build(node)
  local k = node.k
  if k == "atom" then
    local s = node.text
    if s == "~" or s == "-" then return P.silence end
    local v = js_number(s)
    if v == nil then v = s end
    return P.pure(v)
  elseif k == "seq" then
    return (build_seq(node))
  elseif k == "stack" or k == "feet" or k == "rand" then
    local pats = {}
    for i, s in ipairs(node.list) do pats[i] = (build_seq(s)) end
    if k == "stack" then return P.stack(table.unpack(pats)) end
    if k == "feet" then return P.fastcat(table.unpack(pats)) end
    return P.chooseInWith(seeded_rand(node.seed):segment(1), pats)
  elseif k == "slowcat" then
    local pats = {}
    for i, s in ipairs(node.list) do
      local p, w = build_seq(s)
      pats[i] = p:slow(R.from(w))
    end
    return P.stack(table.unpack(pats))
  elseif k == "poly" then
    local seqs, ws = {}, {}
    for i, s in ipairs(node.list) do seqs[i], ws[i] = build_seq(s) end
    local steps
    if node.steps then steps = build(node.steps) else steps = P.pure(ws[1]) end
    local pats = {}
    for i = 1, #seqs do
      local w = R.from(ws[i])
      if steps._has_pure then
        local x = tonumber(steps._pure)
        if x == nil then return P.silence end
        pats[i] = seqs[i]:fast(R.from(x) / w)
      else
        -- Strudel silently drops step counts that are not numbers ({a b}%x plays nothing).
        local sp = steps:filterValues(function(v) return tonumber(v) ~= nil end)
          :fmap(function(v) return R.from(tonumber(v)) / w end)
        pats[i] = seqs[i]:fast(sp)
      end
    end
    return P.stack(table.unpack(pats))
  elseif k == "element" then
    return apply_ops(build(node.node), node)
  end
  error("mini: unknown syntax node " .. tostring(k), 0)
end

-- M.parse(str): a Pattern from mini-notation.
function M.parse(src)
  local ast = M.ast(src)
  current_src = src
  local ok, p = pcall(build, ast)
  current_src = nil
  if not ok then
    p = tostring(p)
    if not p:find("^mini:") then p = ("mini: %s in %q"):format(p:gsub("^[^:]*%.lua:%d+: ", ""), src) end
    error(p, 0)
  end
  return p
end

-- Does the tree use Strudel's RNG ('?' or '|')?
function M.uses_random(node)
  if type(node) ~= "table" then return false end
  if node.k == "rand" or node.type == "degrade" then return true end
  for _, v in pairs(node) do
    if type(v) == "table" and M.uses_random(v) then return true end
  end
  return false
end

return M
