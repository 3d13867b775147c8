-- 05-song.lua — a complete short song: intro, verse, chorus, verse, chorus, bridge, chorus, outro.
--
--   build/lute render examples/05-song.lua -o song.wav            (the whole form, with a tail)
--   build/lute render examples/05-song.lua -o chorus.wav --section chorus
--   build/lute render examples/05-song.lua --midi song.mid        (type 1 SMF for a DAW)
--   build/lute examples/05-song.lua    then in the REPL: jump("bridge"), queue("outro"), where(),
--                                       loop_region(5, 9), loop_region()
--
-- Tracks say how things sound; sections say what each track plays there, with a length in bars
-- (a track a section does not name rests); the song orders the sections.  Each section's patterns
-- start at their own first bar.  The bridge is in 7/8 and slows down; the outro ramps back.

tempo(108)

track "drum" { wave = "square", cutoff = 150, res = 0.1, fenv = 4, attack = 0, decay = 0.09,
               sustain = 0, release = 0.02, legato = 0.5, gain = 6 }
track "hat"  { wave = "saw", cutoff = 7000, res = 0.2, fenv = 0, attack = 0, decay = 0.02,
               sustain = 0, release = 0.01, legato = 0.4, gain = -8, pan = 0.3 }
track "bass" { wave = "square", cutoff = 380, res = 0.25, fenv = 1.5, attack = 0.003, decay = 0.25,
               sustain = 0.5, release = 0.06, legato = 0.9, gain = 0 }
track "pad"  { wave = "saw", cutoff = 1100, res = 0.1, fenv = 0.4, attack = 0.25, decay = 0.5,
               sustain = 0.7, release = 0.6, voices = 16, gain = -8, vel = 0.6, pan = -0.1 }
track "lead" { wave = "saw", cutoff = 2400, res = 0.35, fenv = 1.2, attack = 0.01, decay = 0.15,
               sustain = 0.5, release = 0.15, legato = 0.85, gain = -3, pan = 0.15 }

local verse_chords  = chords(prog("i VI III VII", "A minor"), { range = { 52, 72 } })
local chorus_chords = chords(prog("VI VII i i", "A minor"), { range = { 55, 74 } })

section "intro" { bars = 2,
  pad  = verse_chords,
  hat  = "~ c6 ~ c6",
}
section "verse" { bars = 4,
  drum = "c2 ~ ~ c2 ~ ~ c2 ~",
  hat  = "[~ c6]*4",
  bass = "<a1 f1 c2 g1>*2",
  pad  = verse_chords,
  lead = n("<[0 ~ 2 4] [5 4 2 ~] [2 ~ 4 2] [1 0 ~ ~]>"):scale("A4:minor"),
}
section "chorus" { bars = 4,
  drum = "c2(3,8)",
  hat  = "c6*8",
  bass = "<f1 g1 a1 a1>*4",
  pad  = chorus_chords,
  lead = n("<[7 6 4 ~] [6 4 2 ~] [4 2 0 2] [0 ~ ~ ~]>"):scale("A4:minor"),
}
section "bridge" { bars = 4, meter = "7/8", tempo = 96, ramp = 2,
  drum = "c2(2,7)",
  bass = "<d2 e2 f2 e2>",
  pad  = chords(prog("iv v VI v", "A minor"), { range = { 55, 74 } }),
  lead = n("[0 2 4 2 4 5 4]"):scale("D4:dorian"),
}
section "outro" { bars = 2, tempo = 108,
  pad  = mini("<[a3,c4,e4] [a3,c4,e4]>"),
  bass = "a1",
}

song { "intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro" }
