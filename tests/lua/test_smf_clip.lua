-- test_clip.lua — imported MIDI clips are indexed by time: a query returns exactly what a plain scan
-- of the clip's events returns (long notes that overlap, queries across the clip's loop point), and
-- costs O(log n + events returned): a 1/16-bar window of a 20,000-note clip in well under a
-- millisecond (a scan took ~100 ms, enough to starve the scheduler).  Prints the figures.
local R = lute.R
local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else failed = failed + 1; io.stderr:write("FAIL ", string.format(fmt, ...), "\n") end
end

-- The reference: every event of every copy the query touches, by a plain scan.
local function scan(events, cycles, b, e)
  local len = R(cycles)
  local out = {}
  for k = (b / len):floor(), (e / len):ceil() do
    local off = len * k
    for _, x in ipairs(events) do
      local wb, we = x[1] + off, x[2] + off
      local pb, pe = wb < b and b or wb, we > e and e or we
      if pb < pe then out[#out + 1] = ("%s-%s/%s-%s:%s"):format(tostring(wb), tostring(we), tostring(pb), tostring(pe), x[3].note) end
    end
  end
  table.sort(out)
  return table.concat(out, " ")
end
local function got(pat, b, e)
  local out = {}
  for _, h in ipairs(pat:query(b, e)) do
    out[#out + 1] = ("%s-%s/%s-%s:%s"):format(tostring(h.whole.b), tostring(h.whole.e), tostring(h.part.b), tostring(h.part.e), h.value.note)
  end
  table.sort(out)
  return table.concat(out, " ")
end

-- 1. Random clips with short and long notes, in file order (not sorted), against the scan.
math.randomseed(42)
local worst
for trial = 1, 20 do
  local cycles = math.random(1, 4)
  local events = {}
  for i = 1, math.random(1, 60) do
    local a = R(math.random(0, cycles * 16 - 1), 16)
    local d = math.random() < 0.1 and R(math.random(8, 48), 16) or R(math.random(1, 4), 16)
    events[#events + 1] = { a, a + d, { note = 40 + i } }
  end
  local pat = lute.clip(events, cycles)
  for _ = 1, 40 do
    local b = R(math.random(-16, cycles * 48), 16)
    local e = b + R(math.random(1, 40), 16)
    local want, have = scan(events, cycles, b, e), got(pat, b, e)
    if want ~= have then worst = worst or ("trial %d, query %s..%s:\n  want %s\n  got  %s"):format(trial, tostring(b), tostring(e), want, have) end
  end
end
check(worst == nil, "an indexed clip gives what a scan gives, 800 random queries: %s", tostring(worst))

-- 2. The cost of a query does not grow with the clip.
local function per_query(n)
  local ev = {}
  for i = 0, n - 1 do ev[#ev + 1] = { R(i, 16), R(i + 1, 16), { note = 60 + i % 12, vel = 0.5 } } end
  local pat = lute.clip(ev, n // 16)
  local t0, q, k = os.clock(), 0, 0
  while os.clock() - t0 < 0.2 or q < 20 do
    local b = R((k * 7919) % n, 16)
    pat:query(b, b + R(1, 16))
    q, k = q + 1, k + 1
  end
  return (os.clock() - t0) / q * 1000
end
local small, big, huge = per_query(200), per_query(20000), per_query(100000)
print(("measured: a 1/16-bar query of a clip of 200 notes %.4f ms, 20,000 notes %.4f ms, 100,000 notes %.4f ms")
  :format(small, big, huge))
check(big < 1, "a query of a 20,000-note clip takes %.4f ms (< 1 ms)", big)
check(huge < 5 * small + 0.5, "100,000 notes cost about what 200 do: %.4f ms vs %.4f ms", huge, small)

print(("test_smf_clip: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
