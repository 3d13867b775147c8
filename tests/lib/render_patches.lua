-- render_patches.lua — renders the patches of scripts/patches for tests/e2e/test_patches (and for
-- anyone tuning a patch): each job loads one patch file the way the language does, compiles it,
-- declares it as the only channel, plays one note and renders, writing the interleaved float32
-- stereo samples to OUTDIR/<name>-<note>-<vel>-<job number>.f32.
--
--   lute exec tests/lib/render_patches.lua OUTDIR JOB...
--   JOB = name:note:vel:hold_s:total_s[:control=value,...]
--
-- Prints, per job, "render <name> <note> <vel> <file>" or "error <name> <message>", and per patch
-- "control <name> <control> <default> <min> <max>" and "description <name> <text>" (the first line
-- of the file), and first "isa <avx2|sse2>".  The note starts LEAD frames after the channel is
-- declared, so the frames before it show whether anything sounds early.
local core = require "lute.core"
local Patch = require "patch"

local LEAD = 480
local out = assert(arg[1], "usage: lute exec render_patches.lua OUTDIR JOB...")
local dir = core.root .. "/scripts/patches/"
local rate = core.rate()
local described = {}
print("isa " .. tostring(core.isa))       -- the kernels' instruction set (LUTE_ISA forces one)

local function fmt(x)
  if x == math.huge then return "inf" elseif x == -math.huge then return "-inf" end
  return string.format("%.9g", x)
end

local function load_patch(name)
  local path = dir .. name .. ".lua"
  local env = setmetatable(Patch.globals(), { __index = _G })
  local chunk, err = loadfile(path, "t", env)
  if not chunk then error(err, 0) end
  local fn = chunk()
  local prog, desc = Patch.compile(fn, name)
  if not described[name] then
    described[name] = true
    local f = assert(io.open(path))
    print("description " .. name .. " " .. (f:read("l") or ""))
    f:close()
    for _, c in ipairs(desc.controls) do
      print(("control %s %s %s %s %s"):format(name, c.name, fmt(c.default), fmt(c.min), fmt(c.max)))
    end
  end
  return prog
end

for i = 2, #arg do
  local name, note, vel, hold, total, ctl = arg[i]:match("^([%w_]+):([%d.]+):([%d.]+):([%d.]+):([%d.]+):?(.*)$")
  if not name then error("bad job '" .. arg[i] .. "': name:note:vel:hold_s:total_s[:control=value,...]") end
  local controls = {}
  for k, val in ctl:gmatch("([%w_]+)=([-%d.e]+)") do controls[k] = tonumber(val) end
  local ok, err = pcall(function()
    local prog = load_patch(name)
    local frame = core.frame()
    core.mix_begin()
    core.mix_channel{ name = "patch", program = prog, voices = 8, controls = controls }
    core.mix_commit(frame, true)
    local h = core.mix_handle("patch")
    local on = frame + LEAD
    core.note(h, on, on + math.floor(tonumber(hold) * rate + 0.5), tonumber(note), tonumber(vel))
    local _, buf = core.render(LEAD + math.floor(tonumber(total) * rate + 0.5), true)
    local file = ("%s/%s-%s-%s-%d.f32"):format(out, name, note, vel, i - 1)
    local f = assert(io.open(file, "wb"))
    f:write(buf)
    f:close()
    print(("render %s %s %s %s"):format(name, note, vel, file))
  end)
  if not ok then print(("error %s %s"):format(name, tostring(err):gsub("\n", " "))) end
end
