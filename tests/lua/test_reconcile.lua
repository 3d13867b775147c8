-- test_reconcile.lua — one evaluation is one transaction, and reloading never wears lute out.
--
-- 10,000 reloads that each change the tempo at a later bar all apply, and the bars stay where the
-- tempo map says (the engine's map holds 256 changes: lute's time.lua starts a new era before it
-- fills).  An evaluation that needs more engine tracks than there are room for, or whose engine
-- track cannot be built, changes nothing and says so at the user's line; 500 tracks apply whole
-- where the engine has room for them (the new engine), and are refused whole where it has not.
local core = require "lute.core"
-- the engine's room for tracks and what is in use, from the binding itself (as lute/engine.lua does)
local E = {
  max_tracks = function() return core.max_tracks or 64 end,
  tracks_in_use = function()
    local n = 0
    for k in pairs(core.meters()) do if k ~= "master" then n = n + 1 end end
    return n
  end,
}
local S = lute._state
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end
local messages = {}
lute.message = function(fmt, ...) messages[#messages + 1] = string.format(fmt, ...) end
local pending
local function fresh(src)
  lute.stop(); S.stopped_by_user = false; pending = {}
  core.render(96000)    -- let removed tracks finish fading, so the engine has its room back
  return lute.eval(src, "song.lua")
end

-- 1. 10,000 reloads, each at a new bar and alternating 120 and 121 bpm.  The scheduler is driven
-- directly (lute._tick), a bar at a time, so the test takes seconds; the track plays nothing, so
-- the engine's queue is not involved.
assert(fresh('tempo(120) track "a" {}'))
local RATE = core.rate()
local sec = 0          -- seconds at the start of the bar being scheduled, by the analytic sum
local bpm = 120
local fails, first_fail = 0, nil
local t0 = os.clock()
for i = 1, 10000 do
  local want = (i % 2 == 0) and 120 or 121
  local ok, e = lute.eval(("tempo(%d) track \"a\" {}"):format(want), "song.lua")
  if not ok then fails = fails + 1; first_fail = first_fail or ("reload " .. i .. ": " .. e) end
  -- the scheduler reaches into the next bar: the switch (and the new tempo) is at the bar after
  lute._tick(lute.frame_of_bar(S.sched:floor() + 1) + 1)
end
check(fails == 0, "10,000 reloads that change the tempo: %d failed (first: %s)", fails, tostring(first_fail))
local segs, eras = 0, 0
if S.tempo.size then segs, eras = S.tempo:size() end
check(S.tempo.size and eras <= 4, "the tempo map keeps a bounded number of eras: %d eras, %d segments written", eras, segs)
-- bar k starts at the sum of the durations of bars before it: bar 0 at 120 bpm, then each reload i
-- (at the end of bar i - 1 .. ) switches at the next bar
local bar = S.sched:floor()
local f_lute = lute.frame_of_bar(lute.rational(bar)) - S.origin
-- recompute by replaying the same switches: reload 1 comes while the scheduler is at bar 0, so it
-- switches there; reload i >= 2 comes in bar i - 1 and switches at bar i
local total = 0
for k = 0, bar - 1 do
  local b = (k < 2) and 121 or ((k % 2 == 0) and 120 or 121)   -- reload 1 switched at bar 0
  total = total + 4 * 60 / b
end
check(math.abs(f_lute - total * RATE) <= 2, "bar %d starts at frame %d, the analytic %.1f", bar, f_lute, total * RATE)
print(("measured: 10,000 reloads in %.1f s of CPU; tempo map: %d eras, %d segments written"):format(os.clock() - t0, eras, segs))

-- 2. Room in the engine: all or nothing.
local max = E.max_tracks()
local function decl_tracks(prefix, n, notes)
  local t = {}
  for i = 1, n do t[#t + 1] = ('track "%s%d" { notes = "%s" }'):format(prefix, i, notes or "c4") end
  return table.concat(t, "\n")
end
-- Notes that start in the next `bars` bars rendered.  The scheduler sends notes a lookahead ahead,
-- so a note due right at the end of one render was sent during it: it is carried to the next.
pending = {}
local function count_notes(bars)
  local from = core.frame()
  lute.trace(true); core.render(96000 * bars)
  local now = core.frame()
  local all = pending
  for _, x in ipairs(lute.trace()) do all[#all + 1] = x end
  pending = {}
  local n = 0
  for _, x in ipairs(all) do
    if x.frame >= now then pending[#pending + 1] = x elseif x.frame >= from then n = n + 1 end
  end
  return n
end

-- 40 tracks, then the same 40 renamed: the renamed ones need 40 new engine tracks while the old
-- ones fade out.
assert(fresh("tempo(120)\n" .. decl_tracks("a", 40)))
check(count_notes(1) == 40, "40 tracks play")
local used = E.tracks_in_use()
local ok, e = lute.eval("tempo(120)\n" .. decl_tracks("b", 40), "song.lua")
if max >= 80 then
  check(ok, "renaming 40 tracks applies whole where the engine has room (%d): %s", max, tostring(e))
else
  check(not ok and e:find("^song.lua:%d+: track 'b%d+': the engine holds at most " .. max) and e:find("nothing was changed"),
    "renaming 40 tracks with room for %d: refused at the line of the first that does not fit: %s", max, tostring(e))
  check(E.tracks_in_use() == used and S.tracks.a1 and not S.tracks.b1,
    "... and nothing started: %d engine tracks before, %d after", used, E.tracks_in_use())
  local n = count_notes(1)
  check(n == 40, "... the 40 old tracks play on: %d notes in a bar", n)
  ok, e = lute.eval("tempo(120)\n" .. decl_tracks("a", 40) .. '\ntrack "extra" { notes = "e4" }', "song.lua")
  count_notes(1)   -- the new track starts at the next bar
  n = count_notes(1)
  check(ok and n == 41, "a later reload that adds one track works: %s, %d notes in a bar", tostring(e), n)
end

-- 500 tracks.
used = E.tracks_in_use()
ok, e = fresh("tempo(120)\n" .. decl_tracks("t", 500, "c4 e4"))
if max >= 500 then
  check(ok, "500 tracks apply whole: %s", tostring(e))
  check(count_notes(1) == 1000, "... and all play: 1000 notes a bar")
else
  check(not ok and e:find("song.lua:%d+: track 't%d+'") and e:find("at most " .. max),
    "500 tracks with room for %d: refused whole, at the line of the first that does not fit: %s", max, tostring(e))
  check(S.tracks.a1 and not S.tracks.t1 and E.tracks_in_use() == used,
    "... nothing of it was built (%d engine tracks in use, %d before)", E.tracks_in_use(), used)
  print(("note: the engine has room for %d tracks; 500 tracks need the new engine (the test checks the refusal)"):format(max))
end
ok, e = lute.eval("tempo(120)\n" .. decl_tracks("a", 40), "song.lua")
check(ok, "a reload after the refusal works: %s", tostring(e))

-- 3. An engine track that cannot be built (out of memory): the mix is one transaction, so the
-- ones staged before it never reach the engine.
assert(fresh('tempo(120) track "x" { notes = "c4" }'))
core.render(96000 * 2)   -- the tracks of the last case fade out
used = E.tracks_in_use()
local real_channel = core.mix_channel
core.mix_channel = function(spec)
  if spec.name == "y3" then error("out of memory creating track 'y3'") end
  return real_channel(spec)
end
ok, e = lute.eval('tempo(120) track "x" { notes = "c4" }\ntrack "y1" {}\ntrack "y2" {}\ntrack "y3" {}\ntrack "y4" {}', "song.lua")
core.mix_channel = real_channel
check(not ok and e:find("^song.lua:4: track 'y3': .-out of memory creating track 'y3'; nothing was changed"),
  "a track that cannot be built: an error at its line: %s", tostring(e))
core.render(96000)
check(E.tracks_in_use() == used and not S.tracks.y1, "... the two staged before it never reached the engine (%d in use, %d before)",
  E.tracks_in_use(), used)

print(("test_reconcile: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
