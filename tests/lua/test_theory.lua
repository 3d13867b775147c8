-- test_theory.lua — tests of lute's music theory (lua/theory.lua) beyond the tonal oracle:
-- what a musician relies on when a pattern says note("c e g"), n("0 2 4").scale("C:major"),
-- a chord, a progression, a voicing or an arpeggio.  Expected values are worked out by hand from
-- music theory (and Strudel's / Tidal's definitions), not copied from the implementation; the
-- voice-leading test checks optimality against an independent brute force.
--
-- Run: lute exec tests/lua/test_theory.lua
local T = require "theory"

local passed, failed = 0, 0
local function check(cond, fmt, ...)
  if cond then passed = passed + 1
  else
    failed = failed + 1
    print("FAIL " .. string.format(fmt, ...))
  end
end

local function show(v)
  if type(v) ~= "table" then return tostring(v) end
  local r = {}
  for i, x in ipairs(v) do r[i] = show(x) end
  return "{" .. table.concat(r, " ") .. "}"
end

local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  if #a ~= #b then return false end
  for i = 1, #a do if not same(a[i], b[i]) then return false end end
  return true
end

local function eq(got, want, what)
  check(same(got, want), "%s: expected %s, got %s", what, show(want), show(got))
end

-- The call must raise an error whose message contains every given plain substring.
local function raises(what, fn, ...)
  local ok, err = pcall(fn)
  if ok then check(false, "%s: expected an error, got none", what); return end
  err = tostring(err)
  for _, s in ipairs { ... } do
    if not err:find(s, 1, true) then
      check(false, "%s: error %q does not mention %q", what, err, s)
      return
    end
  end
  check(true, "")
end

local function near(a, b, rel) return math.abs(a - b) <= (rel or 1e-12) * math.abs(b) end

-- to_midi: Strudel's note names -------------------------------------------------------------
eq(T.to_midi(60), 60, "number passes through")
eq(T.to_midi(60.5), 60.5, "fractional number passes through")
eq(T.to_midi("c"), 48, "c defaults to octave 3")
eq(T.to_midi("C#4"), 61, "C#4")
eq(T.to_midi("eb3"), 51, "eb3")
eq(T.to_midi("fs2"), 42, "fs2 (s = sharp)")
eq(T.to_midi("ef3"), 51, "ef3 (f = flat)")
eq(T.to_midi("Css3"), 50, "repeated accidentals")
eq(T.to_midi("Bbb3"), 57, "double flat")
eq(T.to_midi("a4"), 69, "a4 is MIDI 69")
eq(T.to_midi("c#-2"), -11, "negative octave, no range limit")
eq(T.to_midi("c10"), 132, "octave 10, no range limit")
check(math.type(T.to_midi("c4")) == "integer", "note names give integers")
raises("h3 is not a note", function() T.to_midi("h3") end, "'h3'", "expected", "C#4")
raises("x is not an accidental", function() T.to_midi("Cx4") end, "'Cx4'", "accidentals # b s f")
raises("fractional octave", function() T.to_midi("C4.5") end, "'C4.5'")
raises("empty string", function() T.to_midi("") end, "''")
raises("table", function() T.to_midi({}) end, "a table")
raises("nil", function() T.to_midi(nil) end, "a nil")

-- freq and the A4 reference ----------------------------------------------------------------
check(T.a4() == 440, "default A4 is 440 Hz, got %s", T.a4())
check(near(T.freq(69), 440), "A4 = 440 Hz")
check(near(T.freq(81), 880) and near(T.freq(57), 220), "octaves double and halve")
check(near(T.freq(61) / T.freq(60), 2 ^ (1 / 12)), "a semitone is 2^(1/12)")
check(near(T.freq(60), 261.6255653005986, 1e-12), "middle C = 261.6256 Hz")
T.set_a4(432)
check(T.a4() == 432 and near(T.freq(69), 432), "A4 set to 432 Hz: freq(69) = %s", T.freq(69))
check(near(T.freq(60), 432 * 2 ^ (-9 / 12)), "C4 follows the new reference: %s", T.freq(60))
T.set_a4(415.3)
check(near(T.freq(70), 415.3 * 2 ^ (1 / 12)), "baroque pitch")
raises("negative A4", function() T.set_a4(-1) end, "positive", "-1")
raises("zero A4", function() T.set_a4(0) end, "positive")
raises("string A4", function() T.set_a4("440") end, "positive")
check(T.a4() == 415.3, "a rejected A4 leaves the reference unchanged")
T.set_a4(440)
check(near(T.freq(69), 440), "reference restored")

