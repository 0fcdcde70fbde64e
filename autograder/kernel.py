"""The process that runs a submission's code inside the sandbox (stage 2).

It is started as ``python -m ipykernel_launcher -f <connection file>`` with this file
mounted over ``ipykernel_launcher.py``, so ``sys.argv``, the working directory and the
environment look like a Jupyter kernel's. It runs cells in a real IPython shell and
answers the grader's requests on file descriptor 3. Everything here is untrusted once the
first cell has run: the grader only ever reads plain data from it (see ``protocol.py``).
"""

from __future__ import annotations

import os
import random
import socket
import sys
import traceback

RPC_FD = 3


def _seed() -> None:
    random.seed(0)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(0)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "manual_seed"):
        try:
            torch.manual_seed(0)
        except Exception:  # noqa: BLE001 - a broken torch must not stop grading
            pass


def _student_traceback(exc: BaseException, cell_labels: dict[str, str]) -> str:
    """The exception with the student's own frames only (cells they wrote)."""
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        label = cell_labels.get(frame.filename)
        if label is None:
            continue
        lines.append(f"  {label}, line {frame.lineno}, in {frame.name}")
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    head = "Traceback (your code):" if lines else ""
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return "\n".join([head, *lines, message]).strip()


def _error(exc: BaseException, labels: dict[str, str]) -> dict:
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        message = "(unprintable)"
    reply = {
        "ok": False,
        "kind": "exception",
        "type": type(exc).__name__,
        "builtin": type(exc).__module__ == "builtins",
        # the class hierarchy, so that the grader decides from types, not from message text
        "mro": [f"{c.__module__}.{c.__qualname__}"[:200] for c in type(exc).__mro__][:32],
        "message": message[:1000],
        "traceback": _student_traceback(exc, labels)[-1500:],
    }
    name = getattr(exc, "name", None) if isinstance(exc, NameError) else None
    if isinstance(name, str):
        reply["name"] = name[:200]  # the undefined name, so the grader reads no message text
    return reply


def main() -> None:
    from autograder import protocol

    os.environ.pop("PYTHONHASHSEED", None)  # only there to make set/dict order repeatable
    sock = socket.socket(fileno=RPC_FD)
    import numpy  # noqa: F401 - seeded before any cell
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor", history_length=0)
    shell.history_manager.enabled = False
    labels: dict[str, str] = {}
    protocol.send(sock, {"op": "ready", "pid": os.getpid()})
    while True:
        try:
            msg = protocol.recv(sock)
        except protocol.ChannelClosed:
            os._exit(0)
        op = msg.get("op")
        reply: dict
        try:
            if op == "cell":
                _seed()
                before = (
                    set(shell.compile._filename_map)
                    if hasattr(shell.compile, "_filename_map")
                    else set()
                )
                result = shell.run_cell(msg["source"], store_history=True)
                for name in set(getattr(shell.compile, "_filename_map", {})) - before:
                    labels[name] = f"cell {msg['label']}"
                error = result.error_before_exec or result.error_in_exec
                reply = {"ok": True} if error is None else _error(error, labels)
            elif op == "call":
                fn = shell.user_ns.get(msg["name"])
                if not callable(fn):
                    reply = {
                        "ok": False,
                        "kind": "missing",
                        "message": f"{msg['name']} is not defined",
                    }
                else:
                    _seed()
                    value = fn(*msg["args"], **msg["kwargs"])
                    reply = {"ok": True, "value": value}
            elif op == "exec":
                # harness code in a copy of the student's names plus the call's data; nothing
                # of it is kept for the next call (this process is the student's: a harness
                # cache here is one the student can fill), and the grader checks what it returns
                ns = {**shell.user_ns, **msg["data"]}
                _seed()
                exec(compile(msg["code"], "<grader harness>", "exec"), ns)  # noqa: S102 - public harness code
                reply = {"ok": True, "value": ns.get("result")}
            elif op == "bye":
                sys.stdout.flush()
                os._exit(0)
            else:
                reply = {"ok": False, "kind": "protocol", "message": f"unknown op {op!r}"}
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            reply = _error(exc, labels)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        reply["id"] = msg.get("id")  # the grader refuses a reply to a request it did not make
        try:
            frame = protocol.encode(reply)
        except protocol.NotData as exc:
            frame = protocol.encode(
                {"ok": False, "kind": "not_data", "message": str(exc), "id": msg.get("id")}
            )
        except BaseException as exc:  # noqa: BLE001
            frame = protocol.encode(
                {
                    "ok": False,
                    "kind": "not_data",
                    "id": msg.get("id"),
                    "message": f"cannot be sent ({type(exc).__name__})",
                }
            )
        if len(frame) > protocol.DEFAULT_MAX_BYTES:
            frame = protocol.encode(
                {
                    "ok": False,
                    "kind": "not_data",
                    "id": msg.get("id"),
                    "message": f"result of {len(frame) / 2**20:.0f} MiB (the limit "
                    f"is {protocol.DEFAULT_MAX_BYTES / 2**20:.0f} MiB)",
                }
            )
        sock.sendall(frame)


if __name__ == "__main__":
    main()
