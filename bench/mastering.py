#!/usr/bin/python3
"""bench/mastering.py — analysis and mastering of a 4-minute stereo 44.1 kHz file (the two excerpts in
examples/audio, alternated to 240 s), timed beside ffmpeg on the same file in the same run:
  lute analyze              vs ffmpeg -af ebur128=peak=true      (goal: lute >= 3x faster)
  lute master -14 / -1      vs two-pass ffmpeg loudnorm          (goal: lute faster)
lute analyze reads momentary and short-term loudness every 10 ms (ffmpeg: every 100 ms); lute master
is timed with its ffmpeg cross-check of the written file (the default) and without it.  Figures are
wall-clock seconds (best of RUNS) and x real time; nothing is asserted."""
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LUTE = os.environ.get("LUTE") or os.path.join(ROOT, "build", "lute")
OUT = os.path.join(ROOT, "bench", "out")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
os.makedirs(OUT, exist_ok=True)
src = os.path.join(OUT, "four-minutes.wav")
if not os.path.exists(src):
    parts = [os.path.join(ROOT, "examples", "audio", n) for n in ("battle-epic-30s.ogg", "elvish-theme-30s.ogg")] * 4
    subprocess.run(["sox", *parts, "-b", "24", src], check=True)
dur = float(subprocess.run(["soxi", "-D", src], capture_output=True, text=True).stdout)


def best(cmd, **kw):
    t = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, **kw)
        t.append(time.perf_counter() - t0)
        if r.returncode != 0:
            print(f"  {' '.join(cmd[:3])}... failed: {r.stderr[-300:]}")
            return None, r
    return min(t), r


def line(name, secs, note=""):
    if secs is None:
        print(f"  {name:44s} failed")
    else:
        print(f"  {name:44s} {secs:7.2f} s  {dur / secs:7.1f}x real time  {note}")


print(f"== mastering ({dur:.0f} s stereo 44.1 kHz, 24-bit WAV; best of {RUNS})")
ta, r = best([LUTE, "analyze", src, "--json", "--series"])
n = len(json.loads(r.stdout)["momentary"]) if ta else 0
line("lute analyze --json --series", ta, f"({n} momentary readings: every 10 ms)")
tf, r = best(["ffmpeg", "-hide_banner", "-nostats", "-nostdin", "-i", src, "-af", "ebur128=peak=true", "-f", "null", "-"])
line("ffmpeg -af ebur128=peak=true", tf, "(every 100 ms)")
if ta and tf:
    print(f"  lute analyze is {tf / ta:.1f}x as fast as ffmpeg ebur128 (goal: 3x)")
out = os.path.join(OUT, "four-minutes-master.wav")
tm, r = best([LUTE, "master", src, "-o", out, "--target", "-14", "--ceiling", "-1", "--no-qc"])
res = [l.strip() for l in r.stdout.splitlines() if "result" in l] if tm else []
line("lute master -14 LUFS / -1 dBTP, ffmpeg-checked", tm, res[0][6:].strip() if res else "")
tn, r = best([LUTE, "master", src, "-o", out, "--target", "-14", "--ceiling", "-1", "--no-qc", "--no-verify"])
line("lute master, lute's meter only", tn)
# two-pass loudnorm: measure, then normalise with the measured values (linear where it can)
def loudnorm():
    p1 = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-nostdin", "-i", src, "-af",
                         "loudnorm=I=-14:TP=-1:LRA=11:print_format=json", "-f", "null", "-"], capture_output=True, text=True)
    m = json.loads(re.search(r"\{[^{}]*\}", p1.stderr[p1.stderr.rfind("{") - 1:]).group(0))
    af = (f"loudnorm=I=-14:TP=-1:LRA=11:measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}:"
          f"measured_thresh={m['input_thresh']}:offset={m['target_offset']}:linear=true")
    return subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-nostdin", "-y", "-i", src, "-af", af, "-ar", "44100",
                           "-c:a", "pcm_s24le", os.path.join(OUT, "four-minutes-loudnorm.wav")], capture_output=True, text=True)
t = []
for _ in range(RUNS):
    t0 = time.perf_counter()
    r = loudnorm()
    t.append(time.perf_counter() - t0)
tl = min(t) if r.returncode == 0 else None
line("ffmpeg loudnorm, two passes", tl)
if tm and tl:
    print(f"  lute master (ffmpeg-checked) is {tl / tm:.1f}x as fast as two-pass loudnorm (goal: faster)")
for name in ("four-minutes-master.wav", "four-minutes-loudnorm.wav"):
    p = os.path.join(OUT, name)
    if os.path.exists(p):
        r = subprocess.run([LUTE, "analyze", p, "--json"], capture_output=True, text=True)
        j = json.loads(r.stdout)
        print(f"  {name:44s} {j['integrated_lufs']:.2f} LUFS, {j['true_peak_dbtp']:.2f} dBTP (lute's reading)")
