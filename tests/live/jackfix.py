"""jackfix.py — the shared fixture of lute's live-path tests and live benchmark (run by /usr/bin/python3).

A private JACK server (`jackd --no-realtime -n NAME -d dummy`, no sound card), a capture client that
records lute:out_0/out_1 into numpy frame-exactly and can play MIDI bytes into lute at chosen frames,
a running lute with its stdin/stdout/stderr, and the measurements the tests share.

Time in these tests is counted in captured frames, never the wall clock: every block the capture
client processes is appended, so "capture index" is a frame number on the same timeline as the MIDI
events the capture client writes (it writes them in the same process callback).  The machine may be loaded (2 cores, other builds): waits are
generous, checks are exact in frames.

Every process a fixture starts (jackd, lute) is ended for sure, however the test ends: a failed check,
an exception, Ctrl-C, SIGTERM, or the test process killed outright.  A leaked lute keeps its JACK server
alive and registered, and jackd's registry (/dev/shm/jack-shm-registry) has room for 8 servers: an entry
is freed when its server exits cleanly, but the entry of a jackd that died by SIGKILL stays until a
server of the same name starts again — and test servers have names of their own — so after a few leaks
or kills jackd refuses to start ("Too many servers already active") on that machine, failing every later
live test.  So:
  - each child runs in a process group of its own, and is stopped by reap(): lute with SIGTERM then
    SIGKILL after a short grace; jackd with SIGTERM and a longer grace (it unregisters as it exits), and
    only then SIGKILL; after a jackd ends, entries of dead servers are removed by scrub_registry() (a jackd
    that lost a frozen client can exit on SIGTERM without unregistering);
  - every child is on a list that an atexit handler empties, and SIGTERM/SIGHUP to the test become
    SystemExit so that handler runs;
  - each child asks the kernel to signal it when the test process dies (PR_SET_PDEATHSIG): SIGKILL for
    lute, SIGTERM for jackd (so it still unregisters), which covers a test killed with SIGKILL, where no
    Python code can run;
  - a guardian process of its own session watches each jackd: if the test dies without stopping it, the
    guardian stops it (SIGTERM, SIGKILL after 8 s) and scrubs the registry;
  - JackServer.start() first removes the registry entries of servers that no longer exist, whoever left
    them, under JACK's own registry lock (jackreg.py).
"""
import atexit
import ctypes
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import lutetest  # noqa: E402  (shared helpers: Checker, onsets, pitch_hz, LUTE, ROOT)
import jack  # noqa: E402

RATE = 48000

# ---- process hygiene ------------------------------------------------------------------------------

_children = []             # every Popen a fixture started and has not reaped yet
_libc = ctypes.CDLL(None, use_errno=True)
_PARENT = os.getpid()


def _with_parent(deathsig):
    def preexec():
        """In the child: `deathsig` when the test process dies (PR_SET_PDEATHSIG)."""
        _libc.prctl(1, deathsig)
        if os.getppid() != _PARENT:         # the parent died between fork and prctl
            os._exit(1)
    return preexec


def spawn(args, jackd=False, **kw):
    """subprocess.Popen for a fixture's child: own session (process group), signalled when the test dies,
    listed so that reap_all() (run at exit) ends it.  Call it from the main thread: the parent-death signal
    follows the thread that forked."""
    p = subprocess.Popen(args, start_new_session=True,
                         preexec_fn=_with_parent(signal.SIGTERM if jackd else signal.SIGKILL), **kw)
    p.is_jackd = jackd
    _children.append(p)
    return p


from jackreg import registry, scrub_registry  # noqa: E402,F401  (jackd's server registry, see jackreg.py)


