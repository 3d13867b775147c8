#!/usr/bin/python3
"""w1.py — lute's voice throughput against the peers, for `make bench` (run by bench/run).

  throughput  W0 (60 s of silence), W1 and W1r of bench/peers/workload.py rendered by `lute render`
              as a whole process, one track of a patch written with lute's units, each voice panned
              by its note; beside it, in the same interleaved rounds, the same workloads in scsynth,
              Csound, Faust and ChucK (bench/peers/bench.py's cases), as ratios, with the goal
              (>= 2x the fastest peer) printed as met or not; the patch against the same voice in C
              (bench/vops_bench.c); and what lute render's fixed cost (W0) is made of.
  timing      max error between the frame a note is scheduled at and the frame it is heard at.
  sched       the scheduler's work per bar for a 16-track song (bench/sched.lua under `lute exec`).

Everything printed is a measured figure; nothing is asserted (the tests assert).  Generated scripts
and renders go to bench/out/ (ignored by git), the peers' to bench/out/peers/.  Usage:
  /usr/bin/python3 bench/w1.py [throughput|timing|sched ...] [--ns 64,256] [--runs 3]
Environment: LUTE (default $B/lute), BENCH_FULL=1 for N = 64, 256, 1024 and 5 runs.
"""
import sys
sys.dont_write_bytecode = True   # no __pycache__ beside the sources (bench/run sets it too)
import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
from fractions import Fraction

import benchlib as BL
from benchlib import log, fmt, pct

HERE, ROOT, OUT = BL.HERE, BL.ROOT, BL.OUT
LT = BL.LT
PEERS_DIR = os.path.abspath(os.environ.get("BENCH_PEERS", os.path.join(HERE, "peers")))
sys.path.insert(0, PEERS_DIR)
import workload as W  # noqa: E402  (the one definition of W0/W1/W1r that every engine follows)
import bench as PB  # noqa: E402    (the peers' cases, timing and output check)

PEERS = ["scsynth", "csound", "faust", "chuck"]          # the comparison columns (variants left out)
PEER_TOOLS = {"scsynth": ["scsynth"], "csound": ["csound"], "faust": ["faust", "g++"], "chuck": ["chuck"]}
LUTE_FORMS = {"lute": "note", "lute-ppan": "patch"}      # engine name -> how the voices are panned


# ---------------------------------------------------------------------------------------------
# Workload scripts: one track of a patch written with lute's units,
#   lpf(saw(v.freq), 2000, res) * adsr(v.gate, 0.01, 0.1, 0.7, 0.2) * amp
# with every voice panned at the workload's pan.  Two ways of panning are measured:
#   note   the note's own pan (a pattern value { note = ..., pan = p }): the voice pool's per-voice
#          gains, applied where the voices are summed (the issue's per-voice pan);
#   patch  the pan unit inside the patch, its position carried by the velocity (vel 0.5..1 ->
#          position 4 vel - 3 = -1..1): what a patch does when it pans by a signal.
# The voices of one pan position share a pattern value (W1 has 16 positions: pan = (k mod 16)/15).
# ---------------------------------------------------------------------------------------------
RES = math.log(W.Q / 0.7071) / math.log(32)        # the SVF's Q = 0.7071 * 32^res  ->  Q 2
# A note event's `pan` field also sets the track's strip pan at that frame (lua/lute/decl.lua's
# D.event passes every field named like a track parameter on as one, and `pan` is one), so in a
# chord of 16 pans the last one would move the whole track.  Until that is fixed, each chord ends
# with a silent event (velocity 0 starts no voice) whose pan puts the strip back at the centre on
# the same frame; it costs lute one more command per chord.
STRIP_RESET = "{ note = 60, vel = 0, pan = 0 }"


def midi_of(k):
    """The workload's f_k as a fractional MIDI note (55 Hz = A1 = MIDI 33)."""
    return 33 + (k % 48) + 0.1 * ((k * W.PHI) % 1.0)


