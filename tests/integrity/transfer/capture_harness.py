"""Grader code in feedback (issue 13, hole 6): a submission wraps builtins.compile, records
every source the kernel compiles (the harness code the hidden tests send in), and raises
it all, many times over, from unfreeze_top. The harness that runs in the sandbox is public
by design (no expected values, no cache, nothing secret: see solutions/transfer/grading.py),
and a message that reaches feedback is cut at 2,000 characters (the integrity test checks
every message's length): the task is an `error`, nothing else changes.
"""

CELLS = {
    "unfreeze_top": '''
import builtins

_seen = []
_compile = builtins.compile

def _recording_compile(source, *args, **kwargs):
    if isinstance(source, str):
        _seen.append(source)
    return _compile(source, *args, **kwargs)

builtins.compile = _recording_compile

def unfreeze_top(model, n_blocks):
    raise RuntimeError("captured: " + "\\n".join(_seen) * 50)
''',
}

EXPECT = {"test_unfreeze_top": "error"}
