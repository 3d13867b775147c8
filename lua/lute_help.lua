-- lute_help.lua — the texts help() and help(name) print in the REPL.  Kept apart from the code so
-- they read like a manual; every name in lute's API has a topic here.
local H = {}

H.overview = [[
lute — live-coding music production.  Evaluate Lua; what you declare plays.

  tempo(128)                     beats per minute (changes at the next bar)
  meter("7/8")                   time signature
  track "bass" { notes = "c2 [~ c3] eb2 g2", wave = "saw", cutoff = 800, res = 0.4 }
  track("bass").cutoff = 1200    change a parameter now;  set("bass", "cutoff", 1200)
  note("bass", "c3", {dur = 1})  one note now
  loop("hats", function() note("lead", "c5") sleep(0.5) end)   a live loop on logical time
  play()  stop()  where()  quit()
  midi.map{cc = 74, to = "bass.cutoff", min = 200, max = 8000, curve = "exp"}
  midi.on("noteon", function(m) print(m.note, m.vel) end)
  section "verse" { bars = 8, bass = "c2*4" }   song { "intro", "verse", "chorus" }   jump("chorus")
  mini("c4 e4 g4"):show(2)       see a pattern's events before hearing it

help(name) for one topic, e.g. help("track"), help("params"), help("patterns").]]

H.topics = {
  track = [[
track "name" { field = value, ... }
  Declares a track: a polyphonic subtractive synth and what it plays.  Re-evaluating keeps a track
  whose definition did not change playing untouched; a changed one switches at the next bar.
  fields: notes (a pattern: mini-notation string or pattern object), voices (8), vel (0.8),
  legato (1 = each note lasts its whole step), midi (true: MIDI notes play this track), and any
  parameter (help("params")).  A parameter may be a number or a pattern ("<400 2000>").
track("name") returns a handle: h.cutoff = 900, h:note("c4"), print(h.cutoff).]],
  params = [[
Track parameters (name: range, default):
  gain: -120 .. 24 dB (-6)      pan: -1 .. 1 (0)          wave: "saw" | "square" (saw)
  cutoff: 20 .. 20000 Hz (2000) res: 0 .. 1 (0.3)         fenv: 0 .. 8 octaves (1)
  attack: 0 .. 10 s (0.005)     decay: 0 .. 10 s (0.15)   sustain: 0 .. 1 (0.6)
  release: 0 .. 20 s (0.2)      detune: -1200 .. 1200 cents (0)
gain, pan, cutoff, res, fenv and detune glide over about 10 ms; the envelope times apply to the
next notes.]],
  tempo = [[tempo(bpm) sets the tempo from the next bar; tempo() returns it.  tempo_map{...} for changes and ramps.]],
  meter = [[meter("7/8") sets the time signature; meter_map{...} for changes.  A bar is one pattern cycle.]],
  note = [[note(track, value, {dur = beats, vel = 0..1}) plays one note now, or at the loop's logical time inside a loop.
value: MIDI number, note name ("c4", "eb3", default octave 3), or a list for a chord.]],
  set = [[set(track, param, value) changes a parameter now.  Same as track("bass").cutoff = value.]],
  play = [[play() starts the transport from the top.  A script starts playing when it is evaluated.]],
  stop = [[stop() stops the transport and releases every note; play() starts again.]],
  quit = [[quit() ends the session (Ctrl-D too).]],
  where = [[where() tells where the playhead is: section, bar, beat, tempo.]],
  loop = [[
loop("name", function() ... sleep(beats) ... end)
  A live loop on logical time: sleep advances musical time, never wall time, so notes land on exact
  frames.  Re-declaring a loop swaps its body at its next iteration.  A loop that errors stops alone
  with its message.  sync("other") waits for the other loop's next iteration (or cue); cue("name")
  marks a moment others can sync to.  A loop must sleep: one that never does is stopped.]],
  sleep = [[sleep(beats) inside a loop: advance the loop's logical time.]],
  sync = [[sync(name) inside a loop: wait until the loop or cue called name comes round.]],
  cue = [[cue(name) inside a loop: let loops waiting in sync(name) go on from here.]],
  midi = [[
MIDI: lute opens a virtual input port "lute" (and connects hardware ports) or --midi-in PORT.
  midi.select("lead")            notes from the controller play this track (in C, no Lua on the way)
  midi.map{cc = 74, to = "lead.cutoff", min = 200, max = 8000, curve = "exp", channel = 1}
  midi.on("cc", function(m) print(m.cc, m.value) end)    types: noteon noteoff cc program bend
                                 aftertouch pressure sysex clock start stop any]],
  patterns = [[
Patterns (Tidal/Strudel): mini("c4 [e4 g4] <b4 a4>") or any string where a pattern is expected.
  ~ rest, [ ] subdivide, < > alternate per cycle, * / speed, ! replicate, @ weight, ? degrade,
  | random choice, , stack, { } polymeter, (3,8) Euclid, :n sample index.
  Methods: fast slow early late rev palindrome iter ply every when sometimes degradeBy off jux
  superimpose chunk linger swingBy scale arp range segment struct mask ...; p:show(cycles).
  See docs/patterns.md.]],
  theory = [[theory.chord("Cmaj7"), theory.scale("D dorian"), theory.note("C#4"), theory.prog("ii V I", "Bb"),
theory.voice_lead{...}, theory.arp(notes, "updown").  See docs/theory.md.]],
  section = [[section "verse" { bars = 8, tempo = 120, meter = "4/4", bass = "c2*4", lead = "..." }
  A section of the song: for each track, what it plays there (tracks not named are silent).]],
  song = [[song { "intro", "verse", "chorus", ... } orders the sections; rendering renders the whole song.]],
  jump = [[jump("chorus") moves the playhead to a section at the next bar; queue("chorus") at the end of the
current section; loop_region(from_bar, to_bar) repeats bars; loop_region() clears it.]],
  help = [[help() lists the essentials; help(name) explains one name.]],
}

return H
