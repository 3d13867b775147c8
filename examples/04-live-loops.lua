-- 04-live-loops.lua — live loops on logical time, Sonic Pi and ChucK style.
--
--   build/lute examples/04-live-loops.lua        (live: edit a loop's body and save; it changes at
--                                               its next iteration, the others play on)
--   build/lute render examples/04-live-loops.lua -o loops.wav --bars 8
--
-- sleep(beats) advances a loop's own musical clock, never the wall clock, so every note lands on
-- its exact frame.  sync("name") waits for that loop's next round; cue("name") marks a moment.
-- A loop that errors stops alone, with its message; the rest of the music goes on.

tempo(100)

track "bell" { wave = "square", cutoff = 3000, res = 0.3, fenv = 1, attack = 0.001, decay = 0.12,
               sustain = 0, release = 0.08, gain = 1, voices = 8 }
track "chime" { wave = "saw", cutoff = 5000, res = 0.2, fenv = 0.5, attack = 0.002, decay = 0.5,
                sustain = 0.1, release = 0.4, gain = -6, pan = 0.4 }
track "bass" { wave = "saw", cutoff = 500, res = 0.3, fenv = 2, attack = 0.005, decay = 0.3,
               sustain = 0.3, release = 0.1, gain = 3 }

local roots = { "a1", "f1", "c2", "g1" }

-- Four beats per round: the bass walks through the roots, one per bar.
loop("bass", function()
  for _, r in ipairs(roots) do
    note("bass", r, { dur = 1.5 })
    sleep(2)
    note("bass", r, { dur = 0.5, vel = 0.6 })
    sleep(2)
  end
end)

-- The bells wait for the bass's round, then play a rising figure in eighth notes.
local figure = { "a4", "c5", "e5", "g5", "e5", "c5" }
loop("bells", function()
  sync("bass")
  for i, n in ipairs(figure) do
    note("bell", n, { dur = 0.25, vel = 0.5 + 0.08 * i })
    sleep(0.5)
  end
end)

-- A counter-line that answers every two beats, from logical time, with a different note each time.
local answer = 0
loop("answer", function()
  sleep(1)
  answer = answer % 4 + 1
  note("chime", ({ "e6", "d6", "c6", "b5" })[answer], { dur = 0.5, vel = 0.4 })
  sleep(1)
end)
