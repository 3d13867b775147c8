-- fx.lua — one constructor per processor lute has, built from the C registry (lute.fxdefs), for
-- insert chains on tracks, buses and the master, and for `lute master --chain FILE.lua`:
--
--   local fx = require "fx"
--   fx.limiter{ ceiling = -1 }      --> { kind = "fx", type = "limiter", params = { ceiling = -1 } }
--   fx.lineq{ low_gain = 1.5, key = "tone", mix = 0.8 }
--
-- A descriptor is plain data: `params` holds only the values given (a unit's defaults live in C),
-- `key` (optional string) names the instance so a re-evaluation keeps its state, `mix` (0..1,
-- optional; not for units that have none) blends wet and dry, and `data` (a file path) feeds units
-- that take one (their def names the field, e.g. `ir`).  Every name and value is checked here, with
-- messages that name the bad field and say what would be right; the error points at the caller's line.
-- Nothing here touches an engine: the lead's mix plan and `lute master` both read the descriptors.
--
--   fx.list()              names of every unit, in the registry's order
--   fx.def(name)           the unit's definition (params with min, max, def, unit, help)
--   fx.help(name)          a text for help(): what it does, an example, its parameters
--   fx.values(desc)        the full parameter array (defaults filled in), in the def's order
--   fx.is(v)               whether v is a descriptor
local defs = require "lute.fxdefs"

local M = {}

local function names_of(d)
  local t = {}
  for i, p in ipairs(d.params) do t[i] = p.name end
  return t
end

-- The closest parameter name (edit distance <= 2), for "did you mean".
local function closest(name, d)
  local best, bd = nil, 3
  for _, p in ipairs(d.params) do
    local a, b = name, p.name
    local prev = {}
    for j = 0, #b do prev[j] = j end
    for i = 1, #a do
      local cur = { [0] = i }
      for j = 1, #b do
        local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
        cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      end
      prev = cur
    end
    if prev[#b] < bd then best, bd = p.name, prev[#b] end
  end
  return best
end

local function fmt(v)
  if math.type(v) == "integer" or v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
  return string.format("%g", v)
end

local function range_text(p)
  local unit = p.unit ~= "" and (" " .. p.unit) or ""
  return fmt(p.min) .. " .. " .. fmt(p.max) .. unit
end

local function check(d, t, level)
  level = level + 1
  if t == nil then t = {} end
  if type(t) ~= "table" then
    error(("%s{ ... } takes a table of settings, not a %s (e.g. %s)"):format(d.name, type(t), d.example or d.name .. "{}"), level)
  end
  local desc = { kind = "fx", type = d.name, params = {} }
  for k, v in pairs(t) do
    if type(k) ~= "string" then
      error(("%s: settings are named (name = value); got a value at position %s"):format(d.name, tostring(k)), level)
    elseif k == "key" then
      if type(v) ~= "string" or v == "" then
        error(("%s: key must be a non-empty string that names this instance, not %s"):format(d.name, tostring(v)), level)
      end
      desc.key = v
    elseif k == "mix" then
      if not d.mix then
        error(("%s has no wet/dry mix (its dry signal would defeat it); leave out 'mix'"):format(d.name), level)
      end
      if type(v) ~= "number" or v ~= v or v < 0 or v > 1 then
        error(("%s: mix must be a number from 0 (dry) to 1 (wet), not %s"):format(d.name, tostring(v)), level)
      end
      desc.mix = v
    elseif d.data_field and k == d.data_field then
      if type(v) ~= "string" or v == "" then
        error(("%s: %s must be a file name (a string), not %s"):format(d.name, k, tostring(v)), level)
      end
      desc.data = v
    else
      local p = d.by_param[k]
      if not p then
        local hint = closest(k, d)
        error(("%s: '%s' is not a setting of %s%s; its settings: %s%s"):format(d.name, k, d.name,
          hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(names_of(d), ", "),
          d.mix and ", mix, key" or ", key"), level)
      end
      if type(v) == "boolean" and p.min == 0 and p.max == 1 then v = v and 1 or 0 end
      if type(v) ~= "number" or v ~= v then
        error(("%s: %s must be a number (%s), not %s"):format(d.name, k, range_text(p),
          type(v) == "string" and ("'" .. v .. "'") or type(v)), level)
      end
      -- the bounds are the engine's single-precision floats (0.05 is 0.0500000007): compare the value
      -- as the engine will hold it, so a documented minimum such as attack = 0.05 is accepted
      local vf = string.unpack("f", string.pack("f", v))
      if vf < p.min or vf > p.max then
        error(("%s: %s = %s is out of range; it takes %s"):format(d.name, k, fmt(v), range_text(p)), level)
      end
      desc.params[k] = v
    end
  end
  return desc
end

local list = {}
for i, d in ipairs(defs) do
  d.by_param = {}
  for _, p in ipairs(d.params) do d.by_param[p.name] = p end
  list[i] = d.name
  -- not a tail call: the error level must count this frame to reach the caller's line
  M[d.name] = function(t) local desc = check(d, t, 2) return desc end
end

function M.list() return { table.unpack(list) } end

function M.def(name)
  local d = defs.by_name[name]
  if not d then error(("no effect '%s'; effects: %s"):format(tostring(name), table.concat(list, ", ")), 2) end
  return d
end

function M.is(v) return type(v) == "table" and v.kind == "fx" and defs.by_name[v.type] ~= nil end

function M.values(desc)
  local d = M.def(desc.type)
  local out = {}
  for i, p in ipairs(d.params) do
    local v = desc.params and desc.params[p.name]
    out[i] = v ~= nil and v or p.def
  end
  return out
end

function M.help(name)
  local d = M.def(name)
  local lines = { d.name .. "{ ... } — " .. d.help, "  e.g. " .. (d.example or d.name .. "{}") }
  for _, p in ipairs(d.params) do
    lines[#lines + 1] = ("  %-14s %s, default %s — %s"):format(p.name, range_text(p), fmt(p.def), p.help or "")
  end
  if d.mix then lines[#lines + 1] = ("  %-14s 0 .. 1, default %s — wet/dry"):format("mix", fmt(d.mix_default)) end
  lines[#lines + 1] = ("  %-14s a name that keeps this instance's state across re-evaluations"):format("key")
  return table.concat(lines, "\n")
end

return setmetatable(M, {
  __index = function(_, k)
    error(("no effect '%s'; effects: %s"):format(tostring(k), table.concat(list, ", ")), 2)
  end,
})