def patch_line(n, panmode):
    voice = (f"lpf(saw(v.freq), {W.CUTOFF:g}, {RES:.6f}) * adsr(v.gate, {W.ATK:g}, {W.DEC:g}, {W.SUS:g}, "
             f"{W.REL:g}) * {W.amp(n):.9g}")
    if panmode == "patch":
        voice = f"pan({voice}, 4 * v.vel - 3)"
    return f'patch "w1" (function(v) return {voice} end)'


def chord(ks, panmode):
    """The pattern that starts slots ks at once: one value per pan position among them."""
    by_pan = {}
    for k in ks:
        by_pan.setdefault(k % 16, []).append(k)
    vals = []
    for g, group in sorted(by_pan.items()):
        notes = ", ".join(f"{midi_of(k):.6f}" for k in group)
        p01 = W.pan01(group[0])
        vals.append(f"{{ note = {{ {notes} }}, pan = {2 * p01 - 1:.6f} }}" if panmode == "note"
                    else f"{{ note = {{ {notes} }}, vel = {0.5 + 0.5 * p01:.9f} }}")
    if panmode == "note":
        vals.append(STRIP_RESET)
    return "pattern.stack(" + ", ".join(f"pattern.pure({v})" for v in vals) + ")"


def script_w0():
    return "-- W0: 60 s of silence (start-up, scheduler ticks, file writing, loudness analysis)\ntempo(120)\n"


def script_w1(n, panmode):
    """N voices held for the whole 60 s: at 120 bpm a bar is 2 s, so one chord slowed to 30 bars."""
    return "\n".join([
        f"-- W1, N = {n}, {panmode} pan: generated by bench/w1.py from bench/peers/workload.py",
        "tempo(120)", patch_line(n, panmode),
        f'track "w1" {{ patch = "w1", voices = {n}, gain = 0, notes = {chord(range(n), panmode)}:slow(30) }}']) + "\n"


def script_w1r(n, panmode):
    """Every slot k starts a note every 250 ms (1/8 bar at 120 bpm) from (k mod 10) * 25 ms, gate
    50 ms, release 200 ms: a sequence of ten 25 ms steps played 8 times a bar, step j holding the
    slots k = j (mod 10), legato 2 for the 50 ms gate.  The pool holds 2N voices (at most 1024) so
    that a note need not steal the voice whose release ends on its own frame."""
    assert Fraction(W.RETRIG) / 2 == Fraction(1, 8) and W.GROUPS * W.GROUP_STEP == W.RETRIG
    cells = []
    for j in range(W.GROUPS):
        ks = [k for k in range(n) if k % W.GROUPS == j]
        cells.append(chord(ks, panmode) if ks else "pattern.silence")
    return "\n".join([
        f"-- W1r, N = {n}, {panmode} pan: generated by bench/w1.py from bench/peers/workload.py",
        "tempo(120)", patch_line(n, panmode),
        f'track "w1r" {{ patch = "w1", voices = {min(2 * n, 1024)}, gain = 0, legato = {W.GATE / W.GROUP_STEP:g}, '
        f'notes = pattern.fastcat({", ".join(cells)}):fast(8) }}']) + "\n"


def voice_seconds(wl, n):
    if wl == "W1":
        return n * W.DUR
    if wl == "W1r":   # as the peers count: the notes that end by 60 s, 250 ms each
        return sum(1 for k in range(n) for _ in W.onsets(k)) * W.RETRIG
    return 0.0


def sched_seconds(script):
    """CPU seconds lute._tick spends scheduling 60 s of `script` (bench/sched.lua), or None."""
    r = LT.run_lute("exec", os.path.join(HERE, "sched.lua"), script, f"{W.DUR:g}", timeout=600)
    m = re.search(r"([\d.]+)% of one core in real time", r.stdout)
    return float(m.group(1)) / 100 * W.DUR if r.returncode == 0 and m else None


