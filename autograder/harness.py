"""What a hidden test sees: proxies to the student's functions and the grading helpers.

Hidden parts run here, in the grader's process; the student's functions run in the
sandbox and only plain data comes back. Failure messages are words for the student.
"""

from __future__ import annotations

import builtins
import functools
import math
import time
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.faults import SandboxFault
from autograder.protocol import describe

#: What the student's code raised, by qualified class name (the kernel sends the class
#: hierarchy as ``mro``), that means the sandbox ran out of memory: Python's MemoryError
#: (NumPy's allocation failures derive from it) and torch's typed OutOfMemoryError (its
#: accelerator allocators). torch's CPU allocator raises a plain RuntimeError, which stays an
#: ``error`` whose message says so: no status is decided from message text (issue 15).
OUT_OF_MEMORY_TYPES = frozenset({"builtins.MemoryError", "torch.OutOfMemoryError"})


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
    mro = reply.get("mro")
    if isinstance(mro, list) and OUT_OF_MEMORY_TYPES.intersection(map(str, mro)):
        return SandboxFault(
            "out_of_memory", f"{function} ran out of memory ({name}: {message[:200]})"
        )
    if name == "SystemExit":
        return SandboxFault("exited", f"{function} called sys.exit() / exit()")
    if name == "KeyboardInterrupt":
        return SandboxFault("error", f"{function} raised KeyboardInterrupt")
    if name in ("GeneratorExit", "BaseException") or (
        reply.get("builtin") and name and not hasattr(builtins, name)
    ):
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
    return {
        "f": "floating-point numbers",
        "i": "integers",
        "u": "unsigned integers",
        "b": "booleans",
        "c": "complex numbers",
    }.get(kind, f"dtype kind {kind!r}")


def check_array(
    got: Any, expected: Any, what: str = "the result", atol: float = 1e-6, rtol: float = 1e-5
) -> None:
    """Type, dtype kind, shape, finiteness and values, each with its own message."""
    expected = np.asarray(expected)
    scalar_types = (int, float, np.integer, np.floating, np.bool_, bool)
    if type(got) is not np.ndarray:
        if expected.ndim == 0 and isinstance(got, scalar_types):
            got = np.asarray(got)
        else:
            raise TestFailure(f"{what} should be a NumPy array, but it is a {describe(got)}")
    if expected.dtype.kind == "f" and got.dtype.kind != "f":
        raise TestFailure(
            f"{what} should hold floating-point numbers, but it holds "
            f"{_kind_words(got.dtype.kind)} "
            "(an output array created from an integer input keeps its dtype)"
        )
    if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
        raise TestFailure(
            f"{what} should hold integers (indices), but it holds {_kind_words(got.dtype.kind)}"
        )
    if expected.dtype.kind == "b" and got.dtype.kind != "b":
        raise TestFailure(
            f"{what} should hold booleans, but it holds {_kind_words(got.dtype.kind)}"
        )
    if got.shape != expected.shape:
        raise TestFailure(f"{what} has shape {got.shape}, expected {expected.shape}")
    if got.dtype.kind in "fc" and not np.isfinite(got).all() and np.isfinite(expected).all():
        raise TestFailure(
            f"{what} contains NaN or infinity where every value should be a finite number"
        )
    if got.size and not np.allclose(got, expected, atol=atol, rtol=rtol, equal_nan=True):
        diff = np.abs(got.astype(np.complex128) - expected.astype(np.complex128))
        worst = float(np.nanmax(diff)) if diff.size else 0.0
        raise TestFailure(
            f"{what} has the right shape but wrong values (largest difference {worst:.3g})"
        )


@dataclass(frozen=True)
class Speed:
    """How many times the student's function took the reference's time (fastest calls)."""

    cpu_ratio: float  # CPU time: what the code costs, whatever else the machine is doing
    wall_ratio: float  # wall time: what a person waits (noisy on a busy machine)


def _own_cpu() -> tuple[float]:
    return (time.process_time(),)


