"""The wire format between the grader and the sandbox: plain data only, never pickle.

A frame is a length-prefixed JSON document plus raw ``.npy`` blobs (written and read with
``allow_pickle=False``). Only ``None``, ``bool``, ``int``, ``float``, ``str``, NumPy arrays
and scalars of numeric or bool dtype, and lists / tuples / dicts of those can be sent.
Type checks are exact (``type(x) is list``), so a subclass with a clever ``__eq__`` or
``__iter__`` is refused instead of being trusted.
"""

from __future__ import annotations

import io
import json
import socket
import struct
from typing import Any

import numpy as np

MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_HEADER = struct.Struct("!QI")  # total payload bytes, JSON bytes
_BLOB = struct.Struct("!Q")
NUMERIC_KINDS = "biufc"


class NotData(TypeError):
    """A value that cannot cross the sandbox boundary."""


class ProtocolError(Exception):
    """A malformed or oversized frame: the other side is broken or hostile."""


class ChannelClosed(ProtocolError):
    """The other side closed the connection (usually: the process died)."""


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
        return value if value == value and value not in (float("inf"), float("-inf")) else {"__float__": repr(value)}
    if t is list:
        return [_encode(v, blobs, depth + 1) for v in value]
    if t is tuple:
        return {"__tuple__": [_encode(v, blobs, depth + 1) for v in value]}
    if t is dict:
        return {"__dict__": [[_encode(k, blobs, depth + 1), _encode(v, blobs, depth + 1)] for k, v in value.items()]}
    if t is np.ndarray:
        if not _array_ok(value):
            raise NotData(f"a NumPy array of dtype {value.dtype} (only numeric or bool arrays are plain data)")
        buf = io.BytesIO()
        np.save(buf, np.require(value, requirements="C"), allow_pickle=False)  # keeps 0-d shapes
        blobs.append(buf.getvalue())
        return {"__nd__": len(blobs) - 1}
    if isinstance(value, np.generic) and t.__module__ == "numpy" and value.dtype.kind in NUMERIC_KINDS:
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


def _load_array(blob: bytes) -> np.ndarray:
    arr = np.load(io.BytesIO(blob), allow_pickle=False)
    if type(arr) is not np.ndarray or not _array_ok(arr):
        raise ProtocolError("bad array")
    return arr


def _decode(doc: Any, blobs: list[bytes], depth: int = 0) -> Any:
    if depth > MAX_DEPTH + 2:
        raise ProtocolError("nested too deeply")
    t = type(doc)
    if doc is None or t in (bool, int, float, str):
        return doc
    if t is list:
        return [_decode(v, blobs, depth + 1) for v in doc]
    if t is dict and len(doc) == 1:
        (key, inner), = doc.items()
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


def decode(payload: bytes, doc_len: int) -> dict:
    """Inverse of :func:`encode` for one frame's payload."""
    try:
        doc = json.loads(payload[:doc_len])
        blobs = []
        pos = doc_len
        while pos < len(payload):
            (n,) = _BLOB.unpack_from(payload, pos)
            pos += _BLOB.size
            blobs.append(payload[pos:pos + n])
            pos += n
        message = _decode(doc, blobs)
    except ProtocolError:
        raise
    except (ValueError, struct.error, RecursionError, OverflowError) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__})") from exc
    if type(message) is not dict:
        raise ProtocolError("a frame must hold a dict")
    return message


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise ChannelClosed("connection closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def send(sock: socket.socket, message: dict) -> None:
    sock.sendall(encode(message))


def recv(sock: socket.socket, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """Read one frame (blocking; callers bound the wait with a socket timeout)."""
    total, doc_len = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    if total > max_bytes or doc_len > total:
        raise ProtocolError(f"a reply of {total / 2**20:.0f} MiB is larger than the {max_bytes / 2**20:.0f} MiB limit")
    return decode(_recv_exact(sock, total), doc_len)
