"""Stage 1 of the sandbox: pid 1 of fresh PID/mount/network/IPC/UTS namespaces, still root.

Reads its settings (JSON) on standard input, joins the sandbox's cgroup (so everything it
starts is bounded as a whole), hides the file system behind empty tmpfs mounts, mounts
back only the Python environment and the course's packages (read-only), covers every
other Python package directory and every copy of a forbidden module (``cover``), makes
forbidden modules unimportable, puts the grader's ``masks`` over the files they name,
then forks the kernel (stage 2, ``kernel.py``) as an unprivileged user with rlimits, and
reaps every process until the kernel exits. When this process dies, the kernel kills every
process in the namespace: nothing can outlive it.

Imports only the standard library: it runs before anything else, as root.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import resource
import signal
import sys
import uuid

MS_RDONLY, MS_NOSUID, MS_NODEV = 1, 2, 4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
RPC_FD, STATUS_FD = 3, 4
HOME = "/home/jovyan"

_libc = ctypes.CDLL(None, use_errno=True)


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    def enc(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _cover(path: str, module: str | None) -> None:
    """An empty read-only directory over ``path``; for a module, one whose import raises."""
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    if module:
        with open(os.path.join(path, "__init__.py"), "w") as f:
            f.write(
                f"raise ModuleNotFoundError({f'No module named {module!r}'!r}, name={module!r})\n"
            )
    _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _cover_file(path: str) -> None:
    _mount("/dev/null", path, None, MS_BIND)
    _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _stage_masks(masks: dict[str, str]) -> dict[str, int]:
    """Write each mask's bytes to a file on a private tmpfs; an fd to each (real path -> fd).

    Done before the file system is hidden: the tmpfs (on ``/tmp``) is then covered by the
    sandbox's own ``/tmp``, and the fds are how the masks are still reached.
    """
    if not masks:
        return {}
    size = sum(len(base64.b64decode(b)) for b in masks.values()) + 4096 * (len(masks) + 1)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=700,size={size}")
    fds = {}
    for i, (path, data) in enumerate(sorted(masks.items())):
        staged = f"/tmp/mask-{i}"
        with open(staged, "wb") as f:
            f.write(base64.b64decode(data))
        os.chmod(staged, 0o444)
        fds[path] = os.open(staged, os.O_PATH)
    return fds


def _set_up_mounts(cfg: dict) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    # the kept directories are opened first: the masks' staging tmpfs covers /tmp, where the
    # course (and its venv) may live, e.g. a CI clone
    keep = sorted({os.path.realpath(p) for p in cfg["keep"] if os.path.isdir(p)}, key=len)
    keep_fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in keep}
    mask_fds = _stage_masks(cfg.get("masks") or {})
    size = f"size={cfg['disk_mb']}m"
    hidden: list[str] = []
    for path in sorted({os.path.realpath(p) for p in cfg["hide"]}, key=len):
        if not os.path.isdir(path) or path == "/" or any(_under(path, h) for h in hidden):
            continue
        sticky = path in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
        _mount(
            "tmpfs",
            path,
            "tmpfs",
            MS_NOSUID | MS_NODEV,
            f"mode={'1777' if sticky else '755'},{size}",
        )
        hidden.append(path)
    for path, fd in keep_fds.items():
        if not any(_under(path, h) for h in hidden):
            os.close(fd)
            continue
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    for path, how in (
        cfg.get("cover") or []
    ):  # foreign site-packages, other copies of forbidden modules
        if how == "file" and os.path.isfile(path):
            _cover_file(path)
        elif how != "file" and os.path.isdir(path):
            _cover(path, how.partition(":")[2] or None)
    for name, where in cfg["forbidden"].items():
        if os.path.isdir(where):
            _cover(where, name)
        elif os.path.isfile(where):
            _cover_file(where)
    for path, fd in mask_fds.items():
        if os.path.isfile(path):
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND)
            _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    if cfg.get("kernel_file") and os.path.isfile(cfg["launcher"]):
        _mount(cfg["kernel_file"], cfg["launcher"], None, MS_BIND)
        _mount(None, cfg["launcher"], None, MS_BIND | MS_REMOUNT | MS_RDONLY)
    for options in ("hidepid=invisible", "hidepid=2"):
        try:
            _mount("proc", "/proc", "proc", MS_REMOUNT | MS_NOSUID | MS_NODEV, options)
            break
        except OSError:
            continue


def _prepare_home(cfg: dict, uid: int | None) -> tuple[str, str]:
    cwd = os.path.join(HOME, cfg["assignment"])
    runtime = os.path.join(HOME, ".local/share/jupyter/runtime")
    for d in (
        HOME,
        cwd,
        os.path.join(HOME, ".local"),
        os.path.join(HOME, ".local/share"),
        os.path.join(HOME, ".local/share/jupyter"),
        runtime,
    ):
        os.makedirs(d, mode=0o755, exist_ok=True)
        if uid is not None:
            os.chown(d, uid, uid)
    connection = os.path.join(runtime, f"kernel-{uuid.uuid4()}.json")
    with open(connection, "w") as f:
        json.dump(
            {
                "shell_port": 40123,
                "iopub_port": 40125,
                "stdin_port": 40124,
                "control_port": 40127,
                "hb_port": 40126,
                "ip": "127.0.0.1",
                "key": uuid.uuid4().hex,
                "transport": "tcp",
                "signature_scheme": "hmac-sha256",
                "kernel_name": "python3",
            },
            f,
        )
    return cwd, connection


def _limit(which: int, value: int) -> None:
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        soft, hard = resource.getrlimit(which)
        resource.setrlimit(
            which, (min(value, hard) if hard != resource.RLIM_INFINITY else value, hard)
        )


PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, CAP_LAST_CAP = 24, 38, 63
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _drop_capabilities() -> None:
    """Without a uid to switch to (a user namespace maps only root), stay uid 0 of the
    namespace with no capability at all: no unmounting the covers and masks, no remounting.

    The bounding set goes first (so that exec grants nothing back), then the current sets,
    and no_new_privs stops setuid programs from raising them again.
    """
    for cap in range(CAP_LAST_CAP + 1):
        if (
            _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22
        ):  # EINVAL: no such cap
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap}")
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (x2): all empty
    if _libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot set no_new_privs")


def _kernel(cfg: dict, uid: int | None, cwd: str, connection: str) -> None:
    """Child: become the student (limits, uid, environment) and exec the kernel."""
    os.close(STATUS_FD)
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    mb = 1024 * 1024
    _limit(resource.RLIMIT_AS, cfg["memory_mb"] * mb)
    _limit(resource.RLIMIT_FSIZE, cfg["disk_mb"] * mb)
    _limit(resource.RLIMIT_CPU, cfg["cpu_s"])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 1024)
    if uid is not None:
        _limit(resource.RLIMIT_NPROC, cfg["nproc"])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    elif cfg["mode"] == "user-namespace":
        _drop_capabilities()
    os.chdir(cwd)
    signal.signal(
        signal.SIGXFSZ, signal.SIG_IGN
    )  # a too-large write fails with EFBIG instead of killing
    venv_bin = os.path.join(sys.prefix, "bin")
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME,
        "USER": "jovyan",
        "LOGNAME": "jovyan",
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        "TERM": "xterm-color",
        "CLICOLOR": "1",
        "PAGER": "cat",
        "GIT_PAGER": "cat",
        "JPY_PARENT_PID": "7",
        "PYDEVD_USE_FRAME_EVAL": "NO",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "VIRTUAL_ENV": sys.prefix,
        "PYTHONHASHSEED": "0",
    }
    if cfg.get("threads"):  # what a hub with a CPU limit sets; keeps parallel jobs from fighting
        env.update(
            OMP_NUM_THREADS=str(cfg["threads"]),
            OPENBLAS_NUM_THREADS=str(cfg["threads"]),
            MKL_NUM_THREADS=str(cfg["threads"]),
        )
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", connection]
    if not cfg.get("kernel_file"):
        argv = [sys.executable, "-m", "autograder.kernel", "-f", connection]
    os.execve(sys.executable, argv, env)


def main() -> None:
    cfg = json.loads(sys.stdin.read())
    os.dup2(cfg["rpc_fd"], RPC_FD)
    os.dup2(cfg["status_fd"], STATUS_FD)
    for fd in {cfg["rpc_fd"], cfg["status_fd"]} - {RPC_FD, STATUS_FD}:
        os.close(fd)
    os.set_inheritable(RPC_FD, True)
    status = os.fdopen(STATUS_FD, "w", buffering=1)
    try:
        for procs in (
            cfg.get("cgroup_procs") or []
        ):  # before anything else runs: all of it is bounded
            with open(procs, "w") as f:
                f.write("0")
        if cfg["mode"] == "reduced":
            if (
                os.getsid(0) != os.getpid()
            ):  # the grader's Popen(start_new_session=True) made it one
                os.setsid()
        else:
            _set_up_mounts(cfg)
        uid = cfg["uid"] if cfg["mode"] == "namespaces" else None
        cwd, connection = (
            _prepare_home(cfg, uid) if cfg["mode"] != "reduced" else (cfg["scratch"], "kernel.json")
        )
    except Exception as exc:  # noqa: BLE001 - reported to the grader, which stops
        status.write(json.dumps({"setup_error": f"{type(exc).__name__}: {exc}"}) + "\n")
        sys.exit(1)
    sys.stdout.flush()
    child = os.fork()
    if child == 0:
        try:
            _kernel(cfg, uid, cwd, connection)
        except BaseException as exc:  # noqa: BLE001
            os.write(2, f"sandbox: cannot start the kernel: {exc}\n".encode())
        os._exit(127)
    os.close(RPC_FD)
    while True:  # pid 1: reap orphans until the kernel itself is gone
        try:
            pid, wstatus = os.wait()
        except ChildProcessError:
            break
        if pid == child:
            if os.WIFSIGNALED(wstatus):
                status.write(json.dumps({"signal": os.WTERMSIG(wstatus)}) + "\n")
            else:
                status.write(json.dumps({"exit": os.WEXITSTATUS(wstatus)}) + "\n")
            break
    status.close()
    os._exit(0)


if __name__ == "__main__":
    main()
