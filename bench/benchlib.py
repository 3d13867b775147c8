"""benchlib.py — what bench/w1.py, bench/sound.py and bench/mix.py share: timing a whole process the
way bench/peers/bench.py times the peers (GNU time: CPU = user + sys, wall, peak RSS), interleaved
rounds, medians and spreads, and the machine line.

The machine `make bench` runs on is usually shared (the development VM has 2 vCPUs and other
sessions on it), so every figure is a median over rounds that each run every case once: a slow phase
of the machine then hits all cases alike.  The spread printed beside a median is (max - min) / median
of the runs.
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import lutetest as LT  # noqa: E402  (read_wav, run_lute, LUTE)

LUTE = LT.LUTE
B = os.environ.get("B", "build")
FULL = os.environ.get("BENCH_FULL") == "1"


def log(s=""):
    print(s, flush=True)


def timed(cmd, cwd=ROOT, timeout=900, env=None, stdin=None):
    """Runs cmd (a list, or a shell string for `sh -c`) under GNU time: {rc, wall, user, sys, cpu,
    rss_kb, out, err}.  CPU and RSS count the children the command waited for (a shell script's
    sox processes, for instance).  From Python, os.wait4 would count the forked interpreter's pages
    in the child's peak RSS; GNU time does not."""
    os.makedirs(OUT, exist_ok=True)
    tf = os.path.join(OUT, f"time.{os.getpid()}.txt")
    if isinstance(cmd, str):
        cmd = ["sh", "-c", cmd]
    e = dict(os.environ)
    if env:
        e.update(env)
    t = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf] + cmd, capture_output=True, text=True,
                       cwd=cwd, timeout=timeout, env=e, stdin=stdin)
    try:
        wall, user, sys_, rss = open(tf).read().split()[-4:]
        os.remove(tf)
    except (OSError, ValueError):
        return {"rc": t.returncode if t.returncode else 127, "wall": 0.0, "user": 0.0, "sys": 0.0, "cpu": 0.0,
                "rss_kb": 0, "out": t.stdout, "err": t.stderr}
    return {"rc": t.returncode, "wall": float(wall), "user": float(user), "sys": float(sys_),
            "cpu": float(user) + float(sys_), "rss_kb": int(rss), "out": t.stdout, "err": t.stderr}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs):
    """(max - min) / median, or None for fewer than two runs."""
    xs = [x for x in xs if x is not None]
    if len(xs) < 2 or statistics.median(xs) <= 0:
        return None
    return (max(xs) - min(xs)) / statistics.median(xs)


def pct(x):
    return "-" if x is None else f"{100 * x:.0f}%"


def fmt(x, spec=".2f", none="-"):
    return none if x is None else format(x, spec)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def rounds(cases, runs, run_one, label=""):
    """Runs every case once per round, `runs` rounds (a case may want fewer: case["runs"]), calling
    run_one(case, round) which returns a timing dict or None (failed: no more rounds for it)."""
    for r in range(runs):
        todo = [c for c in cases if not c.get("failed") and len(c.setdefault("t", [])) < c.get("runs", runs)]
        if not todo:
            break
        log(f"  {label}round {r + 1}/{runs}: {len(todo)} cases (load {loadavg()})")
        for c in todo:
            t = run_one(c, r)
            if t is None:
                c["failed"] = c.get("failed") or "failed"
            else:
                c["t"].append(t)
