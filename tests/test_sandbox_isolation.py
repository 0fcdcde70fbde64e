"""The sandbox's isolation from the machine, checked on one Sandbox started directly.

What a sandbox owns must be its own and die with it: its IPC and UTS namespaces (a System
V segment made by one student is gone for the next), a cgroup that bounds the memory and
process count of everything it runs (a fork-times-memory submission is out_of_memory, and
the machine's memory comes back), no Python packages but the environment's own (the base
installation's site-packages, Debian's dist-packages and any copy of a forbidden module
are covered), and the grader's masks over the files they name.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pytest

from autograder.cgroup import support as cgroup_support
from autograder.config import COURSE_DIR, Limits
from autograder.faults import SandboxFault
from autograder.isolation import isolation_mode
from autograder.mounts import covered_paths
from autograder.sandbox import Sandbox

FORBIDDEN = ["torch", "torchvision", "scipy", "cv2", "skimage"]
UID = 61000 + 64 * (os.getpid() % 40 + 8) + 63  # a slot no grading run of this test session uses
MIB = 1024 * 1024

needs_namespaces = pytest.mark.skipif(
    os.geteuid() != 0 or isolation_mode() != "namespaces",
    reason=f"needs root and namespaces (isolation here: {isolation_mode()})",
)
needs_cgroup = pytest.mark.skipif(
    os.geteuid() != 0 or cgroup_support()[0] == "none",
    reason=f"no usable cgroup: {cgroup_support()[1]}",
)


def start(memory_mb: int = 1024, nproc: int = 64, **kw) -> Sandbox:
    box = Sandbox(
        "conv", Limits(memory_mb=memory_mb, nproc=nproc, cell_timeout=60), FORBIDDEN, uid=UID, **kw
    )
    box.start()
    return box


def call(box: Sandbox, source: str, timeout: float = 120):
    """Run ``source`` (which defines ``f()``) in the kernel and return ``f()``."""
    reply = box.request({"op": "cell", "source": source, "label": "1"}, timeout)
    assert reply.get("ok"), reply
    reply = box.request({"op": "call", "name": "f", "args": [], "kwargs": {}}, timeout)
    assert reply.get("ok"), reply
    return reply["value"]


def kernel_pid(box: Sandbox) -> int:
    """The host pid of the kernel: the process of the sandbox running as its uid."""
    assert box.proc is not None
    out = subprocess.run(["ps", "-eo", "uid=,pid="], capture_output=True, text=True).stdout
    pids = [int(p) for u, p in (line.split() for line in out.splitlines()) if int(u) == UID]
    assert pids, "no process of the sandbox's uid"
    return min(pids)


def running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie holds no memory)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def host_used_mib() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return (int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])) / 1024


@needs_namespaces
@needs_cgroup
def test_cgroup_holds_the_sandbox_with_its_limits_and_goes_with_it():
    box = start(memory_mb=768, nproc=48)
    try:
        assert box.cgroup is not None
        dirs = list(box.cgroup.dirs)
        assert all(d.is_dir() for d in dirs)
        assert box.cgroup.limits() == {"memory_bytes": 768 * MIB, "pids": 48}
        members = {int(p) for d in dirs for p in (d / "cgroup.procs").read_text().split()}
        assert kernel_pid(box) in members, "the kernel runs outside the sandbox's cgroup"
    finally:
        box.kill()
    assert not any(d.exists() for d in dirs), "the cgroup outlived the sandbox"
    deadline = time.monotonic() + 5  # a process leaves its cgroup a moment before it is gone
    while [p for p in members if running(p)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in members if running(p)], "a process of the sandbox outlived it"


@needs_namespaces
def test_ipc_uts_and_other_namespaces_are_the_sandboxs_own():
    box = start()
    try:
        pid = kernel_pid(box)
        for ns in ("ipc", "uts", "pid", "net", "mnt"):
            assert os.readlink(f"/proc/{pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}"), ns
    finally:
        box.kill()


SHM = '''
import ctypes, ctypes.util
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.shmat.restype = ctypes.c_void_p

def f():
    """Make (or find) segment 0x5ca1ab1e; return what it held, then write a note to it."""
    seg = _libc.shmget(0x5CA1AB1E, 4096, MODE)
    if seg < 0:
        return "none"
    addr = _libc.shmat(seg, None, 0)
    found = ctypes.string_at(addr, 64).rstrip(b"\\0").decode()
    ctypes.memmove(addr, b"left by the first student", 25)
    return found
'''


def host_segments(uid: int) -> list[str]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return [line for line in lines if int(line.split()[9]) == uid]  # column cuid: who created it


@needs_namespaces
def test_sysv_shared_memory_dies_with_the_sandbox():
    box = start()
    try:
        assert (
            call(box, SHM.replace("MODE", "0o1000 | 0o666")) == ""
        )  # IPC_CREAT: a new, empty segment
        assert call(box, "") == "left by the first student"  # the same sandbox sees its own
        assert not host_segments(UID), "the sandbox's segment is in the host's IPC namespace"
    finally:
        box.kill()
    box = start()
    try:
        assert call(box, SHM.replace("MODE", "0")) == "none", "a segment outlived its sandbox"
    finally:
        box.kill()
    assert not host_segments(UID)


FORK_TIMES_MEMORY = '''
import os, time
import numpy as np

def f():
    """Four children touching 300 MiB each: under the per-process limit, over the sandbox's."""
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            block = np.ones(300 * 2**20 // 8)
            time.sleep(3)
            os._exit(int(block[-1]) - 1)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return "done"
'''


@needs_namespaces
@needs_cgroup
def test_fork_times_memory_is_out_of_memory_and_the_memory_comes_back():
    before = host_used_mib()
    box = start(memory_mb=1024)
    assert box.cgroup is not None
    usage = box.cgroup.memory_dir / (
        "memory.current" if box.cgroup.version == "v2" else "memory.usage_in_bytes"
    )
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], int(usage.read_text()))
            except (OSError, ValueError):
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        with pytest.raises(SandboxFault) as fault:
            call(box, FORK_TIMES_MEMORY)
        assert fault.value.status == "out_of_memory", fault.value.message
    finally:
        stop.set()
        sampler.join()
        box.kill()
    for _ in range(10):  # the machine is shared: give its memory a few seconds to settle
        time.sleep(0.5)
        after = host_used_mib()
        if after < before + 200:
            break
    print(
        f"host memory used: {before:.0f} MiB before, {after:.0f} MiB after; "
        f"sandbox peak {peak[0] / MIB:.0f} MiB (limit 1024)"
    )
    assert 300 * MIB < peak[0] <= 1024 * MIB
    assert after < before + 200, f"host memory did not come back: {before:.0f} -> {after:.0f} MiB"


def foreign_site_dirs() -> list[str]:
    """Where the base installation (and the OS) keep packages that are not the venv's."""
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    dirs = {
        base["purelib"],
        base["platlib"],
        "/usr/lib/python3/dist-packages",
        f"/usr/local/lib/python3.{sys.version_info.minor}/dist-packages",
        f"/usr/lib/python3.{sys.version_info.minor}/site-packages",
    }
    return sorted(d for d in dirs if os.path.isdir(d) and os.listdir(d))


ATTACK = '''
import os, sys, site, zipfile

def f():
    """Every route to a forbidden module an attacker tried; each entry is one that worked."""
    got = []
    for d in DIRS:
        if os.path.isdir(d) and os.listdir(d):
            got.append(f"{d} is not empty")
    for d in DIRS:
        for name in FORBIDDEN:
            sys.path.insert(0, d)
            site.addsitedir(d)
            g = {}
            try:
                exec("import " + name, g)
                if getattr(g[name], "__file__", None):
                    got.append(f"{name} from {g[name].__file__}")
            except ImportError:
                pass
            finally:
                sys.path[:] = [p for p in sys.path if p != d]
    for top in ("/usr", "/etc", "/lib", "/run", "/var", "/opt", "/srv", "/root", "/home", "/tmp",
                sys.prefix, sys.base_prefix):
        for here, dirs, files in os.walk(top):
            for name in dirs:
                path = os.path.join(here, name)
                if name in FORBIDDEN and os.listdir(path) not in ([], ["__init__.py"]):
                    got.append(f"package {path}")
                if name in ("site-packages", "dist-packages") and os.listdir(path) \\
                        and os.path.realpath(path) not in OWN:
                    got.append(f"site dir {path}")
            for name in files:
                path = os.path.join(here, name)
                if name.endswith((".whl", ".zip", ".egg", ".pyz")) and os.access(path, os.R_OK):
                    try:
                        with zipfile.ZipFile(path) as z:
                            if any(p in FORBIDDEN for n in z.namelist() for p in n.split("/")[:-1]):
                                got.append(f"archive {path}")
                    except (OSError, zipfile.BadZipFile):
                        pass
    return got
'''


@needs_namespaces
def test_no_python_packages_but_the_environments_own():
    dirs = foreign_site_dirs()
    covered = [p for p, how in covered_paths(tuple(sorted(FORBIDDEN))) if how == "empty"]
    assert set(dirs) <= {os.path.realpath(p) for p in covered} | set(covered), (dirs, covered)
    own = sorted(os.path.realpath(p) for p in site.getsitepackages())
    box = start()
    try:
        got = call(
            box,
            ATTACK.replace("DIRS", repr(dirs + covered))
            .replace("FORBIDDEN", repr(FORBIDDEN))
            .replace("OWN", repr(own)),
            timeout=300,
        )
    finally:
        box.kill()
    assert got == [], got


@needs_namespaces
@pytest.mark.parametrize("mode", ["namespaces", "user-namespace"])
def test_masks_replace_a_file_read_only(mode):
    """Also where the kernel stays uid 0 of a user namespace (a grader without root): it
    has no capability left there, so it cannot unmount a mask either."""
    target = COURSE_DIR / "convnets" / "__init__.py"
    original = target.read_bytes()
    box = Sandbox(
        "conv",
        Limits(memory_mb=1024, nproc=64, cell_timeout=60),
        FORBIDDEN,
        uid=UID,
        masks={str(target): b"# nothing to see here\n"},
    )
    box.mode = mode
    box.start()
    try:
        got = call(
            box,
            f"""
import ctypes, os

def f():
    path = {str(target)!r}
    seen = open(path, "rb").read().decode()
    try:
        open(path, "w").write("changed")
        wrote = "wrote"
    except OSError as exc:
        wrote = type(exc).__name__
    libc = ctypes.CDLL(None, use_errno=True)
    unmounted = libc.umount2(path.encode(), 2)  # MNT_DETACH: would show the file under the mask
    return [seen, wrote, unmounted, sorted(n for n in os.listdir("/tmp") if n.startswith("mask-"))]
""",
        )
    finally:
        box.kill()
    assert got[0] == "# nothing to see here\n"
    assert got[1] in ("PermissionError", "OSError"), got
    assert got[2] == -1, "the student could unmount the mask"
    assert got[3] == [], "the masks' staging files are visible in /tmp"
    assert target.read_bytes() == original


def test_cgroup_v2_files(tmp_path, monkeypatch):
    """The v2 branch on a fake hierarchy (this machine may have v1 only): which files it writes."""
    from autograder import cgroup

    own = tmp_path / "grader.scope"
    own.mkdir()
    (own / "cgroup.controllers").write_text("cpu memory pids\n")
    (own / "cgroup.subtree_control").write_text("memory pids\n")
    monkeypatch.setattr(cgroup, "_own_cgroups", lambda: {"": "/grader.scope"})
    monkeypatch.setattr(
        cgroup, "_mounts", lambda fstype: [(str(tmp_path), "rw")] if fstype == "cgroup2" else []
    )
    monkeypatch.setattr(cgroup, "_support", ("v2", ""))
    box = cgroup.Cgroup.create(512 * MIB, 40)
    assert box is not None and box.version == "v2" and box.dirs[0].parent == own
    d = box.dirs[0]
    assert box.limits() == {"memory_bytes": 512 * MIB, "pids": 40}
    assert (d / "memory.oom.group").read_text() == "1"
    assert box.procs_files == [str(d / "cgroup.procs")]
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert box.new_oom_kill() and not box.new_oom_kill()


def test_masks_leave_kept_directories_under_tmp_visible(tmp_path, monkeypatch):
    """The masks are staged on a tmpfs over /tmp: a kept directory under /tmp (a CI clone's
    venv and packages) must still be mounted back, and the mask still applied."""
    from autograder import sandbox as sandbox_module

    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "data.txt").write_text("still here")
    kept.chmod(0o755)
    for parent in (tmp_path, tmp_path.parent):
        parent.chmod(0o755)
    target = COURSE_DIR / "convnets" / "__init__.py"
    real_kept = sandbox_module.kept_paths
    monkeypatch.setattr(sandbox_module, "kept_paths", lambda: [*real_kept(), str(kept)])
    box = start(masks={str(target): b"# masked\n"})
    try:
        got = call(
            box,
            f"""
def f():
    return [open({str(kept / "data.txt")!r}).read(), open({str(target)!r}).read()]
""",
        )
    finally:
        box.kill()
    assert got == ["still here", "# masked\n"]
