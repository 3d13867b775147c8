-- lute/render.lua — what `lute render`'s options ask of the language: --mute (tracks and buses
-- silent), --bus (only what a bus outputs: the bus soloed, with everything that feeds it), and the
-- master's target and ceiling for the render's last step.  (--solo is transport.lua's solo.)
local S = require "lute.state"
local Lv = require "lute.live"

local M = {}

local function names(list)
  local out = {}
  for n in tostring(list):gmatch("[^,]+") do out[#out + 1] = n:match("^%s*(.-)%s*$") end
  return out
end

local function known()
  local t, b = {}, {}
  for n in pairs(S.tracks) do if n:sub(1, 1) ~= "~" then t[#t + 1] = n end end
  for n in pairs(S.buses or {}) do b[#b + 1] = n end
  table.sort(t); table.sort(b)
  return ("tracks: %s; buses: %s"):format(#t > 0 and table.concat(t, ", ") or "(none)", #b > 0 and table.concat(b, ", ") or "(none)")
end

local function restage_bus(name)
  local Snd = require "lute.sound"
  Snd.stage_commit({ full = false, tracks = {}, order = {}, buses = { [name] = S.buses[name] }, bus_order = { name } })
end

-- --mute "drums,verb": those tracks and buses are silent in the render.
function M.mute(list)
  for _, n in ipairs(names(list)) do
    if S.tracks[n] then   -- silent from the first frame (mute() glides, as a performer wants)
      Lv.mute(n)
      pcall(require("lute.core").param, S.tracks[n].handle, 0, "gain", -120, 0)
    elseif S.buses and S.buses[n] then S.muted[n] = true; restage_bus(n)
    else error(("no track or bus '%s' (%s)"):format(n, known()), 0) end
  end
end

-- --bus "drums": the bus soloed — it and what is routed or sent to it; the rest silent.
function M.bus(name)
  if not (S.buses and S.buses[name]) then error(("no bus '%s' (%s)"):format(tostring(name), known()), 0) end
  S.buses[name].solo = true
  restage_bus(name)
end

-- lute render, before the script: a master { target = } will be met by render_master.c, which drives
-- the chain's final limiter itself (so the render leaves it out: sound.lua's master_spec).
function M.target_mode() S.render_target = true end

-- The master's target (LUFS) and ceiling (dBTP) when the song declares them, for lute render, and
-- the settings of the chain's final limiter when the render left it to the target (or nil).
function M.master_target()
  local m = S.master
  if m and (m.target or m.ceiling) then return m.target or (0 / 0), m.ceiling or -1, m.target and S.target_limiter or nil end
end

return M
