"""An infinite loop inside a task (output_size never returns) and one at import time
(the correlate2d cell loops before its `def`). Each is stopped at its limit: output_size's
test times out, correlate2d is never defined; every other task is graded normally.
"""

CELLS = {
    "output_size": """
def output_size(n, f, stride=1, padding=0):
    while True:
        pass
""",
    "correlate2d": """
import time
while True:
    time.sleep(0.01)

def correlate2d(image, kernel):
    windows = sliding_window_view(np.asarray(image, dtype=float), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)
""",
}

EXPECT = {"test_output_size": "timeout", "test_correlate2d": "missing"}
