"""Receptive field as 1 + the sum of (kernel_size - 1): strides ignored, as if every
layer had stride 1."""

FAILS = ["test_receptive_field"]

CELLS = {
    "receptive_field": '''
def receptive_field(layers):
    return 1 + sum(kernel_size - 1 for kernel_size, _ in layers)
''',
}
