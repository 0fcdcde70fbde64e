"""The wire format between the grader and the sandbox: plain data only, never pickle.

A frame is a length-prefixed JSON document plus raw ``.npy`` blobs (written and read with
``allow_pickle=False``). Only ``None``, ``bool``, ``int``, ``float``, ``str``, NumPy arrays
and scalars of numeric or bool dtype, and lists / tuples / dicts of those can be sent.
Type checks are exact (``type(x) is list``), so a subclass with a clever ``__eq__`` or
``__iter__`` is refused instead of being trusted.

Everything the sandbox sends is hostile until decoded, so what a frame may cost the
grader is bounded before it is read: the whole frame (``max_bytes``), its JSON document
(:data:`MAX_DOC_BYTES`), the number of containers in it (:data:`MAX_CONTAINERS`, so
64 MiB of ``[[],[],...]`` cannot become gigabytes of Python lists) and of arrays
(:data:`MAX_BLOBS`); and a frame must arrive whole before an absolute deadline, however
slowly its bytes trickle in.
"""

from __future__ import annotations

import io
import json
import math
import socket
import struct
import time
from typing import Any

import numpy as np

MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_DOC_BYTES = 8 * 1024 * 1024
MAX_CONTAINERS = 100_000
MAX_BLOBS = 4096
_HEADER = struct.Struct("!QI")  # total payload bytes, JSON bytes
_BLOB = struct.Struct("!Q")
NUMERIC_KINDS = "biufc"


class NotData(TypeError):
    """A value that cannot cross the sandbox boundary."""


class ProtocolError(Exception):
    """A malformed or oversized frame: the other side is broken or hostile."""


class ChannelClosed(ProtocolError):
    """The other side closed the connection (usually: the process died)."""


class DeadlineExceeded(TimeoutError):
    """The frame did not arrive whole before the deadline."""


def describe(value: Any) -> str:
    """A short, safe description of a value's type (never calls its methods)."""
    t = type(value)
    mod = getattr(t, "__module__", "") or ""
    name = getattr(t, "__qualname__", getattr(t, "__name__", "?"))
    return f"{mod}.{name}" if mod not in ("builtins", "") else name


def _array_ok(arr: np.ndarray) -> bool:
    return arr.dtype.kind in NUMERIC_KINDS and arr.dtype.fields is None and not arr.dtype.hasobject


def _encode(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NotData("nested more than 32 levels deep")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value if abs(value) < 2**63 else {"__bigint__": str(value)}
    if t is float:
        return (
            value
            if value == value and value not in (float("inf"), float("-inf"))
            else {"__float__": repr(value)}
        )
    if t is list:
        return [_encode(v, blobs, depth + 1) for v in value]
    if t is tuple:
        return {"__tuple__": [_encode(v, blobs, depth + 1) for v in value]}
    if t is dict:
        return {
            "__dict__": [
                [_encode(k, blobs, depth + 1), _encode(v, blobs, depth + 1)]
                for k, v in value.items()
            ]
        }
    if t is np.ndarray:
        if not _array_ok(value):
            raise NotData(
                f"a NumPy array of dtype {value.dtype} (only numeric or bool arrays are plain data)"
            )
        buf = io.BytesIO()
        np.save(buf, np.require(value, requirements="C"), allow_pickle=False)  # keeps 0-d shapes
        blobs.append(buf.getvalue())
        return {"__nd__": len(blobs) - 1}
    if (
        isinstance(value, np.generic)
        and t.__module__ == "numpy"
        and value.dtype.kind in NUMERIC_KINDS
    ):
        buf = io.BytesIO()
        np.save(buf, np.asarray(value), allow_pickle=False)
        blobs.append(buf.getvalue())
        return {"__np__": len(blobs) - 1}
    raise NotData(describe(value))


def encode(message: dict) -> bytes:
    """Serialise a message (a dict of plain data) into one frame."""
    blobs: list[bytes] = []
    doc = json.dumps(_encode(message, blobs, 0), allow_nan=False).encode()
    parts = [doc]
    for blob in blobs:
        parts.append(_BLOB.pack(len(blob)))
        parts.append(blob)
    payload = b"".join(parts)
    return _HEADER.pack(len(payload), len(doc)) + payload


def _load_array(blob: bytes | memoryview) -> np.ndarray:
    """An ``.npy`` blob whose header must describe exactly the bytes that follow it.

    ``np.load`` on an in-memory file allocates what the header claims before reading, so a
    forged header of a billion elements would cost gigabytes; the header is checked first.
    """
    stream = io.BytesIO(bytes(blob[:70_000]))  # the header only (numpy refuses longer ones)
    version = np.lib.format.read_magic(stream)
    read_header = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }.get(version)
    if read_header is None:
        raise ProtocolError("bad array header version")
    shape, fortran_order, dtype = read_header(stream)
    if not _array_ok(np.empty(0, dtype=dtype)):
        raise ProtocolError("bad array dtype")
    count = math.prod(shape)
    offset = stream.tell()
    if count * dtype.itemsize != len(blob) - offset:
        raise ProtocolError("an array's header does not match its data")
    if count == 0:
        return np.empty(shape, dtype=dtype, order="F" if fortran_order else "C")
    flat = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran_order else "C").copy(order="K")


