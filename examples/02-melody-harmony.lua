-- 02-melody-harmony.lua — melody from scale degrees, harmony from a Roman-numeral progression,
-- voice-led chords and an arpeggio.
--
--   build/lute render examples/02-melody-harmony.lua -o harmony.wav --bars 8
--
-- n("0 2 4"):scale("D:dorian") turns scale degrees into notes (degree 0 = the tonic, octave 3 unless
-- the scale names one); prog("ii7 V7 Imaj7 vi7", "C") names the chords of a progression in a key;
-- chords(...) voices them so each moves as little as possible from the one before.

tempo(96)

local progression = prog("ii7 V7 Imaj7 vi7", "C")     -- { "Dm7", "G7", "Cmaj7", "Am7" }

-- Pads: one voice-led chord per bar.
track "pad" {
  notes = chords(progression, { range = { 52, 72 } }),
  wave = "saw", cutoff = 1200, res = 0.15, fenv = 0.5,
  attack = 0.3, decay = 0.5, sustain = 0.7, release = 0.8,
  voices = 16, gain = -7, vel = 0.6,
}

-- Bass: the root of each chord, an octave or two down.
track "bass" {
  notes = "<d2 g2 c2 a1>",
  wave = "square", cutoff = 400, res = 0.2, fenv = 1.5,
  attack = 0.005, decay = 0.4, sustain = 0.5, release = 0.1,
  gain = 0,
}

-- Melody: degrees of C major (the progression's key) from octave 5, a different answer each bar.
track "melody" {
  notes = n("<[0 2 4 2] [1 3 4 6] [4 2 0 ~] [5 4 2 0]>"):scale("C5:major"),
  wave = "saw", cutoff = 2500, res = 0.3, fenv = 1,
  attack = 0.01, decay = 0.2, sustain = 0.5, release = 0.2, legato = 0.9,
  gain = -3, pan = 0.25,
}

-- An arpeggio of the same chords, up and down, eight notes per bar.
track "arp" {
  notes = chords(progression, { range = { 64, 84 } }):arp("updown"):fast(2),
  wave = "square", cutoff = 3000, res = 0.2, fenv = 0.5,
  attack = 0.002, decay = 0.1, sustain = 0.2, release = 0.05, legato = 0.5,
  gain = -10, pan = -0.3,
}
