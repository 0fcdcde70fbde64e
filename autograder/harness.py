"""What a hidden test sees: proxies to the student's functions and the grading helpers.

Hidden parts run here, in the grader's process; the student's functions run in the
sandbox and only plain data comes back. Failure messages are words for the student.
"""

from __future__ import annotations

import builtins
import math
import statistics
import time
import types
from typing import Any

import numpy as np

from autograder.protocol import describe
from autograder.sandbox import SandboxFault

_OOM_WORDS = ("can't allocate memory", "out of memory", "unable to allocate", "cannot allocate memory")


class TestFailure(AssertionError):
    """A hidden check failed; the message is for the student."""


class MissingFunction(BaseException):
    """A function the hidden part called was never defined (a BaseException: not swallowed)."""

    def __init__(self, name: str, message: str = "") -> None:
        self.message = message or f"{name} is not defined"
        super().__init__(self.message)
        self.name = name


class RemoteError(Exception):
    """The student's function raised; ``message`` holds their own traceback only."""

    type_name = "Exception"
    student_traceback = ""


_remote_types: dict[str, type] = {}


def remote_error(function: str, reply: dict) -> RemoteError:
    """An exception that ``except ValueError`` etc. in a hidden test still catches."""
    name = str(reply.get("type", "Exception"))
    base = getattr(builtins, name, None) if reply.get("builtin") else None
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = None
    key = name if base else "Exception"
    cls = _remote_types.get(key)
    if cls is None:
        cls = type(f"Remote{key}", (RemoteError, base) if base else (RemoteError,), {})
        _remote_types[key] = cls
    if name == "NotImplementedError":
        text = f"{function} is not implemented yet (it raises NotImplementedError)"
    else:
        text = f"{function} raised {name}: {reply.get('message', '')}"
    exc = cls(text)
    exc.type_name = name
    exc.student_traceback = str(reply.get("traceback", ""))
    return exc


def fault_from_reply(function: str, reply: dict) -> BaseException | None:
    """Replies that end the task with a status instead of a plain failure."""
    name = reply.get("type")
    message = str(reply.get("message", ""))
    if name == "MemoryError" or any(w in message.lower() for w in _OOM_WORDS):
        return SandboxFault("out_of_memory", f"{function} ran out of memory ({name}: {message[:200]})")
    if name == "SystemExit":
        return SandboxFault("exited", f"{function} called sys.exit() / exit()")
    if name == "KeyboardInterrupt":
        return SandboxFault("error", f"{function} raised KeyboardInterrupt")
    if name in ("GeneratorExit", "BaseException") or (reply.get("builtin") and name and not hasattr(builtins, name)):
        return SandboxFault("error", f"{function} raised {name}")
    return None


class Proxy:
    """Stands for a student's function: calling it runs the student's code in the sandbox."""

    def __init__(self, name: str, runner) -> None:
        self.__name__ = self.name = name
        self._runner = runner

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._runner.call(self.name, list(args), dict(kwargs))

    def __repr__(self) -> str:
        return f"<your function {self.name}>"


def expect(condition: Any, message: str) -> None:
    """Fail the task with ``message`` unless ``condition`` holds."""
    if not bool(condition):
        raise TestFailure(message)


def _kind_words(kind: str) -> str:
    return {"f": "floating-point numbers", "i": "integers", "u": "unsigned integers",
            "b": "booleans", "c": "complex numbers"}.get(kind, f"dtype kind {kind!r}")


def check_array(got: Any, expected: Any, what: str = "the result", atol: float = 1e-6,
                rtol: float = 1e-5) -> None:
    """Type, dtype kind, shape, finiteness and values, each with its own message."""
    expected = np.asarray(expected)
    scalar_types = (int, float, np.integer, np.floating, np.bool_, bool)
    if type(got) is not np.ndarray:
        if expected.ndim == 0 and isinstance(got, scalar_types):
            got = np.asarray(got)
        else:
            raise TestFailure(f"{what} should be a NumPy array, but it is a {describe(got)}")
    if expected.dtype.kind == "f" and got.dtype.kind != "f":
        raise TestFailure(f"{what} should hold floating-point numbers, but it holds {_kind_words(got.dtype.kind)} "
                          "(an output array created from an integer input keeps its dtype)")
    if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
        raise TestFailure(f"{what} should hold integers (indices), but it holds {_kind_words(got.dtype.kind)}")
    if expected.dtype.kind == "b" and got.dtype.kind != "b":
        raise TestFailure(f"{what} should hold booleans, but it holds {_kind_words(got.dtype.kind)}")
    if got.shape != expected.shape:
        raise TestFailure(f"{what} has shape {got.shape}, expected {expected.shape}")
    if got.dtype.kind in "fc" and not np.isfinite(got).all() and np.isfinite(expected).all():
        raise TestFailure(f"{what} contains NaN or infinity where every value should be a finite number")
    if got.size and not np.allclose(got, expected, atol=atol, rtol=rtol, equal_nan=True):
        diff = np.abs(got.astype(np.complex128) - expected.astype(np.complex128))
        worst = float(np.nanmax(diff)) if diff.size else 0.0
        raise TestFailure(f"{what} has the right shape but wrong values (largest difference {worst:.3g})")


def time_ratio(student_fn, reference_fn, *args: Any, repeats: int = 5) -> float:
    """Median wall time of the student's function over the reference's (both timed here)."""
    def timed(fn) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn(*args)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    reference_fn(*args)  # warm up
    student_fn(*args)
    return timed(student_fn) / max(timed(reference_fn), 1e-9)


def hypothesis_names() -> dict[str, Any]:
    """``settings``, ``given`` and ``st`` with the grader's fixed-seed profile loaded."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    if "autograder" not in settings._profiles:
        settings.register_profile(
            "autograder", derandomize=True, database=None, deadline=None, print_blob=False,
            suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
        )
    settings.load_profile("autograder")
    return {"settings": settings, "given": given, "st": st}


def namespace(runner, functions: list[str], solution: Any, setup: dict | None = None) -> dict[str, Any]:
    """A fresh namespace for one hidden part: the setup cells' names, helpers, proxies."""
    ns: dict[str, Any] = {"np": np, "math": math, **(setup or {}), "__name__": "__hidden_test__"}
    ns.update(hypothesis_names())
    ns.update({
        "expect": expect, "check_array": check_array, "time_ratio": time_ratio,
        "in_submission": runner.in_submission, "solution": solution, "TestFailure": TestFailure,
    })
    for name in functions:
        ns[name] = Proxy(name, runner)
    return ns


class LazySolution(types.SimpleNamespace):
    """The hidden solution's names, built on first use by running the source's cells here."""

    def __init__(self, build) -> None:
        super().__init__()
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_ns", None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        ns = object.__getattribute__(self, "_ns")
        if ns is None:
            ns = object.__getattribute__(self, "_build")()
            object.__setattr__(self, "_ns", ns)
        try:
            return ns[name]
        except KeyError:
            raise AttributeError(f"the solution defines no {name!r}") from None
