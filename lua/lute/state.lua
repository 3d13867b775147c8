-- lute/state.lua — the running state of lute's language: one table, shared by the modules of
-- lua/lute/ and published as lute._state for tests and tools.  Each field has one owner (the module
-- named beside it) that writes it; the others only read it.
local R = require "rational"

return {
  -- time.lua: the tempo map (transport beats -> seconds), the meter map, the transport's origin
  tempo = nil,               -- set by time.lua: a tempo map in beats from the transport's start
  bpm = 120,                 -- the tempo at the transport's start or last relayout (for note())
  meters = { { bar = 0, num = 4, den = 4, beat = R(0) } },   -- meter map in transport bars
  origin = 0,                -- frame of transport beat 0
  -- transport.lua
  playing = false,
  paused = nil,              -- pause(): { bar = where the music was } until resume()
  hushed = nil,              -- hush(): every track's gain is down until play() or resume()
  stopped_by_user = false,
  -- sched.lua
  sched = R(0),              -- cycles (transport bars) scheduled so far
  solo = nil,                -- set of track names, or nil
  muted = {},                -- name -> true: mute("name")
  trace = nil,               -- lute.trace(true): the notes sent
  -- reconcile.lua
  decl = nil,                -- the declaration being evaluated
  tracks = {},               -- name -> running track
  order = {},                -- track names in declaration order
  origin_of = {},            -- "track:name" / "loop:name" -> "file" | "repl": who declared it
  empty_stop = nil,          -- { bar = }: the script was saved empty; it stops at that bar
  -- loops.lua
  loops = {},                -- name -> loop
  cues = {},                 -- recent cues: { name, beat }
  loop_beat = nil, loop_frame = nil, loop_name = nil,   -- the loop running now, at its logical time
  -- midi.lua
  midi_handlers = {},        -- message type -> list of { fn =, origin = "file" | "repl" }
  ccmaps = {},               -- list of maps { cc, ch, to, spec, origin }, index = engine map slot + 1
  note_target = nil,         -- name of the track MIDI notes play
  -- arrange.lua
  timeline = nil, song = nil, layout = nil, jumps = {}, queued = nil, loop_region = nil,
  song_old = nil, song_switch = nil, song_start = nil, render_stop = nil,
}
