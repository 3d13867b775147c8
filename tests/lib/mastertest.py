"""mastertest.py — helpers for the mastering and delivery end-to-end tests (run by /usr/bin/python3):
writing test signals as WAV files, ffmpeg's ebur128 readings at full precision, lute analyze's JSON,
and reading a CUE sheet back."""
import json
import os
import re
import struct
import subprocess

import numpy as np

from lutetest import run_lute


def write_wav(path, x, rate, bits=32, channel_mask=None):
    """x: (frames, channels) float array in [-1, 1].  32 = float, 16/24 = PCM.  channel_mask: write
    WAVE_FORMAT_EXTENSIBLE with that speaker mask (e.g. 0x3F for 5.1)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    ch = x.shape[1]
    if bits == 32:
        data, tag = x.astype("<f4").tobytes(), 3
    elif bits == 16:
        data, tag = np.clip(np.round(x * 32768), -32768, 32767).astype("<i2").tobytes(), 1
    else:
        v = np.ascontiguousarray(np.clip(np.round(x * 8388608), -8388608, 8388607).astype("<i4"))
        b = v.view(np.uint8).reshape(-1, 4)[:, :3]
        data, tag = b.tobytes(), 1
    block = ch * bits // 8
    if channel_mask is None:
        fmt = struct.pack("<HHIIHH", tag, ch, rate, rate * block, block, bits)
    else:
        guid = struct.pack("<I", tag) + b"\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, ch, rate, rate * block, block, bits, 22, bits, channel_mask) + guid
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def ffmpeg_r128(path):
    """(integrated LUFS, true peak dBTP, LRA) from ffmpeg's ebur128 filter with peak=true, using its
    per-frame metadata (three decimals; the printed summary has one)."""
    r = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-nostdin", "-i", path, "-af",
                        "ebur128=peak=true:metadata=1,ametadata=mode=print:file=/dev/stdout", "-f", "null", "-"],
                       capture_output=True, text=True)
    i = tp = lra = None
    peak = 0.0
    for line in r.stdout.splitlines():
        if line.startswith("lavfi.r128.I="):
            i = float(line.split("=")[1])
        elif line.startswith("lavfi.r128.LRA="):
            lra = float(line.split("=")[1])
        elif line.startswith("lavfi.r128.true_peak="):
            peak = max(peak, float(line.split("=")[1]))
    summary = re.search(r"True peak:\s*\n\s*Peak:\s*(-?[\d.inf]+)", r.stderr)
    if peak > 0:
        tp = 20 * np.log10(peak)
    if summary and summary.group(1) not in ("-inf", "inf"):
        s = float(summary.group(1))
        if tp is None or s > tp + 0.05:
            tp = s
    return i, tp, lra


def analyze(path, *extra):
    """lute analyze --json: the report as a dict (the first, when several files)."""
    r = run_lute("analyze", path, "--json", *extra)
    if r.returncode != 0:
        raise RuntimeError(f"lute analyze {path}: {r.stderr}")
    return json.loads(r.stdout)


def read_cue(path):
    """A CUE sheet as {'catalog':..., 'title':..., 'performer':..., 'file':..., 'tracks': [
    {'number', 'title', 'performer', 'isrc', 'pregap', 'index': {0: frames, 1: frames}}]} with
    indexes in CD frames (1/75 s)."""
    cue = {"tracks": []}
    cur = None
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        m = re.match(r'(\w+)\s+(.*)', line)
        if not m:
            continue
        key, rest = m.group(1), m.group(2)
        val = rest[1:-1] if rest.startswith('"') and rest.endswith('"') else rest
        if key == "TRACK":
            cur = {"number": int(rest.split()[0]), "index": {}}
            cue["tracks"].append(cur)
        elif key == "FILE":
            cue["file"] = re.match(r'"(.*)"\s+WAVE', rest).group(1)
        elif key == "INDEX":
            n, t = rest.split()
            mm, ss, ff = (int(v) for v in t.split(":"))
            cur["index"][int(n)] = (mm * 60 + ss) * 75 + ff
        elif key == "PREGAP":
            mm, ss, ff = (int(v) for v in rest.split(":"))
            cur["pregap"] = (mm * 60 + ss) * 75 + ff
        elif key in ("TITLE", "PERFORMER", "SONGWRITER", "ISRC"):
            (cur if cur is not None else cue)[key.lower()] = val
        elif key == "CATALOG":
            cue["catalog"] = val
    return cue


def ffprobe_tags(path):
    """The file's tags (format and stream level), keys lower case."""
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", path],
                       capture_output=True, text=True)
    d = json.loads(r.stdout or "{}")
    tags = {}
    for s in d.get("streams", []):
        tags.update({k.lower(): v for k, v in s.get("tags", {}).items()})
    tags.update({k.lower(): v for k, v in d.get("format", {}).get("tags", {}).items()})
    return tags


def soxi(path):
    """sox's view of a file: {'rate', 'channels', 'bits', 'samples'}."""
    out = {}
    for flag, key in (("-r", "rate"), ("-c", "channels"), ("-b", "bits"), ("-s", "samples")):
        r = subprocess.run(["soxi", flag, path], capture_output=True, text=True)
        try:
            out[key] = int(r.stdout.strip())
        except ValueError:
            out[key] = None
    return out