def speed_ratio(
    student_fn,
    reference_fn,
    make_args,
    check=None,
    student_cpu=None,
    calls: int = 25,
    budget: float = 3.0,
    give_up: float = 500.0,
) -> Speed:
    """Time the student's function against the reference on fresh inputs.

    Every timed call gets inputs it has never seen (``make_args(i)`` for call ``i``), so a
    cache keyed on the input cannot win, and ``check(got, expected)`` verifies each result,
    so a cache keyed on anything weaker returns wrong answers. The student's CPU time is
    read from outside their process (``student_cpu``: the sandbox's clocks; the largest
    difference counts), the reference's here, and the FASTEST call of each counts: on a
    busy machine wall time mostly measures waiting for a CPU, CPU time does not. Very slow
    code is stopped after a first call over a second and ``give_up`` times the reference.
    """
    cpu = student_cpu or _own_cpu

    def timed(fn, args, clocks) -> tuple[float, float, Any]:
        wall, before = time.perf_counter(), clocks()
        value = fn(*args)
        after, took = clocks(), time.perf_counter() - wall
        return took, max(b - a for a, b in zip(before, after, strict=True)), value

    args = make_args(0)
    reference_fn(*args)  # warm up (imports, caches of the reference itself)
    ref_wall, ref_cpu, expected = timed(reference_fn, args, _own_cpu)
    wall, used, got = timed(student_fn, args, cpu)
    if check is not None:
        check(got, expected)
    spent = wall
    if wall <= max(give_up * ref_wall, 1.0):
        for i in range(1, calls):
            if spent >= budget:
                break
            args = make_args(i)
            took_wall, took_cpu, expected = timed(reference_fn, args, _own_cpu)
            ref_wall, ref_cpu = min(ref_wall, took_wall), min(ref_cpu, took_cpu)
            took_wall, took_cpu, got = timed(student_fn, args, cpu)
            if check is not None:
                check(got, expected)
            wall, used, spent = min(wall, took_wall), min(used, took_cpu), spent + took_wall
    return Speed(cpu_ratio=used / max(ref_cpu, 1e-6), wall_ratio=wall / max(ref_wall, 1e-9))


def hypothesis_names(seed: int | None = None) -> dict[str, Any]:
    """``settings``, ``given`` and ``st`` with the grader's profile loaded.

    With ``seed`` (the student's, see ``grade.student_seed``) every ``@given`` test draws the
    examples of that seed: different per student, identical at every regrade.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as use_seed
    from hypothesis import strategies as st

    if "autograder" not in settings._profiles:
        settings.register_profile(
            "autograder",
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
    settings.load_profile("autograder")
    if seed is None:
        seeded_given = given
    else:

        def seeded_given(*args: Any, **kwargs: Any):
            return lambda test: use_seed(seed)(given(*args, **kwargs)(test))

    def examples(max_examples: int, **strategies: Any):
        """``@examples(40)`` on ``def test(data)``: ``@settings(max_examples=40, deadline=None)``
        over ``@given(data=st.data())`` (the student's seed), the hidden parts' usual pair;
        ``@examples(40, n=st.integers(1, 7))`` gives those strategies instead."""
        return lambda test: settings(max_examples=max_examples, deadline=None)(
            seeded_given(**(strategies or {"data": st.data()}))(test)
        )

    return {"settings": settings, "given": seeded_given, "st": st, "examples": examples}


def namespace(
    runner, functions: list[str], solution: Any, setup: dict | None = None, seed: int = 0
) -> dict[str, Any]:
    """A fresh namespace for one hidden part: the setup cells' names, helpers, proxies.

    ``rng`` and the Hypothesis examples depend on the student's ``seed``: hidden inputs
    differ between students and stay the same when one student is graded again.
    """
    ns: dict[str, Any] = {"np": np, "math": math, **(setup or {}), "__name__": "__hidden_test__"}
    ns.update(hypothesis_names(seed))
    ns.update(
        {
            "expect": expect,
            "check_array": check_array,
            "speed_ratio": functools.partial(speed_ratio, student_cpu=runner.cpu_clocks),
            "in_submission": runner.in_submission,
            "solution": solution,
            "TestFailure": TestFailure,
            "student_seed": seed,
            "rng": np.random.default_rng(seed),
        }
    )
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