# ---------------------------------------------------------------------------------------------
# Running the cases: lute's and the peers', interleaved (round r runs every case once).
# ---------------------------------------------------------------------------------------------
def lute_case(engine, wl, n, src):
    name = f"{engine}_{wl}" + (f"_N{n}" if n else "")
    path = os.path.join(OUT, name + ".lua")
    with open(path, "w") as f:
        f.write(src)
    c = PB.Case(engine, wl, n, lambda o, path=path: [BL.LUTE, "render", path, "-o", o, "--seconds", f"{W.DUR:g}"])
    c.script = path
    return c


def channel_rms(path):
    rate, x = LT.read_wav(path)
    db = [20 * math.log10(math.sqrt(float((x[:, ch] ** 2).mean())) or 1e-30) for ch in range(x.shape[1])]
    return db


def run_round(c, r, max_proj, cases, keep):
    """One timed run of case c in round r; False when the case is out (failed, invalid, skipped)."""
    if r == 0:
        prev = [p for p in cases if p.engine == c.engine and p.wl == c.wl and 0 < p.n < c.n]
        if prev:
            p = max(prev, key=lambda p: p.n)
            if not p.runs:
                c.status = f"skipped (N={p.n} did not run)"
                log(f"    {c.id:24s} {c.status}")
                return False
            proj = p.runs[0][0] * c.n / p.n
            if proj > max_proj:
                c.status = f"skipped: projected {proj:.0f} s CPU > {max_proj:.0f} s"
                log(f"    {c.id:24s} {c.status}")
                return False
    res, err = PB.timed(c, 900)
    if err:
        c.status = "FAILED: " + err
        log(f"    {c.id:24s} {c.status} (log: {os.path.join(PB.WORK, 'logs', c.id.replace('/', '_') + '.log')})")
        return False
    wav = os.path.join(PB.WORK, c.out)
    if c.verify is None:
        c.verify = PB.verify(c)
        if c.engine.startswith("lute") and c.wl != "W0":
            lr = channel_rms(wav)
            c.verify["lr_db"] = lr[0] - lr[1]
            # the 16 pan positions are symmetric, so the sides agree within a dB (the voices' pitches
            # differ from side to side); pans gone wrong (one strip pan for all) differ by 10-40 dB
            if abs(lr[0] - lr[1]) > 3.0:
                c.verify["problems"].append(f"left/right {lr[0]:.1f}/{lr[1]:.1f} dB (the pans went wrong)")
        if c.verify["problems"]:
            c.status = "INVALID: " + "; ".join(c.verify["problems"])
            log(f"    {c.id:24s} {c.status}")
            return False
    c.runs.append(res)
    c.status = "ok"
    log(f"    {c.id:24s} cpu {res[0]:6.2f} s  wall {res[1]:6.2f} s  rss {res[4] / 1024:6.1f} MiB")
    if c.id not in keep and os.path.exists(wav):
        os.remove(wav)
    return True


def peer_cases(ns):
    """The installed peers' W0/W1/W1r cases from bench/peers/bench.py, prepared (scores written,
    Faust compiled: not timed); returns (cases, notes on the peers that cannot run)."""
    have = [e for e in PEERS if all(shutil.which(t) for t in PEER_TOOLS[e])]
    notes = [f"{e}: not installed (vendor/packages-bench.txt; make bench installs it)" for e in PEERS if e not in have]
    if not have:
        return [], notes
    for d in ("", "out", "logs", "sc", "faust"):
        os.makedirs(os.path.join(PB.WORK, d), exist_ok=True)
    cases = [c for c in PB.build_cases(ns) if c.engine in have and c.wl in ("W0", "W1", "W1r")]
    ready = []
    for c in cases:
        try:
            c.cmd(c.out)           # writes the score / compiles the Faust program once
            ready.append(c)
        except (subprocess.CalledProcessError, OSError) as e:
            notes.append(f"{c.id}: could not be prepared ({e})")
    return ready, notes