def _guard_server(p):
    """A small process of its own session that outlives this test: if the test dies before it stopped jackd
    (SIGKILL, where no Python code runs), it stops jackd properly — SIGTERM, then SIGKILL after 8 s — and
    scrubs the registry (also when jackd went by itself: it may not have unregistered).  jackd's own parent-death SIGTERM does the same when jackd shuts down cleanly;
    this covers a jackd that hangs in its shutdown (clients that vanished, one frozen)."""
    code = ("import os, sys, time, signal\n"
            "sys.path.insert(0, sys.argv[3])\n"
            "parent, pg = int(sys.argv[1]), int(sys.argv[2])\n"
            "def alive(q):\n"
            "    try:\n        os.kill(q, 0); return True\n"
            "    except ProcessLookupError:\n        return False\n"
            "    except PermissionError:\n        return True\n"
            "while alive(parent) and alive(pg): time.sleep(0.3)\n"
            "if alive(pg):\n"
            "    try: os.killpg(pg, signal.SIGTERM)\n"
            "    except OSError: pass\n"
            "    t = time.time()\n"
            "    while alive(pg) and time.time() - t < 8: time.sleep(0.2)\n"
            "    try: os.killpg(pg, signal.SIGKILL)\n"
            "    except OSError: pass\n"
            "if not alive(parent):\n"
            "    time.sleep(0.5)\n"
            "    import jackreg; jackreg.scrub_registry()\n")
    subprocess.Popen(["/usr/bin/python3", "-c", code, str(os.getpid()), str(p.pid),
                      os.path.dirname(os.path.abspath(__file__))],
                     start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)


def reap(p, grace=2.0, sig=signal.SIGTERM):
    """Ends p and its process group: `sig`, then SIGKILL after `grace` seconds (a jackd gets SIGTERM and at
    least 5 s, since SIGKILL leaves its registry entry behind, which is then scrubbed).  Returns p's status."""
    if p is None:
        return None
    jackd = getattr(p, "is_jackd", False)
    if jackd:
        sig, grace = signal.SIGTERM, max(grace, 5.0)
    try:
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                p.send_signal(sig)
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        try:                                  # the group may outlive its leader (children of children)
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if p.poll() is None:
            p.kill()
        return p.wait(5)
    except Exception:                         # never let cleanup raise over the real error
        return p.poll()
    finally:
        if p in _children:
            _children.remove(p)
        if jackd:             # killed, or exited on SIGTERM without unregistering (a frozen client): tidy up
            scrub_registry()


def reap_all():
    for p in [q for q in _children if not getattr(q, "is_jackd", False)]:   # clients first, then servers
        reap(p, grace=1.0)
    for p in list(_children):
        reap(p)


atexit.register(reap_all)


def _exit_on_signal(sig, frame):
    raise SystemExit(128 + sig)


for _s in (signal.SIGTERM, signal.SIGHUP):
    if signal.getsignal(_s) in (signal.SIG_DFL, None):
        signal.signal(_s, _exit_on_signal)


def open_client(name, server, tries=4):
    """A jack.Client on `server`.  Opening one may fail with "server_error" while another dummy server on the
    machine is starting or stopping (jackd's shared registry is busy): a fixture tries again before it gives up."""
    for attempt in range(tries):
        try:
            return jack.Client(name, no_start_server=True, servername=server.name)
        except jack.JackOpenError as e:
            if attempt == tries - 1:
                raise
            print(f"note: JACK client '{name}' did not open ({e}); trying again", file=sys.stderr)
            time.sleep(0.5 * (attempt + 1))


