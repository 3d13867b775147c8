"""jackreg.py — jackd's server registry (/dev/shm/jack-shm-registry), read and tidied without libjack.

jackd2 keeps the servers that run on a machine in a shared-memory registry of 8 entries (jack_shm_header_t:
a 24-byte header, then 8 x {pid_t pid; char name[257]} padded to 264 bytes), locked by the SysV semaphore
with key 0x282929.  A server removes its entry when it exits cleanly; the entry of one that died another
way stays until a server of the same name starts — and test servers have names of their own — so a few
dead servers make jackd refuse to start ("Too many servers already active").  scrub_registry() clears the
entries of servers whose process no longer exists, as jackd itself does for a name it reuses.
"""
import ctypes
import mmap
import os
import struct

_libc = ctypes.CDLL(None, use_errno=True)

REGISTRY = "/dev/shm/jack-shm-registry"
_SEM_KEY = 0x282929          # JACK_SEMAPHORE_KEY: the SysV semaphore jackd locks its registry with
_SERVERS, _HDR, _ENTRY = 8, 24, 264   # jack_shm_header_t: 8 entries of {pid_t pid; char name[257]} after 24 bytes


class _Sembuf(ctypes.Structure):
    _fields_ = [("sem_num", ctypes.c_ushort), ("sem_op", ctypes.c_short), ("sem_flg", ctypes.c_short)]


def _alive(pid):
    """True while `pid` runs; a zombie (exited, not yet reaped by its new parent) is not alive."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def registry(scrub=False):
    """The servers in jackd's registry as [(pid, name, alive)]; with scrub=True the entries of servers that
    no longer exist are cleared first (under JACK's registry lock), as jackd itself would if a server of the
    same name started."""
    try:
        fd = os.open(REGISTRY, os.O_RDWR if scrub else os.O_RDONLY)
    except OSError:
        return []
    out = []
    semid = _libc.semget(_SEM_KEY, 0, 0) if scrub else -1
    locked = semid >= 0 and _libc.semop(semid, ctypes.byref(_Sembuf(0, -1, 0x1000)), 1) == 0   # SEM_UNDO
    try:
        size = os.fstat(fd).st_size
        if size < _HDR + _SERVERS * _ENTRY:
            return []
        m = mmap.mmap(fd, size, prot=mmap.PROT_READ | (mmap.PROT_WRITE if scrub else 0))
        try:
            for i in range(_SERVERS):
                off = _HDR + i * _ENTRY
                pid = struct.unpack_from("<i", m, off)[0]
                if pid == 0:
                    continue
                name = m[off + 4:off + 4 + 257].split(b"\0")[0].decode(errors="replace")
                alive = _alive(pid)
                if scrub and not alive:
                    m[off:off + _ENTRY] = b"\0" * _ENTRY
                    continue
                out.append((pid, name, alive))
        finally:
            m.close()
    finally:
        if locked:
            _libc.semop(semid, ctypes.byref(_Sembuf(0, 1, 0x1000)), 1)
        os.close(fd)
    return out


def scrub_registry():
    try:
        return registry(scrub=True)
    except Exception:                         # a fixture's housekeeping never fails a test
        return []