def vops_figures(n=256, seconds=10):
    """bench/vops_bench's voice-seconds per CPU-second: {(W1|W1r, form): value}, and its text."""
    exe = os.path.join(ROOT, BL.B, "bench", "vops_bench")
    mk = subprocess.run(["make", "-s", f"B={BL.B}", os.path.relpath(exe, ROOT)], cwd=ROOT, capture_output=True, text=True)
    if mk.returncode != 0:
        return {}, "could not build " + os.path.relpath(exe, ROOT)
    r = subprocess.run([exe, str(n), str(seconds)], capture_output=True, text=True, timeout=900)
    figs, wl = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("W1r"):
            wl = "W1r"
        elif line.startswith("W1 ("):
            wl = "W1"
        m = re.match(r"\s+(scalar C, per voice|(?:sse2|avx2)\s+.+?)\s{2,}(\d+)", line)
        if m and wl:
            figs[(wl, re.sub(r"\s+", " ", m.group(1)))] = float(m.group(2))
    return figs, r.stdout


def throughput(ns, runs):
    os.makedirs(OUT, exist_ok=True)
    max_proj = 120.0 if BL.FULL else 30.0
    lcases = {("lute", "W0", 0): lute_case("lute", "W0", 0, script_w0())}
    for wl, gen in (("W1", script_w1), ("W1r", script_w1r)):
        for n in ns:
            for eng, panmode in LUTE_FORMS.items():
                if eng == "lute" or BL.FULL or n == max(ns):   # the patch-pan form: at the largest N only
                    lcases[(eng, wl, n)] = lute_case(eng, wl, n, gen(n, panmode))
    log(f"== throughput: W0, W1, W1r (bench/peers/workload.py; 60 s at {W.SR} Hz, stereo float) rendered as whole "
        f"processes, lute and the peers in the same rounds; N = {', '.join(map(str, ns))}")
    log("  preparing the peers (scores, Faust programs compiled once: not timed) ...")
    pcases, notes = peer_cases(ns)
    if not BL.FULL:   # ChucK is ~40x slower than the rest: W1 at the smallest N only, unless BENCH_FULL=1
        pcases = [c for c in pcases if c.engine != "chuck" or c.wl == "W0" or (c.wl == "W1" and c.n == min(ns))]
    for note in notes:
        log("  " + note)
    order = {"W0": 0, "W1": 1, "W1r": 2}
    cases = sorted(list(lcases.values()) + pcases, key=lambda c: (order[c.wl], c.n))
    want = {c.id: (1 if c.engine == "chuck" else runs) for c in cases}   # ChucK: ~40x slower, one run
    keep = {"lute/W0", f"lute/W1/N{min(ns)}"}                            # for the analysis figures below
    for r in range(runs):
        todo = [c for c in cases if c.status in ("pending", "ok") and len(c.runs) < want[c.id]]
        if not todo:
            break
        log(f"  round {r + 1}/{runs}: {len(todo)} cases (load {BL.loadavg()})")
        for c in todo:
            run_round(c, r, max_proj, cases, keep)
    log("  scheduler share (bench/sched.lua on each lute script) and the voice kernels (bench/vops_bench.c) ...")
    for c in lcases.values():
        c.sched = sched_seconds(c.script) if c.engine == "lute" else None
    vops, vops_text = vops_figures()
    report(cases, lcases, ns, runs, vops, vops_text)


def stats(c):
    if not c.runs:
        return None
    cpu = [r[0] for r in c.runs]
    return {"cpu": statistics.median(cpu), "spread": BL.spread(cpu), "wall": statistics.median(r[1] for r in c.runs),
            "rss": statistics.median(r[4] for r in c.runs) / 1024, "n": len(c.runs)}


