-- lute/automation.lua — parameters that follow curves over song time: automate("bass.cutoff", ...),
-- automation("bass.cutoff") to see one, arm()/disarm() to record a MIDI controller's moves into a
-- curve, sections that set mix parameters for their span, and effect times written as note values
-- (delay{ time = "3/16" }) that follow the tempo.  docs/automation.md is the user's side of this file.
--
-- A *target* names one parameter of the mix: "track.param" (a patch control or a strip parameter:
-- gain, pan, width, mute, polarity), "track.send.bus", "track.<fx key or type>.<param>" (an insert's
-- parameter or its mix), the same for buses, and "master.gain".  A *lane* says what the target does
-- over song time: a breakpoint curve, a pattern of values, a Lua function of the bar, or one value.
--
-- How a lane reaches the engine: the scheduler calls Au.window(from, to) after it has planned the
-- tracks of each window (sched.lua's after_window), live and offline alike.  The window is cut where
-- song time jumps (arrange.lua's jumps, a loop going round), where the song's layout or a lane is
-- replaced by a re-evaluation, and at section boundaries; each piece maps transport bars to song
-- bars (and a section's lane to its own bars).  A curve is compiled, once per evaluation, into
-- *actions* in song bars: "from bar a, go to value v, arriving at bar b" — each one engine ramp,
-- core.param(handle, frame, name, v, frames) — so a segment starts on its exact frame whatever the
-- window.  Curves other than linear are cut into linear pieces fine enough that the error is under
-- TOL (see pieces()).  Where song time is discontinuous (the transport starts, a jump) a lane first
-- *syncs*: it sets the value the curve has there (at once), then goes on; where it is continuous but
-- the source changed (a re-evaluation), it glides into the new curve instead of jumping.
--
-- One evaluation is one transaction: automate() and a section's mix = { } are parts of the
-- declaration (reconcile.part "automation"), checked against the tracks, buses and effects that
-- declaration will have, and applied at the same bar as everything else.
local R = require "rational"
local P = require "pattern"
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local Rp = require "lute.report"
local Sc = require "lute.sched"
local Rc = require "lute.reconcile"
local A = require "arrange"
local M = require "lute.midi"
local fx = require "fx"

local Au = {}

S.automation = S.automation or {}   -- target name -> entry (see entry())
S.armed = S.armed or nil            -- target name -> recording, while arm() is on

-- ---------------------------------------------------------------------------------------------
-- Settings (documented in docs/automation.md, "How a curve becomes sound")
-- ---------------------------------------------------------------------------------------------
Au.TOL = 1e-4            -- linear pieces of exp and S segments stay within this (relative / of the span)
Au.MAX_PIECE = R(1, 4)   -- no engine ramp is longer than a quarter bar (tempo ramps are followed)
Au.MIN_PIECE = R(1, 512) -- nor shorter than 1/512 bar
Au.FUNC_GRID = R(1, 64)  -- a function lane is sampled every 1/64 bar and ramped linearly between
Au.REC_GRID = 9600       -- recorded points are placed on a grid of 1/9600 bar (0.2 ms at 120 bpm)
Au.REC_TOL = 0.5 / 127   -- recorded curves are thinned to within half a controller step

local SHAPES = { lin = "lin", linear = "lin", exp = "exp", s = "s", scurve = "s", step = "step" }
local SHAPE_LIST = '"lin" (the default), "exp", "s" (an S-curve) or "step"'

local function num(x) return D.num(x) end
local function fail(where, fmt, ...) error((where or "") .. fmt:format(...), 0) end

-- ---------------------------------------------------------------------------------------------
-- Note values: a time written as a fraction of a whole note ("3/16", "1/8.", "1/4t")
-- ---------------------------------------------------------------------------------------------
-- The length in whole notes of a note value, or nil.  "3/16" three sixteenths, "1/8." a dotted
-- eighth (x 1.5), "1/4t" a triplet quarter (x 2/3).
function Au.note_value(s)
  if type(s) ~= "string" then return nil end
  local n, d, mod = s:match("^%s*(%d+)%s*/%s*(%d+)%s*([%.t]?)%s*$")
  n, d = tonumber(n), tonumber(d)
  if not n or not d or d == 0 or n == 0 then return nil end
  local w = n / d
  if mod == "." then w = w * 1.5 elseif mod == "t" then w = w * 2 / 3 end
  return w
end

-- A note value (in whole notes) as a time in `unit` ("s" or "ms") at `bpm` quarter notes a minute.
function Au.note_time(whole, unit, bpm)
  if unit == "bps" then return bpm / 60 end   -- a patch's v.bps: the beat rate itself
  local s = whole * 4 * 60 / bpm
  return unit == "ms" and s * 1000 or s
end

local function is_time_unit(u) return u == "s" or u == "ms" end

-- ---------------------------------------------------------------------------------------------
-- Targets
-- ---------------------------------------------------------------------------------------------
local STRIP = { gain = { -120, 24, "dB" }, pan = { -1, 1, "" }, width = { 0, 2, "" }, mute = { 0, 1, "" },
                polarity = { 0, 1, "" } }
local STRIP_LIST = "gain, pan, width, mute, polarity"

-- The channels a declaration will have: name -> { kind = "track" | "bus", def = declaration }.
-- A whole script keeps only what it declares and what the REPL added; a REPL chunk adds to what runs.
local function channels_of(d)
  local out = {}
  local full = d and d.full
  for n, t in pairs(S.tracks) do
    if not full or Rc.from_repl("track", n) then out[n] = { kind = "track", def = t.def } end
  end
  for n, b in pairs(S.buses or {}) do
    if not full or S.origin_of["bus:" .. n] == "repl" then out[n] = { kind = "bus", def = b } end
  end
  if d then
    for n, t in pairs(d.tracks or {}) do out[n] = { kind = "track", def = t } end
    for n, b in pairs(d.buses or {}) do out[n] = { kind = "bus", def = b } end
  end
  return out
end

local function sorted_keys(t)
  local k = {}
  for n in pairs(t) do k[#k + 1] = n end
  table.sort(k)
  return k
end

-- The engine's name of each insert of a chain, as core/graph/mix.c resolves "<fx>.<param>": an
-- insert with a key by its key, one without by its type, "type#2" for the second unkeyed one.
local function fx_refs(chain)
  local out, seen = {}, {}
  for i, desc in ipairs(chain or {}) do
    local ref
    if desc.key then ref = desc.key
    else
      seen[desc.type] = (seen[desc.type] or 0) + 1
      ref = seen[desc.type] == 1 and desc.type or (desc.type .. "#" .. seen[desc.type])
    end
    out[i] = ref
  end
  return out
end
Au.fx_refs = fx_refs

-- The insert `name` ("verb", "reverb", "reverb#2") of a chain, as the engine finds it.
local function find_fx(chain, name)
  local want, base = 1, name
  local b, h = name:match("^(.-)#(%d+)$")
  if b then base, want = b, tonumber(h) end
  local seen = 0
  for i, desc in ipairs(chain or {}) do
    if desc.key then
      if desc.key == name then return desc, i end
    elseif desc.type == base then
      seen = seen + 1
      if seen == want then return desc, i end
    end
  end
  return nil
end

-- What a parameter name means on a channel: { class, param (the engine's name), lo, hi, unit,
-- desc (an insert), fxparam }, or nil and the list of names it knows.
local function channel_param(ch, rest)
  local def = ch.def
  if STRIP[rest] then
    local s = STRIP[rest]
    return { class = "strip", param = rest, lo = s[1], hi = s[2], unit = s[3], strip = rest }
  end
  local bus = rest:match("^send%.(.+)$")
  if bus then
    for _, s in ipairs(def.sends or {}) do
      if s.to == bus then return { class = "send", param = rest, lo = -120, hi = 24, unit = "dB", bus = bus } end
    end
  end
  local fxname, fxparam = rest:match("^(.+)%.([^.]+)$")
  if fxname and not bus then
    local desc = find_fx(def.fx, fxname)
    if desc then
      local fd = fx.def(desc.type)
      if fxparam == "mix" and fd.mix then
        return { class = "fx", param = rest, lo = 0, hi = 1, unit = "", desc = desc, fxparam = "mix" }
      end
      local p = fd.by_param[fxparam]
      if p then
        return { class = "fx", param = rest, lo = p.min, hi = p.max, unit = p.unit, desc = desc, fxparam = fxparam }
      end
      local names = {}
      for _, q in ipairs(fd.params) do names[#names + 1] = q.name end
      if fd.mix then names[#names + 1] = "mix" end
      return nil, ("the %s insert '%s' has no parameter '%s'; its parameters: %s"):format(desc.type, fxname, fxparam,
        table.concat(names, ", "))
    end
  end
  if ch.kind == "track" and not rest:find("%.") then
    local p = def.patch_obj
    if p then
      local c = p.controls[rest]
      if c then return { class = "control", param = rest, lo = c.min, hi = c.max,
                         unit = (D.param_info[rest] and D.param_info[rest].unit) or "" } end
    elseif not def.kit_obj then   -- the built-in synth
      local info = D.param_info[rest]
      if info and not info.patch then
        return { class = "control", param = rest, lo = info.min, hi = info.max, unit = info.unit }
      end
    end
  end
  -- what would be right
  local known = { STRIP_LIST }
  for _, s in ipairs(def.sends or {}) do known[#known + 1] = "send." .. s.to end
  for i, ref in ipairs(fx_refs(def.fx)) do known[#known + 1] = ref .. ".<" .. def.fx[i].type .. " parameter>" end
  if ch.kind == "track" then
    local p = def.patch_obj
    if p then for _, n in ipairs(sorted_keys(p.controls)) do known[#known + 1] = n end
    elseif not def.kit_obj then
      for _, n in ipairs(D.param_names) do
        if not STRIP[n] and not (D.param_info[n] and D.param_info[n].patch) then known[#known + 1] = n end
      end
    end
  end
  local why = bus and ("%s '%s' has no send to '%s'"):format(ch.kind, ch.name, bus)
    or ("%s '%s' has no parameter '%s'"):format(ch.kind, ch.name, rest)
  return nil, ("%s; it has: %s"):format(why, table.concat(known, ", "))
end

-- Resolves a target name against the channels a declaration will have: { name, channel, kind,
-- class, param, lo, hi, unit, ... } or an error (at `where`) that says what would be right.
function Au.channels(d) return channels_of(d) end   -- the channels as they are, or will be after d (midi.lua's maps)

function Au.resolve(name, channels, where)
  if type(name) ~= "string" then fail(where, 'automate: the target is a string like "bass.cutoff", not %s', type(name)) end
  local chname, rest = name:match("^([^.]+)%.(.+)$")
  if not chname then
    fail(where, 'automate("%s"): a target is "track.param", "track.send.bus", "track.fx.param", "bus.param" or '
      .. '"master.gain"', name)
  end
  if chname == "master" then
    if rest == "gain" then
      return { name = name, channel = "master", kind = "master", class = "strip", param = "gain", lo = -120, hi = 24,
               unit = "dB", strip = "gain" }
    end
    fail(where, 'automate("%s"): the master\'s parameter that automation reaches is "master.gain" (the engine '
      .. "takes no parameter changes for the master's effects yet)", name)
  end
  local ch = channels[chname]
  if not ch then
    local tracks, buses = {}, {}
    for n, c in pairs(channels) do if c.kind == "track" then tracks[#tracks + 1] = n else buses[#buses + 1] = n end end
    table.sort(tracks); table.sort(buses)
    fail(where, 'automate("%s"): no track or bus \'%s\'; tracks: %s; buses: %s', name, chname,
      #tracks > 0 and table.concat(tracks, ", ") or "(none)", #buses > 0 and table.concat(buses, ", ") or "(none)")
  end
  ch.name = chname
  local info, err = channel_param(ch, rest)
  if not info then fail(where, 'automate("%s"): %s', name, err) end
  info.name, info.channel, info.kind = name, chname, ch.kind
  return info
end

-- A value for a target: a number in range, true/false for mute and polarity, a note value for a
-- time.  Returns a number, or { whole = w } for a note value (converted as it is sent).
local function check_value(info, v, where)
  if type(v) == "boolean" and info.hi == 1 and info.lo == 0 then return v and 1 or 0 end
  if type(v) == "string" then
    local w = Au.note_value(v)
    if w and is_time_unit(info.unit) then return { whole = w, text = v } end
    if w then
      fail(where, 'automate("%s"): "%s" is a note value, which only a time takes (a parameter in s or ms); %s takes a '
        .. "number %s .. %s", info.name, v, info.param, num(info.lo), num(info.hi))
    end
  end
  if type(v) ~= "number" or v ~= v then
    fail(where, 'automate("%s"): %s takes a number %s .. %s%s, got %s %s', info.name, info.param, num(info.lo),
      num(info.hi), info.unit ~= "" and " " .. info.unit or "", type(v), tostring(v))
  end
  if v < info.lo or v > info.hi then
    fail(where, 'automate("%s"): %s = %s is out of range (%s .. %s%s)', info.name, info.param, num(v), num(info.lo),
      num(info.hi), info.unit ~= "" and " " .. info.unit or "")
  end
  return v
end

-- ---------------------------------------------------------------------------------------------
-- Lanes: what a target does over song time
-- ---------------------------------------------------------------------------------------------
-- A position: a number of bars from the start (0 = the first downbeat, 8.5 = half way through the
-- ninth bar) or "bar:beat" counted from 1 as musicians count ("9:1" = 8, "9:3" = 8.5 in 4/4; beats
-- are the meter's beats, decimals allowed).  Returns { bars = R } or { bar =, beat = }.
local function parse_pos(p, where, i)
  if R.is(p) then
    if p < R(0) then fail(where, "point %d: the position %s is before the start (bars count from 0)", i, tostring(p)) end
    return { bars = p }
  end
  if type(p) == "number" then
    if p ~= p or p < 0 or p > 100000 then
      fail(where, "point %d: the position %s is not a number of bars from 0 (0 = the start)", i, tostring(p))
    end
    return { bars = T.to_r(p) }
  end
  if type(p) == "string" then
    local b, bt = p:match("^%s*(%d+)%s*:%s*([%d%.]+)%s*$")
    b, bt = tonumber(b), tonumber(bt)
    if b and bt and b >= 1 and bt >= 1 then return { bar = math.tointeger(b), beat = bt, text = p } end
  end
  fail(where, 'point %d: a position is a number of bars from the start (0, 8, 8.5) or "bar:beat" counted from 1 '
    .. '("9:1", "9:2.5"), not %s', i, type(p) == "string" and ("%q"):format(p) or tostring(p))
end

-- A position's bars, with `beats_per_bar(bar)` for "bar:beat" (the meter there).
local function pos_bars(pos, beats_per_bar)
  if pos.bars then return pos.bars end
  local bar = R(pos.bar - 1)
  return bar + T.to_r(pos.beat - 1) / beats_per_bar(bar)
end

-- Rough order of positions for checking a curve as it is written (4 beats a bar if "bar:beat").
local function rough(pos)
  if pos.bars then return pos.bars:tonumber() end
  return pos.bar - 1 + (pos.beat - 1) / 4
end

-- Parses what automate() takes (without checking it against a target): a list of breakpoints, a
-- pattern (mini-notation text or a pattern object), a function of the bar, or one value.
-- Returns a spec { kind = "curve" | "pattern" | "func" | "const", ... }.
function Au.parse(spec, where, name)
  local what = ('automate("%s"'):format(tostring(name)) .. ", ...)"
  if type(spec) == "function" then return { kind = "func", fn = spec, where = where } end
  if type(spec) == "number" or type(spec) == "boolean" then return { kind = "const", value = spec, where = where } end
  if type(spec) == "string" then
    if Au.note_value(spec) then return { kind = "const", value = spec, where = where } end
    local ok, pat = pcall(P.mini, spec)
    if not ok then fail(where, "%s: %s", what, Rp.strip(pat)) end
    return { kind = "pattern", pattern = pat, text = spec, where = where }
  end
  if type(spec) == "table" and spec.query then return { kind = "pattern", pattern = spec, where = where } end
  if type(spec) ~= "table" or #spec == 0 then
    fail(where, "%s: say what the parameter does: a list of points { {0, 200}, {8, 4000, \"exp\"} } (bars, value, "
      .. "shape), a pattern (\"<-20 -12>\"), a function(bar) ... end, or one value (false: no automation)", what)
  end
  local pts = {}
  for i, p in ipairs(spec) do
    if type(p) ~= "table" or p[1] == nil or p[2] == nil then
      fail(where, "%s: point %d is {position, value} or {position, value, shape}, e.g. {8, 4000, \"exp\"}", what, i)
    end
    local shape = p[3] or p.shape or "lin"
    if not SHAPES[shape] then fail(where, "%s: point %d has shape %s; shapes: %s", what, i, tostring(shape), SHAPE_LIST) end
    local pos = parse_pos(p[1], where .. what .. ": ", i)
    if #pts > 0 and rough(pos) < rough(pts[#pts].pos) - 1e-9 then
      fail(where, "%s: point %d (%s) comes before point %d; points are in order of time", what, i, tostring(p[1]), i - 1)
    end
    pts[i] = { pos = pos, value = p[2], shape = SHAPES[shape] }
  end
  return { kind = "curve", points = pts, where = where }
end

-- Checks a spec's values against a resolved target; returns the checked spec (a copy).
local function check_spec(spec, info)
  local where = spec.where or ""
  local out = {}
  for k, v in pairs(spec) do out[k] = v end
  if spec.kind == "const" then
    out.value = check_value(info, spec.value, where)
  elseif spec.kind == "curve" then
    local pts, notes = {}, nil
    for i, p in ipairs(spec.points) do
      local v = check_value(info, p.value, where)
      local is_note = type(v) == "table"
      if notes == nil then notes = is_note
      elseif notes ~= is_note then
        fail(where, 'automate("%s"): point %d mixes a note value and a number; write all the points as note values '
          .. '("1/8") or all as %s', info.name, i, info.unit)
      end
      pts[i] = { pos = p.pos, value = v, shape = p.shape }
    end
    for i = 2, #pts do
      if pts[i].shape == "exp" then
        local a, b = pts[i - 1].value, pts[i].value
        a, b = type(a) == "table" and a.whole or a, type(b) == "table" and b.whole or b
        if not (a * b > 0) then
          fail(where, 'automate("%s"): point %d is "exp" from %s to %s; an exponential segment needs two values of the '
            .. 'same sign, neither 0 (for a level in dB use "lin": dB is already logarithmic)', info.name, i, num(a), num(b))
        end
      end
    end
    out.points, out.notes = pts, notes
  elseif spec.kind == "pattern" then
    local ok, e = pcall(function()
      for _, h in ipairs(spec.pattern:query(R(0), R(D.CHECK_CYCLES))) do
        if h.whole then check_value(info, type(h.value) == "table" and h.value.value or h.value, "") end
      end
    end)
    if not ok then fail(where, "%s", Rp.strip(e)) end
  elseif spec.kind == "func" then
    local ok, v = pcall(spec.fn, 0)
    if not ok then fail(where, 'automate("%s"): the function failed at bar 0: %s', info.name, Rp.strip(v)) end
    check_value(info, v, where .. ("the function's value at bar 0: "))
  end
  return out
end

-- ---------------------------------------------------------------------------------------------
-- Curves: the value at a bar, and the engine ramps that play it
-- ---------------------------------------------------------------------------------------------
local function shape_at(shape, a, b, x)
  if shape == "lin" then return a + (b - a) * x end
  if shape == "exp" then return a * (b / a) ^ x end
  if shape == "s" then return a + (b - a) * (1 - math.cos(math.pi * x)) / 2 end
  return x >= 1 and b or a   -- step
end
Au.shape_at = shape_at

-- How many linear pieces a segment of `len` bars needs so the error stays under TOL: linear
-- interpolation of f over pieces of width h errs by at most h^2/8 max|f''| (for a twice
-- differentiable f).  exp: f = a (b/a)^x, relative error (h ln(b/a))^2 / 8;  s: f = a + (b-a)(1 -
-- cos(pi x))/2, error h^2 pi^2 / 16 of the span.  A linear segment is exact in one piece (split
-- at MAX_PIECE so a tempo ramp under it is followed); no piece is shorter than MIN_PIECE.
local function pieces(shape, a, b, len)
  local n = 1
  if shape == "exp" then n = math.ceil(math.abs(math.log(b / a)) / math.sqrt(8 * Au.TOL))
  elseif shape == "s" then n = math.ceil(math.pi / (4 * math.sqrt(Au.TOL))) end
  local by_len = (len / Au.MAX_PIECE):ceil()
  if by_len > n then n = by_len end
  local cap = (len / Au.MIN_PIECE):floor()
  if n > cap then n = cap end
  if n < 1 then n = 1 end
  return n
end
Au.pieces = pieces

-- A note value or a number as a number: note values in whole notes.
local function plain(v) return type(v) == "table" and v.whole or v end

-- Compiles a curve spec for song time: points at rationals (meter known now), and the actions.
local function compile_curve(spec, beats_per_bar)
  local pts = {}
  for i, p in ipairs(spec.points) do
    pts[i] = { at = pos_bars(p.pos, beats_per_bar), value = plain(p.value), shape = p.shape, i = i, src = p }
  end
  table.sort(pts, function(x, y) if x.at == y.at then return x.i < y.i end return x.at < y.at end)
  for _, p in ipairs(pts) do p.x = p.at:tonumber() end
  local actions = {}
  for i = 1, #pts - 1 do
    local a, b = pts[i], pts[i + 1]
    if b.at == a.at or b.shape == "step" then
      actions[#actions + 1] = { at = b.at, value = b.value, to = b.at }
    else
      local len = b.at - a.at
      local n = pieces(b.shape, a.value, b.value, len)
      for k = 0, n - 1 do
        local x0 = k == 0 and a.at or a.at + len * R(k, n)
        local x1 = k == n - 1 and b.at or a.at + len * R(k + 1, n)
        actions[#actions + 1] = { at = x0, to = x1, value = k == n - 1 and b.value or shape_at(b.shape, a.value, b.value, (k + 1) / n) }
      end
    end
  end
  for _, ac in ipairs(actions) do ac.x = ac.at:tonumber() end
  return pts, actions
end

-- The value of a compiled curve at bar u (a number).
local function curve_value(pts, u)
  if u <= pts[1].x then return pts[1].value end
  for i = 2, #pts do
    local b = pts[i]
    if u < b.x then
      local a = pts[i - 1]
      return shape_at(b.shape, a.value, b.value, (u - a.x) / (b.x - a.x))
    end
  end
  return pts[#pts].value
end
Au.curve_value = curve_value

-- The first action at or after bar u (binary search over the sorted actions).
local function first_action(actions, u)
  local lo, hi = 1, #actions + 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if actions[mid].at < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- ---------------------------------------------------------------------------------------------
-- Lanes as sources of engine events
-- ---------------------------------------------------------------------------------------------
-- A lane has value(u) (u: the lane's own bar, a number), sync(ctx, u, mode) (set the value it has
-- at u: mode "exact" at once, "glide" over the parameter's smoothing or by continuing the ramp in
-- progress) and run(ctx, a, b) (what starts in [a, b)).  ctx.frame(u) is the frame of the lane's
-- bar u (a rational); ctx.send(frame, value, ramp) queues one engine change (ramp 0: at once,
-- -1: the parameter's own smoothing).
local Lane = {}
Lane.__index = Lane

function Lane:value(u)
  local k = self.kind
  if k == "curve" then return curve_value(self.pts, u) end
  if k == "const" then return self.v end
  if k == "func" then return self.fn(u) end
  if k == "pattern" then
    local ur = T.to_r(u)
    local ok, haps = pcall(self.pattern.query, self.pattern, ur, ur + R(1, 9600))
    if ok then
      for _, h in ipairs(haps) do
        if h.whole and h.whole.b <= ur then return type(h.value) == "table" and h.value.value or h.value end
      end
    end
    return nil
  end
end

function Lane:sync(ctx, u, mode)
  local k = self.kind
  local f = ctx.frame(u)
  if k == "curve" then
    local acts = self.actions
    local i = first_action(acts, u)
    local prev = acts[i - 1]
    local partial = prev and prev.to > u and prev or nil
    local at_u = acts[i] and acts[i].at == u
    if mode == "exact" or (not partial and not at_u) then
      ctx.send(f, curve_value(self.pts, u:tonumber()), mode == "exact" and 0 or -1)
    end
    if partial then ctx.send(f, partial.value, ctx.frame(partial.to) - f) end
  elseif k == "func" then
    local g = Au.FUNC_GRID
    local on_grid = (u / g):isInteger()
    if mode == "exact" then ctx.send(f, ctx.call(self, u), 0) end
    if not on_grid then
      local nx = g * ((u / g):floor() + 1)
      ctx.send(f, ctx.call(self, nx), ctx.frame(nx) - f)
    end
  elseif k == "pattern" then
    local v = self:value(u:tonumber())
    if v ~= nil then ctx.send(f, ctx.check(v), mode == "exact" and 0 or -1) end
  else   -- const
    ctx.send(f, self.v, mode == "exact" and 0 or -1)
  end
end

function Lane:run(ctx, a, b)
  local k = self.kind
  if k == "curve" then
    local acts = self.actions
    for i = first_action(acts, a), #acts do
      local ac = acts[i]
      if not (ac.at < b) then break end
      local f0 = ctx.frame(ac.at)
      ctx.send(f0, ac.value, ac.to == ac.at and 0 or ctx.frame(ac.to) - f0)
    end
  elseif k == "func" then
    local g = Au.FUNC_GRID
    local x = g * (a / g):ceil()
    while x < b do
      local f0, nx = ctx.frame(x), x + g
      ctx.send(f0, ctx.call(self, nx), ctx.frame(nx) - f0)
      x = nx
    end
  elseif k == "pattern" then
    local ok, haps = pcall(self.pattern.query, self.pattern, a, b)
    if not ok then ctx.fault(haps); return end
    for _, h in ipairs(haps) do
      if h.whole and h.whole.b == h.part.b then
        local v = type(h.value) == "table" and h.value.value or h.value
        ctx.send(ctx.frame(h.whole.b), ctx.check(v), -1)
      end
    end
  end
end

-- A compiled lane from a checked spec (timeline known: "bar:beat" resolved with the song's meter).
local function compile(spec, info, bpb)
  local lane = setmetatable({ kind = spec.kind, spec = spec, info = info, where = spec.where }, Lane)
  if spec.kind == "curve" then
    bpb = bpb or function(bar) local n = A.song_meter_at(bar); return n end
    lane.pts, lane.actions = compile_curve(spec, bpb)
    lane.notes = spec.notes
  elseif spec.kind == "const" then
    lane.v = plain(spec.value)
    lane.notes = type(spec.value) == "table"
  elseif spec.kind == "func" then
    lane.fn = spec.fn
  elseif spec.kind == "pattern" then
    lane.pattern = spec.pattern
  end
  return lane
end
Au.compile = compile

-- The implicit lane of an insert's time written as a note value: it follows the tempo.
local TempoLane = setmetatable({}, { __index = Lane })
TempoLane.__index = TempoLane
function TempoLane:value() return nil end
function TempoLane:sync(ctx, u, mode)
  local f = ctx.frame(u)
  local v = ctx.tempo_value(self.whole, f)
  ctx.entry.last_tempo = v
  ctx.send(f, v, mode == "exact" and 0 or -1)
end
-- The tempo is looked at on a grid of 1/16 bar (where sections, maps and jumps change it).
function TempoLane:run(ctx, a, b)
  local g = R(1, 16)
  local x = g * (a / g):ceil()
  while x < b do
    local f = ctx.frame(x)
    local v = ctx.tempo_value(self.whole, f)
    if v ~= ctx.entry.last_tempo then
      ctx.entry.last_tempo = v
      ctx.send(f, v, -1)
    end
    x = x + g
  end
end

-- ---------------------------------------------------------------------------------------------
-- Entries: the running state of one target
-- ---------------------------------------------------------------------------------------------
-- S.automation[target] = { name, info (resolved target), lane (the global lane now, or nil), old
-- (the lane before `switch`), switch (transport bar where lane replaced old), origin ("file",
-- "repl" or "implicit"), cont (where the last window left it: origin frame, transport bar, song
-- bar, source), sync_at (transport bar where it glides back onto its curve after a commit) }.
local SILENT = {}   -- a section sets this parameter its own way (arrange.lua's section parameters)

local function entry(name)
  local e = S.automation[name]
  if not e then
    e = { name = name }
    S.automation[name] = e
  end
  return e
end

-- The parameter's own value where no lane plays (what the declaration says, or the default).
function Au.base_value(info)
  local kind, ch = info.kind, info.channel
  if kind == "master" then return (S.master and S.master.gain) or 0 end
  local def
  if kind == "track" then def = S.tracks[ch] and S.tracks[ch].def else def = S.buses and S.buses[ch] end
  if not def then return nil end
  if info.class == "strip" then
    local s = info.strip
    if kind == "track" then
      if s == "gain" then return def.params.gain or D.param_info.gain.default end
      if s == "pan" then return def.params.pan or 0 end
    else
      if s == "gain" then return def.gain or 0 end
      if s == "pan" then return def.pan or 0 end
    end
    if s == "width" then return def.width or 1 end
    if s == "mute" then return def.mute and 1 or 0 end
    if s == "polarity" then return def.polarity and 1 or 0 end
  elseif info.class == "send" then
    for _, s in ipairs(def.sends or {}) do if s.to == info.bus then return s.gain end end
  elseif info.class == "fx" then
    local desc = find_fx(def.fx, info.param:match("^(.+)%.[^.]+$"))
    if not desc then return nil end
    if info.fxparam == "mix" then return desc.mix or fx.def(desc.type).mix_default or 1 end
    local v = desc.params[info.fxparam]
    if v == nil then v = fx.def(desc.type).by_param[info.fxparam].def end
    return v
  elseif info.class == "control" then
    local v = S.tracks[ch].params[info.param]
    if v ~= nil then return v end
    local p = def.patch_obj
    if p and p.controls[info.param] then return p.controls[info.param].default end
    return D.param_info[info.param] and D.param_info[info.param].default
  end
  return nil
end

-- True when the channel's gain is held down by mute() or hush() (automation leaves it there).
local function held_down(info)
  if info.class ~= "strip" or info.strip ~= "gain" or info.kind == "master" then return false end
  return S.hushed or S.muted[info.channel]
end

-- Does part p's section set this target its own way (a track entry's parameter), or by mix = { }?
local function section_source(p, e)
  local sec = p.section
  if sec.mix_lanes and sec.mix_lanes[e.name] then return sec.mix_lanes[e.name] end
  local info = e.info
  if info and info.kind == "track" and (info.class == "control" or (info.class == "strip" and D.param_info[info.strip])) then
    local vals, pats = sec.values and sec.values[info.channel], sec.params and sec.params[info.channel]
    if (vals and vals[info.param]) or (pats and pats[info.param]) then return SILENT end
  end
  return nil
end

-- ---------------------------------------------------------------------------------------------
-- The scheduler's hook: one window of transport bars
-- ---------------------------------------------------------------------------------------------
local function jump_at(c)
  local j = S.jumps[1]
  for _, x in ipairs(S.jumps) do if x.t <= c then j = x else break end end
  return j
end

local function fault(e, msg)
  Rp.limited("automation\0" .. e.name, "%sautomation of '%s': %s (skipped)", (e.lane and e.lane.where) or "", e.name,
    Rp.strip(msg))
end

-- The engine's smoothing of the master's gain (core/graph/node.c STRIP_SMOOTH, 10 ms): the
-- master takes no ramp length (lua/api.c), so its lanes are sampled on that grid instead.
local function master_step() return math.floor(0.010 * E.rate() + 1e-6) end

-- A master lane in song bars [a, b): on a grid of master_step() frames from the transport's
-- origin, each grid frame g sends the value the lane has at g + step, which the engine's glide
-- reaches exactly there — a piecewise-linear course with 10 ms pieces (a jump takes one piece).
local function master_run(ctx, e, src, a, b, so, off, mode)
  local step = master_step()
  local fa, fb = T.frame_of_bar(a + off), T.frame_of_bar(b + off)
  if mode then e.master_last = nil end
  local g = S.origin + step * math.max(0, -(-(fa - S.origin) // step))
  local shift = (off + so):tonumber()
  while g < fb do
    local f = g + step
    local v
    if src then
      local u = T.bar_at_beat(S.tempo:beat_at_frame(f - S.origin)) - shift
      if src.kind == "func" then v = ctx.call(src, T.to_r(u))
      elseif src.kind == "pattern" then local x = src:value(u); v = x ~= nil and ctx.check(x) or nil
      else v = src:value(u) end
    else
      if mode == nil and not e.touched then return end
      v = Au.base_value(e.info)
    end
    if v and v ~= e.master_last then
      ctx.send(g, v, -1)
      e.master_last = v
    end
    g = g + step
  end
end

-- Sends a window's queued events of one entry.  A strip interpolates its gains across each
-- stretch between events, so a change "at once" is made exact on its frame by ending the stretch
-- one frame later (the next event moves there, or the value is sent again).
local function flush(e, ev, handle)
  if #ev == 0 then return end
  local info = e.info
  if info.class == "strip" then
    local out = {}
    local i = 1
    while i <= #ev do
      local x = ev[i]
      out[#out + 1] = x
      if x[3] == 0 then
        local nxt = ev[i + 1]
        if nxt and nxt[1] == x[1] then
          local j = i + 1   -- events after the jump at the same frame move one frame on
          while ev[j] and ev[j][1] == x[1] and ev[j][3] ~= 0 do
            local y = ev[j]
            out[#out + 1] = { y[1] + 1, y[2], y[3] > 0 and y[3] - 1 or y[3] }
            j = j + 1
          end
          i = j
        else
          if not (nxt and nxt[1] == x[1] + 1) then out[#out + 1] = { x[1] + 1, x[2], 0 } end
          i = i + 1
        end
      else
        i = i + 1
      end
    end
    ev = out
  end
  local trace = S.trace and S.trace_params
  for _, x in ipairs(ev) do
    local ok, err
    if info.kind == "master" then ok, err = pcall(E.master_param, x[1], "gain", x[2])
    else ok, err = pcall(E.param_ramp, handle, x[1], info.param, x[2], x[3]) end
    if not ok then fault(e, err); return end
    e.touched = true
    if trace then
      S.trace[#S.trace + 1] = { track = info.channel, frame = x[1], param = info.param, value = x[2], ramp = x[3],
                                automation = e.name }
    end
  end
end

-- Sends what entry e does in transport bars [from, to).
local function window_entry(e, from, to)
  local info = e.info
  if not info then return end
  local handle
  if info.kind ~= "master" then
    handle = E.mix_handle(info.channel)
    if not handle then return end
  end
  if S.armed and S.armed[e.name] then e.cont = nil; return end   -- the controller plays it while armed
  -- the cuts: jumps, a layout switch, the entry's own switch and sync point
  local cuts = { from, to }
  local function cut(x) if x and x > from and x < to then cuts[#cuts + 1] = x end end
  for _, j in ipairs(S.jumps) do cut(j.t) end
  cut(S.song_switch); cut(e.switch); cut(e.sync_at)
  table.sort(cuts, function(x, y) return x < y end)
  local ev = {}
  local ctx = { entry = e }
  local cur_off, cur_so = R(0), R(0)
  ctx.frame = function(u) return T.frame_of_bar(u + cur_so + cur_off) end
  ctx.send = function(f, v, ramp)
    if type(v) ~= "number" then return end
    ev[#ev + 1] = { f, v, ramp }
  end
  local cur_lane
  ctx.check = function(v)
    local ok, x = pcall(check_value, info, v, "")
    if not ok then fault(e, x); return nil end
    if type(x) == "table" then return nil end
    return x
  end
  ctx.call = function(lane, u)
    local ok, v = pcall(lane.fn, u:tonumber())
    if not ok then fault(e, "the function failed at bar " .. num(u:tonumber()) .. ": " .. Rp.strip(v)); return nil end
    return ctx.check(v)
  end
  ctx.tempo_value = function(whole, f)
    local beat = S.tempo:beat_at_frame(f + 1 - S.origin)   -- the tempo from that frame on
    local v = Au.note_time(whole, info.unit, S.tempo:bpm(beat))
    if v < info.lo then v = info.lo elseif v > info.hi then v = info.hi end
    return v
  end
  ctx.fault = function(msg) fault(e, msg) end
  -- note values become times at the tempo of each frame they are sent at
  local raw_send = ctx.send
  local function lane_send(f, v, ramp)
    if cur_lane and cur_lane.notes and type(v) == "number" then v = ctx.tempo_value(v, f) end
    raw_send(f, v, ramp)
  end
  for i = 1, #cuts - 1 do
    local x, y = cuts[i], cuts[i + 1]
    if x < y then
      local j = jump_at(x)
      local off = j.t - j.s
      local sx, sy = x - off, y - off
      cur_off = off
      local layout = S.song
      if S.song_switch and x < S.song_switch and S.song_old then layout = S.song_old end
      local global = e.lane
      if e.switch and x < e.switch then global = e.old end
      local subs = {}
      if layout and e.in_sections then
        for _, p in ipairs(layout.parts) do
          local lo, hi = sx > p.start and sx or p.start, sy < p.stop and sy or p.stop
          if lo < hi then
            local src = section_source(p, e)
            local so = R(0)
            if src and src ~= SILENT then so = p.start elseif not src then src = global end
            subs[#subs + 1] = { a = lo, b = hi, src = src, so = so, boundary = lo == p.start }
          end
        end
        if #subs == 0 then subs[1] = { a = sx, b = sy, src = global, so = R(0) } end   -- after the song
      else
        subs[1] = { a = sx, b = sy, src = global, so = R(0) }
      end
      for _, sub in ipairs(subs) do
        local tx = sub.a + off
        local c = e.cont
        local continuous = c and c.origin == S.origin and c.t == tx and c.s == sub.a
        local src = sub.src
        cur_so = sub.so
        if held_down(info) then
          e.cont = { origin = S.origin, t = sub.b + off, s = sub.b, src = src, muted = true }
        else
          local resync = e.sync_at and e.sync_at <= tx
          if resync then e.sync_at = nil end
          local mode
          if not c then mode = tx == Au.start_bar and "exact" or "glide"   -- new: exact only from the top
          elseif not continuous then mode = "exact"
          elseif c.src ~= src then mode = sub.boundary and "exact" or "glide"
          elseif c.muted or resync then mode = "glide" end
          if info.kind == "master" then
            if src ~= SILENT then master_run(ctx, e, src, sub.a, sub.b, sub.so, off, mode) end
          elseif src and src ~= SILENT then
            cur_lane = src
            ctx.send = lane_send
            if mode then src:sync(ctx, sub.a - sub.so, mode) end
            src:run(ctx, sub.a - sub.so, sub.b - sub.so)
            ctx.send = raw_send
            cur_lane = nil
          elseif not src and mode and (e.touched or (c and c.src and c.src ~= SILENT)) then
            -- no lane here any more (removed, or a section's span is over): the parameter's own value
            local v = Au.base_value(info)
            if v then cur_so = R(0); raw_send(ctx.frame(sub.a), v, mode == "exact" and 0 or -1) end
          end
          e.cont = { origin = S.origin, t = sub.b + off, s = sub.b, src = src }
        end
      end
    end
  end
  flush(e, ev, handle)
  if e.switch and to >= e.switch then e.old, e.switch = nil, nil end
end

-- Called by the scheduler after each window (sched.lua, after_window).
function Au.window(from, to)
  -- play() started the transport (again): what a declaration made before applies from the top
  if S.origin ~= Au.seen_origin or not (Au.last_to and from == Au.last_to) then
    Au.seen_origin, Au.start_bar = S.origin, from
    for _, e in pairs(S.automation) do e.old, e.switch, e.sync_at, e.cont, e.master_last = nil, nil, nil, nil, nil end
  end
  Au.last_to = to
  local names = sorted_keys(S.automation)
  for _, n in ipairs(names) do
    local e = S.automation[n]
    local ok, err = pcall(window_entry, e, from, to)
    if not ok then fault(e, err) end
    if not e.lane and not e.old and not e.in_sections and not e.switch and (not e.restore_at or to > e.restore_at) then
      S.automation[n] = nil   -- removed, and its own value is back
    end
  end
end

-- ---------------------------------------------------------------------------------------------
-- The declaration part
-- ---------------------------------------------------------------------------------------------
-- automate(target, spec): part of the declaration being evaluated (or applied now outside one).
-- automate(target, false) removes the target's automation.
function Au.automate(name, spec)
  local where = Rp.at(2)
  if type(name) ~= "string" then fail(where, 'automate(target, curve): the target is a string like "bass.cutoff"') end
  local parsed = false
  if spec ~= false then parsed = Au.parse(spec, where, name) end
  local d = S.decl
  if d then
    if d.automation[name] ~= nil then fail(where, 'automate("%s") is declared twice', name) end
    d.automation[name] = parsed
    d.automation_order[#d.automation_order + 1] = name
    return
  end
  local dd = { full = false, automation = { [name] = parsed }, automation_order = { name }, tracks = {}, buses = {},
               sections = {} }
  Au.validate(dd)
  Au.apply(dd)
end

-- Every target the declaration names (automate() and sections' mix = { }) must exist in the
-- mix it will make, with values in range; raises at the user's line otherwise.
function Au.validate(d)
  local channels = channels_of(d)
  d.automation_checked = {}
  for _, name in ipairs(d.automation_order or {}) do
    local spec = d.automation[name]
    local where = spec and spec.where or ""
    if spec then
      local info = Au.resolve(name, channels, where)
      if info.kind == "track" and info.class == "control" then
        local def = channels[info.channel].def
        if def.param_pats and def.param_pats[info.param] then
          fail(where, 'automate("%s"): track \'%s\' plays %s as a pattern (%s = "..."); automate it or pattern it, not both',
            name, info.channel, info.param, info.param)
        end
      end
      d.automation_checked[name] = { info = info, spec = check_spec(spec, info) }
    else
      d.automation_checked[name] = false
    end
  end
  for _, s in pairs(d.sections or {}) do
    if s.mix then
      s.mix_checked = {}
      for name, spec in pairs(s.mix) do
        local info = Au.resolve(name, channels, spec.where)
        s.mix_checked[name] = { info = info, spec = check_spec(spec, info) }
      end
    end
  end
end

-- The targets the sections of a layout set with mix = { }.
local function section_targets(layout, set)
  if not layout then return set end
  for _, p in ipairs(layout.parts) do
    for name in pairs(p.section.mix_lanes or {}) do set[name] = true end
  end
  return set
end

-- The implicit lanes of inserts whose times are note values (fx descriptors carry `sync`).
local function tempo_lanes()
  local out = {}
  local function scan(chname, kind, chain)
    local refs = fx_refs(chain)
    for i, desc in ipairs(chain or {}) do
      for pname, whole in pairs(desc.sync or {}) do
        local name = chname .. "." .. refs[i] .. "." .. pname
        local p = fx.def(desc.type).by_param[pname]
        out[name] = { info = { name = name, channel = chname, kind = kind, class = "fx", param = refs[i] .. "." .. pname,
                               lo = p.min, hi = p.max, unit = p.unit, desc = desc, fxparam = pname },
                      lane = setmetatable({ kind = "tempo", whole = whole, where = desc.where }, TempoLane) }
      end
    end
  end
  for n, t in pairs(S.tracks) do scan(n, "track", t.def.fx) end
  for n, b in pairs(S.buses or {}) do scan(n, "bus", b.fx) end
  -- a patch that reads v.bps (lfo("1/8") does) hears the tempo through it
  local BPS = require("patch").BPS
  for n, t in pairs(S.tracks) do
    local p = t.def.patch_obj
    if p and p.controls.bps then
      local name = n .. ".bps"
      out[name] = { info = { name = name, channel = n, kind = "track", class = "control", param = "bps",
                             lo = BPS.min, hi = BPS.max, unit = "bps" },
                    lane = setmetatable({ kind = "tempo", whole = 0.25, where = p.where }, TempoLane) }
    end
  end
  return out
end

-- After the rest of the declaration applied (tracks, buses, timeline): lanes replace lanes at the
-- switch bar; a whole script's lanes are the file's (what it no longer declares stops there, and
-- the parameter goes back to its own value); every lane glides back onto its curve at the switch
-- (the mix's commit may have set the declared value there).
function Au.apply(d)
  local sw = T.next_switch_bar()
  local full = d.full
  local function install(name, lane, origin, info)
    local e = entry(name)
    if e.lane ~= lane then
      if e.switch and sw > e.switch then e.old = e.lane elseif not e.switch then e.old = e.lane end
      e.lane, e.switch = lane, sw
    end
    e.origin, e.info = origin, info or e.info
    if not lane then e.restore_at = sw end
  end
  local declared = {}
  for _, name in ipairs(d.automation_order or {}) do
    local c = d.automation_checked and d.automation_checked[name]
    declared[name] = true
    if c then
      local lane = compile(c.spec, c.info)
      install(name, lane, full and "file" or "repl", c.info)
    elseif S.automation[name] then
      install(name, nil, S.automation[name].origin)
    end
  end
  if full then
    for name, e in pairs(S.automation) do
      if e.lane and e.origin == "file" and not declared[name] then install(name, nil, "file") end
    end
  end
  -- sections: compile each section's mix lanes (the sections of this declaration)
  for _, s in pairs(d.sections or {}) do
    if s.mix_checked then
      s.mix_lanes = {}
      local function bpb() return (s.meter and s.meter[1]) or S.timeline.meter[1] end
      for name, c in pairs(s.mix_checked) do
        local lane = compile(c.spec, c.info, bpb)
        if lane.kind == "curve" or lane.kind == "const" then lane.section = s.name end
        s.mix_lanes[name] = lane
        local e = entry(name)
        e.info = e.info or c.info
      end
    end
  end
  -- implicit lanes: times written as note values follow the tempo (an explicit lane wins)
  local implicit = tempo_lanes()
  for name, e in pairs(S.automation) do
    if e.origin == "implicit" and not implicit[name] then install(name, nil, "implicit") end
  end
  for name, x in pairs(implicit) do
    local e = S.automation[name]
    if not e or e.origin == "implicit" or not e.lane then
      local same = e and e.lane and e.lane.kind == "tempo" and e.lane.whole == x.lane.whole
      if not same then install(name, x.lane, "implicit", x.info) end
    end
  end
  -- which targets sections touch; every entry re-resolves its target against the mix as it is now
  local in_sec = section_targets(S.song, section_targets(S.song_old, {}))
  local channels = channels_of(nil)
  for name, e in pairs(S.automation) do
    e.in_sections = in_sec[name] or nil
    if e.origin ~= "implicit" or not e.info then
      local ok, info = pcall(Au.resolve, name, channels, "")
      if ok then e.info = info
      else   -- its channel or insert is gone: a lane the REPL added says so; the file's changed with it
        if e.lane and e.origin == "repl" then Rp.say("lute: the automation of '%s' stops: %s", name, Rp.strip(info)) end
        S.automation[name] = nil
        e = nil
      end
    end
    if e then e.sync_at = sw end
  end
  for name in pairs(in_sec) do
    if not S.automation[name] then
      local ok, info = pcall(Au.resolve, name, channels, "")
      if ok then local e = entry(name); e.info, e.in_sections, e.origin = info, true, "section" end
    end
  end
end

Rc.part{ name = "automation", order = 40,
  begin = function(d) d.automation, d.automation_order = {}, {} end,
  validate = Au.validate,
  apply = Au.apply }

-- A section's mix = { ["bass.cutoff"] = {...}, ["lead.send.verb"] = -6 }, and a section's track
-- entry's mix settings (lead = { sends = { verb = -6 }, width = 0.5, ["verb.mix"] = 0.4 }):
-- positions count from the section's first bar.  Checked against the mix when the declaration is.
function A.section_mix(s, mix, where)
  if type(mix) ~= "table" then
    fail("", 'section \'%s\': mix = { ["bass.cutoff"] = { {0, 200}, {8, 4000, "exp"} }, ["lead.send.verb"] = -6 }', s.name)
  end
  s.mix = s.mix or {}
  for target, spec in pairs(mix) do
    if type(target) ~= "string" then fail("", "section '%s': mix is keyed by target names (\"bass.cutoff\")", s.name) end
    s.mix[target] = Au.parse(spec, where or "", target)
  end
end

-- In a section's track entry: the strip and send settings that are not parameters of the track's
-- sound (those arrange.lua handles itself).  Returns true when it took the key.
function A.section_track_mix(s, track, key, v, where)
  if key == "sends" and type(v) == "table" then
    s.mix = s.mix or {}
    for bus, lvl in pairs(v) do s.mix[track .. ".send." .. tostring(bus)] = Au.parse(lvl, where or "", track .. ".send." .. tostring(bus)) end
    return true
  end
  if STRIP[key] or key:find("%.") then
    s.mix = s.mix or {}
    s.mix[track .. "." .. key] = Au.parse(v, where or "", track .. "." .. key)
    return true
  end
  return false
end

-- ---------------------------------------------------------------------------------------------
-- Showing a lane: automation("bass.cutoff") and :lua()
-- ---------------------------------------------------------------------------------------------
local View = {}
View.__index = View

local function lua_value(v)
  if type(v) == "table" then return ("%q"):format(v.text) end
  if type(v) == "boolean" then return tostring(v) end
  if math.type(v) == "integer" then return tostring(v) end
  if v == math.floor(v) and math.abs(v) < 1e15 then return ("%d"):format(v) end
  return ("%.6g"):format(v)
end

local function lua_pos(r)
  if r:isInteger() then return tostring(r:floor()) end
  local x = r:tonumber()
  local s = ("%.10g"):format(x)
  return s
end

-- "bar:beat" of song bar r, counted from 1, in the song's meter there.
local function bar_beat(r)
  local bar = r:floor()
  local n = A.song_meter_at(R(bar))
  local beat = ((r - R(bar)) * n):tonumber() + 1
  local bs = math.tointeger(beat) and tostring(math.tointeger(beat)) or ("%.4g"):format(beat)
  return ("%d:%s"):format(bar + 1, bs)
end

-- The Lua that declares the lane again: automate("bass.cutoff", { {0, 200}, {8, 4000, "exp"} }).
function View:lua()
  local lane, name = self.lane, self.name
  if not lane then return ("-- no automation for %s"):format(name) end
  local k = lane.kind
  if k == "curve" then
    local lines = { ('automate("%s", {'):format(name) }
    for _, p in ipairs(lane.pts) do
      local v = p.src and p.src.value
      if v == nil then v = p.value end
      local shape = p.shape ~= "lin" and (', "%s"'):format(p.shape) or ""
      lines[#lines + 1] = ("  {%s, %s%s},  -- %s"):format(lua_pos(p.at), lua_value(v), shape, bar_beat(p.at))
    end
    lines[#lines + 1] = "})"
    return table.concat(lines, "\n")
  end
  if k == "const" then return ('automate("%s", %s)'):format(name, lua_value(lane.spec.value)) end
  if k == "pattern" then
    if lane.spec.text then return ('automate("%s", %q)'):format(name, lane.spec.text) end
    return ('-- automate("%s", <a pattern object>): write it as you did'):format(name)
  end
  if k == "func" then return ('-- automate("%s", <a function>): write it as you did'):format(name) end
  if k == "tempo" then return ("-- %s follows the tempo (a note value in its insert)"):format(name) end
  return ""
end

-- A row of block characters: the lane's value over [a, b] bars (log scale for frequencies).
local BLOCKS = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" }
local function sparkline(lane, a, b, info, cols)
  cols = cols or 48
  local vals, lo, hi = {}, math.huge, -math.huge
  local log = info and info.unit == "Hz"
  for i = 0, cols - 1 do
    local u = a + (b - a) * i / (cols - 1)
    local ok, v = pcall(lane.value, lane, u)
    v = ok and tonumber(v) or nil
    if v and log and v > 0 then v = math.log(v) end
    vals[i + 1] = v
    if v then lo, hi = math.min(lo, v), math.max(hi, v) end
  end
  local out = {}
  for i = 1, cols do
    local v = vals[i]
    if not v then out[i] = " "
    elseif hi - lo < 1e-12 then out[i] = BLOCKS[4]
    else out[i] = BLOCKS[math.floor((v - lo) / (hi - lo) * 7 + 0.5) + 1] end
  end
  return table.concat(out)
end

function View:__tostring()
  local lane, name, info = self.lane, self.name, self.info
  local lines = {}
  local unit = info and info.unit ~= "" and (" " .. info.unit) or ""
  if lane and lane.kind == "curve" then
    local first, last = lane.pts[1].x, lane.pts[#lane.pts].x
    local whose = ({ file = ", declared by the script", repl = ", from the REPL" })[self.origin] or ""
    lines[1] = ("automation %s: %d points over bars %s .. %s (song bars from 0)%s"):format(name, #lane.pts, num(first),
      num(last), whose)
    for _, p in ipairs(lane.pts) do
      lines[#lines + 1] = ("  %8s  %-8s %12s%s  %s"):format(num(p.x), bar_beat(p.at), lua_value(p.src and p.src.value or p.value),
        unit, p.shape ~= "lin" and p.shape or "")
    end
    if last > first then lines[#lines + 1] = "  " .. sparkline(lane, first, last, info) end
  elseif lane and lane.kind == "pattern" then
    lines[1] = ("automation %s: the pattern %s (one cycle a bar; each value glides in)"):format(name,
      lane.spec.text and ("%q"):format(lane.spec.text) or "object")
    local ok, s = pcall(function() return lane.pattern:show(2) end)
    if ok and s then lines[#lines + 1] = s end
  elseif lane and lane.kind == "func" then
    lines[1] = ("automation %s: a function of the bar, sampled every %s bar"):format(name, tostring(Au.FUNC_GRID))
    lines[#lines + 1] = "  bars 0 .. 8: " .. sparkline(lane, 0, 8, info)
  elseif lane and lane.kind == "const" then
    lines[1] = ("automation %s: %s%s"):format(name, lua_value(lane.spec.value), unit)
  elseif lane and lane.kind == "tempo" then
    lines[1] = ("automation %s: a note value (%s whole notes) that follows the tempo"):format(name, num(lane.whole))
  else
    lines[1] = ("automation %s: no curve of its own"):format(name)
  end
  if self.sections and #self.sections > 0 then
    lines[#lines + 1] = ("  sections that set it for their span: %s"):format(table.concat(self.sections, ", "))
  end
  if self.armed then lines[#lines + 1] = "  armed: the controller's moves are being recorded" end
  return table.concat(lines, "\n")
end

function View:points()
  local out = {}
  for i, p in ipairs(self.lane and self.lane.pts or {}) do out[i] = { p.x, p.value, p.shape } end
  return out
end

function View:value(bar) return self.lane and self.lane:value(bar) end

-- automation("bass.cutoff"): the lane of that target, to print or to ask for :lua(), :points(),
-- :value(bar).  automation() lists every automated target.
function Au.automation(name)
  if name == nil then
    local names = sorted_keys(S.automation)
    if #names == 0 then return "no automation" end
    local lines = {}
    for _, n in ipairs(names) do
      local e = S.automation[n]
      local what = e.lane and e.lane.kind or (e.in_sections and "sections") or "going back to its own value"
      lines[#lines + 1] = ("  %-28s %s%s"):format(n, what, e.origin and e.origin ~= "section" and (" (" .. e.origin .. ")") or "")
    end
    return "automated:\n" .. table.concat(lines, "\n")
  end
  local e = S.automation[name]
  if not e then
    local names = sorted_keys(S.automation)
    Rp.error('automation("%s"): nothing automates it; automated: %s', tostring(name),
      #names > 0 and table.concat(names, ", ") or "(nothing)")
  end
  local secs = {}
  if S.song then
    local seen = {}
    for _, p in ipairs(S.song.parts) do
      if p.section.mix_lanes and p.section.mix_lanes[name] and not seen[p.name] then
        seen[p.name] = true
        secs[#secs + 1] = p.name
      end
    end
  end
  return setmetatable({ name = name, lane = e.lane, info = e.info, origin = e.origin, sections = secs,
                        armed = S.armed and S.armed[name] ~= nil }, View)
end

-- ---------------------------------------------------------------------------------------------
-- Recording: arm("bass.cutoff") records the moves of the controller mapped to it
-- ---------------------------------------------------------------------------------------------
-- The maps (midi.map / midi.learn) that move a target.
local function maps_of(name)
  local out = {}
  for _, m in ipairs(S.ccmaps) do if m.to == name then out[#out + 1] = m.spec end end
  return out
end

-- The song bar (a number) at engine frame f, or nil before the transport's start.
local function song_bar_at_frame(f)
  local beat = S.tempo:beat_at_frame(f - S.origin)
  if beat < 0 then return nil end
  local tbar = T.bar_at_beat(beat)
  local tr = T.to_r(tbar)
  local j = jump_at(tr)
  return tbar - (j.t - j.s):tonumber()
end

local function on_message(m)
  if m.type ~= "cc" or not S.armed then return end
  for _, rec in pairs(S.armed) do
    for _, map in ipairs(rec.maps) do
      if map.cc == m.cc and (map.ch == -1 or map.ch == m.channel - 1) and S.playing then
        local bar = song_bar_at_frame(m.frame or E.frame())
        if bar then rec.raw[#rec.raw + 1] = { bar = bar, x = m.value / 127, map = map } end
      end
    end
  end
end

-- arm("bass.cutoff") starts recording the controller mapped to it (midi.map or midi.learn); the
-- target's own curve is silent meanwhile, so the controller is what you hear.
function Au.arm(name)
  if type(name) ~= "string" then Rp.error('arm("bass.cutoff"): the target of a controller mapped with midi.map') end
  local maps = maps_of(name)
  if #maps == 0 then
    local mapped = {}
    for _, m in ipairs(S.ccmaps) do mapped[#mapped + 1] = m.to end
    Rp.error('arm("%s"): no controller is mapped to it; map one first: midi.map{cc = 74, to = "%s", ...} or '
      .. 'midi.learn("%s")%s', name, name, name, #mapped > 0 and ("; mapped: " .. table.concat(mapped, ", ")) or "")
  end
  S.armed = S.armed or {}
  S.armed[name] = { name = name, maps = maps, raw = {} }
  M.on_message = on_message
  return ("arm: recording the moves of %s (CC %d) in song time; disarm() ends the take"):format(name, maps[1].cc)
end

-- Ramer–Douglas–Peucker over (bar, x) with the vertical distance: keeps the fewest points such
-- that the polyline through them is within tol of every recorded point.
function Au.thin(pts, tol)
  local n = #pts
  if n <= 2 then return pts end
  local keep = { [1] = true, [n] = true }
  local stack = { { 1, n } }
  while #stack > 0 do
    local s = table.remove(stack)
    local i, j = s[1], s[2]
    local a, b = pts[i], pts[j]
    local worst, at = -1, nil
    for k = i + 1, j - 1 do
      local p = pts[k]
      local y = b.bar == a.bar and a.x or a.x + (b.x - a.x) * (p.bar - a.bar) / (b.bar - a.bar)
      local dist = math.abs(p.x - y)
      if dist > worst then worst, at = dist, k end
    end
    if at and worst > tol then
      keep[at] = true
      stack[#stack + 1] = { i, at }
      stack[#stack + 1] = { at, j }
    end
  end
  local out = {}
  for k = 1, n do if keep[k] then out[#out + 1] = pts[k] end end
  return out
end

-- The recorded moves as one pass over song time: where song time went back (a loop region, a
-- jump), the later pass replaces what the earlier one recorded over the same bars.
local function merge_passes(raw)
  local passes, cur = {}, nil
  for _, p in ipairs(raw) do
    if not cur or p.bar < cur[#cur].bar then cur = {}; passes[#passes + 1] = cur end
    cur[#cur + 1] = p
  end
  local out = {}
  for _, pass in ipairs(passes) do
    local a, b = pass[1].bar, pass[#pass].bar
    local kept = {}
    for _, p in ipairs(out) do if p.bar < a or p.bar > b then kept[#kept + 1] = p end end
    for _, p in ipairs(pass) do kept[#kept + 1] = p end
    table.sort(kept, function(x, y) return x.bar < y.bar end)
    out = kept
  end
  return out
end

-- A take as a curve spec: thinned in the controller's own scale (0 .. 1), so the curve is within
-- half a controller step of every move; an exponential map gives "exp" segments.
function Au.take_spec(raw, map, where)
  local pts = merge_passes(raw)
  local thin = Au.thin(pts, Au.REC_TOL)
  local spec = { kind = "curve", points = {}, where = where or "" }
  local exp = map.curve == "exp" and map.lo > 0 and map.hi > 0
  for i, p in ipairs(thin) do
    local v = exp and map.lo * (map.hi / map.lo) ^ p.x or map.lo + (map.hi - map.lo) * p.x
    v = tonumber(("%.6g"):format(v))
    local q = math.floor(p.bar * Au.REC_GRID + 0.5)   -- on the grid (two points may share a place: a jump)
    spec.points[i] = { pos = { bars = R(q, Au.REC_GRID) }, value = v, shape = (exp and i > 1) and "exp" or "lin" }
  end
  return spec, #pts, #thin
end

-- disarm() ends every take (disarm("bass.cutoff") one): each becomes the target's automation (from
-- the REPL: it plays back from the next bar), and automation("bass.cutoff"):lua() prints it.
function Au.disarm(name)
  if not S.armed then return "nothing is armed" end
  local said = {}
  for n, rec in pairs(S.armed) do
    if name == nil or n == name then
      S.armed[n] = nil
      if #rec.raw == 0 then
        said[#said + 1] = ("%s: no moves recorded"):format(n)
      else
        local spec, moves, kept = Au.take_spec(rec.raw, rec.maps[1], "")
        local ok, err = pcall(function()
          local channels = channels_of(nil)
          local info = Au.resolve(n, channels, "")
          local lane = compile(check_spec(spec, info), info)
          local e = entry(n)
          e.old, e.lane, e.switch, e.origin, e.info = e.lane, lane, T.next_switch_bar(), "repl", info
          e.sync_at = e.switch
        end)
        if ok then
          said[#said + 1] = ('%s: %d moves recorded, %d points kept (within half a controller step); '
            .. 'automation("%s"):lua() prints it'):format(n, moves, kept, n)
        else
          said[#said + 1] = ("%s: %s"):format(n, Rp.strip(err))
        end
      end
    end
  end
  if not next(S.armed) then S.armed = nil; M.on_message = nil end
  if #said == 0 then return ("disarm: '%s' is not armed"):format(tostring(name)) end
  return "disarm: " .. table.concat(said, "; ")
end

-- ---------------------------------------------------------------------------------------------
-- Effect times as note values: delay{ time = "3/16" }
-- ---------------------------------------------------------------------------------------------
-- Wraps the effect constructors a script sees: a note value where a time is asked for (a parameter
-- in s or ms) becomes that time at the tempo the declaration has, and the descriptor remembers it
-- (desc.sync) so the time follows the tempo from then on (an implicit lane, above).
function Au.wrap_effects(api, building)
  for _, name in ipairs(fx.list()) do
    local orig = api[name]
    local d = fx.def(name)
    local times = {}
    for _, p in ipairs(d.params) do if is_time_unit(p.unit) then times[p.name] = p end end
    if orig and next(times) then
      api[name] = function(t, ...)
        if building() or type(t) ~= "table" then return orig(t, ...) end
        local sync, copy
        for k, v in pairs(t) do
          local w = type(v) == "string" and times[k] and Au.note_value(v)
          if w then
            copy = copy or {}
            sync = sync or {}
            sync[k] = w
            local bpm = (S.decl and S.decl.tempo) or S.tempo:bpm(T.bar_to_beat(S.sched):tonumber())
            local x = Au.note_time(w, times[k].unit, bpm)
            local p = times[k]
            if x < p.min or x > p.max then
              Rp.error('%s: %s = "%s" is %s %s at %s bpm, out of range (%s .. %s %s)', name, k, v, num(x), p.unit, num(bpm),
                num(p.min), num(p.max), p.unit)
            end
            copy[k] = x
          end
        end
        if not copy then return orig(t, ...) end
        for k, v in pairs(t) do if copy[k] == nil then copy[k] = v end end
        local ok, desc = pcall(orig, copy, ...)
        if not ok then error(Rp.at() .. Rp.strip(desc), 0) end
        desc.sync = sync
        desc.where = Rp.at()
        return desc
      end
    end
  end
end

return Au
