-- 07-subtractive.lua — subtractive synthesis: start from a bright wave, take away with a filter.
--
--   build/lute render examples/07-subtractive.lua -o subtractive.wav --bars 8
--   build/lute examples/07-subtractive.lua          (live; change a number in the patch and save:
--                                                    the sounding voices take it, nothing restarts)
--
-- A patch is one voice written as a Lua function of its inputs: v.freq, v.gate, v.vel, and named
-- controls with a default and a range (v.cutoff(900, 40, 12000)), which the track sets like any
-- parameter and patterns can drive.  The units: oscillators (saw, square with a width for PWM,
-- sub, ...), filters (lpf, ladder: a 4-pole Moog-style low-pass), envelopes (adsr) and lfo.

tempo(110)

-- A bass written here: two detuned saws and a narrow pulse into a 4-pole ladder, whose cutoff
-- an envelope opens at each note and velocity scales.  `cutoff` is a control: the track's pattern
-- moves it bar by bar.
patch "fat_bass" (function(v)
  local amp = adsr(v.gate, 0.003, 0.25, 0.6, 0.08)
  local fenv = adsr(v.gate, 0.001, v.decay(0.18, 0.01, 2), 0, 0.05, "exp")
  local osc = saw(v.freq * 1.003) + saw(v.freq * 0.997) + 0.6 * square(v.freq, 0.3)
  local f = v.cutoff(500, 40, 8000) * (1 + 5 * fenv * v.vel)
  return ladder(osc, f, v.res(0.45, 0, 1.1), 0.2) * amp * 0.16
end)

-- The bass: eighths in A minor; the cutoff steps up over four bars, then starts again (listen to
-- the filter open while the notes stay the same).
track "bass" {
  patch = "fat_bass", notes = "a1 a1 a2 a1 c2 a1 g1 e2",
  cutoff = "<250 500 1000 2000>", res = 0.5, legato = 0.9, gain = -2,
}

-- A pad of pulse waves whose width an LFO sweeps (pulse-width modulation), through a gentle
-- low-pass: the chorus-like shimmer is the moving width.
patch "pwm_pad" (function(v)
  local amp = adsr(v.gate, 0.4, 0.5, 0.8, 0.8)
  local w = 0.5 + 0.35 * lfo(0.7)
  local y = square(v.freq, w) + square(v.freq * 1.005, 1 - w)
  return lpf(y, 1800, 0.2) * amp * 0.06
end)
track "pad" { patch = "pwm_pad", notes = "<[a3,c4,e4] [f3,a3,c4] [c4,e4,g4] [g3,b3,d4]>", gain = -6, pan = -0.2 }

-- The shipped "acid" patch (scripts/patches/acid.lua): a 303-style line, velocity as the accent.
track "acid" {
  patch = "acid", notes = mini("~ a3 ~ a3 c4 ~ a3 e4"):vel("0.6 1 0.6 0.6 1 0.6 0.6 1"),
  cutoff = 600, res = 0.9, mono = true, glide = 0.03, gain = -8, pan = 0.25,
}
