"""Checks for convnets.models: counts that are known exactly, and the receptive field rule."""

from torch import nn

from convnets import models


def test_count_parameters_and_depth_of_a_small_net():
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 10))
    assert models.count_parameters(net) == (3 * 9 * 8 + 8) + (288 * 10 + 10)
    assert models.depth(net) == 2


def test_count_macs_of_standard_and_grouped_convolutions():
    standard = nn.Conv2d(16, 32, 3, padding=1, bias=False)
    depthwise = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
    assert models.count_macs(standard, (1, 16, 10, 10)) == 16 * 32 * 9 * 100
    assert models.count_macs(depthwise, (1, 16, 10, 10)) == 16 * 9 * 100
    assert models.count_macs(nn.Linear(7, 5), (3, 7)) == 3 * 7 * 5


def test_count_macs_on_meta_device_matches_cpu():
    net = nn.Sequential(nn.Conv2d(3, 4, 5, stride=2), nn.ReLU(), nn.Conv2d(4, 4, 3))
    on_cpu = models.count_macs(net, (1, 3, 32, 32))
    assert models.count_macs(net.to("meta"), (1, 3, 32, 32)) == on_cpu


def test_latency_is_positive_and_restores_nothing_surprising():
    net = nn.Linear(4, 4)
    assert models.latency_ms(net, (1, 4), warmup=1, runs=3) > 0
    assert not net.training


def test_receptive_fields_rule():
    # two 3x3 convs, a 2x2 pool, a 3x3 conv: fields 3, 5, 6, 10; jumps 1, 1, 2, 2
    assert models.receptive_fields([(3, 1), (3, 1), (2, 2), (3, 1)]) == [
        (3, 1),
        (5, 1),
        (6, 2),
        (10, 2),
    ]
