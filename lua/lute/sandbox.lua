-- lute/sandbox.lua — where user code runs.  A script, a REPL chunk, a module a script requires and
-- lute.eval's text each run with their own _ENV, never in lute's global table:
--
--   layer (one evaluation's writes)  ->  user globals (kept across evaluations)  ->  base  ->  _G
--
-- * Reads fall through: a script sees its own globals, then those earlier evaluations left, then
--   lute's API and Lua's functions.  The base layer gives the user *copies* of Lua's library tables
--   (string, table, math, ...), so `table.insert = nil` or `math = 1` in a script changes that
--   script's world, not lute's: lute's own modules run in the real _G, which user code cannot write.
-- * Writes go to the evaluation's layer (a copy-on-write overlay).  When the evaluation commits, the
--   layer is merged into the user globals and becomes a window onto them (so a function defined in
--   it sees later changes); when it fails, the layer is dropped and no global changed.
-- * Code is loaded as text only (mode "t"): a precompiled chunk is refused, never run.
local E = require "lute.engine"
local Rp = require "lute.report"

local Sb = {}
local real_G = _G
local NIL = setmetatable({}, { __name = "nil (deleted in this evaluation)" })   -- a deleted global in a layer

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- ---------------------------------------------------------------------------------------------
-- The base: copies of Lua's libraries, loaders that default to the user's environment, lute's API
-- ---------------------------------------------------------------------------------------------
local base = {}
for _, name in ipairs({ "string", "table", "math", "os", "io", "coroutine", "utf8", "debug" }) do
  if type(real_G[name]) == "table" then base[name] = copy(real_G[name]) end
end

local current   -- the environment of the evaluation running now (nil: the user globals)
local user      -- the user globals

function Sb.env() return current or user end

-- load, loadfile and dofile as a script sees them: text only, and the script's environment unless
-- another is given.
base.load = function(chunk, name, mode, env)
  return load(chunk, name, "t", env or Sb.env())
end
base.loadfile = function(path, mode, env)
  return loadfile(path, "t", env or Sb.env())
end
base.dofile = function(path)
  local f, e = loadfile(path, "t", Sb.env())
  if not f then error(e, 2) end
  return f()
end

-- Names a script reads through to: lute's API (published by lute.lua with Sb.publish) over _G.
-- lute's names are stored in the base itself (a plain lookup); Lua's functions are read from _G
-- at each use, so one the REPL replaces there (print) is the one a script sees.
local api = {}
function Sb.publish(t)
  for k, v in pairs(t) do api[k] = v; rawset(base, k, v) end
end
setmetatable(base, {
  __index = function(_, k) return real_G[k] end,
  __newindex = function() error("lute's base environment is read-only", 2) end,
  __metatable = false,
})

user = setmetatable({}, { __index = base, __metatable = false })
Sb.user = user
rawset(base, "_G", user)   -- _G in user code is the user's globals, never lute's table

-- A name the user writes that hides one of lute's or Lua's: said once per name, since it is often a
-- mistake (`n = 5` hides n("0 2 4"), `type = "square"` hides type()), and never affects lute itself.
local warned = {}
local function hides(k, v)
  if type(k) ~= "string" or warned[k] or v == nil then return end
  local old = base[k]
  if old == nil or rawget(user, k) ~= nil then return end
  warned[k] = true
  local what = api[k] ~= nil and "lute's" or "Lua's"
  Rp.say("%swarning: the global '%s' now hides %s %s in your scripts (lute itself is not affected); "
    .. "a local variable or another name would not", Rp.at(), k, what, k)
end

-- ---------------------------------------------------------------------------------------------
-- Layers
-- ---------------------------------------------------------------------------------------------
-- Opens a layer for one evaluation and makes it current; returns its environment.
function Sb.open()
  local writes = {}
  local env = {}
  local mt = { __metatable = false }
  mt.__index = function(_, k)
    local v = writes[k]
    if v ~= nil then
      if v == NIL then return nil end
      return v
    end
    if k == "_G" then return env end
    return user[k]
  end
  mt.__newindex = function(_, k, v)
    hides(k, v)
    if v == nil then writes[k] = NIL else writes[k] = v end
  end
  mt.__pairs = function()
    local seen, keys = {}, {}
    for k, v in pairs(writes) do seen[k] = true; if v ~= NIL then keys[#keys + 1] = k end end
    for k in next, user do if not seen[k] then keys[#keys + 1] = k end end
    local i = 0
    return function()
      i = i + 1
      local k = keys[i]
      if k ~= nil then return k, env[k] end
    end, env, nil
  end
  setmetatable(env, mt)
  current = env
  Sb.layer = { env = env, writes = writes, mt = mt }
  return env
end

-- The evaluation committed: its writes become the user's globals, and its environment a window onto
-- them (functions the evaluation defined read and write the user globals from now on).
function Sb.merge()
  local l = Sb.layer
  Sb.layer, current = nil, nil
  if not l then return end
  for k, v in next, l.env do l.writes[k] = v; rawset(l.env, k, nil) end   -- rawset(_G, ...) in the script
  for k, v in pairs(l.writes) do
    if v == NIL then user[k] = nil else user[k] = v end
  end
  l.mt.__index = user        -- _G resolves through user to the base's _G: the user's globals
  l.mt.__newindex = user
  l.mt.__pairs = function() return next, user, nil end
end

-- The evaluation failed: its writes are dropped.
function Sb.drop()
  Sb.layer, current = nil, nil
end

-- ---------------------------------------------------------------------------------------------
-- Modules
-- ---------------------------------------------------------------------------------------------
-- The files a script requires (outside lute's own folders) are loaded as text into the script's
-- environment, recorded so that they are watched and reloaded with it.
Sb.user_modules = {}
local root = E.root .. "/"
package.searchers[2] = function(name)
  local path, err = package.searchpath(name, package.path)
  if not path then return err end
  local own = path:sub(1, #root) == root
  local f, e
  if own then f, e = loadfile(path, "t") else f, e = loadfile(path, "t", Sb.env()) end
  if not f then error(("error loading module '%s' from file '%s':\n\t%s"):format(name, path, e), 0) end
  if not own then Sb.user_modules[name] = path end
  return f, path
end

-- Evaluates text as a user chunk in a new layer; `run(fn)` runs the loaded function (the caller's
-- transaction: begin, call, commit).  For lute.eval.
function Sb.load(code, name)
  local env = Sb.open()
  local fn, e = load(code, name, "t", env)
  if not fn then Sb.drop() end
  return fn, e
end

return Sb
