"""What the course's small library really does: devices, offline data, plots, the
pretrained backbone (without any network) and the training loop."""

from __future__ import annotations

import re
import socket

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from torch import nn  # noqa: E402

import convnets  # noqa: E402
from convnets import backbone, data, plots, train  # noqa: E402

# --- device and seeds ---------------------------------------------------------------


def test_device_is_a_torch_device_and_picks_cuda_when_present(monkeypatch) -> None:
    monkeypatch.delenv("CONVNETS_DEVICE", raising=False)
    chosen = convnets.device()
    assert isinstance(chosen, torch.device)
    if torch.cuda.is_available():
        assert chosen.type == "cuda"
    torch.zeros(1, device=chosen)  # usable, not just a name


def test_device_honours_convnets_device(monkeypatch) -> None:
    monkeypatch.setenv("CONVNETS_DEVICE", "cpu")
    assert convnets.device() == torch.device("cpu")
    monkeypatch.setenv("CONVNETS_DEVICE", "meta")
    assert convnets.device().type == "meta"


def test_seed_everything_repeats_numpy_and_torch() -> None:
    convnets.seed_everything(3)
    first = (np.random.rand(3), torch.rand(3))
    convnets.seed_everything(3)
    second = (np.random.rand(3), torch.rand(3))
    np.testing.assert_array_equal(first[0], second[0])
    assert torch.equal(first[1], second[1])


# --- photos and tensors -------------------------------------------------------------


@pytest.mark.parametrize("name", data.PHOTOS)
def test_every_offline_photo_is_rgb_float_in_unit_range(name: str) -> None:
    image = data.photo(name)
    assert image.dtype == np.float32 and image.ndim == 3 and image.shape[2] == 3
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.max() > 0.5, "uint8 photos must be scaled by 255, not left dark or clipped"


def test_photo_gray_and_resize() -> None:
    chelsea = data.photo("chelsea")
    assert chelsea.shape == (300, 451, 3)
    gray = data.photo("chelsea", gray=True)
    assert gray.shape == (300, 451) and gray.dtype == np.float32
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    assert data.photo("camera", gray=True).shape == (512, 512)
    assert data.photo("camera").shape == (512, 512, 3)  # grey photos repeated to RGB
    small = data.photo("chelsea", size=64)
    assert small.shape == (64, 64, 3) and small.dtype == np.float32
    assert abs(float(small.mean()) - float(chelsea.mean())) < 0.02
    assert data.photo("coins", size=32, gray=True).shape == (32, 32)


def test_unknown_photo_is_an_error_that_lists_the_offline_ones() -> None:
    with pytest.raises(ValueError, match="chelsea"):
        data.photo("eagle")  # in skimage.data, but it downloads


def test_to_tensor_layouts() -> None:
    rng = np.random.default_rng(0)
    gray = rng.random((5, 7))
    rgb = rng.random((5, 7, 3))
    batch = rng.random((2, 5, 7, 3))
    assert data.to_tensor(gray).shape == (1, 1, 5, 7)
    assert data.to_tensor(rgb).shape == (1, 3, 5, 7)
    assert data.to_tensor(batch).shape == (2, 3, 5, 7)
    out = data.to_tensor(batch)
    assert out.dtype == torch.float32 and out.is_contiguous()
    np.testing.assert_allclose(out[1, :, 4, 6].numpy(), batch[1, 4, 6], rtol=1e-6)
    np.testing.assert_allclose(data.to_tensor(gray)[0, 0].numpy(), gray, rtol=1e-6)


# --- data sets ----------------------------------------------------------------------


def _rows(split: data.Split) -> list[bytes]:
    return sorted(
        x.numpy().tobytes() + bytes([int(y)]) for x, y in zip(split.x, split.y, strict=True)
    )


