-- 10-effect-chain.lua — an effect chain on a lead: distortion, then echoes, then a room.
--
--   build/lute render examples/10-effect-chain.lua -o chain.wav --bars 8
--   build/lute examples/10-effect-chain.lua          (live; reorder the chain, change a setting,
--                                                      save: the reverb's tail keeps ringing)
--
-- fx = { ... } is a track's insert chain, in order: each effect takes what the one before gives.
-- Every effect has `mix` (0 dry .. 1 wet) and a `key` that keeps its state when the chain is
-- reordered; every setting glides when it changes.  The catalogue (docs/effects.md): delay, reverb,
-- convolve, chorus, flanger, phaser, dist, drive, shape, sat, crush, autopan, tremolo, ringmod,
-- lpf/hpf/bpf (with an envelope follower), comp, eq, and the mixing and mastering units.
--
-- Strudel's and Sonic Pi's names work on a track too (room, size, delay, delaytime,
-- delayfeedback, lpf, hpf, crush, coarse, shape): they put the matching effects on the track by
-- themselves, as the arpeggio below shows.

tempo(120)

-- The lead is a plain sine, so that everything above its fundamental is the chain's doing.
patch "sine_lead" (function(v)
  return sine(v.freq) * adsr(v.gate, 0.004, 0.1, 0.8, 0.06) * v.vel * 0.5
end)

track "lead" {
  patch = "sine_lead",
  notes = "~ ~ ~ ~ a4 ~ ~ ~ ~ ~ ~ ~ <c5 e5> ~ ~ ~",
  legato = 0.5,
  fx = {
    dist{ drive = 20, tone = 7000, key = "grit" },                       -- odd and even harmonics
    delay{ time = 0.375, feedback = 0.4, mix = 0.35, key = "echo" },      -- a dotted eighth at 120 bpm
    reverb{ size = 0.7, decay = 1.8, mix = 0.25, key = "room" },          -- the echoes in a room
  },
  gain = -4,
}

-- An arpeggio with Strudel's names: a low-pass, echoes every 3/16 (0.1875 s at 120 bpm) and a room,
-- made for it as sends to two buses of its own ("arp.delay", "arp.room").
track "arp" {
  patch = "pluck", notes = "~ ~ ~ ~ a5 ~ ~ ~ ~ ~ ~ ~ e6 ~ ~ ~",
  lpf = 3000, delay = 0.4, delaytime = 0.1875, delayfeedback = 0.3, room = 0.2,
  gain = -12, pan = 0.3,
}