def report(cases, lcases, ns, runs, vops, vops_text):
    S = {c.id: stats(c) for c in cases}
    by = {(c.engine, c.wl, c.n): c for c in cases}

    def vs(engine, wl, n):
        c = by.get((engine, wl, n))
        s = c and S[c.id]
        return voice_seconds(wl, n) / s["cpu"] if s and s["cpu"] > 0 else None

    log("")
    log(f"  {'case':20s} {'runs':>4s} {'CPU s':>7s} {'spread':>6s} {'wall s':>7s} {'RSS MiB':>7s} {'voice-s/CPU-s':>13s} "
        f"{'RMS dBFS':>8s}  notes")
    for c in cases:
        s = S[c.id]
        name = c.id.replace("/N", " N=")
        if not s:
            log(f"  {name:20s} {c.status}")
            continue
        v = vs(c.engine, c.wl, c.n)
        extra = f"L-R {c.verify['lr_db']:+.2f} dB" if c.verify and "lr_db" in c.verify else ""
        log(f"  {name:20s} {s['n']:4d} {s['cpu']:7.2f} {pct(s['spread']):>6s} {s['wall']:7.2f} {s['rss']:7.1f} "
            f"{fmt(v or None, '.0f'):>13s} {fmt(c.verify and c.verify.get('rms_db'), '.1f'):>8s}  {extra}")
    log("  CPU = user+sys of the whole process (GNU time), median of the runs; spread = (max-min)/median; "
        "lute = per-voice pan by the note, lute-ppan = pan unit in the patch")

    # ratios and the goal
    w0 = S.get("lute/W0")
    w0cpu = w0["cpu"] if w0 else 0.0
    w0sched = lcases[("lute", "W0", 0)].sched or 0.0
    log("")
    log("  lute / peer, voice-seconds per CPU-second of the whole process (goal: >= 2x the fastest peer at every N)")
    log(f"  {'case':10s} {'lute':>7s} {'engine':>7s} " + " ".join(f"{'/' + e:>9s}" for e in PEERS) +
        f"  {'fastest peer':>16s} {'lute/fastest':>12s} {'goal':>8s} {'ppan/fastest':>12s}")
    goal_all, goal_rows = True, 0
    for wl in ("W1", "W1r"):
        for n in ns:
            lv = vs("lute", wl, n)
            if lv is None:
                log(f"  {wl + ' N=' + str(n):10s} lute did not run: {by[('lute', wl, n)].status}")
                goal_all = False
                continue
            lc = lcases[("lute", wl, n)]
            eng = None
            if lc.sched is not None:   # the synth and mixer alone: minus W0 and the scheduler's extra work
                net = S[lc.id]["cpu"] - w0cpu - (lc.sched - w0sched)
                eng = voice_seconds(wl, n) / net if net > 0 else None
            pv = {e: vs(e, wl, n) for e in PEERS}
            ratios = " ".join(f"{(f'{lv / pv[e]:.2f}x' if pv[e] else '-'):>9s}" for e in PEERS)
            fast = max(((v, e) for e, v in pv.items() if v), default=None)
            pp = vs("lute-ppan", wl, n)
            if fast:
                met = lv >= 2 * fast[0]
                goal_all = goal_all and met
                goal_rows += 1
                log(f"  {wl + ' N=' + str(n):10s} {lv:7.0f} {fmt(eng, '.0f'):>7s} {ratios}  "
                    f"{fast[1] + ' ' + format(fast[0], '.0f'):>16s} {lv / fast[0]:11.2f}x {'met' if met else 'NOT MET':>8s} "
                    f"{(f'{pp / fast[0]:.2f}x' if pp else '-'):>12s}")
            else:
                log(f"  {wl + ' N=' + str(n):10s} {lv:7.0f} {fmt(eng, '.0f'):>7s} {ratios}  (no peer ran)")
    if goal_rows:
        log(f"  goal >= 2x the fastest peer on W1 and W1r at every N: {'MET' if goal_all else 'NOT MET'}")
    log("  engine = voice-seconds per CPU-second after subtracting W0 (start-up, empty ticks, file writing, "
        "analysis) and the scheduler's extra work (bench/sched.lua on the script): the synth and mixer alone")

    # levels: lute against the peers measured now
    for wl in ("W1", "W1r"):
        for n in ns:
            lc = by.get(("lute", wl, n))
            if not (lc and lc.verify):
                continue
            peers = [(e, by[(e, wl, n)].verify["rms_db"]) for e in ("csound", "faust", "scsynth", "chuck")
                     if (e, wl, n) in by and by[(e, wl, n)].verify]
            log(f"  level {wl} N={n}: lute RMS {lc.verify['rms_db']:.1f} dBFS (L-R {lc.verify['lr_db']:+.2f} dB); "
                + ", ".join(f"{e} {r:.1f}" for e, r in peers)
                + "  (Csound's and Faust's saws are +-1 as lute's; scsynth's and ChucK's +-0.5: 6 dB lower"
                + ("; in W1r voices an octave apart start together and add or cancel by where the saw starts: "
                   "lute's at 0, see bench/README.md)" if wl == "W1r" else ")"))

    # the patch written in Lua against the same voice written in C
    log("")
    log("== the W1 voice written as a Lua patch (lute, engine share at N = 256) against the same voice in C "
        "(bench/vops_bench.c, 256 voices, DSP loop only; goal: within 1.2x)")
    if not vops:
        log("  " + vops_text)
    n_c = 256 if 256 in ns else max(ns)
    for wl in ("W1", "W1r"):
        lc = lcases.get(("lute", wl, n_c))
        s = lc and S.get(lc.id)
        if not (s and lc.sched is not None and vops):
            continue
        net = s["cpu"] - w0cpu - (lc.sched - w0sched)
        eng = voice_seconds(wl, n_c) / net if net > 0 else None
        scalar = vops.get((wl, "scalar C, per voice"))
        kern = max(((v, f) for (w, f), v in vops.items() if w == wl and f != "scalar C, per voice"), default=None)
        # the kernels the compiled patch runs: saw_lpf and adsr (the pan and the level are folded into
        # the voices' gains where they are summed); vops_bench's nearest form adds mul, mul and pan passes
        same = max(((v, f) for (w, f), v in vops.items() if w == wl and f.endswith("saw_lpf fused")), default=None)
        if not (eng and scalar and kern):
            continue
        log(f"  {wl} N={n_c}: lute {eng:.0f} voice-s/CPU-s (engine share; whole process {voice_seconds(wl, n_c) / s['cpu']:.0f})")
        for label, ref in (("scalar C, one voice at a time", (scalar, "")),
                           ("lute's kernels driven by hand in C, the compiled patch's kernels", same),
                           ("lute's kernels driven by hand in C, the fastest form", kern)):
            if ref:
                log(f"    vs {label}{' (' + ref[1] + ')' if ref[1] else ''}: {ref[0]:.0f} -> lute runs at "
                    f"{eng / ref[0]:.2f}x its speed: {'within 1.2x' if eng * 1.2 >= ref[0] else 'NOT within 1.2x'}")
    if vops:
        log("  (build/bench/vops_bench 256 10:)")
        for line in vops_text.splitlines():
            log("    " + line)

    w0_report(cases, S, by, ns)


