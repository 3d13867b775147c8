#!/usr/bin/python3
"""bench/live.py — lute's live path through JACK, measured: callback load, dropouts, timing, MIDI latency.

For each JACK period size (default 64 and 256 frames at 48 kHz, private `jackd --no-realtime -d dummy`):
  1. load: lute plays a script (examples/00-hello.lua unless --script) for --seconds (default 60, --quick
     10) with LUTE_STATS=1; reported: the worst and mean audio callback time as a fraction of the period,
     PortAudio's underflows, late events, and the xruns a JACK client saw meanwhile (it has no process
     callback of its own, so it adds no load);
  2. timing: a pattern of separated notes ("a4 ~ e5 ~" at 120 bpm: onsets every 48000 frames); reported:
     the largest difference between captured onset spacing and the exact scheduled spacing, in samples;
  3. MIDI: notes written by a JACK client into lute-midi:lute at random offsets inside the period and
     heard in lute's output; reported: MIDI-in -> audio-out latency min / mean / max in frames and ms.
Prints figures only and asserts nothing (`make bench` calls it).  Run with /usr/bin/python3.
"""
import argparse
import os
import random
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "live"))
import jackfix as J  # noqa: E402

NOTES = """-- bench/live.py timing: separated notes, onsets 48000 frames apart at 120 bpm
tempo(120)
track "t" { notes = "a4 ~ e5 ~", wave = "saw", cutoff = 4000, attack = 0, legato = 0.5, release = 0.01 }
"""
KEYS = """-- bench/live.py MIDI: a track only MIDI plays
tempo(120)
track "keys" { notes = "~", wave = "saw", attack = 0, decay = 0.01, sustain = 1, release = 0.01, midi = true }
"""


def stats_of(stderr):
    for line in stderr.splitlines():
        if "stats:" in line:
            f = {}
            for part in line.split("stats:", 1)[1].split(","):
                words = part.split()
                nums = [w for w in words if w.replace(".", "", 1).isdigit()]
                if nums:
                    f[" ".join(w for w in words if w not in nums and w not in ("of", "the", "period"))] = float(nums[0])
            return f, line.strip()
    return {}, "(no stats line: " + stderr.strip()[-200:] + ")"


def idle_xruns(server, seconds):
    """Xruns of the bare server with no lute: what this machine's scheduling costs by itself."""
    watcher = J.jack.Client("xrunidle", no_start_server=True, servername=server.name)
    xr = [0]
    watcher.set_xrun_callback(lambda delay: xr.__setitem__(0, xr[0] + 1))
    watcher.activate()
    time.sleep(seconds)
    watcher.deactivate()
    watcher.close()
    return xr[0]


def run_load(server, script, seconds):
    # Only an xrun counter joins the graph here: a Python process callback every 1.3 ms would itself
    # cause xruns at small periods and blame them on lute.
    watcher = J.jack.Client("xrunwatch", no_start_server=True, servername=server.name)
    xr = [0]
    watcher.set_xrun_callback(lambda delay: xr.__setitem__(0, xr[0] + 1))
    watcher.activate()
    lute = J.Lute(server, script, "--block", str(server.period), stats=True)
    try:
        ok = lute.wait_stderr("lute: playing", timeout=30) is not None
        x0 = xr[0]
        time.sleep(seconds)
        xruns = xr[0] - x0
        rc = lute.quit(timeout=60)
    finally:
        lute.kill()
        watcher.deactivate()
        watcher.close()
    st, line = stats_of(lute.stderr())
    return {"stats": st, "line": line, "xruns": xruns, "rc": rc, "ok": ok}


def run_timing(server, script, seconds):
    cap = J.Capture(server, seconds=seconds + 10)
    lute = J.Lute(server, script, "--block", str(server.period))
    try:
        cap.connect_from("lute")
        start = cap.pos
        cap.wait_frames(start + int(seconds * server.rate), timeout=seconds * 3 + 30)
        x = cap.recorded()[start:]
        lute.quit(timeout=60)
    finally:
        lute.kill()
        cap.close()
    on = [n["onset"] for n in J.notes(x[:, 0]) if n["onset"] > 0]
    err = [abs(d - 48000) for d in np.diff(on)]
    return {"notes": len(on), "max_err": max(err) if err else None, "jumps": cap.gaps, "xruns": cap.xruns}


