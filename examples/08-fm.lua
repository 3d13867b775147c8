-- 08-fm.lua — FM synthesis: one sine bending another's phase (Chowning; the DX7's operators).
--
--   build/lute render examples/08-fm.lua -o fm.wav --bars 8
--   build/lute examples/08-fm.lua
--
-- fm(carrier_freq, ratio, index [, feedback]) is a pair of operators: a sine at the carrier
-- frequency whose phase a second sine, at carrier x ratio, moves by `index` radians.  Whole-number
-- ratios give harmonic tones (1: all harmonics, 2: odd ones first); other ratios give the
-- inharmonic partials of bells and metal.  The index is the brightness: an envelope on it makes
-- the tone bright at the strike and mellow as it sounds, which is most of FM's character.

tempo(100)

-- A bell written here: ratio 3.5 (inharmonic), the index falling with a long envelope, and a second
-- quieter operator pair an octave and 3 cents up for the beating of a real bell.
patch "tubular" (function(v)
  local amp = adsr(v.gate, 0.001, 2.5, 0, 2.5, "exp")
  local ienv = adsr(v.gate, 0.001, 0.8, 0.15, 0.8, "exp")
  local index = v.index(4, 0, 16) * ienv * v.vel
  local y = fm(v.freq, 3.5, index) + 0.3 * fm(v.freq * 2.0035, 3.5, index * 0.5)
  return y * amp * v.vel * 0.18
end)
track "bells" { patch = "tubular", notes = "<e5 ~ b4 ~> ~ ~ ~", gain = -6, pan = 0.3, voices = 4 }

-- The shipped FM bass (scripts/patches/fm_bass.lua): ratio 1 with feedback, a fast-falling index.
track "bass" { patch = "fm_bass", notes = "e2 ~ e2 e3 ~ e2 g2 ~", index = 6, legato = 0.8, gain = -3 }

-- The shipped FM electric piano (scripts/patches/epiano.lua) on chords: harder notes bark more.
track "keys" {
  patch = "epiano",
  notes = mini("<[e3,g3,b3,d4] [c3,e3,g3,b3]>"):vel("<0.6 0.9>"),
  legato = 0.9, gain = -8, pan = -0.2,
}