def test_digits_split_partitions_the_data_set() -> None:
    from sklearn.datasets import load_digits

    train_split, test_split = data.digits()
    assert (len(train_split), len(test_split)) == (1200, 597)
    assert train_split.x.shape == (1200, 1, 8, 8) and train_split.x.dtype == torch.float32
    assert float(train_split.x.min()) == 0.0 and float(train_split.x.max()) == 1.0
    assert train_split.y.dtype == torch.int64 and set(train_split.y.tolist()) == set(range(10))
    bunch = load_digits()
    everything = sorted(
        (bunch.images[i] / 16.0).astype(np.float32).tobytes() + bytes([int(bunch.target[i])])
        for i in range(len(bunch.target))
    )
    assert sorted(_rows(train_split) + _rows(test_split)) == everything


def test_digits_split_is_seeded() -> None:
    a, _ = data.digits(n_train=100, seed=1)
    b, _ = data.digits(n_train=100, seed=1)
    c, _ = data.digits(n_train=100, seed=2)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.y, c.y)


def test_faces_split() -> None:
    train_split, test_split = data.faces(size=32)
    assert (len(train_split), len(test_split)) == (140, 60)
    assert train_split.x.shape == (140, 3, 32, 32)
    assert torch.equal(train_split.x[:, 0], train_split.x[:, 2])  # grey repeated to RGB
    labels = torch.cat([train_split.y, test_split.y])
    assert int((labels == 1).sum()) == 100 and int((labels == 0).sum()) == 100
    assert len(set(_rows(train_split)) & set(_rows(test_split))) == 0


# --- synthetic shapes ---------------------------------------------------------------


def test_shapes_ground_truth_is_exact() -> None:
    size = 32
    scenes = data.shapes(150, size=size, max_shapes=3, min_size=6, max_size=14, seed=1)
    assert len(scenes) == 150
    for scene in scenes:
        assert scene.image.shape == (size, size, 3) and scene.image.dtype == np.float32
        k = len(scene.boxes)
        assert 1 <= k <= 3 and scene.labels.shape == (k,) and scene.masks.shape == (k, size, size)
        assert set(scene.labels.tolist()) <= {0, 1, 2}  # rectangle, circle, triangle
        for (x1, y1, x2, y2), mask in zip(scene.boxes.astype(int), scene.masks, strict=True):
            assert 0 <= x1 < x2 <= size and 0 <= y1 < y2 <= size
            inside = np.zeros_like(mask)
            inside[y1:y2, x1:x2] = True
            assert mask.any() and not (mask & ~inside).any(), "mask leaves its box"
            rows, cols = np.nonzero(mask)
            assert (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1) == (y1, y2, x1, x2)
        assert scene.masks.sum(axis=0).max() <= 1, "shapes overlap"
        white = np.all(scene.image == 1.0, axis=2)
        np.testing.assert_array_equal(~white, scene.masks.any(axis=0))


def test_shapes_classes_and_seed() -> None:
    scenes = data.shapes(60, size=48, classes=("ellipse",), seed=4)
    assert all(scene.labels.tolist() == [data.SHAPE_CLASSES.index("ellipse")] for scene in scenes)
    again = data.shapes(60, size=48, classes=("ellipse",), seed=4)
    other = data.shapes(60, size=48, classes=("ellipse",), seed=5)
    for a, b in zip(scenes, again, strict=True):
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.boxes, b.boxes)
    assert any(not np.array_equal(a.boxes, b.boxes) for a, b in zip(scenes, other, strict=True))
    labels = np.concatenate([s.labels for s in data.shapes(300, size=32, seed=0)])
    counts = np.bincount(labels, minlength=3)[:3]
    assert counts.min() > 0.6 * counts.max(), f"classes unbalanced: {counts}"


# --- plots --------------------------------------------------------------------------


def test_plots_return_figures() -> None:
    rng = np.random.default_rng(0)
    figures = [
        plots.show_images([rng.random((8, 8)), rng.random((3, 8, 8))], titles=["a", "b"]),
        plots.show_kernels(rng.standard_normal((6, 1, 3, 3))),
        plots.show_kernels(rng.standard_normal((4, 3, 3, 3)), titles=list("abcd")),
        plots.show_feature_maps(rng.random((5, 6, 6))),
        plots.plot_history(
            {"train loss": [1.0, 0.5], "train acc": [0.5, 0.9], "test acc": [0.4, 0.8]}, title="t"
        ),
    ]
    fig, ax = plt.subplots()
    plots.show_matrix(ax, data.LECTURE_IMAGE, title="image", highlight=(0, 0, 2, 2))
    ax.imshow(np.ones((32, 32, 3)))
    plots.draw_boxes(ax, np.array([[1, 2, 10, 12]]), labels=["circle"])
    figures.append(fig)
    for figure in figures:
        assert isinstance(figure, Figure) and figure.axes
        figure.canvas.draw()
        plt.close(figure)


