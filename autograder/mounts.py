"""What a sandbox sees of the machine: the directories hidden behind empty tmpfs mounts
(``hidden_paths``), the ones mounted back read-only (``kept_paths``), and what covers the
Python packages that are not the environment's and every copy of a forbidden module
(``covered_paths``). ``jail.py`` applies them inside the sandbox's mount namespace.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import os
import site
import sys
import zipfile
from pathlib import Path

from autograder.config import COURSE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent


def module_location(name: str) -> str | None:
    """Where a top-level module lives, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return spec.origin if spec.origin and os.path.exists(spec.origin) else None


#: The top-level directories a kernel may see. Every other one (``/work``, ``/opt``, ``/srv``,
#: ``/var``, ...) is hidden too, and only the Python environment and the course's packages
#: are mounted back: another copy of the course or its solutions elsewhere on the machine
#: stays out of reach, not just the one being graded from.
SYSTEM_DIRS = frozenset(
    {
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/etc",
        "/dev",
        "/proc",
        "/sys",
        "/run",
    }
)


def hidden_paths(extra: list[str]) -> list[str]:
    """Everything a submission must not see: the course, outputs, submissions, homes, temp,
    and every top-level directory that is not part of the operating system."""
    course = COURSE_DIR
    course_area = course.parent if course.parent != Path("/") else course
    paths = [
        "/tmp",
        "/var/tmp",
        "/run/lock",
        "/dev/shm",
        "/home",
        "/root",
        "/srv",
        "/mnt",
        "/media",
        "/opt",
        str(course_area),
        str(course),
        *extra,
    ]
    try:
        tops = sorted(os.path.join("/", name) for name in os.listdir("/"))
    except OSError:
        tops = []
    paths += [
        p for p in tops if p not in SYSTEM_DIRS and os.path.isdir(p) and not os.path.islink(p)
    ]
    return [p for p in paths if p]


def kept_paths() -> list[str]:
    """What the kernel needs: the Python environment and the course's own packages."""
    paths = {sys.prefix, sys.base_prefix, str(PACKAGE_DIR), str(COURSE_DIR / "convnets")}
    paths.update(site.getsitepackages())
    real_exe = os.path.realpath(sys.executable)
    paths.add(str(Path(real_exe).parent.parent))
    return sorted(p for p in paths if os.path.isdir(p))


SITE_DIR_NAMES = ("site-packages", "dist-packages")
ARCHIVES = (".whl", ".egg", ".zip", ".pyz", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
ZIPS = (".whl", ".egg", ".zip", ".pyz")
MODULE_FILES = (".py", ".pyc", ".so", ".pyd")


def _zip_holds(path: str, names: frozenset[str]) -> bool:
    """Whether a zip file holds a package or module of one of ``names`` (at any depth)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    for entry in entries:
        parts = entry.split("/")
        if any(p in names for p in parts[:-1]) or parts[-1].split(".")[0] in names:
            return True
    return False


@functools.lru_cache(maxsize=8)
def covered_paths(forbidden: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """What the jail covers, as (path, how): Python packages that are not the environment's.

    The sandbox sees the operating system's directories and the kept paths (the venv, the
    base installation it links to, the course's packages). Every ``site-packages`` /
    ``dist-packages`` directory among them that is not the environment's own (the base
    installation's, Debian's ``/usr/lib/python3/dist-packages``, ``/usr/local/lib/python3*``,
    a tool's bundled Python) is covered by an empty directory (``"empty"``); every copy of
    a forbidden module anywhere there, by name (a package directory, a module file, an
    archive named after it or a zip that holds it, however deep), is covered by a stub
    (``"stub:<name>"``) or by an empty file (``"file"``). So ``sys.path``, ``site``, ``.pth``
    files and zipimport find nothing but the standard library and the venv's own packages.
    A walk of the visible tree (about a second), once per grader process and assignment.
    """
    names = frozenset(forbidden)
    own = {os.path.realpath(p) for p in site.getsitepackages()}
    roots: list[str] = []
    for root in sorted(
        {os.path.realpath(p) for p in [*SYSTEM_DIRS, *kept_paths()]} - {"/proc", "/sys", "/dev"}
    ):
        if os.path.isdir(root) and not any(root.startswith(r.rstrip("/") + "/") for r in roots):
            roots.append(root)
    found: list[tuple[str, str]] = []
    stack = list(reversed(roots))
    while stack:  # os.scandir, not os.walk: the entry types come with the listing (~2x faster)
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            name, path = entry.name, entry.path
            if entry.is_dir(follow_symlinks=False):
                if name in names:
                    found.append((path, f"stub:{name}"))
                elif name in SITE_DIR_NAMES and os.path.realpath(path) not in own:
                    found.append((path, "empty"))
                else:
                    stack.append(path)
                continue
            lower = name.lower()
            if name in names and entry.is_symlink():  # a link named like a forbidden package
                found.append((path, f"stub:{name}" if entry.is_dir() else "file"))
            elif name.split(".")[0] in names and lower.endswith(MODULE_FILES):
                found.append((path, "file"))
            elif lower.endswith(ARCHIVES) and (
                any(
                    lower.startswith(n.lower()) and lower[len(n) : len(n) + 1] in ("-", "_", ".")
                    for n in names
                )
                or (lower.endswith(ZIPS) and names and _zip_holds(path, names))
            ):
                found.append((path, "file"))
    return tuple(found)


def jail_view(forbidden: list[str], masks: dict[str, bytes], covers: bool) -> dict:
    """The jail's instructions for forbidden modules, covers and masks: ``forbidden`` maps
    each importable forbidden module to where it lives (the jail stubs it there), ``cover``
    lists the other covered paths (none when ``covers`` is false: no mount namespace), and
    ``masks`` the bytes shown in place of a file."""
    located = {name: where for name in forbidden if (where := module_location(name))}
    cover = covered_paths(tuple(sorted(forbidden))) if covers else ()
    return {
        "forbidden": located,
        "cover": [list(c) for c in cover if c[0] not in located.values()],
        "masks": {
            os.path.realpath(p): base64.b64encode(data).decode() for p, data in masks.items()
        },
    }
