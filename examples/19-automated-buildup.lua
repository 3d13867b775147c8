-- 19-automated-buildup.lua — automation: a filter build-up into a chorus.
--
--   build/lute render examples/19-automated-buildup.lua -o buildup.wav
--   build/lute examples/19-automated-buildup.lua     then in the REPL:
--       print(automation("arp.cutoff"))              the curve, with a sketch of its shape
--       print(automation("arp.cutoff"):lua())        the Lua that declares it again
--       jump("build")                                 the curves follow song time, not the clock
--
-- Over the eight bars of the build, the arpeggio's filter opens exponentially (300 to 6000 Hz:
-- 4.3 octaves at an even number of octaves a bar, which the ear hears as an even rise) and its
-- reverb send rises along an S-curve, so the sound grows brighter and wider; the snare rolls
-- faster; on the chorus's first frame everything lands: the filter open, the send back at its own
-- level, drums and bass in.
--
-- The build's curves belong to the section (mix = { ... }): positions count from its first bar,
-- and when the section is over each parameter goes back to what the track says.  automate(...)
-- at the top level would follow the song's own bars instead.

tempo(124)

bus "verb" { fx = { reverb{ size = 0.9, decay = 3.5, damping = 0.4, mix = 1 } }, gain = -2 }

track "kick" { patch = "kick", notes = "~", gain = -4 }
track "snare" { patch = "snare", notes = "~", gain = -10, sends = { verb = -18 } }
track "hat" { patch = "hat", notes = "~", gain = -16, pan = 0.25 }
track "bass" { patch = "sub", notes = "~", gain = -6 }
track "pad" { patch = "warm_pad", notes = "~", cutoff = 900, gain = -14, voices = 16, sends = { verb = -14 } }
track "arp" { patch = "saw_lead", notes = "~", cutoff = 5000, res = 0.3, attack = 0.002,
              decay = 0.12, sustain = 0.2, release = 0.08, legato = 0.5, gain = -12, pan = -0.15,
              sends = { verb = -20 } }

local progression = chords(prog("vi IV I V", "C major"), { range = { 55, 72 } })
local arpeggio = n("<[0 2 4 7 4 2 0 2]*2 [0 2 4 7 4 2 0 2]*2 [-1 1 4 6 4 1 -1 1]*2 [1 4 6 8 6 4 1 4]*2>"):scale("A3:minor")

section "intro" { bars = 2,
  pad = progression,
  arp = { notes = arpeggio, cutoff = 300, sends = { verb = -30 } },   -- a section's own mix settings
}

section "build" { bars = 8,
  pad = progression,
  arp = arpeggio,
  kick = "c2*4",
  snare = "<~ ~ ~ ~ [~ c3]*2 [~ c3]*2 c3*4 [c3*8]>",
  mix = {
    ["arp.cutoff"] = { {0, 300}, {8, 6000, "exp"} },     -- the filter opens over the eight bars
    ["arp.send.verb"] = { {0, -30}, {8, -8, "s"} },      -- and the reverb swells under it
    ["pad.cutoff"] = { {0, 400}, {8, 2500, "exp"} },
  },
}

section "chorus" { bars = 8,
  pad = progression,
  arp = arpeggio,
  kick = "c2*4",
  snare = "~ c3 ~ c3",
  hat = "[~ c6]*4",
  bass = "<a1 f1 c2 g1>*2",
}

song { "intro", "build", "chorus" }
