"""Tries to import the hidden solution or the grader's state: a `solutions` package,
the autograder's modules (they hold no secrets), nbgrader's gradebook, the caller's frames.
Nothing there holds the reference, so output_size raises.
"""

CELLS = {
    "output_size": """
import sys, importlib

def _steal():
    for name in ("solutions.conv", "solutions", "conv", "autograder.grade", "nbgrader.api"):
        try:
            module = importlib.import_module(name)
        except Exception:
            continue
        for attr in ("output_size", "_solutions", "solution"):
            found = getattr(module, attr, None)
            if callable(found):
                return found
    frame = sys._getframe()
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            sol = scope.get("solution")
            if sol is not None and hasattr(sol, "output_size"):
                return sol.output_size
        frame = frame.f_back
    raise LookupError("no hidden solution to import")

def output_size(n, f, stride=1, padding=0):
    return _steal()(n, f, stride, padding)
""",
}

EXPECT = {"test_output_size": ("error", "forbidden")}
