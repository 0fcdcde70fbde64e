"""Looks for the hidden tests and the solutions on disk: the course's solutions/,
the gradebook, the grader's output directory and the autograder's files, through the
usual paths, a walk of the file system and /proc. If it finds the source notebook it runs
the solution from it. In the sandbox none of these exist, so correlate2d raises.
"""

CELLS = {
    "correlate2d": """
import glob, json, os, time

def _find_source():
    started = time.monotonic()
    candidates = ["/work/main/solutions/conv/conv.ipynb", "../../solutions/conv/conv.ipynb",
                  os.path.expanduser("~/solutions/conv/conv.ipynb"), "/proc/1/cwd/solutions/conv/conv.ipynb",
                  "/proc/1/root/work/main/solutions/conv/conv.ipynb"]
    candidates += glob.glob("/*/*/solutions/conv/*.ipynb") + glob.glob("/*/solutions/conv/*.ipynb")
    for top in ("/work", "/home", "/tmp", "/srv", "/opt", "/root", "/var", "/mnt"):
        for root, dirs, files in os.walk(top):
            if root.count(os.sep) > 4 or time.monotonic() - started > 3:
                dirs[:] = []
            for name in files:
                if name.endswith(".ipynb") or name.endswith(".db") or name == "results.json":
                    candidates.append(os.path.join(root, name))
    for path in candidates:
        try:
            with open(path, errors="replace") as f:
                text = f.read(10_000_000)
        except (OSError, ValueError):
            continue
        if "BEGIN SOLUTION" in text or "HIDDEN TESTS" in text:
            return text
    return None

_SOURCE = _find_source()

def correlate2d(image, kernel):
    if _SOURCE is None:
        raise FileNotFoundError("found no solutions to copy")
    cells = json.loads(_SOURCE)["cells"]
    code = "".join(next(c["source"] for c in cells if "def correlate2d" in "".join(c["source"])))
    ns = {"np": np, "sliding_window_view": sliding_window_view}
    exec(code, ns)
    return ns["correlate2d"](image, kernel)
""",
}

EXPECT = {"test_correlate2d": "error"}  # FileNotFoundError: nothing was found
