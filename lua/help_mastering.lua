-- help_mastering.lua — help() topics for analysis, mastering and delivery, kept apart from
-- lute_help.lua so the lead can merge the table: { topics = { name = text } }.  Texts read like the
-- manual (docs/mastering.md has the long form).
local H = { topics = {} }

H.topics.mastering = [==[
From a finished mix to files a distributor or a CD plant takes (docs/mastering.md):
  lute analyze FILE...           loudness (EBU R128), true peak, dynamics, stereo, spectrum; --json, --plot
  lute master IN -o OUT          chain + loudness target + true-peak ceiling, verified, QC report
  lute album ALBUM.lua           sequence an album: CD image + CUE sheet, per-track files, QC
  local fx = require "fx"        constructors for every processor: fx.limiter{ ceiling = -1 }, ...
  require "master.streaming"     presets: streaming (-14), apple (-16), broadcast (-23), cd, club
help("analyze"), help("master"), help("album"), help("fx"), help("limiter") for more.]==]

H.topics.analyze = [==[
lute analyze FILE... [--json [--series]] [--plot OUT.png|OUT.svg] [--target LUFS] [--reference REF]
  Integrated loudness (LUFS), loudness range (LU), momentary and short-term maximum, true peak (dBTP,
  4x oversampled with a parabola between the points) and sample peak, PLR, crest factor, RMS and DC
  per channel, correlation and width, clipped runs, silence at head and tail, third-octave bands.
  Any file libsndfile reads, mono to 5.1 (BS.1770 channel weights), any rate.  Loudness readings are
  taken every 10 ms (EBU Tech 3341 needs it); --series puts them in the JSON as [t_end_s, lufs].
  --plot draws waveform, short-term loudness (with the --target line) and spectrum; several files
  (or --reference) are drawn over each other.]==]

H.topics.master = [==[
In a script, master { fx = { ... }, gain = 0 } is the mix's master strip (help("mixing")); with
target = -14, ceiling = -1 a `lute render` of the song is brought to that loudness under that true peak
(driving the chain's final limiter, if it ends in one, else a default one), verified as below; live the
ceiling is the speaker guard's business (--guard-ceiling) and the target is not applied.  On a file:
lute master IN -o OUT [--target LUFS|none] [--ceiling dBTP] [--chain FILE.lua|PRESET]
            [--reference REF [--match]] [--bits 16|24|32] [--rate HZ] [--dither tpdf|shaped|none]
            [--preview all|phone,car,...] [--codec-preview] [--plot OUT.png] [--title T --artist A ...]
  Runs the chain (default: a 15 Hz low cut), then drives the true-peak limiter until the written file
  reads the target (default -14 LUFS, within 0.2 LU) with no peak over the ceiling (default -1 dBTP),
  as lute's meter and ffmpeg's ebur128 read it — after the rate conversion, the dither, the codec.
  Writes OUT.qc.txt and OUT.qc.json.  A chain file returns { target = ..., ceiling = ..., fx.mineq{...},
  ..., fx.limiter{...} }; presets: streaming, apple, broadcast, cd, club (scripts/master/).
  --reference prints the differences from a reference; --match EQs toward it and takes its loudness.]==]

H.topics.album = [==[
lute album ALBUM.lua [-o DIR]
  album { title = "...", performer = "...", upc = "...", gaps = 2, fade_out = 1, trim = -60,
          loudness = "album" | "track", master = "streaming", files = { "flac", "mp3" },
          tracks = { { script = "song.lua", bars = 32, title = "...", isrc = "CC-XXX-YY-NNNNN" },
                     { file = "mix.wav", title = "...", gap = 3 }, { file = "b.wav", crossfade = 2 } } }
  Renders script tracks (lute render, one process each), trims them to their music, fades, sequences
  them with gaps or crossfades, masters (one gain for the album, or each track to the target) and
  writes a Red Book image (44.1 kHz, 16-bit; track starts on CD frames) with a CUE sheet (CATALOG,
  TITLE, PERFORMER, SONGWRITER, ISRC, PREGAP, INDEX 00/01), a tagged file per track and format, and a
  QC report beside each file.  ISRC and UPC/EAN are checked; so are the Red Book limits (99 tracks,
  4 s each, 79.8 minutes).]==]

H.topics.fx = [==[
local fx = require "fx" gives a constructor for every processor lute has (fx.list() names them):
  fx.lineq{...}    linear-phase EQ: low cut, low shelf, four peaks, high shelf, high cut
  fx.mineq{...}    the same bands, minimum phase, no latency
  fx.mbcomp{...}   four-band compressor on Linkwitz-Riley crossovers that sum flat
  fx.softclip{...} soft clipper, 4x oversampled
  fx.mwidth{...}   stereo width with mono bass below a frequency
  fx.limiter{...}  true-peak limiter with lookahead
A constructor checks every setting (name and range) and returns a plain descriptor
{ kind = "fx", type = "limiter", params = { ceiling = -1 }, key = ..., mix = ... }.
fx.help("limiter") lists a unit's settings with ranges and defaults.]==]

-- One topic per unit, from the registry itself, so the texts never drift from the code.
local ok, fx = pcall(require, "fx")
if ok then
  for _, name in ipairs(fx.list()) do H.topics[name] = fx.help(name) end
end

return H
