#!/usr/bin/python3
"""mix.py — issue 9's mix benchmark for `make bench`: a 24-track mix rendered by `lute render`, and the
same processing of the same 24 stems through ffmpeg's filters and through sox, in the same rounds.

The mix (one definition below, MIX, from which the lute script, the ffmpeg filter graph and the sox
script are all generated, so the three do the same things in the same order):
  24 tracks, 8 of them sample players (Hydrogen's 808 and GM Rock kits through lute's sampler) and
  16 patches from scripts/patches; every track: a 4-band EQ (low cut, two bells, high shelf), a
  compressor, its fader and pan, and two post-fader sends (reverb, delay); two returns (a reverb, a
  delay); two groups (drums: a compressor; music: a 2-band EQ); the master: a 2-band EQ, a
  compressor and a limiter.  60 s at 48 kHz, 120 bpm.

Printed: lute's CPU, x real time (60 s / CPU s, "on one core") and CPU per track for the whole mix;
the CPU of its processing alone (the mix minus a "dry" baseline: the same instruments, faders and
pans with nothing else); ffmpeg's and sox's CPU for the same processing of the 24 stems (their graph
minus a "plain" baseline that only reads, sums and writes the stems) and the ratios; the goals
(>= 100x real time, ahead of ffmpeg by >= 5x) as met or not; and the peak RSS of a 16-track song
without samples (goal < 64 MB).  Nothing is asserted.

The stems: each track's dry instrument (its patch or sampler, nothing after it: no EQ, compressor,
fader or sends) is rendered by a script of its own with just that track, generated here (not
--stems or --solo NAME, which keep the track's inserts, fader and the master chain).
(Feeding the stems back into lute as input tracks is not possible: lute reads at most 8 input
channels, and a sampler track would make mip levels of 24 one-minute stems, 1.6 GB.)

  /usr/bin/python3 bench/mix.py [--runs 3]            (BENCH_FULL=1: 5 runs)
"""
import sys
sys.dont_write_bytecode = True   # no __pycache__ beside the sources (bench/run sets it too)
import argparse
import math
import os
import shutil
import subprocess

import benchlib as BL
from benchlib import log, fmt, pct

OUT = os.path.join(BL.OUT, "mix")
SR, SECONDS, BPM = 48000, 60, 120

# ---------------------------------------------------------------------------------------------
# The mix
# ---------------------------------------------------------------------------------------------
EQ = [("hp", 40), ("bell", 300, -2, 1.0), ("bell", 2500, 1.5, 1.2), ("hs", 8000, 2)]
COMP = {"threshold": -18, "ratio": 3, "attack": 10, "release": 100}
SENDS = {"verb": -14, "echo": -20}
DRUM_BUS = {"threshold": -12, "ratio": 4, "attack": 5, "release": 80}
MUSIC_EQ = [("bell", 500, -1.5, 0.8), ("hs", 12000, 1)]
MASTER_EQ = [("hp", 25), ("hs", 10000, 1)]
MASTER_COMP = {"threshold": -10, "ratio": 2, "attack": 10, "release": 100}
LIMIT_DB = -1.0
VERB = {"size": 0.8, "decay": 2.5}
ECHO = {"time": 0.375, "feedback": 0.35}     # 3/16 at 120 bpm (delay{ time = "3/16" } is refused today)