class JackServer:
    """A jackd of our own, named after the process so two runs never share one; always stop() it."""

    def __init__(self, period=256, rate=RATE, tag="live", playback=2):
        self.name = f"lute-{tag}-{os.getpid()}-{int(time.time() * 1000) % 100000}"
        self.period, self.rate = period, rate
        self.playback = playback   # the dummy device's outputs (lute --outputs N can open up to that many)
        self.proc = None
        self.log = tempfile.NamedTemporaryFile(prefix="jackd-", suffix=".log", delete=False)

    def env(self):
        e = dict(os.environ)
        e["JACK_DEFAULT_SERVER"] = self.name
        e["JACK_NO_AUDIO_RESERVATION"] = "1"
        return e

    def start(self, timeout=20.0):
        scrub_registry()      # entries of servers that died without unregistering would leave no room
        self.proc = spawn(["jackd", "--no-realtime", "-n", self.name, "-d", "dummy", "-r", str(self.rate),
                           "-p", str(self.period), "-P", str(self.playback)], jackd=True, stdout=self.log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, env=self.env())
        _guard_server(self.proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jackd exited with {self.proc.returncode}: {self.log_text()}")
            r = subprocess.run(["jack_lsp"], capture_output=True, text=True, env=self.env())
            if r.returncode == 0 and "system:playback_1" in r.stdout:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"jackd '{self.name}' did not answer within {timeout} s: {self.log_text()}")

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-2000:]

    def stop(self):
        """Ends every lute started on this server, then the server (SIGKILL after a short grace)."""
        for p in list(_children):
            if getattr(p, "jack_server", None) == self.name:
                reap(p, grace=2.0)
        reap(self.proc, grace=5.0)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class Capture:
    """A JACK client with two audio inputs (and optionally a MIDI output) that records everything it
    receives from activation on, block after block.  MIDI events queued with
    send_at(index, bytes) are written in the cycle that contains that frame, at the exact offset;
    `sent` records (planned index, actual index, bytes) as written (a late event goes out at the start
    of the first cycle it can, and that is what is recorded)."""

    def __init__(self, server, name="cap", seconds=60.0, midi=False):
        self.server = server
        os.environ["JACK_DEFAULT_SERVER"] = server.name
        self.client = open_client(name, server)
        self.rate = self.client.samplerate
        self.block = self.client.blocksize
        self.ins = [self.client.inports.register(f"in_{c}") for c in range(2)]
        self.midi_out = self.client.midi_outports.register("midi_out") if midi else None
        self.audio = np.zeros((int(seconds * self.rate) + self.block, 2), dtype=np.float32)
        self.t0 = None
        self.last_t = None
        self.pos = 0            # frames recorded so far (index of the next block)
        self.gaps = 0           # cycles whose frame time did not follow the previous one
        self.xruns = 0
        self.xrun_at = []       # capture index at each xrun
        self.full = False
        self.pending = queue.Queue()   # (index, bytes) from the main thread
        self.todo = []                 # sorted pending events, owned by the process thread
        self.sent = []
        self.client.set_process_callback(self._process)
        self.client.set_xrun_callback(self._xrun)
        self.client.activate()

    def _xrun(self, delay):
        self.xruns += 1
        self.xrun_at.append(self.pos)

    def xruns_between(self, a, b):
        """How many xruns JACK reported while frames a .. b were being recorded (give or take a cycle)."""
        return sum(1 for p in self.xrun_at if a - 2 * self.block <= p <= b + 2 * self.block)

    def _process(self, frames):
        # Blocks are stored one after the other, as a device would play them.  JACK's frame counter may
        # jump ahead after an xrun of the dummy driver although every client processed every cycle; that
        # jump is counted in `gaps` but not inserted, or it would look like a shift in lute's timing.
        t = self.client.last_frame_time
        if self.t0 is None:
            self.t0 = t
        elif t != self.last_t + frames:
            self.gaps += 1
        self.last_t = t
        i = self.pos
        if i + frames <= len(self.audio):
            for c, p in enumerate(self.ins):
                self.audio[i:i + frames, c] = p.get_array()
            self.pos = i + frames
        else:
            self.full = True
        if self.midi_out is not None:
            self.midi_out.clear_buffer()
            try:
                while True:
                    self.todo.append(self.pending.get_nowait())
                    self.todo.sort(key=lambda e: e[0])
            except queue.Empty:
                pass
            last = -1
            while self.todo and self.todo[0][0] < i + frames:
                at, data = self.todo.pop(0)
                off = max(at - i, 0, last)
                self.midi_out.write_midi_event(off, data)
                self.sent.append((at, i + off, bytes(data)))
                last = off

    def now(self):
        """The capture index of the frame being played about now (for scheduling ahead)."""
        return self.pos + min(self.client.frames_since_cycle_start, self.block)

    def send_at(self, index, data):
        self.pending.put((int(index), bytes(data)))

    def wait_frames(self, index, timeout=60.0):
        """Sleeps until `index` frames are recorded (or timeout seconds pass; returns whether reached)."""
        deadline = time.monotonic() + timeout
        while self.pos < index and time.monotonic() < deadline and not self.full:
            time.sleep(0.02)
        return self.pos >= index

    def connect_from(self, client_name="lute", timeout=30.0, ports=("out_0", "out_1")):
        """Connects client_name:out_0/out_1 (or the two ports named) to our inputs once they exist."""
        want = [f"{client_name}:{p}" for p in ports]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            names = {p.name for p in self.client.get_ports()}
            if all(w in names for w in want):
                for w, p in zip(want, self.ins):
                    self.client.connect(w, p)
                return True
            time.sleep(0.1)
        return False

    def connect_midi(self, dest="lute-midi:lute", timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if dest in {p.name for p in self.client.get_ports()}:
                # lute connects MIDI outputs that exist when it starts, ours included: that may happen
                # between looking and connecting, so an existing connection is success.
                try:
                    self.client.connect(self.midi_out, dest)
                except jack.JackErrorCode as e:
                    # EEXIST, or a race with lute's own connect (JACK then says -1): success if connected now
                    time.sleep(0.1)
                    if e.code != 17 and dest not in {p.name for p in self.client.get_all_connections(self.midi_out)}:
                        raise
                return True
            time.sleep(0.1)
        return False

    def recorded(self):
        """Copy of what was recorded so far, shape (frames, 2), float64."""
        return self.audio[:self.pos].astype(np.float64)

    def close(self):
        try:
            self.client.deactivate()
            self.client.close()
        except jack.JackError:
            pass


class Lute:
    """build/lute playing a script live through JACK; stdin stays open for REPL chunks."""

    # What lute says when the JACK server did not answer its client in time (PortAudio then lists no JACK
    # device): with several dummy servers on a loaded 2-core machine that happens now and then at start-up.
    OPEN_FAILED = ("no output device matches 'jack'", "cannot open '", "cannot start '")

    def __init__(self, server, script, *extra, stats=False, tries=3):
        env = server.env()
        if stats:
            env["LUTE_STATS"] = "1"
        for attempt in range(tries):
            self._spawn([lutetest.LUTE, script, "--device", "jack", *extra], env, server.name)
            if not self._open_failed() or attempt == tries - 1:
                break
            print(f"note: lute could not open its JACK client (attempt {attempt + 1}): {self.stderr().strip()[-200:]}; "
                  f"starting it again", file=sys.stderr)
            reap(self.proc)
            time.sleep(1.0)

    def _spawn(self, argv, env, server_name):
        self.proc = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          text=True, bufsize=1)
        self.proc.jack_server = server_name
        self.out, self.err = [], []
        self._t = [threading.Thread(target=self._drain, args=(self.proc.stdout, self.out), daemon=True),
                   threading.Thread(target=self._drain, args=(self.proc.stderr, self.err), daemon=True)]
        for t in self._t:
            t.start()

    def _open_failed(self, timeout=20.0):
        """Waits until lute has opened the device (its "lute VERSION: NAME, RATE Hz" line) or exited; True if
        it exited because the JACK client could not be opened."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(ln.startswith("lute ") and " Hz, " in ln for ln in self.err):
                return False
            if self.proc.poll() is not None:
                for t in self._t:
                    t.join(2)
                return any(m in self.stderr() for m in self.OPEN_FAILED)
            time.sleep(0.02)
        return False

    @staticmethod
    def _drain(f, into):
        for line in f:
            into.append(line)

    def stderr(self):
        return "".join(self.err)

    def stdout(self):
        return "".join(self.out)

    def send(self, chunk):
        self.proc.stdin.write(chunk + "\n")
        self.proc.stdin.flush()

    def wait_stderr(self, text, start=0, timeout=30.0):
        """Waits until a stderr line from index `start` on contains text; returns the line or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.err[start:]:
                if text in line:
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        return None

    def quit(self, timeout=30.0):
        """Sends quit() and closes stdin; returns the exit status (None if lute had to be killed)."""
        try:
            self.send("quit()")
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        for t in self._t:
            t.join(5)
        if rc is not None:
            reap(self.proc)
        return rc

    def kill(self):
        """Ends lute for sure (SIGKILL to its process group); safe to call twice."""
        reap(self.proc, grace=0.0, sig=signal.SIGKILL)


