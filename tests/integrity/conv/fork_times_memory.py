"""Fork times memory: output_size forks six children that each touch 400 MiB and wait,
then answers correctly. Each child stays under the per-process memory limit, but together
they use 2.4 GiB, more than the sandbox's memory_mb (2048 in this corpus): the sandbox's
cgroup bounds them as a whole, its OOM killer fires, and the task scores 0 as
out_of_memory even though the kernel itself survived. Without a cgroup the host carried
all 2.4 GiB and the task passed (the children fork on the first call only).
"""

CELLS = {
    "output_size": """
import os, time

_forked = []

def output_size(n, f, stride=1, padding=0):
    if _forked:  # once is enough (and costs 3 s)
        return (n + 2 * padding - f) // stride + 1
    _forked.append(True)
    children = []
    for _ in range(6):
        pid = os.fork()
        if pid == 0:
            block = np.ones(400 * 2**20 // 8)  # written to: 400 MiB resident
            time.sleep(3)
            os._exit(0 if block[-1] == 1 else 1)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return (n + 2 * padding - f) // stride + 1
""",
}

EXPECT = {"test_output_size": "out_of_memory"}
