"""The wire protocol's decoder against hostile frames: every input ends, quickly and in
bounded memory, in a decoded value or a ProtocolError, never anything else.

Frames come from a fake sandbox on a socket pair, as in grading: random bytes, truncated
and oversized headers, deep nesting, container bombs, bad arrays, replies with wrong ids,
and frames that trickle in byte by byte past the deadline.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import protocol
from autograder.bench import reply_cost

HEADER = protocol._HEADER
FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def frame(
    doc: bytes, blobs: list[bytes] = (), total: int | None = None, doc_len: int | None = None
) -> bytes:
    payload = doc + b"".join(struct.pack("!Q", len(b)) + b for b in blobs)
    return (
        HEADER.pack(
            len(payload) if total is None else total, len(doc) if doc_len is None else doc_len
        )
        + payload
    )


def message(value_json: bytes) -> bytes:
    """The JSON document of the message ``{"v": value}`` as ``protocol.encode`` writes it."""
    return b'{"__dict__": [["v", ' + value_json + b"]]}"


def receive(data: bytes, seconds: float = 2.0, max_bytes: int = protocol.DEFAULT_MAX_BYTES):
    """Feed ``data`` through a real socket and read one frame with a deadline."""
    a, b = socket.socketpair()
    writer = threading.Thread(target=lambda: (b.sendall(data), b.close()), daemon=True)
    writer.start()
    try:
        return protocol.recv(a, time.monotonic() + seconds, max_bytes=max_bytes)
    finally:
        a.close()
        writer.join(5)


def outcome(data: bytes):
    """'ok', or the ProtocolError / deadline that ended it; anything else fails the test."""
    start = time.monotonic()
    try:
        value = receive(data)
        assert type(value) is dict
        result = "ok"
    except protocol.ProtocolError:
        result = "refused"
    except protocol.DeadlineExceeded:
        result = "deadline"
    assert time.monotonic() - start < 3.0
    return result


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["__nd__", "__np__", "__tuple__", "__dict__", "__float__", "__bigint__", "x"]
            ),
            inner,
            max_size=2,
        ),
    ),
    max_leaves=20,
)


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_escape(data):
    assert outcome(data) in ("ok", "refused", "deadline")


@FUZZ
@given(json_values, st.lists(st.binary(max_size=64) | st.just(npy(np.arange(3))), max_size=3))
def test_structured_documents_decode_or_are_refused(doc, blobs):
    assert outcome(frame(message(json.dumps(doc).encode()), blobs)) in ("ok", "refused")


@FUZZ
@given(st.binary(min_size=1, max_size=200), st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1))
def test_lying_headers_are_refused_or_time_out(body, total, doc_len):
    assert outcome(HEADER.pack(total, doc_len) + body) in ("ok", "refused", "deadline")


@FUZZ
@given(st.integers(1, HEADER.size + 40), st.binary(min_size=HEADER.size + 41, max_size=200))
def test_truncated_frames_end_cleanly(cut, tail):
    data = frame(b'{"ok": true, "value": [1, 2, 3]}', [npy(np.ones(2))])
    assert outcome(data[:cut]) == "refused"  # the sender closed early: ChannelClosed
    assert outcome(data[:cut] + tail) in ("ok", "refused", "deadline")


def test_a_real_reply_decodes():
    data = protocol.encode({"ok": True, "id": 3, "value": (np.arange(6.0).reshape(2, 3), [1, "a"])})
    value = receive(data)
    assert value["id"] == 3 and np.array_equal(value["value"][0], np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize(
    "doc",
    [
        b"[" + b"[]," * 2_000_000 + b"[]]",  # 6 MiB of empty lists: a container bomb
        b"[" * 50_000 + b"]" * 50_000,  # deep nesting
        b'{"__dict__": [' + b"[[], 1]," * 1000 + b"[1, 1]]}",  # unhashable keys
        b'{"__bigint__": "' + b"9" * 4999 + b'"}',  # int too long to convert
    ],
)
def test_costly_documents_are_refused_cheaply(doc):
    start = time.monotonic()
    assert outcome(frame(doc)) == "refused"
    assert time.monotonic() - start < 2.0


def test_oversized_frames_are_refused_before_they_are_read():
    assert outcome(HEADER.pack(protocol.DEFAULT_MAX_BYTES + 1, 10)) == "refused"
    assert (
        outcome(HEADER.pack(protocol.MAX_DOC_BYTES + 10, protocol.MAX_DOC_BYTES + 1)) == "refused"
    )


def test_too_many_arrays_are_refused():
    blob = npy(np.zeros(1))
    assert outcome(frame(message(b"1"), [blob] * protocol.MAX_BLOBS)) == "ok"
    assert outcome(frame(message(b"1"), [blob] * (protocol.MAX_BLOBS + 1))) == "refused"


@pytest.mark.parametrize(
    "blob",
    [
        b"\x93NUMPY\x01\x00"
        + struct.pack("<H", 60)
        + b"{'descr': '<f8', 'fortran_order': False, 'shape': (10**9,), }\n",
        b"\x93NUMPY\x01\x00"
        + struct.pack("<H", 60)
        + b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }    \n",
        b"PK\x03\x04" + b"\x00" * 40,
        b"",
    ],
)
def test_forged_arrays_are_refused(blob):
    assert outcome(frame(message(b'{"__nd__": 0}'), [blob])) == "refused"


def test_a_trickling_frame_stops_at_the_deadline():
    """One byte every 0.1 s: the deadline is absolute, not renewed by every byte."""
    a, b = socket.socketpair()
    stop = threading.Event()

    def trickle():
        b.sendall(HEADER.pack(1000, 10))
        while not stop.is_set():
            try:
                b.send(b"[")
            except OSError:
                return
            time.sleep(0.1)

    writer = threading.Thread(target=trickle, daemon=True)
    writer.start()
    start = time.monotonic()
    with pytest.raises(protocol.DeadlineExceeded):
        protocol.recv(a, time.monotonic() + 1.0)
    assert time.monotonic() - start < 1.5
    stop.set()
    a.close()
    b.close()


def test_container_limit_is_exact():
    n = protocol.MAX_CONTAINERS - 4  # n lists in one list, in the message's dict and pair
    value = receive(frame(message(b"[" + b"[]," * (n - 1) + b"[]]")))
    assert len(value["v"]) == n
    assert outcome(frame(message(b"[" + b"[]," * n + b"[]]"))) == "refused"  # one more


@pytest.mark.parametrize(
    "kind, most_mb",
    [("container_bomb", 40), ("oversized", 5), ("forged_array", 5), ("largest_allowed", 3 * 64)],
)
def test_what_a_reply_can_cost_the_grader_is_bounded(kind, most_mb):
    """Peak memory of a fresh reader above its baseline (the issue's 64 MiB reply of nested
    lists cost a worker 2,765 MiB and 18 s before these limits)."""
    cost = reply_cost(kind)
    assert cost["peak_growth_mb"] < most_mb, cost
    assert cost["seconds"] < 5, cost
    assert cost["outcome"].startswith("refused") == (kind in ("oversized", "forged_array")), cost
