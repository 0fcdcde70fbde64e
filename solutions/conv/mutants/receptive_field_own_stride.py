"""Each layer's reach multiplied by its own stride too (the spacing updated before the
kernel is added), so a strided first layer counts its stride twice."""

FAILS = ["test_receptive_field"]

CELLS = {
    "receptive_field": '''
def receptive_field(layers):
    field, jump = 1, 1
    for kernel_size, stride in layers:
        jump *= stride
        field += (kernel_size - 1) * jump
    return field
''',
}
