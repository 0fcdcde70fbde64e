"""Looks for the assignment's grader-only helpers (solutions/conv/grading.py: oracles and
misconception detectors) through the course's real path, relative paths, /proc and a walk
of the file system. Had it found them it would answer output_size from them; in the sandbox
the course directory is hidden, so output_size raises.
"""

from pathlib import Path

_HELPERS = Path(__file__).resolve().parents[3] / "solutions" / "conv" / "grading.py"

CELLS = {
    "output_size": f"""
import os, time

def _find_helpers():
    started = time.monotonic()
    candidates = [{str(_HELPERS)!r}, "../../solutions/conv/grading.py", "solutions/conv/grading.py",
                  "/proc/1/cwd/solutions/conv/grading.py", "/proc/1/root" + {str(_HELPERS)!r}]
    for top in ("/work", "/home", "/tmp", "/srv", "/opt", "/root", "/var", "/mnt"):
        for root, dirs, files in os.walk(top):
            if root.count(os.sep) > 5 or time.monotonic() - started > 3:
                dirs[:] = []
            if "grading.py" in files:
                candidates.append(os.path.join(root, "grading.py"))
    for path in candidates:
        try:
            with open(path) as f:
                text = f.read()
        except (OSError, ValueError):
            continue
        if "def diagnose_conv2d" in text:
            return text
    return None

_FOUND = _find_helpers()

def output_size(n, f, stride=1, padding=0):
    if _FOUND is None:
        raise FileNotFoundError("found no grader helpers")
    return (n + 2 * padding - f) // stride + 1
""",
}

EXPECT = {"test_output_size": "error"}  # FileNotFoundError: nothing was found
