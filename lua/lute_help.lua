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
  play()  stop()  pause()  resume()  hush()  panic()  where()  quit()
  mute("bass")  unmute("bass")  remove("bass")  setbpm(128)  setcps(0.5)
  midi.map{cc = 74, to = "bass.cutoff", min = 200, max = 8000, curve = "exp"}   midi.learn("bass.cutoff")
  midi.on("noteon", function(m) print(m.note, m.vel) end)
  section "verse" { bars = 8, bass = "c2*4" }   song { "intro", "verse", "chorus" }   jump("chorus")
  automate("bass.cutoff", { {0, 200}, {8, 4000, "exp"} })   automation("bass.cutoff")   arm("bass.cutoff")
  mini("c4 e4 g4"):show(2)       see a pattern's events before hearing it
  bus "verb" { fx = { reverb{ mix = 1 } } }   sends = { verb = -12 }   mix()  meters()   help("mixing")

  rrand(1, 5)  rrand_i(1, 6)  choose{"a", "b"}  ring(60, 64, 67):tick()   seeded: lute.seed(n)
  takes("vox")  clip "v" { take = t[3], from = "2:1", to = "6:1" }  comp "lead" { ... }
  track "vox" { clips = { [1] = "lead" } }   gain("v", -3)  undo()  edits()   help("edits")
  record_midi{ bars = 4, name = "riff" }  midi_takes()[1]:lua()  replace{ take = t[1], sound = "bd" }