def _decode(doc: Any, blobs: list[memoryview], depth: int = 0) -> Any:
    if depth > MAX_DEPTH + 2:
        raise ProtocolError("nested too deeply")
    t = type(doc)
    if doc is None or t in (bool, int, float, str):
        return doc
    if t is list:
        return [_decode(v, blobs, depth + 1) for v in doc]
    if t is dict and len(doc) == 1:
        ((key, inner),) = doc.items()
        if key == "__tuple__" and type(inner) is list:
            return tuple(_decode(v, blobs, depth + 1) for v in inner)
        if key == "__dict__" and type(inner) is list:
            out = {}
            for pair in inner:
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("bad dict")
                k = _decode(pair[0], blobs, depth + 1)
                try:
                    out[k] = _decode(pair[1], blobs, depth + 1)
                except TypeError as exc:  # unhashable key
                    raise ProtocolError("bad dict key") from exc
            return out
        if key == "__nd__" and type(inner) is int and 0 <= inner < len(blobs):
            return _load_array(blobs[inner])
        if key == "__np__" and type(inner) is int and 0 <= inner < len(blobs):
            arr = _load_array(blobs[inner])
            if arr.shape != ():
                raise ProtocolError("bad scalar")
            return arr[()]
        if key == "__float__" and type(inner) is str and inner in ("nan", "inf", "-inf"):
            return float(inner)
        if key == "__bigint__" and type(inner) is str and len(inner) < 5000:
            return int(inner)
    raise ProtocolError("unexpected structure")


def _check_cost(doc: bytes) -> None:
    """Refuse a document whose decoding would cost far more than its size (cheap scan)."""
    if len(doc) > MAX_DOC_BYTES:
        raise ProtocolError(
            f"a JSON part of {len(doc) / 2**20:.1f} MiB is larger than the "
            f"{MAX_DOC_BYTES / 2**20:.0f} MiB limit (send arrays as NumPy arrays)"
        )
    containers = doc.count(b"[") + doc.count(b"{")  # brackets inside strings count too: safe side
    if containers > MAX_CONTAINERS:
        raise ProtocolError(
            f"a reply with more than {MAX_CONTAINERS:,} lists / dicts / tuples "
            "(send arrays as NumPy arrays)"
        )


def decode(payload: bytes | bytearray | memoryview, doc_len: int) -> dict:
    """Inverse of :func:`encode` for one frame's payload."""
    view = memoryview(payload)
    try:
        doc_bytes = bytes(view[:doc_len])
        _check_cost(doc_bytes)
        doc = json.loads(doc_bytes)
        blobs: list[memoryview] = []
        pos = doc_len
        while pos < len(view):
            if len(blobs) >= MAX_BLOBS:
                raise ProtocolError(f"a reply with more than {MAX_BLOBS} arrays")
            (n,) = _BLOB.unpack_from(view, pos)
            pos += _BLOB.size
            if pos + n > len(view):
                raise ProtocolError("an array runs past the end of the frame")
            blobs.append(view[pos : pos + n])
            pos += n
        message = _decode(doc, blobs)
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything a hostile frame provokes is its fault
        raise ProtocolError(f"malformed frame ({type(exc).__name__})") from None
    if type(message) is not dict:
        raise ProtocolError("a frame must hold a dict")
    return message


def _recv_into(sock: socket.socket, buffer: memoryview, deadline: float | None) -> None:
    """Fill ``buffer`` from the socket; the deadline is absolute, whatever the bytes do."""
    got = 0
    while got < len(buffer):
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded("the frame did not arrive in time")
            sock.settimeout(remaining)
        try:
            n = sock.recv_into(buffer[got:], min(len(buffer) - got, 1 << 20))
        except TimeoutError:
            raise DeadlineExceeded("the frame did not arrive in time") from None
        if not n:
            raise ChannelClosed("connection closed")
        got += n


def send(sock: socket.socket, message: dict) -> None:
    sock.sendall(encode(message))


def recv(
    sock: socket.socket, deadline: float | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> dict:
    """Read one frame, whole, before ``deadline`` (a ``time.monotonic()`` value; None: wait)."""
    header = bytearray(_HEADER.size)
    _recv_into(sock, memoryview(header), deadline)
    total, doc_len = _HEADER.unpack(header)
    if total > max_bytes or doc_len > total:
        raise ProtocolError(
            f"a reply of {total:,} bytes is larger than the {max_bytes / 2**20:.0f} MiB limit"
        )
    if doc_len > MAX_DOC_BYTES:
        raise ProtocolError(
            f"a JSON part of {doc_len / 2**20:.1f} MiB is larger than the "
            f"{MAX_DOC_BYTES / 2**20:.0f} MiB limit (send arrays as NumPy arrays)"
        )
    payload = bytearray(total)
    _recv_into(sock, memoryview(payload), deadline)
    return decode(payload, doc_len)
