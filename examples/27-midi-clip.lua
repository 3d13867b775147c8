-- 27-midi-clip.lua — a MIDI performance recorded into a clip, printed as Lua, and played back.
--
--   build/lute examples/27-midi-clip.lua            (a controller: --midi-in NAME, see --list-midi)
--   then, at the REPL, while it plays:
--       record_midi{ bars = 2, name = "riff" }       from the next bar, two bars, then it stops by itself
--       print(midi_takes()[1]:lua())                  the take as a note table: paste it into the script
--       print(midi_takes()[1]:lua{ form = "pattern", grid = "1/16" })   or as mini-notation (quantized)
--       print(midi_takes()[1]:quantize("1/16", 0.8):lua())              80 % of the way to the grid
--   The track "riff" below plays the newest take called "riff" from the next time round (silence
--   until there is one), and every take is also saved as takes/riff-midi-NNN.lua: none is lost.
--
-- What the controller plays sounds through the track marked midi = true ("keys").  A take keeps
-- each note's exact frames, velocity and release velocity, the controllers (the sustain pedal is
-- CC 64) and pitch bend; quantizing happens only when it is printed (or played) that way, never to
-- the take itself.
--
-- Offline there is no controller: "played" plays a take that was recorded, printed with
-- clip:lua() and pasted here — with the player's own timing (a little ahead and behind the beat)
-- and velocities, exactly as played.  `at` and `dur` are beats from the take's first bar, the
-- comment after each note its bar:beat.

tempo(96)

track "keys" { patch = "epiano", midi = true, gain = -8 }

track "played" { patch = "epiano", gain = -8, notes = midi_clip{ meter = 4, bars = 2,
  { at = 0.0104, dur = 0.4563, note = "e4", vel = 84 },  -- 1:1.0104
  { at = 0.0125, dur = 0.4521, note = "a3", vel = 88 },  -- 1:1.0125
  { at = 0.0188, dur = 0.4479, note = "c4", vel = 80 },  -- 1:1.0188
  { at = 1.4917, dur = 0.2458, note = "g4", vel = 72 },  -- 1:2.4917
  { at = 2.0063, dur = 0.9729, note = "e4", vel = 90 },  -- 1:3.0063
  { at = 3.0208, dur = 0.4688, note = "d4", vel = 70 },  -- 1:4.0208
  { at = 3.5125, dur = 0.4604, note = "c4", vel = 76 },  -- 1:4.5125
  { at = 4.0021, dur = 1.9792, note = "a3", vel = 86 },  -- 2:1.0021
  { at = 4.0083, dur = 1.9729, note = "e4", vel = 78 },  -- 2:1.0083
  { at = 6.0229, dur = 0.4479, note = "g3", vel = 64 },  -- 2:3.0229
  { at = 6.4958, dur = 1.4667, note = "b3", vel = 74 },  -- 2:3.4958
  cc = {
    { at = 3.9, cc = 64, value = 127 },
    { at = 7.8, cc = 64, value = 0 },
  },
} }

track "riff" { patch = "epiano", notes = midi_take("riff"), gain = -8 }

track "bass" { patch = "sub", notes = "<a1 [a1 g1]>", gain = -14, legato = 0.9 }