What the file declares vs what you type: help("rules").
help(name) for one topic, e.g. help("track"), help("params"), help("patterns").]]
-- (the list of topics is added below, once every topic is known)

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
  play = [[play() starts the transport from the top.  A script starts playing when it is evaluated.
play{from = "chorus"} starts at a section of the song; play{bar = 17} (or play(17)) at a bar, counted
from 1 (of the song; without a song, the patterns pick up at that bar).]],
  stop = [[stop() stops the transport and releases every note; play() starts again from the top.]],
  pause = [[pause() stops where the music is (the bar being heard); resume() goes on from the start of that bar.]],
  resume = [[resume() after pause() or hush(): the music goes on from the bar it stopped in.]],
  hush = [[hush() silences everything now: every track's gain goes down (about 10 ms), every note is released,
the transport stops.  Everything declared stays: play() or resume() brings the music back.]],
  panic = [[panic() releases every sounding note now (stuck notes); the music goes on.]],
  mute = [[mute("bass") or mute("bass, lead"): the track is silent now and plays no notes until unmute("bass").
A reload does not unmute it.]],
  unmute = [[unmute("bass"): the track's own gain is back now and its notes from the next window; unmute() unmutes all.]],
  remove = [[remove("name") stops a track (it fades out at the next bar) or a loop.  What you type at the REPL
lives until you remove it, or until the script declares the same name (help("rules")).]],
  setbpm = [[setbpm(bpm): the tempo, as Sonic Pi's use_bpm; the same as tempo(bpm).]],
  setcps = [[setcps(cps): the tempo in Strudel's cycles (bars) per second: setcps(0.5) is 120 bpm in 4/4.]],
  rrand = [[rrand(lo, hi): a random number from lo up to hi.  Seeded (lute.seed): the same script picks the same.]],
  rrand_i = [[rrand_i(lo, hi): a random whole number from lo to hi, both included.  Seeded (lute.seed).]],
  choose = [[choose{"c4", "e4", "g4"} or choose("c4", "e4", "g4"): one of them, at random.  Seeded (lute.seed).]],
  ring = [[ring(60, 64, 67) or ring{...}: a list that goes round: r[4] is r[1], r[0] is r[3].
r:tick() gives the next item each call, r:look() the current one; r:reverse().]],
  tick = [[tick(name) counts 1, 2, 3, ... each call (per name, per live loop) and returns the count;
look(name) returns it without counting.  ring(...)[tick()] steps through a ring.]],
  look = [[look(name): the count tick(name) reached, without counting (0 before the first tick).]],
  seed = [[lute.seed(n) seeds math.random (and rrand, rrand_i, choose); lute.seed() returns the seed (0 unless
set).  Every evaluation of the whole script starts from the seed, so a script makes the same choices each
time and a render repeats byte for byte.  REPL chunks and live loops go on from where it is.]],
  ["midi.learn"] = [[midi.learn("bass.cutoff") maps the next controller you move to that parameter (its number and
channel, over the parameter's range; an exponential curve for frequencies) and prints the midi.map{...}
line to keep in the script.  midi.learn("bass.cutoff", {min = 200, max = 8000}) for a narrower range;
midi.learn() cancels.]],
  rules = [[What the script declares and what you type at the REPL:
  - The file declares what it declares.  Saving it again stops what it declared before and no longer
    does (tracks fade out at the next bar, loops stop, its MIDI handlers and maps go).
  - What you add at the REPL (tracks, loops, MIDI handlers and maps, tempo, meter) lives until you
    remove it (remove("name")) or the file declares the same name, which makes it the file's.
  - Changing a file's track at the REPL lasts until the next save, which puts the file's back.
  - Sections, the song form and tempo/meter maps are the file's.
  - Saving the file empty (or only whitespace) while it plays stops nothing at once: lute says what it
    would stop, and stops it at the next bar only if the file is still empty then.
  - A script or chunk that fails changes nothing: no track, no setting, no global variable.
  - Scripts have globals of their own: assigning next, type, math or lute changes your scripts'
    view, never lute.  See docs/language.md.]],
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
                                 min and max are checked against the parameter's range; to = may be
                                 an insert's ("lead.comp.ratio") or a send's ("lead.send.verb")
  midi.learn("lead.cutoff")      the next controller moved is mapped; the midi.map line is printed
  midi.on("cc", function(m) print(m.cc, m.value) end)    types: noteon noteoff cc program bend
                                 aftertouch pressure sysex clock start stop any]],
  patterns = [[
Patterns (Tidal/Strudel): mini("c4 [e4 g4] <b4 a4>") or any string where a pattern is expected.
  ~ rest, [ ] subdivide, < > alternate per cycle, * / speed, ! replicate, @ weight, ? degrade,
  | random choice, , stack, { } polymeter, (3,8) Euclid, :n sample index.
  Methods: fast slow early late rev palindrome iter ply every when sometimes degradeBy off jux
  superimpose chunk linger swingBy scale arp range segment struct mask ...; p:show(cycles).
  Per note: pan(x) in lute's -1 .. 1 (Strudel's is 0 .. 1); jux(f) plays the pattern hard left and
  f(pattern) hard right; nudge(s) moves notes by s seconds; hurry(n) is fast(n) (and sample speed);
  chop(n) plays each note n times in its step.  A value {note =, vel = 0..1, pan =, cutoff = ...}
  sets them for that note.  Notes are MIDI numbers -24 .. 151 or names ("c4"): a bad one is an error
  when the script is evaluated, or, if it comes only later, skipped with one message.
  See docs/patterns.md.]],
  theory = [[theory.chord("Cmaj7"), theory.scale("D dorian"), theory.note("C#4"), theory.prog("ii V I", "Bb"),
theory.voice_lead{...}, theory.arp(notes, "updown").  See docs/theory.md.]],
  section = [[section "verse" { bars = 8, tempo = 120, meter = "4/4", bass = "c2*4", lead = "..." }
  A section of the song: for each track, what it plays there (tracks not named are silent).
  Mix settings for its span: lead = { notes = "...", sends = { verb = -6 }, width = 0.5, ["echo.mix"] = 0.4 },
  or mix = { ["bass.cutoff"] = { {0, 200}, {8, 4000, "exp"} }, ["lead.send.verb"] = -6 } (bars from the
  section's first); after the section each goes back to its own value.  help("automate").]],
  automate = [[
automate(target, what) — a parameter follows a curve over song time (the song's bars, through
sections, jumps and loops).  Applied at the next bar, with the rest of the evaluation.
  target: "bass.cutoff" (a patch control), "bass.gain" / .pan / .width / .mute / .polarity (the strip),
          "bass.send.verb" (a send), "bass.echo.mix" / "bass.reverb#2.size" (an insert, by key or type),
          the same for buses, "master.gain"
  what:   { {0, 200}, {8, 4000, "exp"}, {16, 300, "s"}, {"17:3", 300, "step"} }
            points: position (bars from 0, or "bar:beat" from 1), value, shape lin | exp | s | step
          "<-20 -12>"                   a pattern: one cycle a bar, each value glides in
          function(bar) return ... end  evaluated ahead, every 1/64 bar
          0.5                           one value;   false: no automation (back to its own value)
  Times may be note values: automate("lead.echo.time", { {0, "1/8"}, {8, "3/16"} }) follows the tempo,
  as delay{ time = "3/16" } does.  See docs/automation.md.]],
  automation = [[
automation("bass.cutoff") shows a target's automation: its points and a sketch of the curve, and the
sections that set it.  automation("bass.cutoff"):lua() gives the Lua that declares it (to paste into the
script); :points() the points, :value(bar) its value at a bar.  automation() lists every target.]],
  arm = [[
arm("bass.cutoff") records the moves of the MIDI controller mapped to that target (midi.map or
midi.learn) in song time; its own automation is silent meanwhile.  disarm() ends the take: thinned to
within half a controller step, it becomes the target's automation (from the next bar) and
automation("bass.cutoff"):lua() prints it.  (A track's field arm = true is another thing: it arms the
track's audio input for record{}.)]],
  disarm = [[disarm() ends every take arm() started (disarm("bass.cutoff") one) and says how many moves became how many
points; automation(target):lua() prints the take.]],
  song = [[song { "intro", "verse", "chorus", ... } orders the sections; rendering renders the whole song.]],
  jump = [[jump("chorus") moves the playhead to a section at the next bar; queue("chorus") at the end of the
current section; loop_region(from_bar, to_bar) repeats bars; loop_region() clears it.]],
  help = [[help() lists the essentials and the topics; help(name) explains one name.  Guides: help("mixing"),
help("effects"), help("patches"), help("mastering"), help("rules"), help("patterns").]],
  -- recording and editing (lua/lute/clips.lua, docs/recording.md)
  takes = [[takes("vox") -> every take of track vox in the song's takes/ folder (takes/takes.lua), by number:
  t[1].file, .number, .start (its first frame in song time), .frames, .rate, .state, .hash.  A take whose
  recording was cut off is recovered first.  take("vox", 3) is one of them.  demo_takes("vox") makes
  stand-in takes when you have none.  See docs/recording.md.]],
  take = [[take("vox", 3) -> take 3 of track vox (an error naming the folder if there is none).  help("takes").]],
  demo_takes = [[demo_takes("vox") writes three sung takes of an 8-bar melody (100 bpm) into takes/ beside the
script, each with faults a comp can leave out; demo_takes("drums") a 4-bar kick-mic take and overheads.
Made once by lute itself (lua/demo_takes.lua), the same every time; returns the takes (as takes()).]],
  clip = [[clip "name" { take = t[3] | file = "x.wav", from = "2:1", to = "6:1", fade_in = 0.01,
  fade_out = { 0.05, "s" }, gain = -2, envelope = { {"2:1", 0}, {"3:1", -6} }, normalize = { peak = -1 },
  reverse = true, stretch = 1.5, pitch = -2, strip_silence = { threshold = -50, min = 0.05 },
  quantize = { grid = "1/16", strength = 1 } }
A region of a take or file with non-destructive edits; positions are "bar:beat" of the song, frames or
"1.5s".  Play it on a track: track "vox" { clips = { [9] = "name" } }.  Edit it at the REPL: help("edits").
Inside a patch, clip(x, lo, hi) is still the clipping unit.]],
  comp = [[comp "name" { { t[1], "1:1", "3:1" }, { t[3], "3:1", "5:3" }, { t[2], "5:3", "9:1" }, xfade = 0.02,
  shape = "power" | "gain", gain = 0 }
One performance from regions of several takes, crossfaded (equal power by default) over xfade seconds
centred on each join.  comp{ threshold = ... } with a table is still the compressor.]],
  clips = [[track "vox" { clips = { [1] = "vox_lead", [9] = "verse", ["13:3"] = "answer" } }
Audio clips placed at bars (or "bar:beat"): each starts on its bar's frame through the track's sampler,
and through its strip, fx and sends.  A playback that starts inside a clip starts at the right offset.]],
  edits = [[Editing clips at the REPL — each changes what plays from the next bar, and can be undone:
  trim("v", "3:1", "5:1")  split("v", "4:1", "v2")  move("v", "9:1")  gain("v", -3)
  fade_in("v", 0.01, "s")  fade_out("v", 0.5, "exp")  envelope("v", { {"2:1", 0}, {"3:1", -6} })
  normalize("v", { lufs = -18 })  reverse("v")  stretch("v", 1.25)  pitch("v", -2)
  strip_silence("v", { threshold = -45 })  quantize_audio("v", "1/16", 0.8)
  undo()  redo()  edits() prints every edit as Lua, to paste after the clip's declaration.
  (gain{...} with a table is still the gain effect; edit.gain("v", -3) always the edit.)]],
  undo = [[undo() takes back the last edit of a clip (help("edits")); redo() makes it again.]],
  redo = [[redo() makes again the edit undo() took back.]],
  midi_clip = [[midi_clip{ meter = 4, bars = 2, { at = 0, dur = 1, note = "c4", vel = 100 }, ... } -> a pattern:
the note table clip:lua() prints (at and dur in beats from the first bar), repeating every `bars` bars.
Use it as a track's notes: track "keys" { notes = midi_clip{ ... } }.]],
  record_midi = [[record_midi{ bars = 4, name = "riff", from = "now" } records what comes in from MIDI while the
music plays — notes with velocities, controllers, pitch bend — from the next bar (or now) for `bars`
bars, or until stop_record_midi().  Each take is kept (midi_takes()) and saved as takes/riff-midi-NNN.lua.
  print(midi_takes()[1]:lua())                                  a note table to paste (midi_clip{...})
  print(midi_takes()[1]:lua{ form = "pattern", grid = "1/16" }) mini-notation (quantized when printed)
  track "keys" { notes = midi_take("riff") }                    plays the newest take called riff]],
  stop_record_midi = [[stop_record_midi() ends the MIDI recording now (held notes end here) and returns the take.]],
  midi_takes = [[midi_takes() -> the MIDI takes recorded in this session, in order (midi_takes("riff"): those
named riff).  Each is a clip: c:lua(), c:lua{ form = "pattern" }, c:quantize("1/16", 0.8), c.notes.]],
  midi_take = [[midi_take("riff") -> a pattern that plays the newest MIDI take called riff (or number n),
silent until there is one; a new take plays from the next time round.]],
  replace = [[replace{ take = t[1] | clip = "kick", sound = "bd", threshold = -30, range = 40, loop = true }
Sample replacement: a pattern of the kit sound on every hit (transient) of a drum take, as loud as the
hit (velocity 1 for the loudest, 1/range less per dB under it); hits under threshold dBFS are ignored.
  track "boom" { kit = "808", s = replace{ take = t[1], sound = "bd", threshold = -30 } }]],
}

-- ---------------------------------------------------------------------------------------------
-- Mixing (docs/mixing.md has the long form)
-- ---------------------------------------------------------------------------------------------
-- Recording from the input (lua/lute/record.lua, docs/recording-input.md)
H.topics.input = [[input "vox" { channels = { 1 }, monitor = true } names device input channels (1-based; { 1, 2 } is
stereo).  A track plays them with input = "vox" (or input = { 1 }); monitor = false records without playing.
Live, start lute with --inputs 2 to open the device's input.  help("record"); docs/recording-input.md.]]
H.topics.record = [[record{ bars = 8, count_in = 1, click = true, from = 9, to = 17, loop = true, tracks = { "vox" },
latency = frames, folder = "takes" } records every armed track (arm = true) into takes/<track>-take-NNN.wav from the
next bar (or `from`), after count_in bars of click; click = { 3, 4 } sends the click to device outputs 3-4 only
(lute --outputs 4: the headphones); preroll = 2 (with from) starts a stopped transport 2 bars before
`from`; loop = true makes a new take for each pass.  Takes are placed by
the round trip (the driver's, or calibrate()'s), so an overdub played in time lands on the grid.
stop_record() ends it now.  takes_recorded() lists the session's takes; takes("vox") reads them back for clips.]]
H.topics.stop_record = [[stop_record() ends the recording now; each take keeps what came before.  help("record").]]
H.topics.calibrate = [[calibrate{ channel = 1 } measures the round trip through a loopback (the output cabled, or in JACK
connected, to an input): a click goes out at the next bar and where it comes back is used for every later take.]]
H.topics.takes_recorded = [[takes_recorded() -> the takes recorded in this session (path, file, number, start, frames, lost).]]

H.topics.mixing = [[
Every track is a channel strip: its sound (patch, kit, sample) -> inserts (fx) -> gain -> pan ->
sends -> out.  Buses are strips too, fed by what is routed (out =) or sent (sends =) to them.
  track "bass" { patch = "acid", notes = "c2*8", gain = -4, pan = -0.2,
                 fx = { eq{ {"hp", 35}, {"bell", 120, -3, 1.2} }, comp{ ratio = 4 } },
                 sends = { verb = -12, delay = { -18, pre = true } }, out = "band" }
  bus "verb" { fx = { reverb{ size = 0.85, mix = 1 } } }          a return: sends feed it
  bus "band" { fx = { comp{ ratio = 2 } }, gain = -2 }            a group: tracks output to it
  master { fx = { limiter{ ceiling = -1 } }, gain = 0 }
  gain dB (-120 .. 24; a track's is -6 unless set), pan -1 .. 1 (constant power: -3 dB each side
  in the centre), width 0 .. 2, polarity = true, mute = true, solo = true (buses stay audible:
  solo_safe).  sends = { bus = dB } after the fader, { dB, pre = true } before it.
Feedback: bus "dub" { feedback = true, sends = { dub = -4 } } hears its inputs a quantum (32
  frames) late, so it may send into itself or a bus before it; other loops are errors.
Sidechain: a dynamics insert keyed by another channel, after that channel's inserts:
  duck{ by = "kick", depth = 8, release = 120 }   comp{ key = "vox", ratio = 4 }
Latency: a lookahead (comp lookahead =, limiter, lineq) delays its path; every path that meets
another (a bus, a send, a sidechain key) is delayed to match, live and offline.  Parallel
processing: fx = { parallel{ dry = {}, crushed = { comp{ ratio = 10 }, gain = -6 } } } (named
branches summed; their effects keyed crushed_comp, crushed_gain), or a send to a bus with its own
inserts (examples/18-parallel.lua).
  mix()          the whole mix as a table: gain, pan, out, sends, inserts, meters, latency
  mix("bass")    one channel (or "bass, drums")
  meters()       a live view of the meters above the prompt; meters() again hides it
A change to a gain, pan, send or setting glides; adding or removing an insert, a send or a bus
switches at the next bar.  Examples 12-18; docs/mixing.md.]]

H.topics.mix = [[
mix() prints every track, bus and the master: gain (dB), pan (C, L35, R100), out (where it goes),
width, meters — peak and RMS (dBFS) over the last 3 s, LUFS-S (short-term loudness), GR (the
largest gain reduction of its dynamics inserts) — and latency (frames at which the channel reaches
its output; the master's is the whole mix's).  Under each channel: its inserts with their key
settings and gain reduction, and its sends; under the master: its loudness (momentary, short-term,
integrated), true peak and stereo correlation.  mix("bass") or mix("bass, drums") for some of them.
Flags: [M] muted, [S] soloed, [P] polarity inverted.  "n/a": not reported by this build's engine.]]

H.topics.meters = [[
meters() toggles a live view above the REPL's prompt: a line per channel — the peak held over 1 s,
a bar (# RMS, = peak; ! at 0 dBFS), short-term loudness, gain reduction — and the master with its
momentary (M) and integrated (I) loudness, true peak (TP) and correlation.  It redraws up to eight
times a second and leaves the line you are typing alone; meters() again removes it.  Without a
terminal (piped input) meters() prints the view once.]]

H.topics.bus = [[
bus "name" { fx = { ... }, gain = 0, pan = 0, width = 1, out = "master", sends = { ... },
             mute = false, solo = false, solo_safe = true, polarity = false, feedback = false }
  A channel fed by tracks (out = "name") and sends (sends = { name = dB }).  Buses nest: a bus may
  output to another bus; a routing cycle is an error naming it, and the old mix plays on, unless
  the loop goes through a bus with feedback = true (it hears its inputs 32 frames late).
  See help("mixing").]]

-- Mastering, analysis, delivery and one topic per effect (lua/help_mastering.lua).
do
  local ok, hm = pcall(require, "help_mastering")
  if ok and type(hm) == "table" then
    for k, v in pairs(hm.topics or {}) do if H.topics[k] == nil then H.topics[k] = v end end
  end
end

-- Other modules may bring topics of their own: a file lua/help_<part>.lua returning
-- { topics = { name = text } } (help("units") comes from lua/help_units.lua, or sits in the table
-- above).  A module that is not there is skipped; one that fails to load is an error.
for _, part in ipairs({ "help_units" }) do
  local found = package.searchpath(part, package.path)
  if found then
    local m = require(part)
    for k, v in pairs(m.topics or {}) do if H.topics[k] == nil then H.topics[k] = v end end
  end
end

-- ---------------------------------------------------------------------------------------------
-- Topics written when asked for: what is installed now
-- ---------------------------------------------------------------------------------------------
-- Words joined by `sep` into lines of at most `width` columns: the first starts with `first`, the
-- others with `indent`.
local function wrap(words, width, indent, first, sep)
  sep = sep or "  "
  first = first or indent
  local lines, cur, start = {}, first, first
  for _, w in ipairs(words) do
    if #cur > #start and #cur + #sep + #w > width then lines[#lines + 1] = cur; cur, start = indent .. w, indent
    elseif #cur > #start then cur = cur .. sep .. w
    else cur = cur .. w end
  end
  if #cur > #start then lines[#lines + 1] = cur end
  return lines
end

local function fmt(v)
  if v == math.floor(v) and math.abs(v) < 1e15 then return ("%d"):format(v) end
  return ("%g"):format(v)
end

-- help("patches"): the patches shipped in scripts/patches, each with the first line of its file.
local function patches_text()
  local root = (package.loaded["lute.core"] or {}).root
  if not root then
    local ok, core = pcall(require, "lute.core")
    root = ok and core.root or "."
  end
  local dir = root .. "/scripts/patches"
  local names = {}
  local p = io.popen("ls '" .. dir .. "' 2>/dev/null")
  if p then
    for line in p:lines() do local n = line:match("^([%w_]+)%.lua$"); if n then names[#names + 1] = n end end
    p:close()
  end
  table.sort(names)
  local lines = { "Patches shipped with lute (scripts/patches/NAME.lua): track \"x\" { patch = \"NAME\", ... }" }
  for _, n in ipairs(names) do
    local f = io.open(dir .. "/" .. n .. ".lua", "r")
    local first = f and f:read("l") or ""
    if f then f:close() end
    local desc = first:match("^%-%-%s*[%w_]+%s*[—%-]+%s*(.*)$") or first:match("^%-%-%s*(.*)$") or ""
    local words = {}
    for w in desc:gmatch("%S+") do words[#words + 1] = w end
    for _, l in ipairs(wrap(words, 100, string.rep(" ", 15), ("  %-12s "):format(n), " ")) do lines[#lines + 1] = l end
  end
  if #names == 0 then lines[#lines + 1] = "  (none found in " .. dir .. ")" end
  local ok, S = pcall(require, "lute.state")
  local own = {}
  if ok and S.patches then for n in pairs(S.patches) do own[#own + 1] = n end end
  table.sort(own)
  if #own > 0 then lines[#lines + 1] = "Declared by your scripts (patch \"name\" (fn)): " .. table.concat(own, ", ") end
  lines[#lines + 1] = "A patch's controls are track fields (cutoff = 800); docs/patches.md shows how to write one."
  return table.concat(lines, "\n")
end

-- Parameters named b1_x .. b8_x (eq bands) or p1_x .. p4_x are shown once, for the first index.
local function collapse(params)
  local out, seen = {}, {}
  for _, p in ipairs(params) do
    local pre, i, suf = p.name:match("^(%a+)(%d)_(.+)$")
    if pre and tonumber(i) > 1 then
      seen[pre] = math.max(seen[pre] or 1, tonumber(i))
    else
      out[#out + 1] = p
    end
  end
  return out, seen
end

-- help("effects"): every effect with its parameters, ranges and defaults, from the registry.
local function effects_text()
  local ok, fx = pcall(require, "fx")
  if not ok then return "the effects registry (lute.fxdefs) is not loaded" end
  local lines = { "Effects (fx = { ... } on a track, a bus or the master); name min .. max unit (default).",
                  "help(\"comp\") explains each setting of one effect; docs/effects.md has the measurements." }
  for _, name in ipairs(fx.list()) do
    local d = fx.def(name)
    local tags = {}
    if d.keyed then tags[#tags + 1] = "sidechain: by = / key =" end
    if d.tail then tags[#tags + 1] = "rings on" end
    lines[#lines + 1] = ""
    local head = ("%s — %s%s"):format(name, d.help or "", #tags > 0 and (" (" .. table.concat(tags, "; ") .. ")") or "")
    local hw = {}
    for w in head:gmatch("%S+") do hw[#hw + 1] = w end
    for _, l in ipairs(wrap(hw, 100, "  ", "", " ")) do lines[#lines + 1] = l end
    local shown, more = collapse(d.params)
    local words = {}
    for _, p in ipairs(shown) do
      local unit = (p.unit and p.unit ~= "") and (" " .. p.unit) or ""
      words[#words + 1] = ("%s %s .. %s%s (%s)"):format(p.name, fmt(p.min), fmt(p.max), unit, fmt(p.def))
    end
    if d.mix then words[#words + 1] = ("mix 0 .. 1 (%s)"):format(fmt(d.mix_default)) end
    for pre, n in pairs(more) do words[#words + 1] = ("%s2_ .. %s%d_ as %s1_"):format(pre, pre, n, pre) end
    for _, l in ipairs(wrap(words, 100, "    ")) do lines[#lines + 1] = l end
    if d.example then lines[#lines + 1] = "    e.g. " .. d.example end
  end
  return table.concat(lines, "\n")
end

local lazy = { patches = patches_text, effects = effects_text }

-- help() lists the topics, grouped.
local GUIDES = { "rules", "patterns", "params", "mixing", "effects", "patches", "units", "mastering", "midi", "theory" }
local function topics_text()
  local guide, names, effects = {}, {}, {}
  local is_guide = {}
  for _, g in ipairs(GUIDES) do is_guide[g] = true end
  local fxnames = {}
  local ok, fx = pcall(require, "fx")
  if ok then for _, n in ipairs(fx.list()) do fxnames[n] = true end end
  for _, g in ipairs(GUIDES) do if H.topics[g] or lazy[g] then guide[#guide + 1] = g end end
  for k in pairs(H.topics) do
    if not is_guide[k] then
      if fxnames[k] then effects[#effects + 1] = k else names[#names + 1] = k end
    end
  end
  table.sort(names)
  local lines = { "", "Topics — guides: " .. table.concat(guide, ", ") }
  for _, l in ipairs(wrap(names, 100, "         ", "  names: ")) do lines[#lines + 1] = l end
  lines[#lines + 1] = ("  and each of the %d effects by name: help(\"reverb\"); the list: help(\"effects\")"):format(#effects)
  return table.concat(lines, "\n")
end

setmetatable(H.topics, {
  __index = function(_, k) local f = lazy[k]; return f and f() or nil end,
  __pairs = function(t)   -- the lazy topics are listed too (help("nosuch"), completion)
    local keys = {}
    for k in next, t do keys[#keys + 1] = k end
    for k in pairs(lazy) do if rawget(t, k) == nil then keys[#keys + 1] = k end end
    local i = 0
    return function()
      i = i + 1
      local k = keys[i]
      if k ~= nil then return k, t[k] end
    end, t, nil
  end,
})

-- The overview ends with the topics (computed when help() is called: modules may add topics).
local overview = H.overview
setmetatable(H, { __index = function(_, k) if k == "overview" then return overview .. "\n" .. topics_text() end end })
H.overview = nil

-- help("units"): every unit a patch is built from, with its signature and a one-line example, from
-- the engine's own table (core.units(), the same one the patch compiler checks against), so the list
-- is always the whole vocabulary.
local function units_text()
  local core = require "lute.core"
  local rows = {}
  for _, u in ipairs(core.units()) do
    -- saw_lpf, vca_pan, saw_lpf_pan are the compiler's fused kernels, not written by hand
    if not u.name:match("^saw_lpf") and u.name ~= "vca_pan" then rows[#rows + 1] = { u.signature, u.example or "" } end
  end
  rows[#rows + 1] = { "mix{a, b, ...}", "mix{ saw(v.freq), 0.5 * sub(v.freq) }" }
  rows[#rows + 1] = { "unison(osc, voices, detune_cents [, spread])", "unison(saw(v.freq), 5, 20)" }
  local w = 0
  for _, r in ipairs(rows) do if #r[1] > w then w = #r[1] end end
  local lines = {
    "Units: what a patch is built from.  patch \"name\" (function(v) ... end) is one voice: v.freq, v.note,",
    "v.gate, v.vel, v.release_vel, and controls v.name(default, min, max); + - * / work on signals.",
    "Any input may be a signal.  Options are words: saw(f, \"hq\"), lfo(2, \"tri\").  docs/units.md has each",
    "unit's inputs, ranges, options and measured figures; help(\"patches\") the ready-made patches.",
    "",
  }
  for _, r in ipairs(rows) do lines[#lines + 1] = ("  %-" .. w .. "s  %s"):format(r[1], r[2]) end
  return table.concat(lines, "\n")
end
do
  local ok, text = pcall(units_text)
  H.topics.units = ok and text or "units: see docs/units.md"
end

return H
