-- test_mix_edits.lua — live edits of the mix are heard without a click (lute exec).
--
-- A steady 440 Hz sine plays while the script is re-evaluated: an insert is added, then removed; a
-- send to a reverb bus is added, its level changed, then removed; a bus is added and the track routed
-- to it.  Around each switch the largest step between two samples is compared with the sine's own
-- (0.0576 of its amplitude at 440 Hz): a click is a step well above it.  The sine's level after each
-- edit is measured too, so an edit that silenced the track would not pass for a smooth one.
local core = require "lute.core"
local passed, failed = 0, 0
local function check(ok, msg, ...)
  if ok then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL ", string.format(msg, ...), "\n") end
end

local BAR = 96000
local function samples(pcm)   -- the left channel
  local x = {}
  for i = 1, #pcm // 8 do x[i] = string.unpack("<f", pcm, 8 * i - 7) end
  return x
end
local function largest_step(x, a, b)
  local m = 0
  for i = math.max(a, 2), math.min(b, #x) do m = math.max(m, math.abs(x[i] - x[i - 1])) end
  return m
end
local function peak(x, a, b)
  local m = 0
  for i = a, math.min(b, #x) do m = math.max(m, math.abs(x[i])) end
  return m
end

local HEAD = 'tempo(120)\npatch "s" (function(v) return sine(440) * 0.5 end)\n'
local function song(track, extra)
  return HEAD .. (extra or "") .. 'track "a" { patch = "s", notes = mini("a4"):slow(64), legato = 1, gain = 0' .. (track or "") .. ' }\n'
end

assert(lute.eval(song(), "song.lua"))
lute.play()
core.render(2 * BAR)
local _, pcm = core.render(BAR, true)
local x = samples(pcm)
local steady_step, steady_peak = largest_step(x, 1, #x), peak(x, 1, #x)
check(steady_peak > 0.3, "the sine plays (peak %.3f)", steady_peak)
print(("measured: the sine alone: peak %.4f, largest step %.4f"):format(steady_peak, steady_step))

-- Each edit: evaluate, render two bars (the switch is at the next bar), and compare the largest step
-- between samples within 20 ms of the switch with the largest one in the rest of the render (where
-- the edited mix plays steadily): a click is a step at the switch well above both.
local function edit(what, src)
  local ok, e = lute.eval(src, "song.lua")
  check(ok, "%s: evaluates: %s", what, tostring(e))
  local first = core.frame()
  local sw = lute.frame_of_bar(lute.next_switch_bar()) - first + 1   -- the switch's index in y (1-based)
  local _, p = core.render(2 * BAR, true)
  local y = samples(p)
  local at = largest_step(y, sw - 960, sw + 960)
  local rest = math.max(largest_step(y, 1, sw - 1000), largest_step(y, sw + 1000, #y))
  local after = peak(y, #y - BAR // 2, #y)
  check(sw > 1000 and sw < #y - 1000 and at <= 1.1 * math.max(rest, steady_step),
    "%s: no click — the largest step at the switch %.4f, elsewhere %.4f (the sine alone %.4f)", what, at, rest, steady_step)
  print(("measured: %s: largest step at the switch %.4f, elsewhere %.4f; peak after %.3f"):format(what, at, rest, after))
  return after
end

local p1 = edit("an insert added (lpf at 12 kHz)", song(', fx = { lpf{ cutoff = 12000 } }'))
edit("a second insert that changes the sound (lpf at 300 Hz) added before it", song(', fx = { lpf{ cutoff = 300 }, lpf{ cutoff = 12000 } }'))
check(math.abs(p1 - steady_peak) < 0.02 * steady_peak, "... the sine goes on through it at its level (%.3f)", p1)
edit("the insert removed", song())
local VERB = 'bus "verb" { fx = { reverb{ size = 0.6, mix = 1 } } }\n'
edit("a send to a reverb bus added", song(', sends = { verb = -12 }', VERB))
edit("the send's level changed (-12 -> 0 dB)", song(', sends = { verb = 0 }', VERB))
edit("the send removed", song(nil, VERB))
local GRP = 'bus "grp" { gain = 0 }\n'
local p2 = edit("the track routed to a new group bus", song(', out = "grp"', GRP))
check(math.abs(p2 - steady_peak) < 0.02 * steady_peak, "... and heard through it at its level (%.3f)", p2)
edit("back to the master", song())

print(("test_mix_edits: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
