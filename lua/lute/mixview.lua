-- lute/mixview.lua — the mix in the terminal.
--
--   mix()          prints a table of every track, bus and the master: level (gain), pan, output,
--                  sends, inserts with their key parameters, meters (peak, RMS, short-term loudness,
--                  the gain reduction of each dynamics processor) and the latency of each path.
--   mix("bass")    the same for one channel (or several: mix("bass, drums")).
--   meters()       toggles a compact live view that the REPL redraws above its prompt, at most eight
--                  times a second, without touching the line being typed.
--
-- Everything here runs on the control thread.  The engine sends a meter reading per channel every
-- 50 ms (peak, RMS, K-weighted power: core/engine.c, kept by lua/api.c); a scheduler tick samples
-- them into a 3-second history per channel, so that mix() shows the peak and RMS of the last 3 s —
-- the window of the short-term loudness beside them — rather than whatever 50 ms it was called in.
-- History is kept live from the start, and offline (lute exec) once mix(), meters() or M.watch()
-- asked for it: a render with nobody to read the meters does not pay for them.
--
-- What the engine does not report yet is shown as "n/a" and read as soon as the binding has it:
-- the current values and gain reduction of each insert (core.mix_inserts(name)), and the master's
-- momentary and integrated loudness, true peak and stereo correlation (fields of core.meter(0)).
-- docs/mixing.md says what each column means.
local core = require "lute.core"
local fx = require "fx"
local S = require "lute.state"
local D = require "lute.decl"

local M = {}

M.HISTORY = 60            -- readings kept per channel: 3 s of 50 ms readings
M.PERIOD_S = 0.050        -- seconds between the engine's meter readings
M.REDRAW_S = 0.125        -- the live view redraws at most this often (wall clock)
M.HOLD_S = 1.0            -- the live view's peak number holds the highest peak of this long
M.WIDTH = 100             -- mix() fits this many columns

-- The REPL (lua/repl.c) gives lute a function `_status(text)` that draws text right above its
-- prompt, replacing what it drew there last; lute.lua points M.host at lute's table.
M.host = nil

-- Units whose gain reduction the engine reports (their lt_fx_def has reduction()).
local DYNAMICS = { comp = true, duck = true, gate = true, expander = true, deess = true, transient = true,
                   limiter = true, mbcomp = true }
M.DYNAMICS = DYNAMICS

-- ---------------------------------------------------------------------------------------------
-- Numbers as a mix engineer reads them
-- ---------------------------------------------------------------------------------------------
local NEG_INF = -math.huge

local function lin_db(x)
  if not x or x <= 0 then return NEG_INF end
  return 20 * math.log(x, 10)
end

-- A level in dB with one decimal; silence (or nothing known) as "-inf" / "n/a".
local function dbtext(v, width, sign)
  width = width or 0
  local s
  if v == nil then s = "n/a"
  elseif v ~= v or v == NEG_INF or v < -199 then s = "-inf"
  else s = (sign and "%+.1f" or "%.1f"):format(v) end
  return width > 0 and ("%" .. width .. "s"):format(s) or s
end

-- A pan position as DAWs show it: C, L35, R100.
local function pantext(p)
  p = p or 0
  local pct = math.floor(math.abs(p) * 100 + 0.5)
  if pct == 0 then return "C" end
  return (p < 0 and "L" or "R") .. pct
end
M.pantext = pantext

local function num(v)
  if type(v) ~= "number" then return tostring(v) end
  if v == math.floor(v) and math.abs(v) < 1e9 then return ("%d"):format(v) end
  local s = ("%.3g"):format(v)
  if s:find("e") then s = ("%.4f"):format(v):gsub("0+$", ""):gsub("%.$", "") end
  return s
end

-- A parameter's value with its unit: "-18 dB", "4:1", "120 ms", "1.2 kHz", "0.375 s".
local function with_unit(v, unit)
  if unit == "Hz" and v >= 1000 then return num(math.floor(v / 100 + 0.5) / 10) .. " kHz" end
  if unit == ":1" then return num(v) .. ":1" end
  if unit == nil or unit == "" then return num(v) end
  return num(v) .. " " .. unit
end

local function frames_ms(frames)
  local rate = core.rate()
  return ("%.1f ms"):format(frames * 1000 / rate)