# (name, group, gain dB, pan, what it plays)
MIX = [
    ("kick", "drums", -4, 0.0, {"kit": "808", "s": "bd*4"}),
    ("snare", "drums", -6, 0.05, {"kit": "rock", "s": "~ sd ~ sd"}),
    ("hats", "drums", -10, 0.3, {"kit": "rock", "s": "hh*8"}),
    ("openhat", "drums", -12, -0.3, {"kit": "808", "s": "~ ~ ~ oh"}),
    ("clap", "drums", -9, -0.1, {"kit": "808", "s": "~ cp ~ [~ cp]"}),
    ("toms", "drums", -8, 0.2, {"kit": "rock", "s": "~ ~ [lt mt] ht"}),
    ("ride", "drums", -14, 0.4, {"kit": "rock", "s": "rd*4"}),
    ("perc", "drums", -12, -0.5, {"kit": "808", "s": "[~ cb]*2"}),
    ("acid", "music", -10, 0.0, {"patch": "acid", "notes": "c2 [~ c3] eb2 [g1 c2]"}),
    ("sub", "music", -8, 0.0, {"patch": "sub", "notes": "<c1 ab0 eb1 bb0>"}),
    ("fmbass", "music", -12, -0.2, {"patch": "fm_bass", "notes": "~ c2 ~ c2"}),
    ("reese", "music", -14, 0.2, {"patch": "reese", "notes": "<c2 ab1 eb2 bb1>"}),
    ("lead", "music", -12, 0.1, {"patch": "saw_lead", "notes": "<[c5 eb5 g5 bb5] [ab4 c5 eb5 g5]>"}),
    ("square", "music", -14, -0.3, {"patch": "square_lead", "notes": "~ g4 ~ [f4 eb4]"}),
    ("fmlead", "music", -15, 0.35, {"patch": "fm_lead", "notes": "<~ [c6 ~ bb5 ~]>"}),
    ("sync", "music", -16, -0.35, {"patch": "sync_lead", "notes": "<~ ~ [g4 c5] ~>"}),
    ("pad", "music", -14, 0.0, {"patch": "warm_pad", "notes": "<[c3,eb3,g3] [ab2,c3,eb3] [eb3,g3,bb3] [bb2,d3,f3]>"}),
    ("strings", "music", -16, -0.4, {"patch": "string_pad", "notes": "<[c4,g4] [ab3,eb4] [g3,eb4] [bb3,f4]>"}),
    ("glass", "music", -18, 0.4, {"patch": "glass_pad", "notes": "<[c5,g5] ~ [eb5,bb5] ~>"}),
    ("ks", "music", -13, 0.25, {"patch": "ks_pluck", "notes": "c4 g4 eb4 g4 c5 g4 eb4 bb3"}),
    ("pluck", "music", -14, -0.25, {"patch": "pluck", "notes": "[c4 ~ g4 ~]*2"}),
    ("epiano", "music", -13, 0.15, {"patch": "epiano", "notes": "<[c4,eb4,g4] [ab3,c4,eb4]>"}),
    ("clav", "music", -15, -0.15, {"patch": "clav", "notes": "~ [c4 c4] ~ eb4"}),
    ("marimba", "music", -14, 0.3, {"patch": "marimba", "notes": "c5 eb5 g5 c6"}),
]
assert len(MIX) == 24


def lua_eq(bands):
    return "eq{ " + ", ".join("{ " + ", ".join(f'"{b[0]}"' if i == 0 else f"{x:g}" for i, x in enumerate(b)) + " }"
                              for b in bands) + " }"


def lua_tab(d):
    return "{ " + ", ".join(f"{k} = {v:g}" for k, v in d.items()) + " }"


def instrument(what):
    if "kit" in what:
        return f'kit = "{what["kit"]}", s = "{what["s"]}"'
    return f'patch = "{what["patch"]}", notes = "{what["notes"]}"'


def lute_mix(tracks=MIX, samples=True, dry=False):
    """The mix as a lute script; dry: the same instruments, faders and pans straight to the master,
    nothing else (no EQ, compressor, sends, buses or master chain): the baseline that the processing
    is measured against."""
    lines = ["-- generated by bench/mix.py: the 24-track mix benchmark" + (" (dry baseline)" if dry else ""),
             f"tempo({BPM})"]
    if not dry:
        lines += [f'bus "verb" {{ fx = {{ reverb{lua_tab(dict(VERB, mix=1))} }} }}',
                  f'bus "echo" {{ fx = {{ delay{lua_tab(dict(ECHO, mix=1))} }} }}',
                  f'bus "drums" {{ fx = {{ comp{lua_tab(DRUM_BUS)} }} }}',
                  f'bus "music" {{ fx = {{ {lua_eq(MUSIC_EQ)} }} }}',
                  f"master {{ fx = {{ {lua_eq(MASTER_EQ)}, comp{lua_tab(MASTER_COMP)}, "
                  f"limiter{{ ceiling = {LIMIT_DB:g} }} }} }}"]
    for name, group, gain, pan, what in tracks:
        if "kit" in what and not samples:
            continue
        if dry:
            lines.append(f'track "{name}" {{ {instrument(what)}, gain = {gain:g}, pan = {pan:g} }}')
        else:
            lines.append(f'track "{name}" {{ {instrument(what)}, out = "{group}", gain = {gain:g}, pan = {pan:g},\n'
                         f'  fx = {{ {lua_eq(EQ)}, comp{lua_tab(COMP)} }}, sends = {lua_tab(SENDS)} }}')
    return "\n".join(lines) + "\n"