def run_midi(server, script, count, seed=1):
    rnd = random.Random(seed)
    cap = J.Capture(server, seconds=count * 0.12 + 10, midi=True)
    lute = J.Lute(server, script, "--block", str(server.period))
    p = server.period
    gap = max(1, 4800 // p) * p + p          # whole periods apart (about 0.1 s), so offsets are exact
    lat, missing = [], 0
    try:
        cap.connect_from("lute")
        cap.connect_midi("lute-midi:lute")
        lute.wait_stderr("lute: playing", timeout=30)
        time.sleep(0.5)
        t = (cap.now() // p + int(0.25 * server.rate) // p) * p
        sent = []
        for k in range(count):
            at = t + k * gap + rnd.randrange(p)
            key = 48 + k % 24
            cap.send_at(at, [0x90, key, 100])
            cap.send_at(at + gap // 2, [0x80, key, 0])
            sent.append(at)
        cap.wait_frames(t + count * gap + 4800, timeout=count * 0.5 + 30)
        x = cap.recorded()
        lute.quit(timeout=60)
    finally:
        lute.kill()
        cap.close()
    found = J.notes(x[:, 0])
    for at in sent:
        cand = [n["onset"] - at for n in found if at <= n["onset"] < at + gap // 2]
        if len(cand) == 1:
            lat.append(cand[0])
        else:
            missing += 1
    return {"lat": lat, "missing": missing, "count": count}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load run (default 60)")
    ap.add_argument("--quick", action="store_true", help="10 s load runs and shorter timing/MIDI runs")
    ap.add_argument("--periods", default="64,256", help="JACK period sizes in frames (default 64,256)")
    ap.add_argument("--script", default=os.path.join(J.lutetest.ROOT, "examples", "00-hello.lua"),
                    help="the script of the load run (default examples/00-hello.lua)")
    a = ap.parse_args()
    seconds = 10.0 if a.quick else a.seconds
    timing_s = 10.0 if a.quick else 20.0
    midi_n = 24 if a.quick else 64
    tmp = tempfile.mkdtemp(prefix="lute-bench-live-")
    notes = J.write_script(tmp, "notes.lua", NOTES)
    keys = J.write_script(tmp, "keys.lua", KEYS)
    print(f"lute live benchmark: jackd dummy driver, 48000 Hz, no realtime scheduling; load script "
          f"{os.path.relpath(a.script, J.lutetest.ROOT)} for {seconds:g} s")
    for period in [int(p) for p in a.periods.split(",")]:
        server = J.JackServer(period=period, tag=f"bench{period}")
        try:
            server.start()
            ms = period / 48.0
            idle_s = min(seconds, 10.0)
            idle = idle_xruns(server, idle_s)
            r = run_load(server, a.script, seconds)
            st = r["stats"]
            print(f"period {period} frames ({ms:.2f} ms):")
            print(f"  load:   worst callback {st.get('worst callback', float('nan')):.3f} of the period, mean "
                  f"{st.get('mean', float('nan')):.4f}, callbacks {st.get('callbacks', 0):.0f}, underflows "
                  f"{st.get('underflows', 0):.0f}, late events {st.get('late events', 0):.0f}; JACK xruns seen "
                  f"{r['xruns']} (the bare server alone: {idle} in {idle_s:g} s); exit {r['rc']}"
                  + ("" if r["ok"] else "; the script did not start"))
            t = run_timing(server, notes, timing_s)
            print(f"  timing: {t['notes']} onsets, largest spacing error {t['max_err']} samples "
                  f"(scheduled spacing 48000); "
                  f"JACK xruns meanwhile {t['xruns']}")
            m = run_midi(server, keys, midi_n)
            lat = m["lat"]
            if lat:
                print(f"  MIDI:   {len(lat)} of {m['count']} notes heard; latency min {min(lat)} / mean "
                      f"{np.mean(lat):.1f} / max {max(lat)} frames = {min(lat) / 48:.2f} / {np.mean(lat) / 48:.2f} / "
                      f"{max(lat) / 48:.2f} ms; jitter (max - min) {max(lat) - min(lat)} frames")
            else:
                print(f"  MIDI:   no note heard of {m['count']}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
