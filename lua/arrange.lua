-- arrange.lua — arrangement: sections with a length in bars, a song form that orders them, tempo
-- and meter maps (changes and ramps, odd meters), live jumps, queued sections and loop regions, the
-- render span of a song, and Standard MIDI File export and import.
--
-- Two clocks: the *transport* counts bars since play() (what the scheduler walks), the *song* counts
-- bars of the form.  They agree until a jump; each jump adds a point where transport bar B continues
-- at song bar X, and the tempo and meter maps are laid out again from there.
--
-- The arrangement is a part of the declaration (reconcile.part "timeline") and, when there is a
-- song, the scheduler's plan provider (what each track plays comes from the sections).
local R = require "rational"
local P = require "pattern"
local E = require "lute.engine"
local S = require "lute.state"
local T = require "lute.time"
local D = require "lute.decl"
local Sc = require "lute.sched"
local Rc = require "lute.reconcile"
local Rp = require "lute.report"

local A = {}

-- The timeline: base tempo and meter, explicit maps (song bars, 0-based), sections and the form.
S.timeline = { bpm = 120, meter = { 4, 4 }, tempo_map = {}, meter_map = {}, sections = {}, form = nil }
S.jumps = { { t = R(0), s = R(0) } }     -- transport bar t continues at song bar s

local function err(level, fmt, ...) error(string.format(fmt, ...), level + 1) end

-- ---------------------------------------------------------------------------------------------
-- Declarations
-- ---------------------------------------------------------------------------------------------
local section_fields = { bars = true, tempo = true, meter = true, ramp = true, mix = true }

local function bpm_ok(x) return type(x) == "number" and x >= 1 and x <= 1000 end
local function bars_ok(x) return type(x) == "number" and x >= 0 and x <= 10000 end

-- A pattern that gives `x` once, at the start of cycle 0: a section's numeric parameter, set when
-- the section starts.
local function at_start(x)
  return P.pure(x):filterHaps(function(h) return h.whole.b == R(0) end)
end

-- The body of section(name)(spec): a section table, or an error (no position: the caller adds the
-- user's line).
local function make_section(name, spec)
  if type(spec) ~= "table" then error(("section '%s' needs a table: section \"%s\" { bars = 8, bass = \"c2*4\" }"):format(name, name), 0) end
  local bars = spec.bars
  if math.type(bars) ~= "integer" or bars < 1 then
    error(("section '%s': bars must be a whole number of bars >= 1, got %s"):format(name, tostring(bars)), 0)
  end
  local s = { name = name, bars = bars, tracks = {}, params = {}, values = {} }
  if spec.tempo ~= nil then
    if not bpm_ok(spec.tempo) then
      error(("section '%s': tempo must be 1 .. 1000 bpm, got %s"):format(name, tostring(spec.tempo)), 0)
    end
    s.tempo = spec.tempo
    if spec.ramp ~= nil then
      if not bars_ok(spec.ramp) then error(("section '%s': ramp is a number of bars 0 .. 10000, got %s"):format(name, tostring(spec.ramp)), 0) end
      s.ramp = spec.ramp   -- ramp from the tempo before to `tempo` over `ramp` bars
    end
  elseif spec.ramp ~= nil then
    error(("section '%s': ramp needs a tempo to ramp to (tempo = 96, ramp = 2)"):format(name), 0)
  end
  if spec.meter ~= nil then s.meter = { T.parse_meter(spec.meter, 0) } end
  -- mix = { ["lead.send.verb"] = -6, ["bass.cutoff"] = { {0, 200}, {8, 4000, "exp"} } }: mix settings
  -- and automation for the section's span (automation.lua)
  if spec.mix ~= nil then A.section_mix(s, spec.mix, Rp.at()) end
  for k, v in pairs(spec) do
    if not section_fields[k] then
      if type(k) ~= "string" then error(("section '%s': unexpected field %s"):format(name, tostring(k)), 0) end
      local where = ("section '%s', track %s"):format(name, k)
      -- a track's entry: a pattern of notes, or a table { notes = ..., param = ... } (without notes:
      -- the track's own notes, with the section's parameters)
      local notes, params = v, nil
      if type(v) == "table" and not v.query and getmetatable(v) == nil and v[1] == nil then
        notes, params = v.notes, {}
        for pk, pv in pairs(v) do if pk ~= "notes" then params[pk] = pv end end
      end
      if notes == nil then
        s.tracks[k] = "own"
      else
        s.tracks[k] = D.as_pattern(notes, where)
        D.validate_notes(s.tracks[k], where)
      end
      if params and next(params) then
        s.params[k], s.values[k] = {}, {}
        for pk, pv in pairs(params) do
          -- a strip or send setting, or an insert's parameter, is the section's mix (automation.lua)
          local mixed = not D.param_info[pk] and type(pk) == "string" and A.section_track_mix
            and A.section_track_mix(s, k, pk, pv, Rp.at())
          if not D.param_info[pk] and not mixed then
            error(("%s: unknown parameter '%s'; known: %s"):format(where, tostring(pk), table.concat(D.param_names, ", ")), 0)
          end
          -- the same check as a track's: a number in range, or a pattern whose first cycles are
          if not mixed then
            local x, pat = D.param_field(pk, pv, where)
            if x then s.values[k][pk] = x else s.params[k][pk] = pat end
          end
        end
      end
    end
  end
  return s