def w0_report(cases, S, by, ns):
    """What lute render's fixed cost is made of: start-up, the analysis after writing, the rest."""
    log("")
    log("== W0: lute render's fixed cost (60 s of silence), and what the post-render analysis takes of it")
    w0 = S.get("lute/W0")
    if not w0:
        log("  W0 did not run")
        return
    empty = os.path.join(OUT, "empty.lua")
    short = os.path.join(OUT, "w0_short.lua")
    with open(empty, "w") as f:
        f.write("-- nothing: lute exec's start-up\n")
    with open(short, "w") as f:
        f.write(script_w0())
    wav = os.path.join(OUT, "w0_short.wav")
    st, sh = [], []
    for _ in range(5):
        st.append(BL.timed([BL.LUTE, "exec", empty])["cpu"])
        t = BL.timed([BL.LUTE, "render", short, "-o", wav, "--seconds", "4"])
        sh.append(t["cpu"] if t["rc"] == 0 else None)
    exe = os.path.join(ROOT, BL.B, "bench", "analysis_bench")
    subprocess.run(["make", "-s", f"B={BL.B}", os.path.relpath(exe, ROOT)], cwd=ROOT, capture_output=True)
    files = [os.path.join(PB.WORK, f) for f in ("out/lute_W0.wav", f"out/lute_W1_N{min(ns)}.wav")] + [wav]
    files = [f for f in files if os.path.exists(f)]
    an = {}
    if os.path.exists(exe) and files:
        r = subprocess.run([exe, "--runs", "5"] + files, capture_output=True, text=True)
        for line in r.stdout.splitlines():
            m = re.match(r"(.+?): [\d.]+ s of audio, analysis CPU ([\d.]+) s", line)
            if m:
                an[m.group(1)] = float(m.group(2))
    for f in files:
        if os.path.exists(f):
            os.remove(f)
    a0 = an.get(files[0]) if files else None
    a1 = an.get(files[1]) if len(files) > 1 else None
    a_short = an.get(wav)
    log(f"  W0 (60 s render of an empty song): CPU {w0['cpu']:.3f} s (spread {pct(w0['spread'])}), RSS {w0['rss']:.1f} MiB")
    log(f"    start-up (lute exec of an empty file: Lua and the language): {fmt(BL.med(st), '.3f')} s")
    if a0 is not None:
        log(f"    post-render analysis (lt_analyze_file on the 60 s file, bench/analysis_bench.c): {a0:.3f} s = "
            f"{100 * a0 / w0['cpu']:.0f}% of W0")
        rest = w0["cpu"] - a0 - (BL.med(st) or 0)
        log(f"    the rest (session and engine set-up, 60 s of engine quanta and scheduler ticks, writing 23 MB): {rest:.3f} s")
    lc = by.get(("lute", "W1", min(ns)))
    if a1 is not None and lc and S.get(lc.id):
        log(f"    on W1 N={min(ns)}'s 60 s file the analysis takes {a1:.3f} s = {100 * a1 / S[lc.id]['cpu']:.0f}% "
            f"of that render's CPU")
    if BL.med(sh) is not None:
        log(f"  a 4 s render of an empty song: CPU {BL.med(sh):.3f} s"
            + (f", of which the analysis {a_short:.3f} s" if a_short is not None else ""))
    peers = [(e, S[f"{e}/W0"]["cpu"]) for e in PEERS if S.get(f"{e}/W0")]
    if peers:
        log("  the peers' W0 (same rounds): " + ", ".join(f"{e} {c:.2f} s" for e, c in peers))