def test_animation_html_plays_offline_with_a_text_alternative() -> None:
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(1, 1))
    (line,) = ax.plot([0, 1], [0, 1])
    animation = FuncAnimation(fig, lambda i: (line.set_ydata([0, i]),), frames=3)
    html = plots.animation_html(animation, alt='boxes "removed" one by one', label="NMS step")
    plt.close(fig)
    assert "http" not in html, "the player must not load anything from the network"
    assert "fa fa-" not in html and "▶" in html, "icon fonts replaced by text symbols"
    assert html.count("data:image/png;base64") == 3, "every frame embedded in the page"
    assert re.search(r'<img id="_anim_img\w+" alt="boxes &quot;removed&quot; one by one">', html)
    assert 'class="anim-slider" aria-label="NMS step"' in html


def test_show_matrix_text_stays_readable_on_negative_values() -> None:
    fig, ax = plt.subplots()
    plots.show_matrix(ax, np.array([[-476.0, 24.0], [6.0, 1.0]]))
    colours = [matplotlib.colors.to_hex(text.get_color()) for text in ax.texts]
    plt.close(fig)
    assert colours[0] == "#000000", "the lightest cell (the minimum) needs dark text"


# --- pretrained backbone ------------------------------------------------------------


def test_imagenet_classes() -> None:
    names = backbone.imagenet_classes()
    assert len(names) == 1000 and len(set(names)) == 1000
    assert names[285] == "Egyptian cat"