end

-- section "verse" { bars = 8, tempo = 120, meter = "4/4", bass = "c2*4", lead = { notes = ..., cutoff = ... } }
function A.section(name)
  if type(name) ~= "string" or name == "" then err(2, "section needs a name: section \"verse\" { bars = 8, ... }") end
  return function(spec)
    local ok, s = pcall(make_section, name, spec)
    if not ok then error(s, 2) end
    s.where = Rp.at()
    local d = S.decl
    if d then
      if d.sections[name] then err(2, "section '%s' is declared twice", name) end
      d.sections[name] = s
      d.section_order[#d.section_order + 1] = name
    else
      S.timeline.sections[name] = s
    end
    return s
  end
end

-- song { "intro", "verse", "chorus", ... }
function A.song(form)
  if type(form) ~= "table" or #form == 0 then err(2, 'song { "intro", "verse", ... } needs a list of section names') end
  for i, n in ipairs(form) do
    if type(n) ~= "string" then err(2, "song: entry %d must be a section name, got %s", i, tostring(n)) end
  end
  if S.decl then S.decl.song, S.decl.song_where = form, Rp.at()
  else A.apply_timeline({ song = form, sections = {}, section_order = {}, song_where = Rp.at() }) end
end

local function map_bar(v, i, what)
  if math.type(v) ~= "integer" or v < 1 then err(3, "%s: entry %d needs bar = a whole number >= 1 (bars count from 1)", what, i) end
  return R(v - 1)
end

-- tempo_map { {bar = 1, bpm = 120}, {bar = 17, bpm = 140, ramp = 4} }: ramp = bars to glide to bpm.
function A.tempo_map(list)
  if type(list) ~= "table" then err(2, "tempo_map { {bar = 1, bpm = 120}, {bar = 9, bpm = 140, ramp = 2} }") end
  local out = {}
  for i, e in ipairs(list) do
    if type(e) ~= "table" then err(2, "tempo_map: entry %d must be a table {bar = ..., bpm = ...}", i) end
    if not bpm_ok(e.bpm) then err(2, "tempo_map: entry %d needs bpm 1 .. 1000, got %s", i, tostring(e.bpm)) end
    if e.ramp ~= nil and not bars_ok(e.ramp) then err(2, "tempo_map: entry %d: ramp is a number of bars 0 .. 10000", i) end
    out[#out + 1] = { bar = map_bar(e.bar, i, "tempo_map"), bpm = e.bpm, ramp = e.ramp or 0 }
  end
  if S.decl then S.decl.tempo_map = out else A.apply_timeline({ tempo_map = out, sections = {}, section_order = {} }) end
end

-- meter_map { {bar = 1, "4/4"}, {bar = 9, "7/8"} }
function A.meter_map(list)
  if type(list) ~= "table" then err(2, 'meter_map { {bar = 1, "4/4"}, {bar = 9, "7/8"} }') end
  local out = {}
  for i, e in ipairs(list) do
    if type(e) ~= "table" then err(2, "meter_map: entry %d must be a table {bar = ..., \"7/8\"}", i) end
    local num, den = T.parse_meter(e[1] or e.meter, 3)
    out[#out + 1] = { bar = map_bar(e.bar, i, "meter_map"), num = num, den = den }
  end
  if S.decl then S.decl.meter_map = out else A.apply_timeline({ meter_map = out, sections = {}, section_order = {} }) end
end

-- ---------------------------------------------------------------------------------------------
-- The song's layout in song bars
-- ---------------------------------------------------------------------------------------------
local function song_layout(tl)
  if not tl.form then return nil end
  local parts, bar = {}, R(0)
  for i, name in ipairs(tl.form) do
    local s = tl.sections[name]
    parts[i] = { name = name, section = s, start = bar, stop = bar + s.bars, index = i }
    bar = bar + s.bars
  end
  return { parts = parts, length = bar }
end

local function part_at(layout, sbar)
  for _, p in ipairs(layout.parts) do if sbar >= p.start and sbar < p.stop then return p end end
  return nil
end

-- Meter and tempo events in song bars, in order: the base, the maps, then the sections.
local function song_events(tl, layout)
  local meters = { { bar = R(0), num = tl.meter[1], den = tl.meter[2] } }
  for _, m in ipairs(tl.meter_map) do meters[#meters + 1] = m end
  local tempos = { { bar = R(0), bpm = tl.bpm, ramp = 0 } }
  for _, t in ipairs(tl.tempo_map) do tempos[#tempos + 1] = t end
  if layout then
    -- A section's tempo and meter hold for that section; the next section without its own goes
    -- back to the song's (tempo() and meter()), as a form of independent parts would.
    local prev
    for _, p in ipairs(layout.parts) do
      local sec = p.section
      if sec.meter then meters[#meters + 1] = { bar = p.start, num = sec.meter[1], den = sec.meter[2] }
      elseif prev and prev.meter then meters[#meters + 1] = { bar = p.start, num = tl.meter[1], den = tl.meter[2] } end
      if sec.tempo then tempos[#tempos + 1] = { bar = p.start, bpm = sec.tempo, ramp = sec.ramp or 0 }
      elseif prev and prev.tempo then tempos[#tempos + 1] = { bar = p.start, bpm = tl.bpm, ramp = 0 } end
      prev = sec
    end
  end
  local function dedupe(list)
    table.sort(list, function(a, b) return a.bar < b.bar end)
    local out = {}
    for _, e in ipairs(list) do
      if #out > 0 and out[#out].bar == e.bar then out[#out] = e else out[#out + 1] = e end
    end
    return out
  end
  return dedupe(meters), dedupe(tempos)
end

-- The meter (num, den) at song bar `sbar` (a rational): the song's, its maps' and its sections'.
function A.song_meter_at(sbar)
  local meters = song_events(S.timeline, S.layout)
  local m = meters[1]
  for _, x in ipairs(meters) do if x.bar <= sbar then m = x end end
  return m.num, m.den
end

-- Lays the song's meters and tempos onto the transport from transport bar `tb`, where the song is
-- at song bar `sb`; what lies before `tb` is kept.
-- Bars of meter and jump history kept behind the scheduler.
local HISTORY_BARS = 8

local function relayout(tb, sb)
  local tl = S.timeline
  local meters, tempos = song_events(tl, S.layout)
  -- meters
  local keep = {}
  for _, m in ipairs(S.meters) do if m.bar < tb then keep[#keep + 1] = m end end
  -- an entry only where the meter changes, so reloads that keep the meter add nothing
  local function add(bar, num, den)
    local last = keep[#keep]
    if last and last.num == num and last.den == den then return end
    keep[#keep + 1] = { bar = bar, num = num, den = den }
  end
  local cur = meters[1]
  for _, m in ipairs(meters) do if m.bar <= sb then cur = m end end
  add(tb, cur.num, cur.den)
  for _, m in ipairs(meters) do
    if m.bar > sb then add(tb + (m.bar - sb), m.num, m.den) end
  end
  -- what lies well behind the scheduler is history nobody reads again (the playhead is at most a
  -- lookahead behind): a set that goes on for hours keeps a short map
  local horizon = S.sched - HISTORY_BARS
  while #keep > 1 and keep[2].bar <= horizon do table.remove(keep, 1) end
  S.meters = keep
  T.rebuild_meter_beats()
  -- tempos: the tempo in effect at song bar sb, then the later changes (ramps in bars -> beats)
  local at = tempos[1]
  for _, t in ipairs(tempos) do if t.bar <= sb then at = t end end
  local start_beat = T.bar_to_beat(tb):tonumber()
  if tb == R(0) and not S.playing then S.tempo = T.new_tempo(at.bpm) else S.tempo:set(start_beat, at.bpm) end
  for _, t in ipairs(tempos) do
    if t.bar > sb then
      local b = T.bar_to_beat(tb + (t.bar - sb))
      if t.ramp and t.ramp > 0 then
        local e = T.bar_to_beat(tb + (t.bar - sb) + T.to_r(t.ramp))
        S.tempo:ramp(b:tonumber(), t.bpm, (e - b):tonumber())
      else
        S.tempo:set(b:tonumber(), t.bpm)
      end
    end
  end
  S.bpm = at.bpm
end
A.relayout = relayout

-- Transport bar -> song bar through the jumps.
local function jump_at(c)
  local j = S.jumps[1]
  for _, x in ipairs(S.jumps) do if x.t <= c then j = x else break end end
  return j
end
local function song_bar(c) local j = jump_at(c); return j.s + (c - j.t) end
A.song_bar = song_bar

-- Merges a declaration into the timeline and lays it out (from the next bar when playing).
local restore_own   -- defined below, with the song's plans
function A.apply_timeline(d)
  local tl = S.timeline
  S.render_stop = nil
  local full = d.full
  if full then
    -- the file declares what it declares: a tempo or meter typed at the REPL stays until the file
    -- declares one; one the file declared and no longer does goes back to 120 bpm, 4/4.  Sections,
    -- the form and the maps are the file's.
    if d.tempo then tl.bpm, tl.bpm_from = d.tempo, "file"
    elseif tl.bpm_from ~= "repl" then tl.bpm, tl.bpm_from = 120, nil end
    if d.meters then tl.meter, tl.meter_from = { d.meters[1].num, d.meters[1].den }, "file"
    elseif tl.meter_from ~= "repl" then tl.meter, tl.meter_from = { 4, 4 }, nil end
    tl.tempo_map = d.tempo_map or {}
    tl.meter_map = d.meter_map or {}
    tl.sections = d.sections or {}
    tl.form = d.song
  else
    if d.tempo then tl.bpm, tl.bpm_from = d.tempo, "repl" end
    if d.meters then tl.meter, tl.meter_from = { d.meters[1].num, d.meters[1].den }, "repl" end
    if d.tempo_map then tl.tempo_map = d.tempo_map end
    if d.meter_map then tl.meter_map = d.meter_map end
    for n, s in pairs(d.sections or {}) do tl.sections[n] = s end
    if d.song then tl.form = d.song end
  end
  local layout = song_layout(tl)
  local old_song = S.song
  if old_song and not layout and S.playing then restore_own(old_song, T.frame_of_bar(T.next_switch_bar())) end
  for _, t in pairs(S.tracks) do t._part = nil end   -- a new layout: each part is entered afresh
  S.song_old, S.song_switch = S.song, nil
  S.layout = layout
  S.song = layout
  Sc.provider = layout and A.song_provider or Sc.tracks_provider
  if S.playing then
    local sw = T.next_switch_bar()
    S.song_switch = sw
    if old_song and layout and (tl.form ~= nil) then
      relayout(sw, song_bar(sw))
    elseif layout then
      -- a song appears while playing: it starts at its first bar, at the next bar
      table.insert(S.jumps, { t = sw, s = R(0) })
      relayout(sw, R(0))
    else
      relayout(sw, sw)   -- no song: the maps apply to transport bars from here
    end
  else
    S.jumps = { { t = R(0), s = S.song_start or R(0) } }
    relayout(R(0), S.song_start or R(0))
  end
end

-- Checks a declaration before anything is applied, so a mistake changes nothing.
function A.validate(d)
  local sections = {}
  for n, s in pairs(S.timeline.sections) do sections[n] = s end
  if d.full then sections = {} end
  for n, s in pairs(d.sections) do sections[n] = s end
  local tracks = {}
  if not d.full then for n in pairs(S.tracks) do tracks[n] = true end end
  for n in pairs(d.tracks) do tracks[n] = true end
  for n, s in pairs(d.sections) do
    for tn in pairs(s.tracks) do
      if not tracks[tn] then
        local names = {}
        for k in pairs(tracks) do names[#names + 1] = k end
        table.sort(names)
        error(("%ssection '%s' names track '%s', which is not declared; tracks: %s"):format(s.where or "", n, tn,
          #names > 0 and table.concat(names, ", ") or "(none)"), 0)
      end
    end
  end
  if d.song then
    for i, n in ipairs(d.song) do
      if not sections[n] then
        local names = {}
        for k in pairs(sections) do names[#names + 1] = k end
        table.sort(names)
        error(("%ssong: entry %d is section '%s', which is not declared; sections: %s"):format(d.song_where or "", i, n,
          #names > 0 and table.concat(names, ", ") or "(none)"), 0)
      end
    end
  end
end

-- ---------------------------------------------------------------------------------------------
-- Scheduling with a song
-- ---------------------------------------------------------------------------------------------
-- The parameters a track has when it enters part p of the song: a section sets a parameter for the
-- whole of the section (a number, set as the section starts, or a pattern), and a parameter it
-- does not set is the track's own (what the track declares, or set() changed since) — so a
-- section's cutoff never sticks into the next section.  Returns the numbers to set on entering
-- (name -> value, or nil) and the parameter patterns to play there (name -> pattern, or nil).
local function part_params(song, p, t)
  local name = t.name
  local values = p.section.values[name] or {}
  local pats = p.section.params[name] or {}
  local set, play
  for k, pat in pairs(t.def.param_pats) do
    if values[k] == nil then play = play or {}; play[k] = pat end
  end
  for k, pat in pairs(pats) do play = play or {}; play[k] = pat end
  for _, q in ipairs(song.parts) do
    for k in pairs(q.section.values[name] or {}) do
      if not (play and play[k]) then
        set = set or {}
        set[k] = values[k] or t.params[k] or D.param_info[k].default
      end
    end
    for k in pairs(q.section.params[name] or {}) do
      if not (play and play[k]) then
        set = set or {}
        set[k] = values[k] or t.params[k] or D.param_info[k].default
      end
    end
  end
  return set, play
end

-- Splits transport window [a, b) at jumps and section boundaries; for each piece, the pattern the
-- track plays there, shifted so that pattern cycle 0 is the section's first bar, and the
-- parameters to set when the track enters a part (`state` remembers the part it is in: the
-- running track, or a scratch table for the MIDI export).
function A.song_plan(t, a, b, state)
  state = state or t
  local out = {}
  local layout = S.song
  if S.song_switch and a < S.song_switch and S.song_old then layout = S.song_old end
  local cuts = { a, b }
  for _, j in ipairs(S.jumps) do if j.t > a and j.t < b then cuts[#cuts + 1] = j.t end end
  if S.song_switch and S.song_switch > a and S.song_switch < b then cuts[#cuts + 1] = S.song_switch end
  table.sort(cuts, function(x, y) return x < y end)
  for i = 1, #cuts - 1 do
    local x, y = cuts[i], cuts[i + 1]
    if x < y then
      local lay = layout
      if S.song_switch and x >= S.song_switch then lay = S.song end
      local j = jump_at(x)
      local off = j.t - j.s           -- transport = song + off
      local sx, sy = x - off, y - off
      for _, p in ipairs(lay.parts) do
        local lo, hi = sx > p.start and sx or p.start, sy < p.stop and sy or p.stop
        if lo < hi then
          local pat = p.section.tracks[t.name]
          if pat == "own" then pat = t.notes end
          local set, play = part_params(lay, p, t)
          local seg = { a = lo + off, b = hi + off, pattern = pat, params = play, shift = off + p.start }
          if state._part ~= p then state._part = p; seg.set = set end
          out[#out + 1] = seg
        end
      end
    end
  end
  return out
end

-- When the song goes away (a reload without one), tracks get back their own parameters.
-- (Declared above, where the timeline is applied: `local restore_own` there.)
function restore_own(song, frame)
  for _, t in pairs(S.tracks) do
    if t._part then
      for _, q in ipairs(song.parts) do
        for _, tbl in ipairs({ q.section.values[t.name] or {}, q.section.params[t.name] or {} }) do
          for k in pairs(tbl) do
            if not t.def.param_pats[k] then
              local own = t.params[k]
              if own == nil and D.param_info[k] then own = D.param_info[k].default end
              if own ~= nil then pcall(E.param, t.handle, frame, k, own) end
            end
          end
        end
      end
      t._part = nil
    end
  end
end

-- Live: when the window reaches the end of the song or of a loop region, the song goes round.
function A.plan_jumps(a, b)
  if not S.song then return end
  local region = S.loop_region
  local lo, hi = R(0), S.song.length
  if region then lo, hi = region[1], region[2] end
  local j = jump_at(a)
  local sa = song_bar(a)
  if sa < hi then
    local t_end = j.t + (hi - j.s)
    if t_end > a and t_end < b then
      table.insert(S.jumps, { t = t_end, s = lo })
      relayout(t_end, lo)
    end
  elseif sa >= hi then
    -- already past the end (a loop region set behind the playhead): back at the next bar line
    local t = a:ceil()
    if t < b then
      table.insert(S.jumps, { t = t, s = lo })
      relayout(t, lo)
    end
  end
  -- a queued section starts at its bar, which may be where this window starts (or, if it was
  -- queued too late for its bar, at the next bar line)
  if S.queued and (S.queued.t < a and a:ceil() or S.queued.t) < b then
    local t = S.queued.t < a and a:ceil() or S.queued.t
    for i = #S.jumps, 1, -1 do if S.jumps[i].t >= t then table.remove(S.jumps, i) end end
    table.insert(S.jumps, { t = t, s = S.queued.s })
    relayout(t, S.queued.s)
    S.queued = nil
  end
  table.sort(S.jumps, function(x, y) return x.t < y.t end)
  local horizon = a - HISTORY_BARS
  while #S.jumps > 1 and S.jumps[2].t <= horizon do table.remove(S.jumps, 1) end
end

-- Offline the song ends (the transport bar where it does); live it goes round (see plan_jumps).
function A.song_end()
  local j = S.jumps[#S.jumps]
  return j.t + (S.render_stop or S.song.length) - j.s
end

function A.song_where(c)
  local sb = song_bar(c)
  local p = part_at(S.song, sb)
  if not p then return "after the song" end
  return ("%s (part %d of %d), bar %d of %d"):format(p.name, p.index, #S.song.parts, (sb - p.start):floor() + 1, p.section.bars)
end

local function find_part(name, level)
  level = level or 1
  if not S.song then err(level + 1, "there is no song: declare song { ... } first") end
  for _, p in ipairs(S.song.parts) do if p.name == name then return p end end
  local names = {}
  for _, p in ipairs(S.song.parts) do names[#names + 1] = p.name end
  err(level + 1, "no section '%s' in the song; sections: %s", tostring(name), table.concat(names, ", "))
end

A.find_part = find_part

-- jump("chorus"): at the next bar (lute.quantum bars), the playhead moves to the chorus.
function A.jump(name)
  local p = find_part(name, 2)
  local tb = T.next_switch_bar()
  -- drop later jumps (a jump replaces what was planned after it)
  local keep = {}
  for _, j in ipairs(S.jumps) do if j.t < tb then keep[#keep + 1] = j end end
  keep[#keep + 1] = { t = tb, s = p.start }
  S.jumps = keep
  S.queued = nil
  relayout(tb, p.start)
  return ("jumping to '%s' at bar %d"):format(name, tb:floor() + 1)
end

-- queue("bridge"): at the end of the current section, go to the bridge.
function A.queue(name)
  local p = find_part(name, 2)
  local c = S.sched
  local sb = song_bar(c)
  local cur = part_at(S.song, sb)
  local tb = cur and (c + (cur.stop - sb)) or T.next_switch_bar()
  S.queued = { t = tb, s = p.start }
  return ("'%s' queued at bar %d"):format(name, tb:floor() + 1)
end

-- loop_region(9, 17): repeat song bars 9 .. 16 (bars count from 1); loop_region() clears it.
function A.loop_region(from, to)
  if from == nil then S.loop_region = nil; return end
  if math.type(from) ~= "integer" or math.type(to) ~= "integer" or from < 1 or to <= from then
    err(2, "loop_region(from_bar, to_bar): whole bars counted from 1, with to > from (to is not played)")
  end
  S.loop_region = { R(from - 1), R(to - 1) }
end

-- ---------------------------------------------------------------------------------------------
-- Offline render span
-- ---------------------------------------------------------------------------------------------
-- opts: bars, seconds, from, to (1-based bars), section, tail (seconds).  Returns start frame and
-- frame count.  A song renders whole by default, with a 2 s tail for releases; otherwise 8 bars.
function A.render_span(opts)
  local rate = E.rate()
  local from, to
  if opts.section then
    local p = find_part(opts.section, 2)
    from, to = p.start, p.stop
  end
  if opts.from then from = R(math.floor(opts.from) - 1) end
  if opts.to then to = R(math.floor(opts.to) - 1) end
  if from and to and to <= from then err(2, "--to must be after --from") end
  if opts.bars and not to then to = (from or R(0)) + T.to_r(opts.bars) end
  from = from or R(0)
  if not to then to = S.song and S.song.length or R(8) end
  if S.song then
    -- the song starts at `from`: the scheduler plays from there and stops at `to`
    S.render_stop = to
  end
  local start = from > R(0) and T.frame_of_bar(from) - S.origin or 0
  local stop = T.frame_of_bar(to) - S.origin
  if opts.seconds then stop = start + math.floor(opts.seconds * rate + 0.5) end
  local tail = opts.tail
  if tail == nil then tail = (S.song and not opts.bars and not opts.seconds and not opts.to) and 2 or 0 end
  return start, stop - start + math.floor(tail * rate + 0.5)
end

-- ---------------------------------------------------------------------------------------------
-- Standard MIDI Files
-- ---------------------------------------------------------------------------------------------
local PPQ = 480

-- Collects the notes every track plays in song bars [from, to) as MIDI ticks, by running the same
-- plans the scheduler runs.
local function collect_notes(from, to)
  local tracks = {}
  local function tick_of_bar(c) return math.floor(T.bar_to_beat(c):tonumber() * PPQ + 0.5) end
  local base = tick_of_bar(from)
  for ti, name in ipairs(S.order) do
    local t = S.tracks[name]
    local notes = {}
    local plan = S.song and A.song_plan(t, from, to, {}) or { { a = from, b = to, pattern = t.notes, shift = R(0) } }
    for _, seg in ipairs(plan) do
      if seg.pattern then
        for _, ev in ipairs(Sc.pattern_notes(t, seg.pattern, seg.a, seg.b, seg.shift)) do
          for _, n in ipairs(ev.notes or {}) do
            local on = tick_of_bar(ev.on) - base
            notes[#notes + 1] = { tick = on, dur = math.max(1, tick_of_bar(ev.off) - base - on),
                                  note = math.max(0, math.min(127, math.floor(n + 0.5))),
                                  vel = math.max(1, math.min(127, math.floor(ev.vel * 127 + 0.5))), ch = (ti - 1) % 16 + 1 }
          end
        end
      end
    end
    table.sort(notes, function(a, b) return a.tick < b.tick or (a.tick == b.tick and a.note < b.note) end)
    tracks[#tracks + 1] = { name = name, notes = notes }
  end
  return tracks, base
end

-- lute.export_midi(path, {section =, from =, to =, bars =}): type 1, one track per lute track, the
-- tempo and meter maps, a marker per section.  Also `lute render song.lua --midi out.mid`.
function A.export_midi(path, opts)
  opts = opts or {}
  local smf = require "lute.smf"
  local saved_playing = S.playing
  local from, to = R(0), S.song and S.song.length or R(8)
  if opts.section then local p = find_part(opts.section, 2); from, to = p.start, p.stop end
  if opts.from then from = R(math.floor(opts.from) - 1) end
  if opts.to then to = R(math.floor(opts.to) - 1) end
  if opts.bars then to = from + T.to_r(opts.bars) end
  S.playing = true   -- plans read the song as the scheduler would
  local ok, tracks, base = pcall(collect_notes, from, to)
  S.playing = saved_playing
  if not ok then error(tracks, 2) end
  local function tick_of_beat(b) return math.floor(b * PPQ + 0.5) - base end
  local tempos, meters, markers = {}, {}, {}
  -- tempo: sample the map at every beat (ramps become steps of a beat, as most DAWs import them)
  local end_beat = T.bar_to_beat(to):tonumber()
  local last
  for b = T.bar_to_beat(from):tonumber(), end_beat, 1 do
    local bpm = S.tempo:bpm(b)
    if bpm ~= last then tempos[#tempos + 1] = { tick = math.max(0, tick_of_beat(b)), bpm = bpm }; last = bpm end
  end
  for _, m in ipairs(S.meters) do
    if m.bar < to then
      local b = m.bar < from and from or m.bar
      local tick = tick_of_beat(T.bar_to_beat(b):tonumber())
      if #meters > 0 and meters[#meters].tick == tick then meters[#meters] = nil end
      meters[#meters + 1] = { tick = tick, num = m.num, den = m.den }
    end
  end
  if S.song then
    for _, p in ipairs(S.song.parts) do
      if p.start >= from and p.start < to then
        markers[#markers + 1] = { tick = tick_of_beat(T.bar_to_beat(p.start):tonumber()), text = p.name }
      end
    end
  end
  local ok2, e = smf.write(path, { name = A.song_name or "lute", tracks = tracks, tempos = tempos,
                                   meters = meters, markers = markers, division = PPQ })
  if not ok2 then error(e, 2) end
  return path
end

-- A clip: fixed events {begin, end, value} (rationals, in cycles) repeating every `cycles` cycles.
-- The events are sorted by start, with the running maximum of their ends, so a query finds the
-- first event that can reach into it by binary search and reads on from there: O(log n + events
-- returned) per copy of the clip the query touches, whatever the clip's length.
local function clip(events, cycles)
  local len = R(cycles)
  local ev = {}
  for i, x in ipairs(events) do ev[i] = x end
  table.sort(ev, function(x, y) return x[1] < y[1] end)
  local n = #ev
  local reach = {}            -- reach[i]: the latest end among events 1 .. i
  for i = 1, n do
    local e = ev[i][2]
    reach[i] = (i > 1 and reach[i - 1] > e) and reach[i - 1] or e
  end
  -- the first index whose events can end after b (reach is non-decreasing)
  local function first_after(b)
    local lo, hi = 1, n + 1
    while lo < hi do
      local mid = (lo + hi) // 2
      if reach[mid] > b then hi = mid else lo = mid + 1 end
    end
    return lo
  end
  return P.new(function(b, e)
    local out = {}
    local k0, k1 = (b / len):floor(), (e / len):ceil()
    for k = k0, k1 do
      local off = len * k
      local lb, le = b - off, e - off       -- the query in this copy's own time
      for i = first_after(lb), n do
        local x = ev[i]
        if not (x[1] < le) then break end
        if x[2] > lb then
          local wb, we = x[1] + off, x[2] + off
          local pb, pe = wb < b and b or wb, we > e and e or we
          if pb < pe then
            out[#out + 1] = { whole = { b = wb, e = we }, part = { b = pb, e = pe }, value = x[3] }
          end
        end
      end
    end
    return out
  end)
end
A.clip = clip

-- lute.import_midi(path) -> { tracks = { name = clip pattern, ... }, bpm =, meter =, file = smf table }
-- A clip is a pattern, one cycle per bar of the file's first meter, whose values are tables
-- { note =, vel = }; assign it to a track's notes or a section.
function A.import_midi(path)
  local smf = require "lute.smf"
  local f, e = smf.read(path)
  if not f then error(e, 2) end
  local div = f.division
  local m = f.meters and f.meters[1] or { num = 4, den = 4 }
  local bar_ticks = div * m.num * 4 // m.den
  local out = { tracks = {}, order = {}, bpm = f.tempos and f.tempos[1] and f.tempos[1].bpm or 120,
                meter = ("%d/%d"):format(m.num, m.den), file = f }
  for i, tr in ipairs(f.tracks) do
    if tr.notes and #tr.notes > 0 then
      local haps = {}
      local last = 0
      for _, n in ipairs(tr.notes) do
        haps[#haps + 1] = { R(n.tick, bar_ticks), R(n.tick + math.max(1, n.dur), bar_ticks),
                            { note = n.note, vel = n.vel / 127 } }
        if n.tick + n.dur > last then last = n.tick + n.dur end
      end
      local cycles = math.max(1, -(-last // bar_ticks))
      local name = (tr.name and tr.name ~= "") and tr.name or ("track" .. i)
      out.tracks[name] = clip(haps, cycles)
      out.order[#out.order + 1] = name
    end
  end
  return out
end

-- ---------------------------------------------------------------------------------------------
-- The plan provider and the declaration part
-- ---------------------------------------------------------------------------------------------
A.song_provider = {
  plan = A.song_plan,
  -- offline the song ends; live it goes round, through the jumps planned in `before`
  window = function(from, to)
    if E.live() then return to end
    local e = A.song_end()
    return to > e and e or to
  end,
  before = function(from, to)
    -- a relayout that switched at bar song_switch is over once the scheduler is past it
    if S.song_switch and from >= S.song_switch then S.song_old, S.song_switch = nil, nil end
    if E.live() then A.plan_jumps(from, to) end
  end,
  where = A.song_where,
}

Rc.part{ name = "timeline", order = 10,
  begin = function(d) d.sections, d.section_order = {}, {} end,
  validate = A.validate,
  apply = function(d)
    if d.full or d.tempo or d.meters or d.song or d.tempo_map or d.meter_map or next(d.sections) then
      A.apply_timeline(d)
    end
  end }

return A
