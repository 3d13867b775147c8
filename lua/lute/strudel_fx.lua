-- lute/strudel_fx.lua — Strudel's and SuperDirt's effect names on tracks and events: room, size,
-- delay, delaytime, delayfeedback, lpf (cutoff), resonance, hpf, hresonance, crush, coarse, shape.
--
--   track "drums" { kit = "808", s = "bd sd", room = 0.3, lpf = 2000 }
--   track "drums" { kit = "808", s = mini("bd*4, hh*8"):room("<0 .4>"):shape(0.3) }
--
-- A track that uses a name (as a field, or in its pattern's first SCAN_CYCLES bars) gets the lute
-- effect behind it, keyed st_<group> so that its state is kept across evaluations:
--
--   instrument -> [st_lpf] -> [st_hpf] -> [st_crush] -> [st_shape] -> the track's own fx -> fader, pan
--                                                                             |-- send --> bus "<track>.delay": delay
--                                                                             '-- send --> bus "<track>.room":  reverb
--
-- The filters, the crusher and the shaper are inserts in front of the track's fx = { ... };
-- `delay` and `room` are levels sent (after the fader, as Strudel sends to its orbit's effects) to
-- two buses of the track's own, which output where the track does: the dry signal stays as it is
-- and a tail goes on ringing after the events that fed it, as in Strudel.  Per-event values become
-- parameter changes on the event's frame, sent only when they differ from the last one sent; an
-- event that does not name a group's effect turns it back to the track's value (or off: an
-- insert's mix 0, a send at -120 dB).  docs/effects.md has the table of mappings.
--
-- The rule for names that mean something else on a track: `cutoff` is the instrument's control
-- when the instrument has one (the built-in synth, a patch with a `cutoff` control), else Strudel's
-- lpf; every other name here is only Strudel's (no patch shipped with lute has a control of these
-- names; a patch that does keeps it: its control wins).  Inside fx = { ... }, lpf{ } and hpf{ } are
-- the effect constructors, as before.
local P = require "pattern"
local D = require "lute.decl"
local E = require "lute.engine"
local Rp = require "lute.report"

local SF = {}

-- How many bars of a track's pattern are looked at when the script is evaluated: a name first
-- used later has no effect ready (it is skipped with a message, which says to declare it).
SF.SCAN_CYCLES = 8

-- name -> { group, min, max, help }; aliases name the canonical name.
SF.names = {
  room = { group = "room", min = 0, max = 2, help = "reverb level sent (Strudel's room): 0 .. 1 (2 = +6 dB)" },
  size = { group = "room", min = 0, max = 30, help = "reverb time in seconds (Strudel's roomsize; default 2)" },
  delay = { group = "delay", min = 0, max = 2, help = "echo level sent (Strudel's delay): 0 .. 1" },
  delaytime = { group = "delay", min = 0.001, max = 4, help = "seconds between echoes (default 0.25)" },
  delayfeedback = { group = "delay", min = 0, max = 1, help = "how much of each echo comes back (default 0.5; above 0.98 is 0.98)" },
  lpf = { group = "lpf", min = 20, max = 20000, help = "low-pass cutoff in Hz (Strudel's lpf; an insert, 12 dB/oct)" },
  resonance = { group = "lpf", min = 0, max = 50, help = "the low-pass's Q (0.1 .. 20 used; default 0.707)" },
  hpf = { group = "hpf", min = 20, max = 20000, help = "high-pass cutoff in Hz (Strudel's hpf)" },
  hresonance = { group = "hpf", min = 0, max = 50, help = "the high-pass's Q (0.1 .. 20 used; default 0.707)" },
  crush = { group = "crush", min = 1, max = 24, help = "bit depth (Strudel's crush: 16 is clean, 1 is harsh)" },
  coarse = { group = "crush", min = 1, max = 256, help = "sample-rate reduction factor (Strudel's coarse)" },
  shape = { group = "shape", min = 0, max = 1, help = "waveshaping amount (Strudel's shape, 0 .. 1)" },
}
SF.aliases = { roomsize = "size", sz = "size", delayfb = "delayfeedback", dfb = "delayfeedback", delayt = "delaytime",
               lpq = "resonance", hcutoff = "hpf", hpq = "hresonance" }
SF.ORDER = { "lpf", "hpf", "crush", "shape" }          -- the inserts, in chain order
SF.KEYS = { lpf = "st_lpf", hpf = "st_hpf", crush = "st_crush", shape = "st_shape", delay = "st_delay", room = "st_room" }

local function canon(k) return SF.names[k] and k or SF.aliases[k] end
SF.canon = canon

local function clamp(x, lo, hi) return x < lo and lo or x > hi and hi or x end

local function check_value(name, v, c)
  local spec = SF.names[c or canon(name)]
  if type(v) ~= "number" or not (v >= spec.min and v <= spec.max) then
    error(("%s = %s is out of range (%s .. %s): %s"):format(name, P.value_text and P.value_text(v) or tostring(v),
      D.num(spec.min), D.num(spec.max), spec.help), 0)
  end
  return v
end

-- ---------------------------------------------------------------------------------------------
-- Track fields and pattern methods
-- ---------------------------------------------------------------------------------------------
local function field(name)
  local c = canon(name)
  D.field(name, { help = SF.names[c].help .. (name ~= c and (" (= " .. c .. ")") or ""),
    validate = function(v, where, d)
      d.sfx = d.sfx or {}
      if d.sfx[c] ~= nil then error(("%s: %s is given twice (as %s and as an alias)"):format(where, c, name), 0) end
      if type(v) == "number" then
        local ok, e = pcall(check_value, name, v)
        if not ok then error(("%s: %s"):format(where, e), 0) end
        d.sfx[c] = v
      else
        local pat = D.as_pattern(v, where)
        local ok, e = pcall(function()
          for _, h in ipairs(pat:query(0, D.CHECK_CYCLES)) do
            if h.whole then check_value(name, type(h.value) == "table" and h.value[name] or h.value) end
          end
        end)
        if not ok then error(("%s: %s"):format(where, Rp.strip(e)), 0) end
        d.sfx[c] = pat
      end
      return v
    end })
end

for name in pairs(SF.names) do field(name) end
for name in pairs(SF.aliases) do field(name) end
-- pat:room(0.3), pat:lpf("<400 2000>"), ... and cutoff (the instrument's or Strudel's lpf, by the rule above)
for name in pairs(SF.names) do if P.Pattern[name] == nil then P.control(name) end end
for name in pairs(SF.aliases) do if P.Pattern[name] == nil then P.control(name) end end
if P.Pattern.cutoff == nil then P.control("cutoff") end

-- Calls fn(hap) for each event that starts in the first SCAN_CYCLES bars of pat, a bar at a time.
-- What fails in the first D.CHECK_CYCLES bars (the bars every pattern is checked over) raises; a
-- failure later only ends the scan (the scheduler skips such events with a message when they come).
function SF.scan(pat, fn)
  for c = 0, SF.SCAN_CYCLES - 1 do
    local ok, e = pcall(function()
      for _, h in ipairs(pat:query(c, c + 1)) do
        if h.whole and h.whole.b == h.part.b then fn(h) end
      end
    end)
    if not ok then
      if c < D.CHECK_CYCLES then error(e, 0) end
      return
    end
  end
end

-- ---------------------------------------------------------------------------------------------
-- What a declared track needs
-- ---------------------------------------------------------------------------------------------
-- The buses of a track's own for delay and room: "<track>.delay" and "<track>.room" (a name longer
-- than the engine's 31 characters is shortened and given a hash of the track's name).
function SF.bus_name(track, group)
  local suffix = "." .. group
  if #track + #suffix <= 31 then return track .. suffix end
  local h = 0
  for i = 1, #track do h = (h * 31 + track:byte(i)) % 0x1000000 end
  return ("%s~%06x%s"):format(track:sub(1, 31 - #suffix - 7), h, suffix)
end

-- Called from sound.lua's check_track on a normalised declaration, after its instrument and kit are
-- known.  Decides which groups the track has (d.sfx_groups), moves `cutoff` to lpf on a track whose
-- instrument has no cutoff, folds pattern-valued fields into the track's pattern as per-event
-- values, and checks the per-event values of the first SCAN_CYCLES bars.
function SF.prepare(d, where, instrument_has)
  d.sfx = d.sfx or {}
  local sfx = d.sfx
  for k, v in pairs(sfx) do    -- a patch's own control of a Strudel name wins on its track
    if instrument_has(k) then
      sfx[k] = nil
      if type(v) == "number" then d.params[k] = v else d.param_pats[k] = v end
    end
  end
  local sampler = d.kit_obj ~= nil and not d.patch_obj
  d.sfx_cutoff_is_lpf = sampler
  d.sfx_instrument_has = instrument_has
  if not instrument_has("cutoff") then
    local num, pat = d.params.cutoff, d.param_pats.cutoff
    if num ~= nil or pat ~= nil then
      if sfx.lpf ~= nil then
        error(("%s: cutoff and lpf name the same low-pass here (this track's instrument has no cutoff of its own); "
          .. "give one"):format(where), 0)
      end
      sfx.lpf = num ~= nil and num or pat
      d.params.cutoff, d.param_pats.cutoff = nil, nil
    end
  end
  local groups = {}
  for k in pairs(sfx) do groups[SF.names[k].group] = true end
  -- the per-event values of the first bars (a value of a track's own pattern field counts too)
  local pat = d.notes
  if pat then
    local ok, e = pcall(SF.scan, pat, function(h)
        local v = h.value
        if type(v) == "table" and getmetatable(v) == nil and v[1] == nil then
          for k, x in pairs(v) do
            local c = canon(k)
            if c and instrument_has(k) then c = nil end
            if c == nil and k == "cutoff" and not instrument_has("cutoff") then
              if not sampler then
                error(("cutoff = %s in the pattern, but this track's patch has no cutoff control: write lpf = %s "
                  .. "(Strudel's low-pass effect) instead"):format(D.num(x), D.num(x)), 0)
              end
              c = "lpf"
            end
            if c then
              check_value(k, x, c)
              groups[SF.names[c].group] = true
            end
          end
        end
    end)
    if not ok then error(("%s: %s"):format(where, Rp.strip(e)), 0) end
  end
  -- pattern-valued fields become per-event values of the track's pattern, with its structure
  local folded = false
  for k, v in pairs(sfx) do
    if type(v) == "table" and v.query then
      if not d.notes then error(("%s: %s = a pattern needs notes or s to follow (it sets each event's value)"):format(where, k), 0) end
      d.notes = d.notes:set(v:fmap(function(x) return type(x) == "table" and x[k] or x end):as(k))
      sfx[k] = nil
      folded = true
    end
  end
  if folded then d.notes_src = { folded = d.notes_src } end   -- a new pattern at every evaluation
  if next(groups) then d.sfx_groups = groups end
end

-- The inserts a track's chain starts with (effect descriptors as fx.lua makes them).
function SF.inserts(d, effects)
  local out = {}
  local g, sfx = d.sfx_groups, d.sfx or {}
  if not g then return out end
  local function on(x) return x ~= nil and 1 or 0 end
  if g.lpf then out[#out + 1] = effects.lpf{ key = SF.KEYS.lpf, cutoff = sfx.lpf or 20000, q = clamp(sfx.resonance or 0.7071, 0.1, 20), mix = on(sfx.lpf) } end
  if g.hpf then out[#out + 1] = effects.hpf{ key = SF.KEYS.hpf, cutoff = sfx.hpf or 20, q = clamp(sfx.hresonance or 0.7071, 0.1, 20), mix = on(sfx.hpf) } end
  if g.crush then
    local any = sfx.crush or sfx.coarse
    out[#out + 1] = effects.crush{ key = SF.KEYS.crush, bits = sfx.crush or 24, rate = sfx.coarse and E.rate() / sfx.coarse or 96000,
                                   mix = on(any) }
  end
  if g.shape then out[#out + 1] = effects.shape{ key = SF.KEYS.shape, shape = math.min(sfx.shape or 0, 0.99), mix = on(sfx.shape) } end
  return out
end

local function send_db(amount) return amount > 0 and math.max(20 * math.log(amount, 10), -120) or -120 end

-- The buses of a track's own (channel specs for core.mix_channel) and its sends to them.
function SF.buses(name, d, effects, out)
  local g, sfx = d.sfx_groups, d.sfx or {}
  local buses, sends = {}, {}
  if not g then return buses, sends end
  if g.delay then
    local b = SF.bus_name(name, "delay")
    buses[#buses + 1] = { name = b, bus = true, gain = 0, pan = 0, width = 1, out = out, solo_safe = true,
      fx = { effects.delay{ key = SF.KEYS.delay, time = sfx.delaytime or 0.25, feedback = math.min(sfx.delayfeedback or 0.5, 0.98),
                            lowcut = 20, highcut = 20000, mix = 1 } } }
    sends[#sends + 1] = { to = b, gain = send_db(sfx.delay or 0), pre = false }
  end
  if g.room then
    local b = SF.bus_name(name, "room")
    buses[#buses + 1] = { name = b, bus = true, gain = 0, pan = 0, width = 1, out = out, solo_safe = true,
      fx = { effects.reverb{ key = SF.KEYS.room, decay = clamp(sfx.size or 2, 0.1, 30), mix = 1 } } }
    sends[#sends + 1] = { to = b, gain = send_db(sfx.room or 0), pre = false }
  end
  return buses, sends
end

-- ---------------------------------------------------------------------------------------------
-- Per-event values
-- ---------------------------------------------------------------------------------------------
-- The parameter changes one event asks for: { {where, name, value}, ... } where `where` is "track"
-- or a bus name.  `v` is the event's pattern value; what it does not name falls back to the
-- track's field (or off).
local function targets(t, v)
  local d = t.def
  local g, sfx = d.sfx_groups, d.sfx or {}
  local ev = {}
  if type(v) == "table" and getmetatable(v) == nil and v[1] == nil then
    for k, x in pairs(v) do
      local c = canon(k)
      if c == nil and k == "cutoff" and d.sfx_cutoff_is_lpf then c = "lpf" end
      if c and not (d.sfx_instrument_has and d.sfx_instrument_has(k)) and type(x) == "number" then ev[c] = x end
    end
  end
  local function val(k) if ev[k] ~= nil then return ev[k] end return sfx[k] end
  local out = {}
  local function add(w, n, x) out[#out + 1] = { w, n, x } end
  if g.lpf then
    local c = val("lpf")
    add("track", "st_lpf.mix", c and 1 or 0)
    if c then add("track", "st_lpf.cutoff", c); add("track", "st_lpf.q", clamp(val("resonance") or 0.7071, 0.1, 20)) end
  end
  if g.hpf then
    local c = val("hpf")
    add("track", "st_hpf.mix", c and 1 or 0)
    if c then add("track", "st_hpf.cutoff", c); add("track", "st_hpf.q", clamp(val("hresonance") or 0.7071, 0.1, 20)) end
  end
  if g.crush then
    local b, c = val("crush"), val("coarse")
    add("track", "st_crush.mix", (b or c) and 1 or 0)
    if b or c then add("track", "st_crush.bits", b or 24); add("track", "st_crush.rate", c and E.rate() / c or 96000) end
  end
  if g.shape then
    local s = val("shape")
    add("track", "st_shape.mix", s and 1 or 0)
    if s then add("track", "st_shape.shape", math.min(s, 0.99)) end
  end
  if g.delay then
    local b = SF.bus_name(t.name, "delay")
    add("track", "send." .. b, send_db(val("delay") or 0))
    add(b, "st_delay.time", val("delaytime") or 0.25)
    add(b, "st_delay.feedback", math.min(val("delayfeedback") or 0.5, 0.98))
  end
  if g.room then
    local b = SF.bus_name(t.name, "room")
    add("track", "send." .. b, send_db(val("room") or 0))
    add(b, "st_room.decay", clamp(val("size") or 2, 0.1, 30))
  end
  return out, ev
end

-- A change glides over 1 ms (48 frames at 48 kHz): short enough that the event's attack hears it,
-- long enough not to click.
SF.RAMP_S = 0.001

-- Sends what one event of track t (its pattern value v, at `frame`) changes; a value naming an
-- effect the track does not have is skipped with one message.
function SF.event(t, frame, v)
  local d = t.def
  if t.sfx_def ~= d then t.sfx_def, t.sfx_sent = d, {} end   -- a new declaration: send everything again
  local g = d.sfx_groups
  if not g then
    if type(v) == "table" and getmetatable(v) == nil and v[1] == nil then
      for k in pairs(v) do
        if canon(k) then
          Rp.limited(t.name .. "\0sfx", "%strack '%s': %s first appears after the bars lute looked at when the script "
            .. "was evaluated (%d), so the track has no %s; declare it on the track (%s = 0) (skipped)",
            d.where or "", t.name, k, SF.SCAN_CYCLES, SF.names[canon(k)].group, canon(k))
          return
        end
      end
    end
    return
  end
  local list, ev = targets(t, v)
  for k in pairs(ev) do
    if not g[SF.names[k].group] then
      Rp.limited(t.name .. "\0sfx", "%strack '%s': %s first appears after the bars lute looked at when the script was "
        .. "evaluated (%d), so the track has no %s; declare it on the track (%s = 0) (skipped)",
        d.where or "", t.name, k, SF.SCAN_CYCLES, SF.names[k].group, k)
    end
  end
  local core = require "lute.core"
  local ramp = math.floor(SF.RAMP_S * E.rate() + 0.5)
  local sent = t.sfx_sent
  for _, x in ipairs(list) do
    local w, n, val = x[1], x[2], x[3]
    local key = w .. "\0" .. n
    if sent[key] ~= val then
      local h = w == "track" and t.handle or E.mix_handle(w)
      local ok, e = pcall(core.param, h, frame, n, val, ramp)
      if ok then
        sent[key] = val
        if require("lute.state").trace_params and require("lute.state").trace then
          local tr = require("lute.state").trace
          tr[#tr + 1] = { track = t.name, frame = frame, param = (w == "track" and "" or (w .. ":")) .. n, value = val }
        end
      else
        Rp.limited(t.name .. "\0sfxp", "%strack '%s': %s not sent: %s", d.where or "", t.name, n, Rp.strip(e))
      end
    end
  end
end

return SF