def test_pretrained_backbone_sees_a_cat_without_network(monkeypatch, capsys) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("pretrained_backbone tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    model = backbone.pretrained_backbone()
    assert "EfficientNet-Lite0" in capsys.readouterr().out
    assert not model.training
    assert isinstance(model.classifier, nn.Linear) and model.classifier.out_features == 1000
    cat = data.to_tensor(data.photo("chelsea", 224))
    top5 = backbone.top_k(model, cat, k=5)[0]
    assert len(top5) == 5 and top5[0][1] >= top5[-1][1]
    assert "Egyptian cat" in [name for name, _ in top5]
    assert model.features(cat).shape == (1, model.classifier.in_features)


def test_resnet18_preference_falls_back_when_not_cached(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(socket.socket, "connect", lambda *a, **k: pytest.fail("network used"))
    model = backbone.pretrained_backbone(prefer="resnet18")
    assert model.name == "EfficientNet-Lite0"
    assert "EfficientNet-Lite0" in capsys.readouterr().out


# --- training loop ------------------------------------------------------------------


def _bright_left_or_right(n: int, seed: int) -> data.Split:
    """A tiny two-class problem: is the left or the right half of a 4x4 image brighter?"""
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=generator)
    x = 0.3 * torch.rand(n, 1, 4, 4, generator=generator)
    x[y == 0, :, :, :2] += 0.5
    x[y == 1, :, :, 2:] += 0.5
    return data.Split(x, y)


def _frozen_model() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    frozen = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
    for p in frozen.parameters():
        p.requires_grad = False
    return frozen, nn.Sequential(frozen, nn.Flatten(), nn.Linear(64, 2))


def test_fit_learns_and_leaves_frozen_parameters_alone() -> None:
    frozen, model = _frozen_model()
    before = {k: v.clone() for k, v in frozen.state_dict().items()}
    train_split, test_split = _bright_left_or_right(256, 0), _bright_left_or_right(128, 1)
    start = train.fraction_correct(train.confusion_matrix(model.eval(), test_split))
    history = train.fit(
        model,
        train_split,
        test_split,
        epochs=8,
        lr=1e-2,
        progress=False,
        device=torch.device("cpu"),
    )
    assert set(history) == {"train loss", "train acc", "test acc"}
    assert all(len(values) == 8 for values in history.values())
    assert history["train loss"][-1] < history["train loss"][0]
    assert history["test acc"][-1] >= 0.95 > start
    assert not model.training  # fit leaves the model in eval mode
    counts = train.confusion_matrix(model, test_split)
    assert train.fraction_correct(counts) == history["test acc"][-1]
    for key in ("0.weight", "0.bias", "1.weight", "1.bias"):  # frozen parameters
        assert torch.equal(frozen.state_dict()[key], before[key]), f"frozen {key} changed"
    # model.train() (the default) lets BatchNorm's running statistics drift: Chapter 4's point.
    assert not torch.equal(frozen.state_dict()["1.running_mean"], before["1.running_mean"])
    assert not model.training


def test_confusion_matrix_counts_in_the_mode_the_model_is_in() -> None:
    """Rows are true classes, columns predictions; the model's mode is the caller's (the
    library leaves eval mode to whoever evaluates: the transfer exercise asks for it)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3), nn.BatchNorm1d(3))
    split = data.Split(torch.randn(10, 1, 8, 8), torch.tensor([0, 1, 2, 2, 1, 0, 0, 1, 2, 2]))
    model.eval()
    with torch.no_grad():
        predicted = model(split.x).argmax(dim=1)
    counts = train.confusion_matrix(model, split, batch_size=3)
    assert counts.shape == (3, 3) and counts.dtype == torch.int64 and int(counts.sum()) == 10
    expected = torch.zeros(3, 3, dtype=torch.int64)
    for true, guess in zip(split.y.tolist(), predicted.tolist(), strict=True):
        expected[true, guess] += 1
    assert torch.equal(counts, expected)
    assert train.fraction_correct(counts) == int((predicted == split.y).sum()) / 10
    assert not model.training
    model.train()
    train.confusion_matrix(model, split)
    assert model.training  # not switched: the caller chooses the mode
    assert train.fraction_correct(torch.zeros(2, 2, dtype=torch.int64)) == 0.0


def test_fit_calls_the_given_train_mode_each_epoch() -> None:
    frozen, model = _frozen_model()
    before = {k: v.clone() for k, v in frozen.state_dict().items()}
    calls = []

    def head_only(m: nn.Module) -> None:
        calls.append(m)
        m.train()
        frozen.eval()

    train.fit(
        model,
        _bright_left_or_right(64, 0),
        epochs=3,
        progress=False,
        device=torch.device("cpu"),
        train_mode=head_only,
    )
    assert calls == [model] * 3
    for key, value in frozen.state_dict().items():  # weights and BatchNorm statistics
        assert torch.equal(value, before[key]), f"frozen {key} changed"


def test_fit_is_repeatable_with_a_seed() -> None:
    def run() -> list[float]:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
        return train.fit(
            model,
            _bright_left_or_right(64, 0),
            epochs=2,
            progress=False,
            device=torch.device("cpu"),
        )["train loss"]

    assert run() == run()


def test_fit_prints_a_one_line_summary(capsys) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    train.fit(
        model,
        _bright_left_or_right(64, 0),
        _bright_left_or_right(32, 1),
        epochs=2,
        progress=True,
        device=torch.device("cpu"),
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trained 2 epochs in ")
    assert "test acc" in lines[0]


def test_page_setup_seeds_and_uses_one_cpu_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVNETS_DEVICE", "cpu")
    threads = torch.get_num_threads()
    try:
        assert convnets.page_setup(seed=3) == torch.device("cpu")
        first = torch.rand(3)
        assert torch.get_num_threads() == 1
        convnets.page_setup(seed=3)
        assert torch.equal(torch.rand(3), first)
    finally:
        torch.set_num_threads(threads)


def test_page_setup_turns_tensorfloat32_off_on_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """TF32 convolutions made chapter 4's check (two trained heads agree to 1e-5) fail on an
    H100."""
    monkeypatch.setenv("CONVNETS_DEVICE", "cuda")  # only chosen, nothing is allocated there
    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    try:
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
        assert convnets.page_setup(seed=0) == torch.device("cuda")
        assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = before