# ---------------------------------------------------------------------------------------------
# Timing: notes at awkward places (triplets, fifths, sevenths of a bar, 1/960 bar) at 137 bpm; each
# note is short (decays to exact silence) so lutetest.onsets finds it to the sample.  lute's frame
# of a bar position is llround(seconds * rate); the expected frames are computed here exactly.
# ---------------------------------------------------------------------------------------------
def timing():
    os.makedirs(OUT, exist_ok=True)
    bpm, bars = 137, 6
    positions = [Fraction(0), Fraction(1, 3), Fraction(2, 5), Fraction(4, 7), Fraction(5, 6),
                 Fraction(1, 16), Fraction(3, 11), Fraction(911, 960), Fraction(1, 2) + Fraction(1, 960)]
    per_bar = []
    for b in range(bars):   # a different subset per bar, at least 1/16 bar apart (~110 ms)
        ps = sorted(set(positions[(b + i) % len(positions)] for i in range(0, len(positions), 2)))
        keep = []
        for p in ps:
            if not keep or p - keep[-1] >= Fraction(1, 16):
                keep.append(p)
        per_bar.append(keep)
    layers = []
    for b, ps in enumerate(per_bar):
        notes = []
        for p in ps:
            notes.append(f"pattern.pure(69):compress(R({p.numerator}, {p.denominator}), "
                         f"R({p.numerator * 64 + p.denominator}, {p.denominator * 64}))")
        layers.append("pattern.stack(" + ", ".join(notes) + ")")
    src = (f"-- timing check generated by bench/w1.py: short notes at exact bar fractions, {bpm} bpm\n"
           f"tempo({bpm})\nlocal R = lute.R\n"
           f'track "t" {{ notes = pattern.slowcat({", ".join(layers)}), wave = "saw", cutoff = 3000, res = 0, '
           f"fenv = 0, attack = 0.001, decay = 0.01, sustain = 0, release = 0.002, vel = 1, gain = 0 }}\n")
    path = os.path.join(OUT, "timing.lua")
    wav = os.path.join(OUT, "timing.wav")
    with open(path, "w") as f:
        f.write(src)
    r = LT.run_lute("render", path, "-o", wav, "--bars", str(bars))
    if r.returncode != 0:
        log(f"== timing: render failed: {r.stderr.strip()[:300]}")
        return None
    rate, x = LT.read_wav(wav)
    os.remove(wav)
    heard = [o - 1 for o in LT.onsets(x.mean(axis=1), threshold=0.0)]   # first non-zero = event + 1
    spb = Fraction(4 * 60, bpm) * rate       # frames per bar, exact

    def rnd(q):                              # llround: half away from zero
        return int(math.floor(q + Fraction(1, 2)))
    want = [rnd((b + p) * spb) for b, ps in enumerate(per_bar) for p in ps]
    if len(heard) != len(want):
        log(f"== timing: expected {len(want)} onsets, heard {len(heard)}: want {want[:8]} heard {heard[:8]}")
        return None
    errs = [h - w for h, w in zip(heard, want)]
    worst = max(abs(e) for e in errs)
    log(f"== timing: {len(want)} notes at {bpm} bpm on fractions 1/3 .. 1/960 of a bar: max |heard - scheduled| "
        f"= {worst} samples (mean {statistics.mean(errs):+.2f})")
    return worst