-- scale_degree: Strudel's n(...).scale(...) ------------------------------------------------
local cmaj = {}
for d = 0, 7 do cmaj[#cmaj + 1] = T.scale_degree("C:major", d) end
eq(cmaj, { 48, 50, 52, 53, 55, 57, 59, 60 }, "C:major degrees 0..7 from C3")
eq(T.scale_degree("C:major", -1), 47, "degree -1 is the B below")
eq(T.scale_degree("C:major", -7), 36, "degree -7 is an octave down")
eq(T.scale_degree("C:major", -8), 35, "degree -8 is B1")
eq(T.scale_degree("C:major", 14), 72, "degree 14 is two octaves up")
eq(T.scale_degree("C:major", 16), 76, "degree 16 is E5")
eq(T.scale_degree("C4:major", 0), 60, "octave in the scale name")
eq(T.scale_degree("c:minor pentatonic", 5), 60, "pentatonic wraps after 5 degrees")
eq(T.scale_degree("c:minor pentatonic", -1), 46, "pentatonic below the tonic is Bb2")
eq(T.scale_degree("C4:minor:pentatonic", 1), 63, "colon-separated type words")
eq(T.scale_degree("C major", 2), 52, "space form")
eq(T.scale_degree("d:dorian", 6), 60, "D dorian's 7th is C")
eq(T.scale_degree("A:minor", 2), 60, "A minor's 3rd above A3 is C4")
eq(T.scale_degree("Bb:mixolydian", 6), 68, "Bb mixolydian's 7th above Bb3 is Ab4")
eq(T.scale_degree("C:major", "3#"), 54, "sharpened degree")
eq(T.scale_degree("C:major", "6b"), 58, "flattened degree")
eq(T.scale_degree("C:major", 1.5), 52, "fractional degrees round up, as Strudel's Math.ceil")
raises("typo in scale", function() T.scale_degree("C:dorain", 1) end, "'dorain'", "did you mean 'dorian'")
raises("no tonic", function() T.scale_degree("major", 1) end, "incomplete scale", "C:major")
raises("not a scale at all", function() T.scale_degree("X:major", 1) end, "'X:major'")
raises("degree not a number", function() T.scale_degree("C:major", {}) end, "integer")
raises("bad step string", function() T.scale_degree("C:major", "2x") end, "'2x'", "integer")

-- The dictionary: every scale wraps into octaves and rises within one.
local names = T.scale_names()
check(#names >= 40, "at least 40 scales, got %d", #names)
local have = {}
for _, n in ipairs(names) do have[n] = true end
for _, want in ipairs { "major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian",
    "harmonic minor", "melodic minor", "major pentatonic", "minor pentatonic", "minor blues",
    "major blues", "whole tone", "diminished", "half-whole diminished", "altered", "lydian dominant",
    "phrygian dominant", "locrian #2", "dorian b2", "lydian augmented", "mixolydian b6", "ultralocrian",
    "locrian 6", "major augmented", "harmonic major", "double harmonic major", "hungarian minor",
    "bebop", "chromatic", "in-sen", "hirajoshi", "augmented" } do
  check(have[want], "scale '%s' is in the dictionary", want)
end
for _, alias in ipairs { "ionian", "aeolian", "blues", "spanish", "super locrian", "pentatonic" } do
  check(not T.scale("C " .. alias).empty, "alias '%s' resolves", alias)
end
local bad_wrap = 0
for _, n in ipairs(names) do
  local len = #T.scale(n).intervals
  local name = "E:" .. n
  local prev = T.scale_degree(name, -1)
  for d = 0, 2 * len do
    local m = T.scale_degree(name, d)
    if not (m > prev) then bad_wrap = bad_wrap + 1 end
    if d % len == 0 and m ~= 52 + 12 * (d // len) then bad_wrap = bad_wrap + 1 end
    prev = m
  end
end
check(bad_wrap == 0, "every scale rises degree by degree and repeats at the octave (%d faults)", bad_wrap)

-- Chords: extensions, alterations, slash chords, inversions ---------------------------------
eq(T.chord_notes("Cmaj7", 4), { 60, 64, 67, 71 }, "Cmaj7 at octave 4")
eq(T.chord_notes("Cmaj7"), { 60, 64, 67, 71 }, "default octave is 4")
eq(T.chord_notes("Cmaj7", 3), { 48, 52, 55, 59 }, "octave 3")
eq(T.chord_notes("Am", 4), { 69, 72, 76 }, "A minor")
eq(T.chord_notes("F#m7b5", 3), { 54, 57, 60, 64 }, "half-diminished")
eq(T.chord_notes("Bbdim7", 3), { 58, 61, 64, 67 }, "diminished seventh")
eq(T.chord_notes("C13"), { 60, 64, 67, 70, 74, 81 }, "thirteenth (no eleventh)")
eq(T.chord_notes("Cm11"), { 60, 63, 67, 70, 74, 77 }, "minor eleventh")
eq(T.chord_notes("G7#9"), { 67, 71, 74, 77, 82 }, "sharp nine")
eq(T.chord_notes("C7b9"), { 60, 64, 67, 70, 73 }, "flat nine")
eq(T.chord_notes("C7alt"), { 60, 64, 68, 70, 75 }, "7alt = 7#5#9")
eq(T.chord_notes("Csus4"), { 60, 65, 67 }, "sus4")
eq(T.chord_notes("C6/9"), { 60, 64, 67, 69, 74 }, "6/9 is a chord type, not a slash chord")
eq(T.chord_notes("C/E"), { 64, 67, 72 }, "C/E starts on the bass")
eq(T.chord_notes("Am/C"), { 72, 76, 81 }, "Am/C")
eq(T.chord_notes("D/F#", 3), { 54, 57, 62 }, "D/F# at octave 3")
eq(T.chord_notes("Dm7/G"), { 55, 62, 65, 69, 72 }, "bass not in the chord goes below")
eq(T.chord_notes("C7", { inversion = 1 }), { 64, 67, 70, 72 }, "C7 first inversion")
eq(T.chord_notes("C7", { inversion = 2 }), { 67, 70, 72, 76 }, "C7 second inversion")
eq(T.chord_notes("C7", { inversion = 4 }), { 72, 76, 79, 82 }, "four inversions of a 4-note chord = octave up")
eq(T.chord_notes("C", { octave = 3, inversion = -1 }), { 43, 48, 52 }, "negative inversion drops the top")
eq(T.chord_notes("C9", { inversion = 1 }), { 64, 67, 70, 72, 74 }, "inverted ninth stays sorted")
raises("typo in chord type", function() T.chord_notes("Cmja7") end, "'mja7'", "'Cmja7'", "did you mean")
raises("no root", function() T.chord_notes("maj7") end, "no root", "Cmaj7")
raises("bad octave", function() T.chord_notes("C", 4.5) end, "octave", "4.5")
raises("bad opts", function() T.chord_notes("C", "4") end, "octave")
check(T.chord("Cfoo").empty == true, "unknown chord is the empty chord, not an error")
check(T.scale("C foo").empty == true, "unknown scale is the empty scale, not an error")
eq(T.chord("Bb13").notes, { "Bb", "D", "F", "Ab", "C", "G" }, "spelling follows the line of fifths")

-- Voice leading -----------------------------------------------------------------------------
-- Independent brute force: every voicing of the chord's pitch classes, one note per chord tone,
-- each tone in some octave, inside the range, with the bass kept lowest for slash chords.
local function all_voicings(sym, lo, hi)
  local c = T.chord(sym)
  local pcs = {}
  for _, n in ipairs(c.notes) do pcs[#pcs + 1] = T.note(n).chroma end
  table.sort(pcs)
  local out = {}
  local span = 12
  -- close voicings: each rotation of the pitch classes stacked upward within an octave
  for r = 0, #pcs - 1 do
    for base = lo, hi do
      if base % 12 == pcs[r + 1] then
        local v, last, ok = { base }, base, true
        for k = 1, #pcs - 1 do
          local pc = pcs[(r + k) % #pcs + 1]
          local m = last + 1
          while m % 12 ~= pc do m = m + 1 end
          v[#v + 1] = m
          last = m
        end
        if v[#v] > hi or v[#v] - v[1] >= span + 12 then ok = false end
        if ok and c.bass ~= "" and v[1] % 12 ~= T.note(c.bass).chroma then ok = false end
        if ok then out[#out + 1] = v end
      end
    end
  end
  return out
end

local function cost(a, b)
  local t = 0
  for i = 1, #a do t = t + math.abs(a[i] - b[i]) end
  return t
end

local function check_lead(syms, range, label)
  local lo, hi = range and range[1] or 48, range and range[2] or 76
  local v = T.voice_lead(syms, range and { range = range } or nil)
  eq(#v, #syms, label .. ": one voicing per chord")
  local total = 0
  for k, notes in ipairs(v) do
    local inside = true
    for _, m in ipairs(notes) do if m < lo or m > hi then inside = false end end
    check(inside, "%s: chord %d %s inside [%d, %d]", label, k, show(notes), lo, hi)
    local want, got = {}, {}
    for _, n in ipairs(T.chord(syms[k]).notes) do want[T.note(n).chroma] = true end
    for _, m in ipairs(notes) do got[m % 12] = true end
    local same_pcs = true
    for pc in pairs(want) do if not got[pc] then same_pcs = false end end
    for pc in pairs(got) do if not want[pc] then same_pcs = false end end
    check(same_pcs and #notes == #T.chord(syms[k]).notes, "%s: chord %d %s has exactly the tones of %s",
      label, k, show(notes), syms[k])
    if k > 1 and #notes == #v[k - 1] then
      local c = cost(v[k - 1], notes)
      total = total + c
      local best = math.huge
      for _, cand in ipairs(all_voicings(syms[k], lo, hi)) do
        best = math.min(best, cost(v[k - 1], cand))
      end
      check(c == best, "%s: %s -> %s moves %d semitones, the best voicing moves %s",
        label, syms[k - 1], syms[k], c, best)
    end
  end
  return v, total
end

local v, moved = check_lead({ "C", "F", "G", "C" }, nil, "I-IV-V-I")
eq(v[1], { 60, 64, 67 }, "first chord in root position mid-range")
eq(v[2], { 60, 65, 69 }, "F as second inversion keeps the common tone C")
eq(v[3], { 59, 62, 67 }, "G as first inversion")
check(moved == 3 + 4 + 5, "I-IV-V-I moves 12 semitones in all, got %d", moved)
local jazz, jmoved = check_lead({ "Dm7", "G7", "Cmaj7", "A7" }, nil, "ii-V-I-VI")
eq(jazz[2], { 62, 65, 67, 71 }, "G7 after Dm7: C moves to B and A to G")
-- by hand: Dm7->G7 C>B, A>G (3); G7->Cmaj7 D>C, F>E (3); Cmaj7->A7 C>C#, B>A (3)
check(jmoved == 9, "ii-V-I-VI moves 9 semitones in all, got %d", jmoved)
print(("voice leading: I-IV-V-I moves %d semitones, Dm7-G7-Cmaj7-A7 moves %d"):format(moved, jmoved))
check_lead({ "Am", "Dm", "E7", "Am", "F", "G" }, { 40, 64 }, "minor cadence in a low range")
local sv = check_lead({ "C", "C/E", "F/A", "G/B" }, nil, "slash chords")
for k, sym in ipairs { "C", "C/E", "F/A", "G/B" } do
  local bass = T.chord(sym).bass
  if bass ~= "" then
    check(sv[k][1] % 12 == T.note(bass).chroma, "%s keeps %s in the bass: %s", sym, bass, show(sv[k]))
  end
end
eq(T.voice_lead("Dm7 G7 Cmaj7"), T.voice_lead({ "Dm7", "G7", "Cmaj7" }), "symbols as one string")
raises("range too narrow", function() T.voice_lead({ "C" }, { range = { 60, 65 } }) end, "range")
raises("bad chord in list", function() T.voice_lead({ "C", "Cfoo" }) end, "'Cfoo'")
check_lead({ "C13", "F13" }, { 60, 75 }, "six-note chords squeezed into 15 semitones")

-- Progressions --------------------------------------------------------------------------------
eq(T.prog("ii V I", "Bb"), { "Cm", "F", "Bb" }, "plain numerals are triads")
eq(T.prog("ii7 V7 Imaj7", "Bb"), { "Cm7", "F7", "Bbmaj7" }, "sevenths")
eq(T.prog("I vi IV V", "G"), { "G", "Em", "C", "D" }, "pop progression in G")
eq(T.prog("iii vi ii V", "Eb"), { "Gm", "Cm", "Fm", "Bb" }, "flat key spelling")
eq(T.prog("vii° viiø7 viio7 III+", "C"), { "Bdim", "Bm7b5", "Bdim7", "Eaug" }, "diminished, half-diminished, augmented")
eq(T.prog("I bVII IV", "D"), { "D", "C", "G" }, "borrowed bVII")
eq(T.prog("bII7 #iv°", "C"), { "Db7", "F#dim" }, "accidentals before the numeral")
eq(T.prog("i iv v", "Am"), { "Am", "Dm", "Em" }, "minor key: natural minor degrees")
eq(T.prog("i III VI VII", "A minor"), { "Am", "C", "F", "G" }, "III, VI, VII in minor are the relative-major chords")
eq(T.prog("i #vii°7 V7 i", "C minor"), { "Cm", "Bdim7", "G7", "Cm" }, "harmonic-minor leading tone by #")
eq(T.prog("i bII V7", "E:minor"), { "Em", "F", "B7" }, "Neapolitan in E minor")
eq(T.prog("ii7 V7sus4 Iadd9 vi9", "F"), { "Gm7", "C7sus4", "Fadd9", "Dm9" }, "other suffixes")
eq(T.prog({ "I", "V" }, "F#"), { "F#", "C#" }, "a list of numerals")
eq(T.prog("i iv", "D dorian"), { "Dm", "Gm" }, "mode as key")
local notes = T.chord_notes(T.prog("V7", "C")[1], 3)
eq(notes, { 55, 59, 62, 65 }, "a numeral's chord plays as notes")
raises("not a numeral", function() T.prog("ii X I", "C") end, "'X'", "Roman numeral")
raises("mixed case numeral", function() T.prog("Ii", "C") end, "'Ii'")
raises("bad key", function() T.prog("I", "H") end, "'H'")
raises("unknown key mode", function() T.prog("I", "C dorain") end, "dorain", "did you mean 'dorian'")
raises("5-note key", function() T.prog("I", "C pentatonic") end, "7-note")
raises("unknown suffix", function() T.prog("Ifoo", "C") end, "'foo'")

-- Arpeggios (Tidal's / Strudel's arp modes) -------------------------------------------------
local c = { 60, 64, 67, 72 }
eq(T.arp(c, "up"), { 60, 64, 67, 72 }, "up")
eq(T.arp(c, "down"), { 72, 67, 64, 60 }, "down")
eq(T.arp(c, "updown"), { 60, 64, 67, 72, 67, 64 }, "updown does not repeat the ends")
eq(T.arp(c, "downup"), { 72, 67, 64, 60, 64, 67 }, "downup")
eq(T.arp(c, "up&down"), { 60, 64, 67, 72, 72, 67, 64, 60 }, "up&down repeats the ends")
eq(T.arp(c, "converge"), { 60, 72, 64, 67 }, "converge: outside in")
eq(T.arp(c, "diverge"), { 67, 64, 72, 60 }, "diverge: inside out")
eq(T.arp(c, "pinkyup"), { 60, 72, 64, 72, 67, 72 }, "pinkyup: top note between each")
eq(T.arp(c, "thumbup"), { 60, 64, 60, 67, 60, 72 }, "thumbup: bottom note between each")
eq(T.arp({ 67, 60, 64 }, "up"), { 60, 64, 67 }, "notes are sorted low to high first")
eq(T.arp({ "c4", "e4", "g4" }, "down"), { 67, 64, 60 }, "note names")
eq(T.arp("Am", "updown", 10), { 69, 72, 76, 72, 69, 72, 76, 72, 69, 72 }, "chord symbol and steps cycle")
eq(T.arp(c, "up", 0), {}, "zero steps")
eq(T.arp(c), c, "default mode is up")
raises("unknown mode", function() T.arp(c, "upp") end, "'upp'", "did you mean 'up'", "converge")
raises("bad steps", function() T.arp(c, "up", -1) end, "steps")
raises("bad note", function() T.arp({ 60, "h3" }, "up") end, "'h3'")

-- Names -------------------------------------------------------------------------------------
eq(T.midi_name(61), "Db4", "flats by default")
eq(T.midi_name(61, { sharps = true }), "C#4", "sharps on request")
eq(T.midi_name(0), "C-1", "MIDI 0")
eq(T.note("Cb4").midi, 59, "Cb4 is B3")
eq(T.note("E#4").simplified, "F4", "simplified")
eq(T.interval("P5").semitones, 7, "shorthand interval")

-- tonal 6.5 spellings (the theory-tonal oracle corpus checks every type; these are the ones an older
-- dictionary had wrong): an older name is unknown, as in tonal, and the error points to the new one.
eq(#T.scale("C neapolitan major").intervals, 7, "scale 'neapolitan major' (tonal 6.5 spelling)")
eq(T.scale_degree("C:lydian #5p pentatonic", 3), 56, "lydian #5p pentatonic, degree 3 = G#3")
local ok_old, err_old = pcall(T.scale_degree, "C:neopolitan major", 1)
check(not ok_old and tostring(err_old):find("did you mean 'neapolitan major'", 1, true),
  "an old spelling suggests tonal 6.5's: %s", tostring(err_old))
eq(table.concat(T.chord("Cmaj11").aliases, " "), "maj11 Maj11 M11 Δ11 ^11", "maj11 aliases as tonal 6.5")
eq(T.chord("CM11").name, "C major eleventh", "CM11 is the major eleventh")

print(("test_theory: %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