def lute_stem(track):
    """One track's dry instrument: nothing after it, unity gain, centred, no master chain."""
    name, _, _, _, what = track
    return (f"-- generated by bench/mix.py: the dry stem of '{name}'\ntempo({BPM})\n"
            f'track "{name}" {{ {instrument(what)}, gain = 0, pan = 0 }}\n')


# ---- ffmpeg: one filter graph over the 24 stems --------------------------------------------------
def ff_eq(bands):
    out = []
    for b in bands:
        if b[0] == "hp":
            out.append(f"highpass=f={b[1]:g}:poles=2")
        elif b[0] == "hs":
            out.append(f"highshelf=f={b[1]:g}:g={b[2]:g}")
        else:
            out.append(f"equalizer=f={b[1]:g}:t=q:w={b[3]:g}:g={b[2]:g}")
    return ",".join(out)


def ff_comp(c):
    return (f"acompressor=threshold={c['threshold']:g}dB:ratio={c['ratio']:g}:attack={c['attack']:g}:"
            f"release={c['release']:g}")


def ff_pan(pan):
    """The strip's constant-power pan of a stereo source as a balance (lute's law: 1 and 1 at centre)."""
    a = (pan + 1) * math.pi / 4
    return f"pan=stereo|c0={math.sqrt(2) * math.cos(a):.6f}*c0|c1={math.sqrt(2) * math.sin(a):.6f}*c1"


def ff_graph(reverb):
    """reverb: 'afir' (convolution with a 2.5 s decaying-noise response, input 25) or 'aecho' (8 taps);
    the delay return is an aecho of four taps at the delay's time and feedback powers."""
    g, drums, music, verb, echo = [], [], [], [], []
    for i, (name, group, gain, pan, _) in enumerate(MIX):
        g.append(f"[{i}:a]{ff_eq(EQ)},{ff_comp(COMP)},volume={gain:g}dB,{ff_pan(pan)},asplit=3[d{i}][v{i}][e{i}]")
        g.append(f"[v{i}]volume={SENDS['verb']:g}dB[vs{i}]")
        g.append(f"[e{i}]volume={SENDS['echo']:g}dB[es{i}]")
        (drums if group == "drums" else music).append(f"[d{i}]")
        verb.append(f"[vs{i}]")
        echo.append(f"[es{i}]")
    amix = "amix=inputs={}:normalize=0:duration=first"
    g.append("".join(drums) + amix.format(len(drums)) + "," + ff_comp(DRUM_BUS) + "[drums]")
    g.append("".join(music) + amix.format(len(music)) + "," + ff_eq(MUSIC_EQ) + "[music]")
    g.append("".join(verb) + amix.format(len(verb)) + "[vsum]")
    if reverb == "afir":
        g.append(f"[vsum][{len(MIX)}:a]afir=dry=0:wet=10[verb]")
    else:
        taps = [0.029, 0.037, 0.041, 0.053, 0.067, 0.079, 0.097, 0.113]
        g.append("[vsum]aecho=1:1:" + "|".join(f"{t * 1000:g}" for t in taps) + ":" +
                 "|".join(f"{0.5 * 0.8 ** k:.3f}" for k in range(len(taps))) + "[verb]")
    t, fb = ECHO["time"] * 1000, ECHO["feedback"]
    g.append("".join(echo) + amix.format(len(echo)) + f",aecho=1:1:{t:g}|{2 * t:g}|{3 * t:g}|{4 * t:g}:"
             f"{fb:g}|{fb ** 2:g}|{fb ** 3:g}|{fb ** 4:g}[echo]")
    g.append("[drums][music][verb][echo]" + amix.format(4) + "," + ff_eq(MASTER_EQ) + "," + ff_comp(MASTER_COMP) +
             f",alimiter=limit={10 ** (LIMIT_DB / 20):.4f}:level=disabled,"
             f"apad=whole_len={SR * SECONDS},atrim=end_sample={SR * SECONDS}[out]")   # afir's output ends 75 ms short
    return ";".join(g)


def ff_plain():
    """The baseline: the 24 stems read, summed and written, nothing else."""
    return "".join(f"[{i}:a]" for i in range(len(MIX))) + f"amix=inputs={len(MIX)}:normalize=0:duration=first[out]"


