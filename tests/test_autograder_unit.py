"""Unit tests of the grader's parts that need no sandbox: wire format, static scan, planning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from autograder import harness, protocol
from autograder.check import make_submission
from autograder.notebook import BadNotebook, hidden_part, load_assignment
from autograder.static import scan
from autograder.submission import plan_cells, read_submission

TOY = Path(__file__).parent / "fixtures" / "course" / "solutions" / "add" / "add.ipynb"


def roundtrip(value):
    frame = protocol.encode({"value": value})
    total, doc_len = protocol._HEADER.unpack_from(frame)
    return protocol.decode(frame[protocol._HEADER.size :], doc_len)["value"]


def test_plain_data_roundtrips_exactly():
    value = {
        "a": [1, 2.5, None, True, "s"],
        3: (np.arange(6).reshape(2, 3), np.float32(1.5)),
        "nan": float("nan"),
        "big": 2**80,
    }
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, None, True, "s"]
    arr, scalar = back[3]
    assert type(arr) is np.ndarray and arr.shape == (2, 3) and arr.dtype == np.arange(1).dtype
    assert type(scalar) is np.float32 and scalar == 1.5
    assert np.isnan(back["nan"]) and back["big"] == 2**80


def test_array_shapes_and_layouts_survive_the_wire():
    zero_d = np.array(7, dtype=np.int64)  # e.g. BatchNorm's num_batches_tracked
    back = roundtrip(zero_d)
    assert back.shape == () and back == 7
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert np.array_equal(roundtrip(strided), strided)
    fortran = np.asfortranarray(np.arange(6).reshape(2, 3))
    assert np.array_equal(roundtrip(fortran), fortran)


class AlwaysEqual:
    def __eq__(self, other):
        return True


class Sneaky(np.ndarray):
    pass


@pytest.mark.parametrize(
    "value",
    [
        AlwaysEqual(),
        np.array([AlwaysEqual()], dtype=object),
        np.zeros(3).view(Sneaky),
        type("L", (list,), {})([1]),
        {1, 2},
        np.array(["a"]),
        lambda: 1,
    ],
)
def test_anything_but_plain_data_is_refused(value):
    with pytest.raises(protocol.NotData):
        protocol.encode({"value": value})


def test_malformed_frames_are_protocol_errors():
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b'{"value": {"__nd__": 5}}', 24)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b"[" * 100000, 100000)


def test_static_scan_follows_helpers_and_aliases():
    cells = [
        ("a", "import torch.nn.functional as F\nhelper = F.conv2d"),
        ("b", "def conv2d(x, w):\n    return helper(x, w)"),
        ("c", "def pad2d(x, p):\n    return __import__('sc' + 'ipy').signal"),
        ("d", "import numpy as np\ndef max_pool2d(x, k):\n    return np.max(x)"),
        ("e", "import sys\nsys.modules['numpy'] = None\ndef output_size(n, f):\n    return n"),
    ]
    tainted = scan(cells, ["torch", "scipy"])
    assert "conv2d" in tainted and "torch" in tainted["conv2d"]
    assert "pad2d" in tainted and "__import__" in tainted["pad2d"]
    assert "output_size" in tainted and "sys.modules" in tainted["output_size"]
    assert "max_pool2d" not in tainted


def test_hidden_part_is_only_between_markers():
    src = "visible = 1\n### BEGIN HIDDEN TESTS\nsecret = 2\n### END HIDDEN TESTS\nafter = 3\n"
    assert hidden_part(src).strip() == "secret = 2"


def test_assignment_model_of_the_toy():
    a = load_assignment(TOY)
    assert a.name == "add" and a.max_score == 100
    assert [g.grade_id for g in a.graded] == ["test_add", "test_scale"]
    assert a.functions == {"add": "add_solution", "scale": "scale_solution"}
    assert "check_array" in a.graded[0].hidden and "assert add(1, 2)" not in a.graded[0].hidden


@pytest.mark.parametrize(
    "data, status",
    [
        (b"", "invalid_notebook"),
        (b"{not json", "invalid_notebook"),
        (b"[1, 2]", "invalid_notebook"),
        (b'{"cells": [1]}', "invalid_notebook"),
    ],
)
def test_unreadable_files_get_a_status(data, status):
    with pytest.raises(BadNotebook) as err:
        read_submission(data)
    assert err.value.status == status and err.value.message


def test_another_assignments_notebook_is_recognised():
    nb = json.loads(make_submission(TOY, {}))
    nb["metadata"]["autograder"]["assignment"] = "detection"
    with pytest.raises(BadNotebook) as err:
        plan_cells(load_assignment(TOY), nb)
    assert err.value.status == "wrong_assignment"


def test_plan_takes_locked_cells_from_the_source_and_skips_test_cells():
    variant = {
        "EDIT": {"setup": "import numpy as np\nnp = None", "test_add": "pass  # edited"},
        "CELLS": {"add_solution": "def add(a, b):\n    return a - b"},
        "ADDED": [("add_solution", "print('mine')")],
    }
    nb = read_submission(make_submission(TOY, variant).encode())
    plan = plan_cells(load_assignment(TOY), nb)
    sources = [c.source for c in plan.cells]
    assert sources[0] == "import numpy as np"  # the source's locked cell, not the edited one
    assert "def add(a, b):\n    return a - b" in sources and "print('mine')" in sources
    assert not any("edited" in s or "assert add" in s for s in sources)
    assert plan.missing_solutions == []
    dropped = plan_cells(
        load_assignment(TOY),
        read_submission(make_submission(TOY, {"DROP": ["scale_solution"]}).encode()),
    )
    assert dropped.missing_solutions == ["scale_solution"]


def test_check_array_messages_name_the_problem():
    with pytest.raises(harness.TestFailure, match="shape"):
        harness.check_array(np.zeros((1, 3)), np.zeros(3), "x")
    with pytest.raises(harness.TestFailure, match="floating-point"):
        harness.check_array(np.zeros(3, dtype=int), np.zeros(3), "x")
    with pytest.raises(harness.TestFailure, match="NaN"):
        harness.check_array(np.full(3, np.nan), np.zeros(3), "x")
    with pytest.raises(harness.TestFailure, match="NumPy array"):
        harness.check_array([0.0, 0.0, 0.0], np.zeros(3), "x")
    with pytest.raises(harness.TestFailure, match="wrong values"):
        harness.check_array(np.ones(3), np.zeros(3), "x")
    harness.check_array(np.float64(2.0), 2.0, "x")


def test_remote_errors_keep_their_builtin_type():
    exc = harness.remote_error(
        "conv2d", {"type": "ValueError", "builtin": True, "message": "bad", "traceback": ""}
    )
    assert isinstance(exc, ValueError) and isinstance(exc, harness.RemoteError)
    custom = harness.remote_error("conv2d", {"type": "MyError", "builtin": False, "message": "x"})
    assert not isinstance(custom, ValueError)


def drawn_examples(seed: int) -> list:
    """What a hidden part's @given test sees with the student's seed."""
    names = harness.hypothesis_names(seed)
    seen: list = []

    @names["settings"](max_examples=15)
    @names["given"](names["st"].integers(0, 10**9))
    def hidden(value):
        seen.append(value)

    hidden()
    return seen


def test_hidden_inputs_differ_between_students_and_repeat_for_one():
    from autograder.grade import student_seed

    alice, bob = student_seed("conv", "alice"), student_seed("conv", "bob")
    assert alice != bob and alice != student_seed("detection", "alice")
    assert alice == student_seed("conv", "alice")
    first, again, other = drawn_examples(alice), drawn_examples(alice), drawn_examples(bob)
    assert first == again
    assert first != other and len(set(first) ^ set(other)) > 10


def test_speed_ratio_times_fresh_inputs_and_checks_each_result():
    seen: list[int] = []

    def make_args(i):
        seen.append(i)
        return (np.full(1000, float(i)),)

    def cached(x, _cache={}):  # noqa: B006 - the cache a student would write
        return _cache.setdefault(float(x[0]), x * 2)

    speed = harness.speed_ratio(cached, lambda x: x * 2, make_args, calls=10, budget=10.0)
    assert seen == list(range(10)) and speed.cpu_ratio > 0 and speed.wall_ratio > 0

    def stale(x, _memo=[]):  # noqa: B006 - right once, then the first answer again
        _memo.append(x * 2)
        return _memo[0]

    with pytest.raises(harness.TestFailure):
        harness.speed_ratio(
            stale,
            lambda x: x * 2,
            make_args,
            calls=5,
            budget=10.0,
            check=lambda got, want: harness.check_array(got, want),
        )


def test_examples_is_the_usual_settings_and_given_pair():
    names = harness.hypothesis_names(1234)
    settings, given, st, examples = (
        names["settings"],
        names["given"],
        names["st"],
        names["examples"],
    )
    seen: dict[str, list] = {"pair": [], "examples": [], "kwargs pair": [], "kwargs": []}

    @settings(max_examples=15, deadline=None)
    @given(data=st.data())
    def pair(data):
        seen["pair"].append(data.draw(st.integers(0, 10**9)))

    @examples(15)
    def short(data):
        seen["examples"].append(data.draw(st.integers(0, 10**9)))

    @settings(max_examples=15, deadline=None)
    @given(n=st.integers(0, 10**9))
    def kwargs_pair(n):
        seen["kwargs pair"].append(n)

    @examples(15, n=st.integers(0, 10**9))
    def kwargs(n):
        seen["kwargs"].append(n)

    for test in (pair, short, kwargs_pair, kwargs):
        test()
    assert seen["pair"] == seen["examples"] and len(set(seen["pair"])) > 5
    assert seen["kwargs pair"] == seen["kwargs"] and len(set(seen["kwargs"])) > 5