end

-- ---------------------------------------------------------------------------------------------
-- Channels as the language declared them (and set() changed them)
-- ---------------------------------------------------------------------------------------------
local function track_gain(t)
  local g = t.params and t.params.gain
  if g == nil then g = D.param_info.gain and D.param_info.gain.default or 0 end
  return g
end

-- Every channel in the order a mix engineer reads a console: tracks as declared, then buses, then
-- the master.  Each: { kind, name, gain, pan, width, out, fx, sends, mute, solo, polarity }.
function M.channels()
  local out = {}
  for _, name in ipairs(S.order) do
    local t = S.tracks[name]
    if t then
      local d = t.def or {}
      out[#out + 1] = { kind = "track", name = name, gain = track_gain(t), pan = (t.params and t.params.pan) or 0,
                        width = d.width or 1, out = d.out or "master", fx = d.fx or {}, sends = d.sends or {},
                        mute = d.mute or S.muted[name] or false, solo = d.solo or (S.solo and S.solo[name]) or false,
                        polarity = d.polarity or false }
    end
  end
  local order = {}
  for name in pairs(S.buses or {}) do order[#order + 1] = name end
  table.sort(order)
  for _, name in ipairs(order) do
    local b = S.buses[name]
    out[#out + 1] = { kind = "bus", name = name, gain = b.gain or 0, pan = b.pan or 0, width = b.width or 1,
                      out = b.out or "master", fx = b.fx or {}, sends = b.sends or {},
                      mute = b.mute or S.muted[name] or false, solo = b.solo or false, polarity = b.polarity or false }
  end
  local m = S.master or {}
  out[#out + 1] = { kind = "master", name = "master", gain = m.gain or 0, pan = 0, width = 1, fx = m.fx or {},
                    sends = {}, target = m.target, ceiling = m.ceiling }
  return out
end

-- The engine's view of a channel's inserts, when the binding offers it (see the top of the file):
-- a list of { type, key, handle, latency, params = { name = value } }, or nil.
local function engine_inserts(name)
  local f = core.mix_inserts
  if not f then return nil end
  local ok, list = pcall(f, name)
  return ok and type(list) == "table" and list or nil
end

-- ---------------------------------------------------------------------------------------------
-- Meter history
-- ---------------------------------------------------------------------------------------------
local hist = {}            -- key ("bass", "master", "bass/fx2") -> ring of readings
local watching = false     -- offline: history only once asked for
local last_frame = nil     -- engine frame of the last sample

local function ring(key)
  local h = hist[key]
  if not h then
    h = { pos = 0, n = 0, peak = {}, ms = {}, gr = {} }
    hist[key] = h
  end
  return h
end

local function push(key, peak, ms, gr)
  local h = ring(key)
  h.pos = h.pos % M.HISTORY + 1
  h.peak[h.pos], h.ms[h.pos], h.gr[h.pos] = peak, ms, gr
  if h.n < M.HISTORY then h.n = h.n + 1 end
end

-- Summary of the last k readings: the highest peak (linear), the RMS (linear) and the largest GR.
local function summary(key, k)
  local h = hist[key]
  if not h or h.n == 0 then return nil end
  k = math.min(k or h.n, h.n)
  local peak, ms, gr = 0, 0, 0
  local i = h.pos
  for _ = 1, k do
    if h.peak[i] > peak then peak = h.peak[i] end
    ms = ms + h.ms[i]
    if h.gr[i] > gr then gr = h.gr[i] end
    i = i - 1
    if i < 1 then i = M.HISTORY end
  end
  return { peak = peak, rms = math.sqrt(ms / k), gr = gr, n = k }
end

local latest = {}          -- key -> the last reading (core.meter's table)

-- One reading of every channel (and of each dynamics insert the binding lets us see).
function M.sample()
  local seen = {}
  local function read(key, h)
    local ok, r = pcall(core.meter, h)
    if not ok or type(r) ~= "table" then return end
    latest[key] = r
    seen[key] = true
    local p = math.max(r[1] or 0, r[2] or 0)
    push(key, p, (r.rms or 0) ^ 2, r.reduction or 0)
  end
  for _, c in ipairs(M.channels()) do
    if c.kind == "master" then read("master", 0)
    else
      local h = core.mix_handle(c.name)
      if h then read(c.name, h) end
    end
    local ins = engine_inserts(c.name)
    if ins then
      for i, x in ipairs(ins) do
        if x.handle and DYNAMICS[x.type] then read(c.name .. "/fx" .. i, x.handle) end
      end
    end
  end
  for key in pairs(hist) do if not seen[key] then hist[key] = nil; latest[key] = nil end end
end

-- Keeps the history offline too (tests, tools); live it is always kept.
function M.watch(on)
  watching = on ~= false
  if not watching then hist, latest = {}, {} end
end

-- Called at every scheduler tick (lute.lua adds it to the scheduler's on_tick list).
function M.tick()
  if not (watching or core.live()) then return end
  local f = core.frame()
  local period = math.floor(M.PERIOD_S * core.rate())
  if last_frame and f >= last_frame and f - last_frame < period then
    if M.live then M.redraw() end
    return
  end
  last_frame = f
  M.sample()
  if M.live then M.redraw() end
end

-- What mix() and meters() show for one channel: dB figures of the last 3 s (peak, rms), the
-- short-term loudness, the largest gain reduction among its inserts (nil when unknown).
local function meter_of(c, ninserts)
  local s = summary(c.name)
  local r = latest[c.name]
  local out = { peak = NEG_INF, rms = NEG_INF, lufs = NEG_INF }
  if s then out.peak, out.rms = lin_db(s.peak), lin_db(s.rms) end
  if r then out.lufs = r.lufs or NEG_INF end
  out.inserts = {}
  local any, gr = false, 0
  for i = 1, ninserts do
    local g = summary(c.name .. "/fx" .. i)
    if g then out.inserts[i] = g.gr; any = true; if g.gr > gr then gr = g.gr end end
  end
  out.gr = any and gr or nil
  return out
end

-- ---------------------------------------------------------------------------------------------
-- Inserts: their key parameters
-- ---------------------------------------------------------------------------------------------
-- The parameters worth a glance for each unit; any parameter the script set is shown too.
local KEY = {
  comp = { "threshold", "ratio", "attack", "release", "makeup" },
  duck = { "depth", "hold", "release" },
  gate = { "threshold", "range", "release" },
  expander = { "threshold", "ratio", "range" },
  deess = { "freq", "threshold" },
  transient = { "attack", "sustain" },
  limiter = { "ceiling", "release" },
  reverb = { "size", "decay" },
  delay = { "time", "feedback" },
  chorus = { "rate", "depth" }, flanger = { "rate", "depth" }, phaser = { "rate", "depth" },
  lpf = { "cutoff", "q" }, hpf = { "cutoff", "q" }, bpf = { "cutoff", "q" },
  sat = { "drive" }, drive = { "drive" }, dist = { "drive" }, shape = { "shape" }, crush = { "bits", "rate" },
  width = { "width" }, mwidth = { "width", "mono_below" }, gain = { "gain" }, mono = { "amount" },
  softclip = { "drive", "ceiling" },
}

local EQ_NAMES = { [1] = "bell", [2] = "low shelf", [3] = "high shelf", [4] = "low cut", [5] = "high cut",
                   [6] = "notch", [7] = "band-pass" }

local function eq_text(def, value)
  local bands = {}
  for b = 1, 8 do
    local ty = value("b" .. b .. "_type")
    if ty and ty >= 1 and EQ_NAMES[ty] then
      local f = with_unit(value("b" .. b .. "_freq"), "Hz")
      local s = EQ_NAMES[ty] .. " " .. f
      if ty <= 3 then s = s .. (" %+g dB q %s"):format(math.floor(value("b" .. b .. "_gain") * 10 + 0.5) / 10, num(value("b" .. b .. "_q")))
      elseif ty <= 5 then s = s .. (" %s dB/oct"):format(num(value("b" .. b .. "_slope")))
      else s = s .. (" q %s"):format(num(value("b" .. b .. "_q"))) end
      bands[#bands + 1] = s
    end
  end
  return #bands > 0 and table.concat(bands, ", ") or "flat (no bands)"
end

-- "comp  threshold -18 dB, ratio 4:1, ...": the unit, then its key parameters (the engine's
-- current values when the binding gives them, else the script's, else the defaults).
function M.insert_text(desc, current)
  local ok, def = pcall(fx.def, desc.type)
  if not ok then return desc.type end
  local function value(name)
    if current and current[name] ~= nil then return current[name] end
    if desc.params and desc.params[name] ~= nil then return desc.params[name] end
    local p = def.by_param and def.by_param[name]
    return p and p.def
  end
  local keyed_by = desc.by
  if not keyed_by and def.keyed and desc.key and (S.tracks[desc.key] or (S.buses and S.buses[desc.key])) then
    keyed_by = desc.key
  end
  local parts = {}
  if keyed_by then parts[#parts + 1] = "by " .. keyed_by end
  if desc.type == "eq" then
    parts[#parts + 1] = eq_text(def, value)
  else
    local want, shown = {}, {}
    for _, n in ipairs(KEY[desc.type] or {}) do want[n] = true end
    for n in pairs(desc.params or {}) do want[n] = true end
    for _, p in ipairs(def.params) do
      if want[p.name] and not shown[p.name] then
        local v = value(p.name)
        if v ~= nil then parts[#parts + 1] = p.name .. " " .. with_unit(v, p.unit); shown[p.name] = true end
      end
    end
    if #parts == 0 or (#parts == 1 and keyed_by) then   -- nothing known to show: its first settings
      for i = 1, math.min(2, #def.params) do
        local p = def.params[i]
        parts[#parts + 1] = p.name .. " " .. with_unit(value(p.name), p.unit)
      end
    end
  end
  if desc.mix ~= nil then parts[#parts + 1] = "mix " .. num(desc.mix) end
  if desc.key and desc.key ~= keyed_by then
    parts[#parts + 1] = "key \"" .. desc.key .. "\""
  end
  return desc.type .. "  " .. table.concat(parts, ", ")
end

-- Splits "a, b, c" at ", " into lines of at most `width` columns, the later ones indented.
local function wrap(text, width, indent)
  if #text <= width then return { text } end
  local lines, cur = {}, ""
  for piece in (text .. ", "):gmatch("(.-), ") do
    local add = cur == "" and piece or (cur .. ", " .. piece)
    if #add > width and cur ~= "" then
      lines[#lines + 1] = cur .. ","
      cur = indent .. piece
    else
      cur = add
    end
  end
  if cur ~= "" then lines[#lines + 1] = cur end
  return lines
end

local function sends_text(sends)
  local parts = {}
  for _, s in ipairs(sends) do
    parts[#parts + 1] = ("%s %s dB%s"):format(s.to, num(s.gain), s.pre and " pre" or "")
  end
  return table.concat(parts, ", ")
end

-- ---------------------------------------------------------------------------------------------
-- mix()
-- ---------------------------------------------------------------------------------------------
local HEAD = "%-14s %6s %5s %-11s %5s %6s %6s %6s %5s %8s"

local function flags_of(c)
  local f = ""
  if c.mute then f = f .. "M" end
  if c.solo then f = f .. "S" end
  if c.polarity then f = f .. "P" end
  return f
end

local function channel_lines(c, lines, width)
  local ins = engine_inserts(c.name)
  local m = meter_of(c, #c.fx)
  local lat = c.kind == "master" and core.mix_latency() or core.mix_latency(c.name)
  local label = (c.kind == "bus" and "bus " or "") .. c.name
  local fl = flags_of(c)
  if fl ~= "" then label = label .. " [" .. fl .. "]" end
  if #label > 14 then label = label:sub(1, 13) .. "~" end
  local wtext = c.width ~= 1 and ("w" .. num(c.width)) or ""
  local grtext = ""
  for _, d in ipairs(c.fx) do if DYNAMICS[d.type] then grtext = "n/a" end end
  if m.gr and grtext ~= "" then grtext = ("%.1f"):format(m.gr) end
  lines[#lines + 1] = HEAD:format(label, ("%+.1f"):format(c.gain), c.kind == "master" and "" or pantext(c.pan),
    c.kind == "master" and "" or c.out, wtext, dbtext(m.peak), dbtext(m.rms), dbtext(m.lufs), grtext,
    lat and lat >= 0 and tostring(lat) or "?")
  for i, d in ipairs(c.fx) do
    local cur = ins and ins[i] and ins[i].type == d.type and ins[i].params or nil
    local text = ("    fx %d  %s"):format(i, M.insert_text(d, cur))
    local gr = m.inserts[i]
    local tail = ""
    if DYNAMICS[d.type] then tail = gr and ("GR %.1f dB"):format(gr) or "GR n/a" end
    local ilat = ins and ins[i] and ins[i].latency
    if ilat and ilat > 0 then tail = (tail ~= "" and tail .. ", " or "") .. ("latency %d"):format(ilat) end
    local wrapped = wrap(text, width - (tail ~= "" and #tail + 2 or 0), "            ")
    local last = wrapped[#wrapped]
    if tail ~= "" then
      wrapped[#wrapped] = last .. string.rep(" ", math.max(2, width - #last - #tail)) .. tail
    end
    for _, l in ipairs(wrapped) do lines[#lines + 1] = l end
  end
  if #c.sends > 0 then
    for _, l in ipairs(wrap("    sends " .. sends_text(c.sends), width, "          ")) do lines[#lines + 1] = l end
  end
end

local function master_loudness(lines)
  local r = latest.master or {}
  local function field(k) local v = r[k]; return type(v) == "number" and v or nil end
  local tp = r.truepeak
  if type(tp) == "table" then tp = math.max(tp[1] or NEG_INF, tp[2] or NEG_INF) end
  if type(tp) ~= "number" then tp = nil end
  local corr = field("correlation")
  lines[#lines + 1] = ("    momentary %s, short-term %s, integrated %s LUFS"):format(dbtext(field("momentary")),
    dbtext(r.lufs), dbtext(field("integrated")))
  lines[#lines + 1] = ("    true peak %s dBTP; correlation %s"):format(dbtext(tp), corr and ("%+.2f"):format(corr) or "n/a")
end

-- The table as text (mix() prints it).  names: nil for every channel, or "bass, drums".
function M.text(names)
  local want
  if names ~= nil then
    if type(names) ~= "string" then error("mix(name): name is a track or bus (\"bass\", or \"bass, drums\")", 3) end
    want = {}
    for n in names:gmatch("[^,%s]+") do want[n] = true end
  end
  local chans = M.channels()
  if want then
    local known = {}
    for _, c in ipairs(chans) do known[c.name] = true end
    for n in pairs(want) do
      if not known[n] then
        local list = {}
        for _, c in ipairs(chans) do list[#list + 1] = c.name end
        error(("mix(\"%s\"): no track or bus '%s'; there are: %s"):format(names, n, table.concat(list, ", ")), 3)
      end
    end
  end
  if not (watching or core.live()) then M.watch(true); M.sample() end
  local width = M.WIDTH
  local lines = {}
  local rate = core.rate()
  local mlat = core.mix_latency()
  local ntracks, nbuses = 0, 0
  for _, ch in ipairs(chans) do
    if ch.kind == "track" then ntracks = ntracks + 1 elseif ch.kind == "bus" then nbuses = nbuses + 1 end
  end
  local function count(n, what) return ("%d %s%s"):format(n, what, n == 1 and "" or (what == "bus" and "es" or "s")) end
  lines[#lines + 1] = ("mix: %s, %s, master latency %d frames (%s) at %d Hz")
    :format(count(ntracks, "track"), count(nbuses, "bus"), mlat, frames_ms(mlat), rate)
  lines[#lines + 1] = HEAD:format("channel", "gain", "pan", "out", "width", "peak", "rms", "LUFS-S", "GR", "latency")
  for _, c in ipairs(chans) do
    if not want or want[c.name] then
      channel_lines(c, lines, width)
      if c.kind == "master" then master_loudness(lines) end
    end
  end
  lines[#lines + 1] = "gain dB; peak and rms: dBFS over the last 3 s; LUFS-S: short-term loudness; GR: the largest"
  lines[#lines + 1] = "gain reduction (dB) over 3 s; latency: frames at which a channel reaches its output (compensated)."
  local any_flag = false
  for _, c in ipairs(chans) do if flags_of(c) ~= "" then any_flag = true end end
  if any_flag then lines[#lines + 1] = "[M] muted, [S] soloed, [P] polarity inverted." end
  return table.concat(lines, "\n")
end

-- mix() / mix("bass"): prints the table.
function M.mix(names)
  print(M.text(names))
end

-- ---------------------------------------------------------------------------------------------
-- meters(): the live view
-- ---------------------------------------------------------------------------------------------
local BAR = 20             -- characters of the level bar: -48 .. 0 dBFS
local BAR_DB = 48

local function bar(rms_db, peak_db)
  local function cells(db)
    if db == NEG_INF or db ~= db then return 0 end
    return math.max(0, math.min(BAR, math.floor((db + BAR_DB) / BAR_DB * BAR + 0.5)))
  end
  local a, b = cells(rms_db), cells(peak_db)
  if b < a then b = a end
  local s = string.rep("#", a) .. string.rep("=", b - a) .. string.rep(" ", BAR - b)
  return "|" .. s .. (peak_db > -0.1 and "!" or "|")
end

-- The compact view as text: a line per channel (peak held over 1 s, a bar of the last reading's
-- RMS and peak, short-term loudness, gain reduction), the master last with its loudness.
function M.view_text(max_lines)
  max_lines = max_lines or 16
  local hold = math.max(1, math.floor(M.HOLD_S / M.PERIOD_S + 0.5))
  local lines = {}
  local chans = M.channels()
  local shown = 0
  for _, c in ipairs(chans) do
    local r = latest[c.name]
    local s = summary(c.name, hold)
    local peak_now = r and lin_db(math.max(r[1] or 0, r[2] or 0)) or NEG_INF
    local rms_now = r and lin_db(r.rms) or NEG_INF
    local held = s and lin_db(s.peak) or NEG_INF
    local line = ("%-10s %s %s LUFS-S %s"):format(c.name:sub(1, 10), dbtext(held, 5), bar(rms_now, peak_now),
      dbtext(r and r.lufs or NEG_INF, 5))
    local gr
    for i = 1, #c.fx do
      local g = summary(c.name .. "/fx" .. i, hold)
      if g and (not gr or g.gr > gr) then gr = g.gr end
    end
    if gr then line = line .. ("  GR %4.1f"):format(gr) end
    if c.kind == "master" then
      local function f(k) local v = r and r[k]; return type(v) == "number" and v or nil end
      local tp = r and r.truepeak
      if type(tp) == "table" then tp = math.max(tp[1] or NEG_INF, tp[2] or NEG_INF) end
      if type(tp) ~= "number" then tp = nil end
      line = line .. ("  M %s  I %s  TP %s  corr %s"):format(dbtext(f("momentary")), dbtext(f("integrated")),
        dbtext(tp), f("correlation") and ("%+.2f"):format(f("correlation")) or "n/a")
      lines[#lines + 1] = line
    elseif shown < max_lines - 2 then
      lines[#lines + 1] = line
      shown = shown + 1
    elseif shown == max_lines - 2 then
      lines[#lines + 1] = ("... %d more: mix() lists them all"):format(#chans - 1 - shown)
      shown = shown + 1
    end
  end
  return table.concat(lines, "\n")
end

local last_draw, last_text = -math.huge, nil

local function status_fn()
  local host = M.host
  local f = host and rawget(host, "_status")
  return type(f) == "function" and f or nil
end

-- Draws the view if it is due (rate-limited by the wall clock) and changed.
function M.redraw(force)
  local f = status_fn()
  if not f then return end
  local now = core.clock()
  if not force and now - last_draw < M.REDRAW_S then return end
  local text = M.view_text()
  if text == last_text and not force then return end
  last_draw, last_text = now, text
  f(text)
end

-- meters(): the live view on or off (meters(true) / meters(false) to say which).
function M.meters(on)
  if on == nil then on = not M.live end
  M.live = not not on
  local f = status_fn()
  if M.live then
    if not (watching or core.live()) then M.watch(true); M.sample() end
    if not f then
      print(M.view_text())
      print("(the live view needs the REPL in a terminal; this is the view now.  mix() prints the whole mix)")
      M.live = false
      return
    end
    last_text = nil
    M.redraw(true)
  elseif f then
    last_text = nil
    f("")
  end
end

return M