def ffmpeg_cmd(stems, ir, out, reverb):
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-threads", "1",
           "-filter_complex_threads", "1"]
    for s in stems:
        cmd += ["-i", s]
    if reverb == "afir":
        cmd += ["-i", ir]
    graph = ff_plain() if reverb is None else ff_graph(reverb)
    return cmd + ["-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_f32le", out]


# ---- sox: a shell script of sox processes --------------------------------------------------------
def sox_eq(bands):
    out = []
    for b in bands:
        if b[0] == "hp":
            out.append(f"highpass {b[1]:g}")
        elif b[0] == "hs":
            out.append(f"treble {b[2]:g} {b[1]:g}")
        else:
            out.append(f"equalizer {b[1]:g} {b[3]:g}q {b[2]:g}")
    return " ".join(out)


def sox_comp(c):
    t, r = c["threshold"], c["ratio"]
    return f"compand {c['attack'] / 1000:g},{c['release'] / 1000:g} 6:-90,-90,{t:g},{t:g},0,{t - t / r:g}"


def sox_script(stems, out, work):
    """Each stem through EQ, compressor, fader and pan into a file (sox cannot split a signal three
    ways in one process), then the sends, the groups, the returns and the master by sox -m."""
    f32 = "-b 32 -e floating-point"
    sh = ["set -e", f"cd '{work}'"]
    drums, music = [], []
    for i, (name, group, gain, pan, _) in enumerate(MIX):
        a = (pan + 1) * math.pi / 4
        gl, gr = math.sqrt(2) * math.cos(a), math.sqrt(2) * math.sin(a)
        sh.append(f"sox '{stems[i]}' {f32} t{i}.wav {sox_eq(EQ)} {sox_comp(COMP)} gain {gain:g} "
                  f"remix 1v{gl:.6f} 2v{gr:.6f}")
        (drums if group == "drums" else music).append(f"t{i}.wav")
    vv, ev = 10 ** (SENDS["verb"] / 20), 10 ** (SENDS["echo"] / 20)
    n = len(MIX)
    sh.append("sox -m " + " ".join(f"-v {vv:.6f} t{i}.wav" for i in range(n)) + f" {f32} verb.wav "
              f"reverb 100 50 {100 * VERB['size']:g} 100 0 0")
    t, fb = ECHO["time"] * 1000, ECHO["feedback"]
    sh.append("sox -m " + " ".join(f"-v {ev:.6f} t{i}.wav" for i in range(n)) + f" {f32} echo.wav "
              f"echo 1 1 {t:g} {fb:g} {2 * t:g} {fb ** 2:g} {3 * t:g} {fb ** 3:g} {4 * t:g} {fb ** 4:g}")
    sh.append("sox -m " + " ".join(f"-v 1 {x}" for x in drums) + f" {f32} drums.wav {sox_comp(DRUM_BUS)}")
    sh.append("sox -m " + " ".join(f"-v 1 {x}" for x in music) + f" {f32} music.wav {sox_eq(MUSIC_EQ)}")
    sh.append(f"sox -m -v 1 drums.wav -v 1 music.wav -v 1 verb.wav -v 1 echo.wav {f32} '{out}' {sox_eq(MASTER_EQ)} "
              f"{sox_comp(MASTER_COMP)} compand 0.001,0.05 -90,-90,{LIMIT_DB:g},{LIMIT_DB:g},0,{LIMIT_DB:g} 0 -90 0.005 "
              f"trim 0 {SECONDS}")
    sh.append("rm -f t*.wav verb.wav echo.wav drums.wav music.wav")
    return "\n".join(sh) + "\n"