# ---- measurements ------------------------------------------------------------------------------

def notes(mono, rate=RATE, min_gap=64):
    """The separated notes of a signal: a list of dicts with onset (the event frame: the first non-zero
    sample, as an attack-0 note sounds on its own frame), end (last non-zero sample), peak, and pitch
    (Hz, from the note's steady middle)."""
    idx = np.flatnonzero(np.abs(mono) > 0)
    if len(idx) == 0:
        return []
    cut = np.flatnonzero(np.diff(idx) > min_gap)
    starts = np.concatenate(([idx[0]], idx[cut + 1]))
    ends = np.concatenate((idx[cut], [idx[-1]]))
    out = []
    for s, e in zip(starts, ends):
        seg = mono[s:e + 1]
        n = len(seg)
        mid = seg[n // 8: n - n // 8] if n > 2048 else seg
        out.append({"onset": int(s), "end": int(e), "peak": float(np.max(np.abs(seg))),
                    "pitch": lutetest.pitch_hz(mid, rate) if len(mid) > 1024 else float("nan")})
    return out


def nearest_midi(hz):
    return int(round(69 + 12 * np.log2(hz / 440.0)))


def longest_silence(mono, a, b):
    """Longest run of exact zeros in mono[a:b]."""
    z = np.abs(mono[a:b]) == 0
    if not z.any():
        return 0
    d = np.diff(np.concatenate(([0], z.astype(np.int8), [0])))
    return int(np.max(np.flatnonzero(d == -1) - np.flatnonzero(d == 1)))


def centroid(x, rate=RATE):
    """Spectral centroid in Hz of a Hann-windowed stretch: it rises as a low-pass filter opens."""
    s = np.abs(np.fft.rfft((x - np.mean(x)) * np.hanning(len(x))))
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    return float(np.sum(f * s) / max(np.sum(s), 1e-30))


def write_script(directory, name, text):
    path = os.path.join(directory, name)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def save_in_place(path, text):
    """Rewrites the file the way an editor that writes in place does (inotify sees a modify/close)."""
    with open(path, "w") as f:
        f.write(text)


def clean_run(run, tries=3):
    """Calls run() (which returns a dict with "xruns": the xruns during its measured stretch) up to `tries`
    times until a run was not disturbed by an xrun.  Without realtime scheduling on a loaded machine jackd
    now and then skips or repeats cycles for every client, lute or not (see bench/live.py: the bare
    server has xruns too); a frame-exact measurement of such a stretch would blame lute for the machine.
    Returns the first clean run, else the least disturbed one, with "tries" set to the runs made."""
    best = None
    for i in range(tries):
        r = run()
        r["tries"] = i + 1
        if r["xruns"] == 0:
            return r
        print(f"note: run {i + 1} had {r['xruns']} JACK xruns while measuring; running again", file=sys.stderr)
        if best is None or r["xruns"] < best["xruns"]:
            best = r
    best["tries"] = tries
    return best
