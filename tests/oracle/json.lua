-- json.lua — a small, strict JSON decoder for the oracle corpora (one object per line).
-- Numbers become Lua numbers (integers stay integers), null becomes json.null, arrays and objects
-- become tables.  Errors name the column.
local json = {}
json.null = setmetatable({}, { __tostring = function() return "null" end })

local function decoder(s)
  local pos = 1
  local function err(msg) error(("json: %s at column %d"):format(msg, pos), 0) end
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    pos = pos + 1
    local out, i = {}, pos
    while true do
      local c = s:sub(i, i)
      if c == "" then pos = i; err("unterminated string") end
      if c == '"' then out[#out + 1] = s:sub(pos, i - 1); pos = i + 1; break end
      if c == "\\" then
        out[#out + 1] = s:sub(pos, i - 1)
        local e = s:sub(i + 1, i + 1)
        local map = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/" }
        if map[e] then out[#out + 1] = map[e]; i = i + 2
        elseif e == "u" then
          local cp = tonumber(s:sub(i + 2, i + 5), 16) or err("bad \\u escape")
          i = i + 6
          if cp >= 0xD800 and cp <= 0xDBFF and s:sub(i, i + 1) == "\\u" then
            local lo = tonumber(s:sub(i + 2, i + 5), 16)
            if lo and lo >= 0xDC00 and lo <= 0xDFFF then
              cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00); i = i + 6
            end
          end
          out[#out + 1] = utf8.char(cp)
        else pos = i; err("bad escape") end
        pos = i
      else i = i + 1 end
    end
    return table.concat(out)
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      pos = pos + 1; local t = {}; ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return t end
      while true do
        ws(); if s:sub(pos, pos) ~= '"' then err("expected key") end
        local k = str(); ws()
        if s:sub(pos, pos) ~= ":" then err("expected ':'") end
        pos = pos + 1; t[k] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "}" then return t elseif d ~= "," then err("expected ',' or '}'") end
      end
    elseif c == "[" then
      pos = pos + 1; local t = {}; ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        t[#t + 1] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "]" then return t elseif d ~= "," then err("expected ',' or ']'") end
      end
    elseif c == '"' then return str()
    elseif s:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif s:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif s:sub(pos, pos + 3) == "null" then pos = pos + 4; return json.null
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      if not num or num == "" then err("unexpected character") end
      pos = pos + #num
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
  end
  return function()
    local v = value(); ws()
    if pos <= #s then err("trailing characters") end
    return v
  end
end

function json.decode(s) return decoder(s)() end

-- Reads a .jsonl file into a list of decoded objects.
function json.read_lines(path)
  local f = assert(io.open(path, "rb"))
  local out = {}
  for line in f:lines() do if line:match("%S") then out[#out + 1] = json.decode(line) end end
  f:close()
  return out
end

return json
