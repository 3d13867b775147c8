-- test_song_live.lua — a song as it plays live, decided bar by bar, with the scheduler in lockstep
-- (core.live is made to answer true, which is all the song's scheduling asks): the form goes round,
-- jump() and queue() land on the bars they announce, loop_region() repeats its bars and, set behind
-- the playhead, goes back at the next bar line (never mid-bar), where() names what is heard.
-- tests/live/test_live_song checks the same through JACK; this one does not depend on the machine.
local core = require "lute.core"
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end

local real_live = core.live
core.live = function() return true end
local BAR = 48000          -- 240 bpm
local SECTION = { [69] = "A", [72] = "B", [76] = "C", [79] = "D" }
assert(lute.eval([[tempo(240)
track "t" { legato = 0.5 }
section "A" { bars = 2, t = "a4 ~ a4 ~" }
section "B" { bars = 2, t = "c5 ~ c5 ~" }
section "C" { bars = 2, t = "e5 ~ e5 ~" }
section "D" { bars = 2, t = "g5 ~ g5 ~" }
song { "A", "B", "C", "D" }]], "song.lua"))

-- bar by bar, which section each transport bar plays ("-" for a bar whose notes are not its
-- section's two notes on the bar's first and middle frames)
local heard = {}
local function play_bars(n)
  lute.trace(true)
  core.render(BAR * n)
  for _, x in ipairs(lute.trace()) do
    local k, off = (x.frame - S.origin) // BAR, (x.frame - S.origin) % BAR
    local h = heard[k + 1] or { notes = {}, ok = true }
    heard[k + 1] = h
    h.notes[#h.notes + 1] = SECTION[x.note] or "?"
    if off ~= 0 and off ~= BAR // 2 then h.ok = false end
  end
end
local function seq(from, to)
  local out = {}
  for k = from, to do
    local h = heard[k]
    out[#out + 1] = (h and h.ok and #h.notes == 2 and h.notes[1] == h.notes[2]) and h.notes[1] or "-"
  end
  return table.concat(out)
end
-- the transport bar the scheduler has reached (1-based)
local function at() return S.sched:floor() + 1 end

play_bars(10.25)
check(seq(1, 10) == "AABBCCDDAA", "live, the form plays and goes round: %s", seq(1, 10))
local w = where()
local wsec, wbar = w:match("^(%u) %(part %d of 4%), bar %d of 2, bar (%d+),")

-- jump("D"): at the next bar
local msg = jump("D")
local jb = tonumber(msg:match("at bar (%d+)"))
play_bars(4)
check(jb and seq(jb, jb + 2) == "DDA", "jump('D'): D from bar %s for its two bars, then A: %s", tostring(jb), seq((jb or 2) - 1, (jb or 2) + 2))
check(wsec and seq(tonumber(wbar), tonumber(wbar)) == wsec, "where() said %s in bar %s, and that bar played %s",
  tostring(wsec), tostring(wbar), wbar and seq(tonumber(wbar), tonumber(wbar)) or "?")

-- queue("C"): at the end of the section playing
msg = queue("C")
local qb = tonumber(msg:match("at bar (%d+)"))
play_bars(5)
check(qb and seq(qb, qb + 2) == "CCD" and seq(qb - 1, qb - 1) ~= "C", "queue('C'): the section playing ends, C from bar %s, then D: %s",
  tostring(qb), seq((qb or 2) - 1, (qb or 2) + 2))

-- loop_region(3, 5) while D plays (behind the playhead): back to B at the next bar line, never mid-bar
msg = jump("D")
jb = tonumber(msg:match("at bar (%d+)"))
while at() < jb + 1 do play_bars(0.25) end    -- inside D's first bar, off its bar line
play_bars(0.3)
loop_region(3, 5)
play_bars(7)
check(seq(jb, jb + 7):match("^D+B+$") and #seq(jb, jb + 7):match("B+$") >= 5,
  "loop_region(3, 5) set in D: D to the end of the bar, then B bar after bar: %s", seq(jb - 1, jb + 7))
loop_region()
local cb = at()
play_bars(4)
check(seq(cb, cb + 3):find("C"), "loop_region(): the song goes on past B: %s", seq(cb, cb + 3))
local whole = true
for k = 1, #heard - 1 do if heard[k] and not heard[k].ok then whole = false end end
check(whole, "every note on its bar's first or middle frame (no mid-bar jump): %s", seq(1, #heard))
print("measured: bars heard " .. seq(1, #heard))

-- A song replaced by a script without one while it plays: the tracks get their own parameters back
-- (this once called a function not yet defined and refused the reload).
local okr, er = lute.eval('tempo(120)\ntrack "a" { notes = "c4", cutoff = 500 }\n', "nosong.lua")
check(okr, "a reload without the song while it plays works: %s", tostring(er))

core.live = real_live
print(("test_song_live: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
