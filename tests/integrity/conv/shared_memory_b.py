"""A channel between students through System V shared memory (this file and its twin,
shared_memory_a.py, are two students graded in the same run). Each makes segment
0x5ca1ab1e when its output_size cell runs, keeps what an earlier student left there and
writes its own note; output_size raises with any note that is not its own. With an IPC
namespace per sandbox neither ever sees the other's, both pass, and no segment is left on
the machine after the run (the corpus test checks /proc/sysvipc/shm, what `ipcs -m` reads).
"""

CELLS = {
    "output_size": """
import ctypes, ctypes.util, uuid

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_NOTE = f"note from b {uuid.uuid4()}".encode()

def _segment():
    seg = _libc.shmget(0x5CA1AB1E, 4096, 0o1000 | 0o666)  # IPC_CREAT
    return _libc.shmat(seg, None, 0) if seg >= 0 else None

def _read(addr):
    return ctypes.string_at(addr, 128).split(b"\\0")[0]

_addr = _segment()
_found = _read(_addr) if _addr else b""
if _addr:
    ctypes.memmove(_addr, _NOTE + b"\\0", len(_NOTE) + 1)

def output_size(n, f, stride=1, padding=0):
    seen = [note for note in (_found, _read(_addr) if _addr else b"") if note and note != _NOTE]
    if seen:
        raise ValueError(f"another student left: {seen[0].decode(errors='replace')}")
    return (n + 2 * padding - f) // stride + 1
""",
}

EXPECT = {}