# ---------------------------------------------------------------------------------------------
def check_wav(path):
    """Length, finite, RMS and peak of a render (untimed)."""
    try:
        rate, x = BL.LT.read_wav(path)
    except (OSError, ValueError) as e:
        return {"ok": False, "why": str(e)}
    finite = bool(x.size) and bool((x == x).all()) and bool((abs(x) != float("inf")).all())
    rms = math.sqrt(float((x * x).mean())) if x.size else 0
    peak = float(abs(x).max()) if x.size else 0
    db = lambda v: 20 * math.log10(v) if v > 0 else float("-inf")   # noqa: E731
    ok = rate == SR and abs(len(x) / rate - SECONDS) < 0.01 and finite and db(rms) > -60
    return {"ok": ok, "len": len(x) / rate, "rms_db": db(rms), "peak_db": db(peak), "finite": finite,
            "why": "" if ok else f"length {len(x) / rate:.3f} s, finite {finite}, RMS {db(rms):.1f} dBFS"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5 if BL.FULL else 3)
    a = ap.parse_args()
    os.makedirs(os.path.join(OUT, "stems"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "soxwork"), exist_ok=True)
    lute = BL.LUTE
    log(f"== mix: {len(MIX)} tracks (8 sample players, 16 patches; each a 4-band EQ, a compressor, fader, pan, "
        f"2 sends), 2 returns, 2 groups, a master chain; {SECONDS} s at {SR} Hz")

    def script(name, text):
        path = os.path.join(OUT, name)
        with open(path, "w") as f:
            f.write(text)
        return path
    mix_lua = script("mix24.lua", lute_mix())
    dry_lua = script("mix24_dry.lua", lute_mix(dry=True))
    song16 = script("song16.lua", lute_mix(samples=False))
    w0 = script("w0.lua", f"tempo({BPM})\n")

    # the stems (dry instruments), each rendered alone
    stems, stem_cpu = [], 0.0
    for tr in MIX:
        src = script(os.path.join("stems", tr[0] + ".lua"), lute_stem(tr))
        wav = os.path.join(OUT, "stems", tr[0] + ".wav")
        t = BL.timed([lute, "render", src, "-o", wav, "--seconds", str(SECONDS)])
        if t["rc"] != 0:
            log(f"  stem {tr[0]}: render failed: {t['err'].strip()[:300]}")
            return 1
        stem_cpu += t["cpu"]
        stems.append(wav)
    log(f"  stems: the {len(stems)} dry instruments, one generated script each (lute render has no --stems yet; "
        f"--solo would keep the inserts and the master chain): {stem_cpu:.2f} s CPU in all, untimed below")
    ir = os.path.join(OUT, "ir.wav")
    if shutil.which("sox") and not os.path.exists(ir):
        subprocess.run(["sox", "-R", "-n", "-r", str(SR), "-c", "2", "-b", "32", "-e", "floating-point", ir, "synth",
                        "2.5", "whitenoise", "fade", "l", "0", "2.5", "2.5", "gain", "-n", "-20"], check=True)
    sox_sh = script("sox_mix.sh", sox_script(stems, os.path.join(OUT, "sox_mix.wav"), os.path.join(OUT, "soxwork")))
    sox_plain = script("sox_plain.sh", "sox -m " + " ".join(f"-v 1 '{x}'" for x in stems) +
                       f" -b 32 -e floating-point '{os.path.join(OUT, 'sox_plain.wav')}'\n")

    def lute_case(cid, path, wav, **kw):
        return dict({"id": cid, "cmd": [lute, "render", path, "-o", os.path.join(OUT, wav), "--seconds", str(SECONDS)],
                     "wav": os.path.join(OUT, wav)}, **kw)
    cases = [lute_case("lute W0", w0, "w0.wav", nocheck=True),
             lute_case("lute mix", mix_lua, "lute_mix.wav"),
             lute_case("lute dry", dry_lua, "lute_dry.wav"),
             lute_case("lute 16 tracks", song16, "song16.wav", runs=1)]    # for its peak RSS
    if shutil.which("ffmpeg"):
        for rv in (("afir", "aecho", None) if BL.FULL else ("aecho", None)):
            w = os.path.join(OUT, f"ffmpeg_{rv or 'plain'}.wav")
            cases.append({"id": f"ffmpeg ({rv})" if rv else "ffmpeg plain", "cmd": ffmpeg_cmd(stems, ir, w, rv), "wav": w})
    else:
        log("  ffmpeg is not installed (vendor/packages.txt)")
    if shutil.which("sox"):
        cases.append({"id": "sox", "cmd": ["sh", sox_sh], "wav": os.path.join(OUT, "sox_mix.wav")})
        cases.append({"id": "sox plain", "cmd": ["sh", sox_plain], "wav": os.path.join(OUT, "sox_plain.wav")})
    else:
        log("  sox is not installed (vendor/packages.txt)")

    def run_one(c, r):
        t = BL.timed(c["cmd"])
        if t["rc"] != 0:
            c["failed"] = f"exit {t['rc']}: {(t['err'] or t['out']).strip()[:300]}"
            log(f"    {c['id']}: FAILED {c['failed']}")
            return None
        if r == 0 and not c.get("nocheck"):
            c["check"] = check_wav(c["wav"])
            if not c["check"]["ok"]:
                c["failed"] = "output check: " + c["check"]["why"]
                log(f"    {c['id']}: {c['failed']}")
                return None
        if os.path.exists(c["wav"]):
            os.remove(c["wav"])
        return t
    BL.rounds(cases, a.runs, run_one)
    for f in stems:
        os.remove(f)

    res = {}
    log("")
    log(f"  {'case':16s} {'runs':>4s} {'CPU s':>7s} {'spread':>6s} {'wall s':>7s} {'x RT':>6s} {'RSS MiB':>8s} {'RMS dBFS':>8s}")
    for c in cases:
        ts = c.get("t", [])
        if not ts:
            log(f"  {c['id']:16s} {c.get('failed', 'did not run')}")
            continue
        cpu = BL.med([t["cpu"] for t in ts])
        res[c["id"]] = {"cpu": cpu, "rss": BL.med([t["rss_kb"] for t in ts]) / 1024}
        chk = c.get("check", {})
        log(f"  {c['id']:16s} {len(ts):4d} {cpu:7.2f} {pct(BL.spread([t['cpu'] for t in ts])):>6s} "
            f"{BL.med([t['wall'] for t in ts]):7.2f} {SECONDS / cpu:6.1f} {res[c['id']]['rss']:8.1f} "
            f"{fmt(chk.get('rms_db'), '.1f'):>8s}")
    log("  CPU = user+sys (GNU time; sox: the sum of its processes), median; x RT = 60 s / CPU s (one core); ffmpeg "
        "runs one thread (-threads 1 -filter_complex_threads 1); 'dry' and 'plain' are the baselines: the same "
        "instruments (lute) or the same 24 stems read and summed (ffmpeg, sox) with no processing")
    cpu = {k: v["cpu"] for k, v in res.items()}
    m, base = cpu.get("lute mix"), cpu.get("lute W0", 0.0)
    if m:
        log(f"  lute, the whole mix: {SECONDS / m:.1f}x real time on one core "
            f"({'met' if SECONDS / m >= 100 else 'NOT MET'}: goal >= 100x); CPU per track {1000 * m / len(MIX) / SECONDS:.2f} "
            f"ms per second of audio ({1000 * (m - base) / len(MIX) / SECONDS:.2f} without W0's {base:.2f} s)")
    proc = {}
    if m and "lute dry" in cpu:
        proc["lute"] = m - cpu["lute dry"]
        log(f"  of which the processing (mix - dry): {proc['lute']:.2f} s = {1000 * proc['lute'] / len(MIX) / SECONDS:.2f} "
            f"ms per track per second; the instruments and the rest (dry): {cpu['lute dry']:.2f} s")
    for k in ("ffmpeg (afir)", "ffmpeg (aecho)"):
        if k in cpu and "ffmpeg plain" in cpu:
            proc[k] = cpu[k] - cpu["ffmpeg plain"]
    if "sox" in cpu and "sox plain" in cpu:
        proc["sox"] = cpu["sox"] - cpu["sox plain"]
    if "lute" in proc and proc["lute"] > 0:
        for k in ("ffmpeg (afir)", "ffmpeg (aecho)", "sox"):
            if k in proc:
                log(f"  {k}: processing {proc[k]:.2f} s (whole {cpu[k]:.2f} s) = {proc[k] / proc['lute']:.2f}x lute's "
                    f"processing (whole: {cpu[k] / m:.2f}x lute's whole mix, which also plays the instruments)")
        ffs = [(k, v) for k, v in proc.items() if k.startswith("ffmpeg")]
        if ffs:
            cheapest = min(ffs, key=lambda kv: kv[1])
            ratio = cheapest[1] / proc["lute"]
            log(f"  lute ahead of ffmpeg by {ratio:.2f}x in processing (against its cheaper graph, {cheapest[0]}): "
                f"{'met' if ratio >= 5 else 'NOT MET'} (goal >= 5x)")
        if "sox" in proc:
            log("  (sox writes each processed track and bus to a file, since one sox cannot split a signal: its "
                "figure includes that I/O)")
    s16 = res.get("lute 16 tracks")
    if s16:
        log(f"  memory: the 16 patch tracks of the mix with their EQs, compressors, sends, buses and master, no samples: "
            f"peak RSS {s16['rss']:.1f} MiB ({'met' if s16['rss'] * 1.048576 < 64 else 'NOT MET'}: goal < 64 MB); "
            f"the 24-track mix with the two kits: {fmt(res.get('lute mix', {}).get('rss'), '.1f')} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
