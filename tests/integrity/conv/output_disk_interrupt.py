"""Prints megabytes of output (conv2d, correct answers), writes gigabytes to disk
(correlate2d) and raises KeyboardInterrupt (output_size). Output is capped without
blocking, the disk write fails at the sandbox's small scratch space, KeyboardInterrupt is
just an error of that task.
"""

CELLS = {
    "conv2d": """
import sys

_printed = []

def conv2d(x, w, b=None, stride=1, padding=0):
    if not _printed:  # megabytes, once: 8 MB on stdout, 8 MB on stderr
        _printed.append(1)
        for _ in range(8):
            print("x" * 1_000_000)
            sys.stderr.write("y" * 1_000_000 + "\\n")
    kh, kw = w.shape[2:]
    if padding == "same":
        if stride != 1:
            raise ValueError('padding="same" needs stride 1')
        top, left = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out if b is None else out + b[:, None, None]
""",
    "correlate2d": """
def correlate2d(image, kernel):
    block = b"0" * (1 << 24)
    with open("scratch.bin", "wb") as f:
        for _ in range(256):  # 4 GiB
            f.write(block)
    return None
""",
    "output_size": """
def output_size(n, f, stride=1, padding=0):
    raise KeyboardInterrupt
""",
}

EXPECT = {"test_correlate2d": "error", "test_output_size": "error"}
