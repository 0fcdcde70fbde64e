"""Output size rounded up instead of down: a window that sticks out past the padded input
is counted, as if the slide's formula (without the floor) were rounded up."""

FAILS = ["test_output_size"]

CELLS = {
    "output_size": '''
import math

def output_size(n, f, stride=1, padding=0):
    return math.ceil((n + 2 * padding - f) / stride) + 1
''',
}
