-- 06-drum-groove.lua — a drum groove from two real kits: the TR-808 and a recorded rock kit.
--
--   build/lute render examples/06-drum-groove.lua -o groove.wav --bars 8
--   build/lute examples/06-drum-groove.lua          (live; change a pattern and save)
--
-- `kit =` names the samples a track plays and `s =` is a pattern of their names, as in Strudel:
-- bd kick, sd snare, hh closed hat, oh open hat, cp clap, rim, lt mt ht toms, cr crash, rd ride,
-- cb cowbell.  "808" and "rock" are Hydrogen's TR808EmulationKit and GMRockKit (Debian's
-- hydrogen-data); kit = "lute" is a kit lute synthesizes from its own drum patches, needing no files.
-- "bd:1" picks the second bd of the kit (the 808 has a long and a short kick).  Velocity (vel) picks
-- the rock kit's recorded layers: a soft snare is a different recording, not only a quieter one.

tempo(84)

-- The 808's short kick (bd:1) on a syncopated figure: 1, the "and" of 2, and 4.
track "kick" { kit = "808", s = "bd:1 ~ ~ bd:1 ~ ~ bd:1 ~", gain = -3 }

-- The rock kit's snare on 2 and 4, the second one harder every other bar: its loudest layer.
track "snare" { kit = "rock", s = mini("~ sd ~ sd"):vel("<0.75 [0.75 1]>"), gain = -4, pan = 0.1 }

-- The rock kit's hats in eighths with accents; the open hat on the last eighth is cut by the next
-- bar's first closed hat (cut = 1 puts them in one choke group, as a drummer's foot does).
track "hats" {
  kit = "rock",
  s = mini("hh hh hh hh hh hh hh oh"):vel("0.9 0.5 0.8 0.5 0.9 0.5 0.8 0.7"),
  cut = 1, gain = -6, pan = -0.25,
}

-- The 808 clap doubling the last snare, with Strudel's room: the clap sent to a reverb of its own.
track "clap" { kit = "808", s = "~ ~ ~ cp", room = 0.35, size = 1.2, gain = -12, pan = 0.3 }

-- A recorded crash at the top of every four bars.
track "crash" { kit = "rock", s = "<cr ~ ~ ~>", vel = 0.7, gain = -12, pan = -0.4 }
