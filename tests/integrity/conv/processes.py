"""A fork bomb in output_size, and pad2d that leaves daemons behind (double fork +
setsid, and a detached `sleep`) but answers correctly. The fork bomb is stopped by the
process limit and the time limit; no process of the sandbox outlives grading (the test
checks), and pad2d keeps its points.
"""

CELLS = {
    "output_size": """
import os

def output_size(n, f, stride=1, padding=0):
    while True:
        try:
            os.fork()
        except OSError:
            pass
""",
    "pad2d": """
import os, subprocess, time

def _daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(1)
        os._exit(0)

_daemon()
try:
    subprocess.Popen(["sleep", "3600"], start_new_session=True)
except OSError:
    pass

def pad2d(x, padding):
    x = np.asarray(x)
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2)
""",
}

EXPECT = {"test_output_size": ("timeout", "crashed")}
