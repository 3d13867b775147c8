"""lutetest.py — shared helpers for lute's end-to-end and live tests (run by /usr/bin/python3).

Reading WAV files (PCM 16/24/32 and float) with numpy alone, measuring what a listener hears (onsets,
pitch, level), running lute, and the closing "N passed, N failed" line every test prints.
"""
import os
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LUTE = os.environ.get("LUTE") or os.path.join(ROOT, os.environ.get("B", "build"), "lute")
if not os.path.isabs(LUTE):
    LUTE = os.path.join(ROOT, LUTE)
OUT = os.path.join(ROOT, "tests", "out")
os.makedirs(OUT, exist_ok=True)


class Checker:
    """CHECK-style counting: check(cond, message) records a pass or prints a failure."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, cond, msg):
        if cond:
            self.passed += 1
            if os.environ.get("CHECK_VERBOSE"):
                print("ok   " + msg)
        else:
            self.failed += 1
            print("FAIL " + msg, file=sys.stderr)
        return cond

    def done(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def read_wav(path):
    """Returns (rate, samples as float64 array of shape (frames, channels))."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    pos, fmt, frames = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, ch, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == 0xFFFE:
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, ch, rate, bits)
        elif cid == b"data":
            frames = body
        pos += 8 + size + (size & 1)
    tag, ch, rate, bits = fmt
    if tag == 3 and bits == 32:
        x = np.frombuffer(frames, dtype="<f4").astype(np.float64)
    elif tag == 1 and bits == 16:
        x = np.frombuffer(frames, dtype="<i2") / 32768.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(frames, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v / float(1 << 23)
    elif tag == 1 and bits == 32:
        x = np.frombuffer(frames, dtype="<i4") / 2147483648.0
    else:
        raise ValueError(f"{path}: unsupported WAV format tag {tag} with {bits} bits")
    return rate, x.reshape(-1, ch)


def run_lute(*args, input=None, timeout=120, env=None):
    """Runs lute with args; returns the CompletedProcess (text mode)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([LUTE, *args], input=input, capture_output=True, text=True, timeout=timeout, env=e)


def render(script, out, *extra):
    r = run_lute("render", script, "-o", out, *extra)
    if r.returncode != 0:
        raise RuntimeError(f"lute render {script} failed ({r.returncode}): {r.stderr}")
    return read_wav(out)


def onsets(mono, threshold=0.0, min_gap=64):
    """Frames where the signal leaves exact silence: the first sample above `threshold` after at
    least `min_gap` samples at or below it.  Exact to the sample for notes separated by silence."""
    idx = np.flatnonzero(np.abs(mono) > threshold)
    if len(idx) == 0:
        return []
    gaps = np.diff(idx)
    starts = [idx[0]] + [idx[i + 1] for i in np.flatnonzero(gaps > min_gap)]
    return [int(s) for s in starts]


def pitch_hz(x, rate, fmin=30.0, fmax=5000.0):
    """Fundamental of a harmonic tone by the autocorrelation peak (parabolic interpolation), which finds
    the fundamental of a saw or square even where a harmonic is stronger."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean()
    n = len(x)
    spec = np.fft.rfft(x * np.hanning(n), 2 * n)
    ac = np.fft.irfft(np.abs(spec) ** 2)[:n]
    lo, hi = int(rate / fmax), min(int(rate / fmin), n - 2)
    seg = ac[lo:hi]
    # the first peak that reaches 85% of the strongest one is the period (avoids octave errors)
    k = int(np.argmax(seg))
    thresh = 0.85 * seg[k]
    for i in range(1, len(seg) - 1):
        if seg[i] >= thresh and seg[i] >= seg[i - 1] and seg[i] >= seg[i + 1]:
            k = i
            break
    i = k + lo
    a, b, c = ac[i - 1], ac[i], ac[i + 1]
    d = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return rate / (i + d)


def cents(f, ref):
    return 1200.0 * np.log2(f / ref)


def midi_hz(m, a4=440.0):
    return a4 * 2.0 ** ((m - 69) / 12.0)


def ffmpeg_loudness(path):
    """Integrated loudness (LUFS) and true peak (dBTP) from ffmpeg's ebur128 filter: an independent check."""
    r = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"],
                       capture_output=True, text=True)
    lufs = tp = None
    section = None
    for line in r.stderr.splitlines():
        s = line.strip()
        if s.startswith("Integrated loudness"):
            section = "I"
        elif s.startswith("True peak"):
            section = "TP"
        elif s.startswith("I:") and section == "I":
            lufs = float(s.split()[1])
        elif s.startswith("Peak:") and section == "TP":
            tp = float(s.split()[1])
    return lufs, tp


def sox_stat(path):
    r = subprocess.run(["sox", path, "-n", "stat"], capture_output=True, text=True)
    out = {}
    for line in r.stderr.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            try:
                out[k.strip()] = float(v.split()[0])
            except ValueError:
                pass
    return out