def sched():
    script = os.path.join(HERE, "sched.lua")
    log("== scheduler: lute._tick work per bar, timed inside `lute exec bench/sched.lua` (engine calls stubbed)")
    ok = True
    # (bpm, tracks, bars, frames per tick): the empty song is the fixed cost of a tick; 97 bpm is a
    # tempo whose chunk ends are not simple fractions of a beat; 256-frame ticks are a live run's.
    for cfg in ((120, 0, 64, 1024), (120, 16, 64, 1024), (97, 16, 32, 1024), (120, 16, 16, 256)):
        r = LT.run_lute("exec", script, *map(str, cfg), timeout=300)
        for line in (r.stdout + r.stderr).strip().splitlines():
            log("  " + line)
        ok = ok and r.returncode == 0
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parts", nargs="*", default=["throughput", "timing", "sched"])
    ap.add_argument("--ns", default="64,256,1024" if BL.FULL else "64,256")
    ap.add_argument("--runs", type=int, default=5 if BL.FULL else 3)
    a = ap.parse_args()
    if not os.access(BL.LUTE, os.X_OK):
        sys.exit(f"w1.py: no lute binary at {BL.LUTE} (build it with `make build/lute` or set LUTE)")
    ok = True
    for part in a.parts:
        if part == "throughput":
            throughput([int(x) for x in a.ns.split(",")], a.runs)
        elif part == "timing":
            ok = timing() is not None and ok
        elif part == "sched":
            ok = sched() and ok
        else:
            sys.exit(f"w1.py: unknown part '{part}' (throughput, timing, sched)")
        log()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
