-- lute/report.lua — how lute speaks during a performance: messages, errors that name the user's file
-- and line (never lute's own), and a limit on repeated messages so a fault that recurs every tick
-- prints once, then a count, instead of burying the REPL.
local E = require "lute.engine"

local Rp = {}

-- Where messages go: lute.lua points this at lute.message (which the REPL and tests may replace).
Rp.output = function(text) io.stderr:write(text, "\n"); io.stderr:flush() end

function Rp.say(fmt, ...) Rp.output(string.format(fmt, ...)) end

-- ---------------------------------------------------------------------------------------------
-- Positions
-- ---------------------------------------------------------------------------------------------
local own_prefix = "@" .. E.root .. "/lua/"
local own_path = E.root .. "/lua/"

-- True for a chunk source that is lute's own Lua (lua/*.lua, lua/lute/*.lua) or C.
local function is_own(src)
  return src == "=[C]" or src:sub(1, #own_prefix) == own_prefix
end
Rp.is_own_source = is_own

-- "file:line: " of the innermost function on the stack that is the user's (a script, a REPL chunk,
-- a module the script required), or "" when lute was called from C with no user code on the stack.
function Rp.at(level)
  level = (level or 1) + 1
  while true do
    local info = debug.getinfo(level, "Sl")
    if not info then return "" end
    if not is_own(info.source) and info.currentline and info.currentline > 0 then
      return ("%s:%d: "):format(info.short_src, info.currentline)
    end
    level = level + 1
  end
end

-- Raises `msg` at the user's line (see Rp.at), whatever depth of lute's code it comes from.
function Rp.error(msg, ...)
  if select("#", ...) > 0 then msg = msg:format(...) end
  error(Rp.at(2) .. msg, 0)
end

-- True for a path in an error message that is one of lute's own files.  Lua shortens long paths
-- ("...lang/lua/pattern.lua"), so the tail after "lua/" is looked up in lute's folder.
local own_files = {}
local function is_own_path(path)
  if path:sub(1, #own_path) == own_path then return true end
  local tail = path:match("lua/(lute/[%w_]+%.lua)$") or path:match("lua/([%w_]+%.lua)$")
  if not tail then return false end
  if own_files[tail] == nil then
    local f = io.open(own_path .. tail, "r")
    own_files[tail] = f ~= nil
    if f then f:close() end
  end
  return own_files[tail]
end

-- Strips positions inside lute's own files from an error message ("/…/lua/pattern.lua:12: x" -> "x"),
-- so that what is left can be prefixed with the user's position.
function Rp.strip(msg)
  msg = tostring(msg)
  while true do
    local path, rest = msg:match("^([^\n:]+):%d+: (.*)$")
    if not path or not is_own_path(path) then return msg end
    msg = rest
  end
end

-- True when a message starts with a user's position ("song.lua:3: ...", "stdin:1: ...").
function Rp.has_position(msg)
  local path = tostring(msg):match("^([^\n:]+):%d+: ")
  return path ~= nil and not is_own_path(path)
end

-- ---------------------------------------------------------------------------------------------
-- Repeated messages: the first is printed; the same key again within WINDOW seconds is counted,
-- and the count printed when the window is over (by Rp.flush, which the scheduler calls each tick,
-- or by the next occurrence after it).
-- ---------------------------------------------------------------------------------------------
Rp.WINDOW = 5
local seen = {}   -- key -> { t = clock of the last print, n = suppressed since, text = last text }

function Rp.limited(key, fmt, ...)
  local text = select("#", ...) > 0 and fmt:format(...) or fmt
  local now = E.clock()
  local e = seen[key]
  if not e then
    seen[key] = { t = now, n = 0, text = text }
    Rp.output(text)
    return true
  end
  e.n, e.text = e.n + 1, text
  if now - e.t >= Rp.WINDOW then
    Rp.output(("%s (%d times in the last %.0f s)"):format(text, e.n, now - e.t))
    e.t, e.n = now, 0
    return true
  end
  return false
end

function Rp.flush(final)   -- final: the session ends, say every held count now
  local now
  for _, e in pairs(seen) do
    if e.n > 0 then
      now = now or E.clock()
      if final or now - e.t >= Rp.WINDOW then
        Rp.output(("%s (and %d more time%s in the last %.0f s)"):format(e.text, e.n, e.n == 1 and "" or "s", now - e.t))
        e.t, e.n = now, 0
      end
    end
  end
end

-- A new evaluation starts a new story: messages about the old declaration may be said again (the
-- repeats held back so far are counted first, so none goes unsaid).
function Rp.reset()
  Rp.flush(true)
  for k in pairs(seen) do seen[k] = nil end
end

return Rp
