-- test_automation.lua — automation in the language, offline: the curves' values against their
-- formulas, the error of the linear pieces the engine plays against the analytic curve, the frames
-- and ramps sent (a segment starts on its exact frame), song time through sections and jumps,
-- re-evaluation (replace, remove, REPL vs file), errors at the user's line that change nothing,
-- automation():lua() round trips, recorded takes thinned within half a controller step, note values
-- that follow the tempo.  The sound itself is measured in tests/e2e/test_automation.
local core = require "lute.core"
local R = require "rational"
local Au = require "lute.automation"
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end
local RATE = core.rate()
local BAR = 4 * 60 / 120 * RATE   -- 120 bpm, 4/4

-- A fresh session from a stopped transport; returns the automation events of `frames` rendered.
local function events(list, name)
  local out = {}
  for _, x in ipairs(list) do if x.automation and (not name or x.automation == name) then out[#out + 1] = x end end
  return out
end
local function fresh(src, frames)
  lute.stop(); S.stopped_by_user = false
  local ok, e = lute.eval(src, "song.lua")
  assert(ok, e)
  lute.trace(true, "params")
  core.render(frames or 0)
  return lute.trace()
end
local function more(frames)
  lute.trace(true, "params")
  core.render(frames)
  return lute.trace()
end
local function origin() return S.origin end

-- 1. The curves' values against their formulas.
do
  local sa = Au.shape_at
  check(sa("lin", 200, 4000, 0.25) == 200 + 3800 * 0.25, "lin at 1/4")
  check(math.abs(sa("exp", 200, 4000, 0.5) - math.sqrt(200 * 4000)) < 1e-9, "exp at 1/2 is the geometric mean: %g", sa("exp", 200, 4000, 0.5))
  check(math.abs(sa("s", 0, 1, 0.5) - 0.5) < 1e-12 and math.abs(sa("s", 0, 1, 0.25) - (1 - math.cos(math.pi / 4)) / 2) < 1e-12,
    "S-curve: half way at 1/2, raised cosine at 1/4")
  check(sa("step", 3, 7, 0.999) == 3 and sa("step", 3, 7, 1) == 7, "step holds until its point")
end

-- 2. The linear pieces against the analytic curve: sample each action's line densely.
local function piece_error(src, name)
  local ok, e = lute.eval(src, "song.lua")
  assert(ok, e)
  local lane = S.automation[name].lane
  local worst_rel, worst_abs = 0, 0
  local pts = lane.pts
  for i, ac in ipairs(lane.actions) do
    local prev = i > 1 and lane.actions[i - 1].value or pts[1].value
    if ac.to ~= ac.at then
      local a, b = ac.at:tonumber(), ac.to:tonumber()
      for k = 0, 16 do
        local u = a + (b - a) * k / 16
        local line = prev + (ac.value - prev) * k / 16
        local exact = Au.curve_value(pts, u)
        worst_abs = math.max(worst_abs, math.abs(line - exact))
        worst_rel = math.max(worst_rel, math.abs(line - exact) / math.abs(exact))
      end
    end
  end
  return worst_rel, worst_abs, #lane.actions
end
do
  local rel, _, n = piece_error('track "a" {} automate("a.cutoff", { {0, 200}, {8, 4000, "exp"} })', "a.cutoff")
  check(rel <= Au.TOL, "exp 200 -> 4000 Hz over 8 bars: %d pieces, worst relative error %.2e (<= %g: %.3f cents)", n, rel, Au.TOL,
    1200 * math.log(1 + rel, 2))
  print(("measured: exp 200 -> 4000 Hz in %d pieces, worst error %.2e relative (%.4f cents)"):format(n, rel, 1200 * math.log(1 + rel, 2)))
  local _, abs, n2 = piece_error('track "a" {} automate("a.cutoff", { {0, 4000}, {8, 300, "s"} })', "a.cutoff")
  check(abs <= Au.TOL * 3700 * 1.01, "S 4000 -> 300 Hz over 8 bars: %d pieces, worst error %.3f Hz (<= %g of the span)", n2, abs, Au.TOL)
  print(("measured: S-curve 4000 -> 300 Hz in %d pieces, worst error %.4f Hz (%.2e of the span)"):format(n2, abs, abs / 3700))
  local _, abs3, n3 = piece_error('track "a" {} automate("a.gain", { {0, -40}, {1, 0, "s"} })', "a.gain")
  check(abs3 <= Au.TOL * 40 * 1.01, "S -40 -> 0 dB over a bar: %d pieces, worst %.4f dB", n3, abs3)
  print(("measured: S-curve -40 -> 0 dB over 1 bar in %d pieces, worst error %.5f dB"):format(n3, abs3))
  local rel4, _, n4 = piece_error('track "a" {} automate("a.cutoff", { {0, 40}, {0.25, 16000, "exp"} })', "a.cutoff")
  check(n4 == 128, "a steep exp over a quarter bar is capped at 1/512 bar pieces: %d", n4)
  print(("measured: exp 40 -> 16000 Hz over 1/4 bar (capped at 1/512 bar pieces): %d pieces, worst %.2e relative"):format(n4, rel4))
end

-- 3. The frames sent: a curve syncs on the transport's first frame, each segment starts on its
-- frame, a step is exact (and, on a strip, sent again one frame later so the strip cannot smear it).
do
  local src = [[
tempo(120)
track "t" { notes = "c4", gain = 0 }
automate("t.gain", { {0, -20}, {1, 0}, {1.5, -6, "step"}, {2, -30, "s"}, {2.5, -3, "step"} })
]]
  local tr = fresh(src, 3 * BAR)
  local ev = events(tr, "t.gain")
  local o = origin()
  check(ev[1] and ev[1].frame == o and ev[1].value == -20 and ev[1].ramp == 0, "the first value at the first frame, at once: %s",
    ev[1] and ("%d %g %d"):format(ev[1].frame - o, ev[1].value, ev[1].ramp) or "none")
  -- the linear segment: 4 quarter-bar ramps, each from its frame
  local lin = {}
  for _, x in ipairs(ev) do if x.frame >= o and x.frame < o + BAR and x.ramp > 0 then lin[#lin + 1] = x end end
  local ok = #lin == 4
  for k, x in ipairs(lin) do
    ok = ok and x.frame == o + (k - 1) * BAR / 4 + (k == 1 and 1 or 0) and math.abs(x.value - (-20 + 5 * k)) < 1e-9
  end
  check(ok, "a linear segment: ramps of a quarter bar each from its exact frame (the first moved one frame after the sync)")
  local step
  for _, x in ipairs(ev) do if x.value == -6 and x.ramp == 0 then step = step or x end end
  check(step and step.frame == o + 1.5 * BAR, "the step on its frame: %s (want %d)", step and step.frame - o, 1.5 * BAR)
  -- a strip interpolates between its events: what follows a step at once moves a frame on, and a
  -- step with nothing after it is sent again a frame on, so the step is whole on its frame
  local moved, again
  for _, x in ipairs(ev) do
    if x.frame == o + 1.5 * BAR + 1 then moved = x end
    if x.frame == o + 2.5 * BAR + 1 then again = x end
  end
  local first = lute.frame_of_bar(R(3, 2) + R(1, 158)) - lute.frame_of_bar(R(3, 2))
  check(moved and moved.ramp == first - 1 and moved.value < -6, "the S-curve after the step starts a frame on, arriving on time: %s",
    moved and moved.ramp)
  check(again and again.value == -3 and again.ramp == 0, "the last step is sent again a frame on")
  -- deterministic: the same script sends the same events
  local tr2 = fresh(src, 3 * BAR)
  local ev2 = events(tr2, "t.gain")
  local function upto(list, o2)
    local out = {}
    for _, x in ipairs(list) do if x.frame < o2 + 2.75 * BAR then out[#out + 1] = x end end
    return out
  end
  ev, ev2 = upto(ev, o), upto(ev2, origin())
  local same = #ev == #ev2
  for i = 1, math.min(#ev, #ev2) do
    same = same and ev[i].frame - o == ev2[i].frame - origin() and ev[i].value == ev2[i].value and ev[i].ramp == ev2[i].ramp
  end
  check(same, "the same script sends the same events (%d and %d)", #ev, #ev2)
end

-- 4. Positions: bars from 0, or "bar:beat" from 1 in the meter there.
do
  assert(lute.eval('meter("7/8") track "a" {} automate("a.pan", { {"1:1", -1}, {"2:4", 0}, {"3:1", 1} })', "song.lua"))
  local pts = S.automation["a.pan"].lane.pts
  check(pts[1].at == R(0) and pts[2].at == R(1) + R(3, 7) and pts[3].at == R(2), "\"2:4\" in 7/8 is bar 1 + 3/7: %s", tostring(pts[2].at))
  assert(lute.eval('track "a" {} automate("a.pan", { {0, -1}, {"9:3", 1}, {8.75, 0} })', "song.lua"))
  pts = S.automation["a.pan"].lane.pts
  check(pts[2].at == R(17, 2) and pts[3].at == R(35, 4), "\"9:3\" in 4/4 is 8.5; 8.75 is 35/4")
end

-- 5. Errors at the user's line that change nothing.
do
  assert(lute.eval([[
bus "verb" { fx = { reverb{ mix = 1 } } }
track "lead" { notes = "c4", sends = { verb = -20 }, fx = { delay{ key = "echo" }, lpf{}, lpf{} } }
automate("lead.cutoff", { {0, 200}, {4, 2000} })
]], "song.lua"))
  local before = automation("lead.cutoff"):lua()
  local cases = {
    { 'automate("lead.cutof", 300)', "has no parameter 'cutof'; it has: gain, pan" },
    { 'automate("lead.detune", { {0, 0}, {4, 3000} })', "detune = 3000 is out of range (-1200 .. 1200 cents)" },
    { 'automate("lead.send.drums", -6)', "has no send to 'drums'" },
    { 'automate("lead.echo.tim", 0.2)', "the delay insert 'echo' has no parameter 'tim'; its parameters: time" },
    { 'automate("lead.lpf#3.cutoff", 300)', "lpf#2.<lpf parameter>" },
    { 'automate("lead.gain", { {0, -10}, {1, 0, "exp"} })', "an exponential segment needs two values of the same sign" },
    { 'automate("lead.gain", { {4, -10}, {1, 0} })', "point 2 (1) comes before point 1" },
    { 'automate("lead.gain", { {0, -10}, {1, 0, "cubic"} })', 'shapes: "lin"' },
    { 'automate("lead.gain", { {"0:1", -10} })', '"bar:beat" counted from 1' },
    { 'automate("keys.gain", -6)', "no track or bus 'keys'; tracks: lead; buses: verb" },
    { 'automate("master.limiter.ceiling", -1)', '"master.gain"' },
    { 'automate("lead.gain", "<-10 high>")', "gain takes a number" },
    { 'automate("lead.gain", function(bar) return 99 end)', "gain = 99 is out of range" },
    { 'automate("lead.echo.feedback", "1/8")', "only a time takes" },
    { 'automate("lead", 3)', 'a target is "track.param"' },
    { 'automate("lead.gain")', "say what the parameter does" },
    { 'automate("lead.gain", nil)', "(false: no automation)" },
    { 'track "p" { notes = "c4", cutoff = "<300 900>" } automate("p.cutoff", 500)', "plays cutoff as a pattern" },
    { 'section "s" { bars = 1, mix = { ["lead.send.drums"] = -6 } }', "has no send to 'drums'" },
    { 'section "s" { bars = 1, lead = { ["echo.feedback"] = 3 } }', "feedback = 3 is out of range" },
  }
  for i, c in ipairs(cases) do
    local src = 'bus "verb" { fx = { reverb{ mix = 1 } } }\ntrack "lead" { notes = "c4", sends = { verb = -20 }, '
      .. 'fx = { delay{ key = "echo" }, lpf{}, lpf{} } }\nautomate("lead.cutoff", { {0, 900}, {4, 2000} })\n' .. c[1] .. "\n"
    local ok, e = lute.eval(src, "song.lua")
    check(not ok and e:find("song.lua:4:", 1, true) and e:find(c[2], 1, true),
      "error %d at the user's line, saying what would be right: %s", i, tostring(e))
  end
  check(automation("lead.cutoff"):lua() == before, "a failed evaluation changed no automation")
end

-- 6. automation():lua() prints Lua that declares the same curve again.
do
  assert(lute.eval([[
track "bass" { notes = "c2" }
automate("bass.cutoff", { {0, 200}, {8, 4000, "exp"}, {"13:3", 1000.5, "s"}, {16, 300, "step"}, {16.125, 320} })
]], "song.lua"))
  local text = automation("bass.cutoff"):lua()
  check(text:find('{8, 4000, "exp"},  -- 9:1', 1, true) and text:find('{12.5, 1000.5, "s"},  -- 13:3', 1, true),
    "the printed curve has each point, shape and bar:beat: %s", text)
  assert(lute.eval('track "bass" { notes = "c2" }\n' .. text, "song.lua"))
  check(automation("bass.cutoff"):lua() == text, "the printed Lua declares the same curve (printed again identically)")
  local shown = tostring(automation("bass.cutoff"))
  check(shown:find("5 points over bars 0 .. 16.125", 1, true) and shown:find("13:3", 1, true), "automation() shows the points: %s", shown)
  assert(lute.eval('track "bass" { notes = "c2" } automate("bass.gain", "<-20 -12>")', "song.lua"))
  check(automation("bass.gain"):lua() == 'automate("bass.gain", "<-20 -12>")', "a pattern prints as its text")
end

-- 7. Sections: mix settings for their span, counted from the section's first bar; a section's own
-- parameter (lead = { cutoff = 800 }) silences the automation there; leaving a section restores.
do
  local tr = fresh([[
tempo(120)
bus "verb" { fx = { reverb{ mix = 1 } } }
track "lead" { notes = "c4", sends = { verb = -20 }, cutoff = 500 }
section "a" { bars = 1, lead = {} }
section "b" { bars = 1, lead = { sends = { verb = -6 }, width = 0.5 }, mix = { ["lead.cutoff"] = { {0, 1000}, {1, 3000} } } }
section "c" { bars = 1, lead = { cutoff = 800 } }
song { "a", "b", "c", "b" }
automate("lead.cutoff", { {0, 100}, {4, 500} })
]], math.floor(4.5 * BAR))
  local o = origin()
  local function at(name, frame)
    local out = {}
    for _, x in ipairs(events(tr, name)) do if x.frame == o + frame then out[#out + 1] = x end end
    return out
  end
  local b1 = at("lead.cutoff", BAR)
  check(#b1 == 2 and b1[1].value == 1000 and b1[1].ramp == 0 and b1[2].value == 1500, "section b's curve starts at its own bar 0 (1000 Hz, at once)")
  local send_b = at("lead.send.verb", BAR)[1]
  check(send_b and send_b.value == -6 and send_b.ramp == 0, "section b's send level from its first frame")
  local send_c = at("lead.send.verb", 2 * BAR)[1]
  check(send_c and send_c.value == -20, "leaving section b: the send's own level again (%s)", send_c and send_c.value)
  local in_c = 0
  for _, x in ipairs(events(tr, "lead.cutoff")) do if x.frame >= o + 2 * BAR and x.frame < o + 3 * BAR then in_c = in_c + 1 end end
  check(in_c == 0, "section c sets cutoff its own way: the automation is silent there (%d events)", in_c)
  local b2 = at("lead.cutoff", 3 * BAR)
  check(#b2 == 2 and b2[1].value == 1000, "the second b starts its curve again")
  local w, w1 = at("lead.width", BAR), at("lead.width", BAR + 1)
  check(#w == 1 and w[1].value == 0.5 and w[1].ramp == 0 and #w1 == 1 and w1[1].value == 0.5,
    "a section's width is a step on the strip (sent again a frame on)")
  local g = at("lead.cutoff", 0)
  check(#g >= 1 and g[1].value == 100, "outside the sections that set it, the song's automation (100 Hz at bar 0)")
  check(tostring(automation("lead.cutoff")):find("sections that set it for their span: b", 1, true), "automation() names the sections")
end

-- 8. Jumps keep automation in song time.
do
  local tr = fresh([[
tempo(120)
track "t" { notes = "c4" }
section "a" { bars = 4, t = {} }
section "b" { bars = 4, t = {} }
song { "a", "b" }
automate("t.pan", { {0, -1}, {8, 1} })
]], BAR)
  check(#events(tr) > 0, "the lane plays in section a")
  jump("b")
  local f = lute.frame_of_bar(lute.next_switch_bar())
  local tr2 = more(2 * BAR)
  local ev = {}
  for _, x in ipairs(events(tr2, "t.pan")) do if x.frame == f or x.frame == f + 1 then ev[#ev + 1] = x end end
  -- after the jump the song is at bar 4: pan 0, set at once, then the ramp on
  check(#ev >= 1 and math.abs(ev[1].value - 0) < 1e-12 and ev[1].ramp == 0,
    "after jump(\"b\") the lane is at song bar 4 (pan 0, at once): %s", ev[1] and ev[1].value)
  check(#ev >= 2 and math.abs(ev[2].value - 0.0625) < 1e-12, "and goes on along the curve from there (%s)", ev[2] and ev[2].value)
end

-- 9. Re-evaluation: a replaced curve glides in at the switch; a removed one gives the parameter its
-- own value back; what the REPL added stays when the file is saved again.
do
  local src = [[
tempo(120)
track "lead" { notes = "c4", cutoff = 500, gain = -6 }
automate("lead.cutoff", { {0, 100}, {4, 500} })
automate("lead.gain", { {0, -6}, {8, -20} })
]]
  fresh(src, math.floor(1.2 * BAR))
  assert(lute.eval([[
tempo(120)
track "lead" { notes = "c4", cutoff = 500, gain = -6 }
automate("lead.cutoff", { {0, 100}, {4, 900} })
]], "song.lua"))
  local sw = lute.frame_of_bar(lute.next_switch_bar())
  local tr = more(2 * BAR)
  local c, g = {}, {}
  for _, x in ipairs(events(tr, "lead.cutoff")) do if x.frame == sw then c[#c + 1] = x end end
  for _, x in ipairs(events(tr, "lead.gain")) do if x.frame >= sw then g[#g + 1] = x end end
  check(#c == 1 and c[1].ramp > 0 and math.abs(c[1].value - (100 + 800 * 2.25 / 4)) < 1e-9,
    "the new curve glides in at the switch (a ramp from where the parameter is, no jump): %s", c[1] and c[1].value)
  check(#g == 1 and g[1].value == -6 and g[1].ramp == -1, "the removed gain curve: its own -6 dB again, gliding (%d events)", #g)
  assert(lute.eval('automate("lead.pan", { {0, -1}, {16, 1} })', "stdin", true))
  assert(lute.eval(src, "song.lua"))
  local names = {}
  for n, e in pairs(S.automation) do if e.lane then names[#names + 1] = n .. "=" .. e.origin end end
  table.sort(names)
  check(table.concat(names, " ") == "lead.cutoff=file lead.gain=file lead.pan=repl",
    "the REPL's lane stays when the file is saved again: %s", table.concat(names, " "))
end

-- 10. mute() keeps a gain lane quiet; unmute() glides back onto the curve.
do
  fresh([[
tempo(120)
track "t" { notes = "c4" }
automate("t.gain", { {0, -30}, {8, 0} })
]], BAR)
  mute("t")
  local tr = more(BAR)
  local during = #events(tr, "t.gain")
  unmute("t")
  local tr2 = more(BAR)
  local ev = events(tr2, "t.gain")
  check(during == 0 and #ev > 0 and ev[1].ramp ~= 0, "muted: no gain events (%d); unmuted: back on the curve, gliding (%s)",
    during, ev[1] and ev[1].ramp)
end

-- 11. Patterns, functions and the master.
do
  local tr = fresh([[
tempo(120)
bus "verb" { fx = { reverb{ mix = 1 } } }
track "t" { notes = "c4", sends = { verb = -30 }, fx = { gain{ key = "trim" } } }
automate("t.send.verb", "<-20 -12>")
automate("t.trim.gain", function(bar) return -6 + 6 * math.sin(bar * 2 * math.pi) end)
automate("master.gain", { {0, -10}, {1, 0} })
]], 2 * BAR)
  local o = origin()
  local s = events(tr, "t.send.verb")
  check(#s >= 3 and s[1].value == -20 and s[1].ramp == 0 and s[3].frame == o + BAR and s[3].value == -12 and s[3].ramp == -1,
    "a pattern: each value at its onset, gliding (%d events)", #s)
  local f = events(tr, "t.trim.gain")
  local grid_ok = true
  for i = 3, #f do grid_ok = grid_ok and (f[i].frame - o) % (BAR // 64) == 0 and f[i].ramp == BAR // 64 end
  local x = f[10]
  local u = (x.frame - o) / BAR + 1 / 64
  check(grid_ok and math.abs(x.value - (-6 + 6 * math.sin(u * 2 * math.pi))) < 1e-9,
    "a function: sampled every 1/64 bar, each ramp arriving on the next sample's value (%d events)", #f)
  local m = events(tr, "master.gain")
  local step = math.floor(0.01 * RATE)
  local mo = #m > 10
  for i = 1, #m do mo = mo and (m[i].frame - o) % step == 0 end
  check(mo and math.abs(m[5].value - (-10 + 10 * ((m[5].frame - o + step) / BAR))) < 1e-9,
    "the master's gain: a value every %d frames (its 10 ms glide), each the curve one step ahead (%d events)", step, #m)
  messages = {}
  fresh('track "t" { notes = "c4" } automate("t.pan", function(bar) if bar > 0.5 then error("boom") end return 0 end)', BAR)
  local n = 0
  for _, msg in ipairs(messages) do if msg:find("boom", 1, true) and msg:find("song.lua:1:", 1, true) then n = n + 1 end end
  check(n == 1, "a function that fails later is skipped with one message at its line (%d)", n)
end

-- 12. Note values: a time written "3/16" is that much of a whole note at the tempo, and follows it.
do
  local tr = fresh([[
tempo(130)
track "lead" { notes = "c4", fx = { delay{ time = "3/16", mix = 0.5 } } }
section "a" { bars = 1, lead = {} }
section "b" { bars = 1, tempo = 65, lead = {} }
song { "a", "b" }
]], 2 * BAR)
  local d = S.tracks.lead.def.fx[1]
  check(math.abs(d.params.time - 0.75 * 60 / 130) < 1e-12, "delay{ time = \"3/16\" } at 130 bpm is %.6f s", d.params.time)
  local ev = events(tr, "lead.delay.time")
  local b = lute.frame_of_bar(R(1)) - origin()
  check(#ev == 2 and ev[2].frame - origin() == b and math.abs(ev[2].value - 0.75 * 60 / 65) < 1e-12,
    "and follows the tempo: %.6f s from the first frame of the section at 65 bpm", ev[2] and ev[2].value or 0)
  check(Au.note_value("1/8.") == 0.1875 and math.abs(Au.note_value("1/4t") - 1 / 6) < 1e-15 and Au.note_value("3/0") == nil,
    "dotted and triplet note values")
  tr = fresh([[
tempo(120)
track "lead" { notes = "c4", fx = { delay{} } }
automate("lead.delay.time", { {0, "1/8"}, {1, "1/4", "step"} })
]], 2 * BAR)
  ev = events(tr, "lead.delay.time")
  local at1
  for _, x in ipairs(ev) do if x.frame == origin() + BAR then at1 = x end end
  check(ev[1] and math.abs(ev[1].value - 0.25) < 1e-12 and at1 and at1.value == 0.5 and at1.ramp == 0,
    "a curve of note values: 1/8 = 0.25 s, then a step to 1/4 = 0.5 s at 120 bpm")
end

-- 13. Recorded takes: thinned within half a controller step, exp maps give exp segments, a later
-- pass over the same bars replaces the earlier one.
do
  local map = { lo = 200, hi = 8000, curve = "exp" }
  local raw = {}
  for k = 0, 127 do raw[#raw + 1] = { bar = k / 127, x = k / 127 } end       -- a steady sweep up over a bar
  for k = 0, 63 do raw[#raw + 1] = { bar = 1 + k / 64, x = 1 - k / 126 } end  -- and half way down over the next
  local spec, moves, kept = Au.take_spec(raw, map)
  check(moves == 192 and kept == 3, "a sweep up and half down: %d moves kept as %d points", moves, kept)
  check(spec.points[2].shape == "exp" and spec.points[2].value == 8000, "an exp map gives exp segments reaching 8000 Hz")
  -- a wobble: thinned within half a step of every move
  raw = {}
  for k = 0, 9600 do   -- a controller sends a message when its value changes
    local x = math.floor(63.5 + 63.5 * math.sin(k / 4800 * 2 * math.pi * 3) + 0.5) / 127
    if #raw == 0 or raw[#raw].x ~= x then raw[#raw + 1] = { bar = k / 4800, x = x } end
  end
  local lin = { lo = 0, hi = 1, curve = "lin" }
  spec, moves, kept = Au.take_spec(raw, lin)
  local worst = 0
  local pts = {}
  for i, p in ipairs(spec.points) do pts[i] = { x = p.pos.bars:tonumber(), value = p.value, shape = "lin" } end
  for _, r in ipairs(raw) do worst = math.max(worst, math.abs(Au.curve_value(pts, r.bar) - r.x)) end
  check(worst <= 0.5 / 127 + 1e-6 and kept < moves / 4, "a wobble over 2 bars: %d moves -> %d points, worst %.4f (<= half a step %.4f)",
    moves, kept, worst, 0.5 / 127)
  print(("measured: recorded wobble %d moves thinned to %d points, worst deviation %.2f controller steps"):format(moves, kept, worst * 127))
  -- two passes over bars 0..1 (a loop region): the second replaces the first
  raw = { { bar = 0, x = 0 }, { bar = 0.5, x = 0 }, { bar = 1, x = 0 }, { bar = 0, x = 1 }, { bar = 1, x = 1 } }
  spec = Au.take_spec(raw, lin)
  check(#spec.points == 2 and spec.points[1].value == 1 and spec.points[2].value == 1, "a second pass replaces the first")
  -- arm needs a mapped controller
  assert(lute.eval('track "k" { notes = "c4" }', "song.lua"))
  local ok, e = pcall(arm, "k.cutoff")
  check(not ok and e:find("no controller is mapped", 1, true) and e:find("midi.learn", 1, true), "arm() without a map says how to map: %s", e)
  assert(lute.eval('track "k" { notes = "c4" } midi.map{cc = 74, to = "k.cutoff", min = 200, max = 8000, curve = "exp"}', "song.lua"))
  check(tostring(arm("k.cutoff")):find("CC 74", 1, true) and disarm():find("no moves recorded", 1, true), "arm() and disarm() with a map")
end

print(("test_automation: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
