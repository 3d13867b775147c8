-- test_patch_files.lua — the patch files as Lua sees them: every file in scripts/patches/ loads in
-- the environment the language gives a patch (Patch.globals()), returns a function, compiles, and
-- names each of its controls with a default inside its range; the same file compiles to the same
-- program (hash) every time; and a mistake in a patch file is reported at the file's own line.
-- (What the patches sound like is measured in tests/e2e/test_patches.)
local core = require "lute.core"
local Patch = require "patch"
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end

local dir = core.root .. "/scripts/patches/"
local function load_patch(path)
  local env = setmetatable(Patch.globals(), { __index = _G })
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, err end
  local ok, fn = pcall(chunk)
  if not ok then return nil, fn end
  return fn
end

local names = {}
local ls = assert(io.popen('ls "' .. dir .. '"'))
for f in ls:lines() do
  local n = f:match("^([%w_]+)%.lua$")
  if n then names[#names + 1] = n end
end
ls:close()
check(#names >= 25, "%d patch files", #names)

for _, n in ipairs(names) do
  local fn, err = load_patch(dir .. n .. ".lua")
  check(type(fn) == "function", "%s: the file returns a function(v) (%s)", n, tostring(err or fn))
  if type(fn) == "function" then
    local ok, prog, desc = pcall(Patch.compile, fn, n)
    check(ok, "%s compiles: %s", n, ok and "" or tostring(prog))
    if ok then
      local info = prog:info()
      check(info.ops > 0 and (info.channels == 1 or info.channels == 2), "%s: %d ops, %d channel(s)", n, info.ops, info.channels)
      for _, c in ipairs(desc.controls) do
        check(c.min > -math.huge and c.max < math.huge and c.default >= c.min and c.default <= c.max,
          "%s: control %s has a range and its default %g is in it (%g .. %g)", n, c.name, c.default, c.min, c.max)
      end
      local again = Patch.compile(load_patch(dir .. n .. ".lua"), n)
      check(again:hash() == prog:hash(), "%s: compiles to the same program again (%s)", n, prog:hash())
    end
  end
end

-- A mistake in a patch file names the file and the line.
local tmp = os.tmpname()
local f = assert(io.open(tmp, "w"))
f:write("-- broken — a patch with a filter missing its cutoff\nreturn function(v)\n  local x = lpf(saw(v.freq))\n  return x\nend\n")
f:close()
local fn = load_patch(tmp)
local ok, err = pcall(Patch.compile, fn, "broken")
check(not ok and tostring(err):find(tmp, 1, true) and tostring(err):find(":3:", 1, true),
  "an error in a patch file is reported at its line: %s", tostring(err))
os.remove(tmp)

print(("test_patch_files: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
