"""Grader-only helpers of `transfer` (never released, never in the sandbox).

Everything a check compares against is computed here, in the grader: the pristine model,
the head each training run starts from, where correct training steps take it, and the
held-out images (blank inside the sandbox). The sandbox only sends back data its code
produced, and student code can write anything there, so nothing it sends counts as a
result unless it agrees with what is computed here. Nothing is cached between tests.
One thread, as in the sandbox: on a busy machine two fighting threads were 8x slower.
See autograder/helpers.py for how hidden parts see these names.
"""

import math
import time

import numpy as np
import torch
from torch import nn
from convnets.backbone import pretrained_backbone
from convnets.data import faces


torch.set_num_threads(1)


def pristine():
    """The untouched pretrained model's state, parameter names and number of blocks."""
    model = pretrained_backbone(verbose=False)
    return ({k: v.detach().numpy().copy() for k, v in model.state_dict().items()},
            [k for k, _ in model.named_parameters()], len(model.features.blocks))


def held_out():
    """The 60 faces / non-faces the notebook never loads."""
    return faces(size=64)[1]


def start_head(num_classes=2, features=1280):
    """The head every training run starts from: [weight, bias], chosen here and sent."""
    generator = torch.Generator().manual_seed(20)
    bound = 1 / math.sqrt(features)
    weight = (torch.rand(num_classes, features, generator=generator) * 2 - 1) * bound
    bias = (torch.rand(num_classes, generator=generator) * 2 - 1) * bound
    return [weight.numpy(), bias.numpy()]


def same(a, b):
    """Bit-identical values (0-d buffers may come back from the sandbox as shape (1,))."""
    return np.size(a) == np.size(b) and np.array_equal(np.ravel(a), np.ravel(b))


def backbone_report(state, keep_blocks=None, what="training"):
    """Fail when the frozen backbone's parameters or BatchNorm statistics changed.

    keep_blocks: how many leading blocks must be bit-identical (None: all of features)."""
    reference, parameter_names, n_blocks = pristine()
    frozen = [k for k in reference if k.startswith("features.")]
    if keep_blocks is not None:
        frozen = [k for k in frozen if not k.startswith("features.blocks.")
                  or int(k.split(".")[2]) < keep_blocks]
    missing = [k for k in frozen if k not in state]
    if missing:
        expect(False, f"after {what} the model has no {missing[0]}: do not replace the backbone's layers")
    changed_params = [k for k in frozen if k in parameter_names and not same(state[k], reference[k])]
    stats = [k for k in reference if k.startswith("features.") and k not in parameter_names]
    changed_stats = [k for k in stats if not same(state[k], reference[k])]
    if changed_params:
        expect(False, f"after {what} {len(changed_params)} frozen backbone parameters changed (e.g. "
                      f"{changed_params[0]}): optimise only the parameters with requires_grad=True, and "
                      "keep the frozen ones frozen")
    if changed_stats:
        expect(False, f"after {what} the running statistics of {len(changed_stats)} BatchNorm buffers "
                      f"changed (e.g. {changed_stats[0]}): BatchNorm left in train mode; BatchNorm layers of "
                      "a frozen backbone must stay in eval mode, and model.train() alone puts them in "
                      "training mode, so train through set_train_mode")


def load_model(state, num_classes=2):
    """A model here with the state the sandbox sent back."""
    model = pretrained_backbone(verbose=False)
    model.classifier = nn.Linear(model.classifier.in_features, num_classes)
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    model.load_state_dict({k: torch.from_numpy(np.array(v)).reshape(shapes[k]) if k in shapes
                           else torch.from_numpy(np.array(v)) for k, v in state.items()})
    return model.eval()


def held_out_accuracy(state, num_classes=2):
    model = load_model(state, num_classes)
    split = held_out()
    with torch.no_grad():
        predictions = model(split.x).argmax(dim=1)
    return float((predictions == split.y).float().mean())


def check_losses(losses, epochs, function):
    expect(isinstance(losses, list) and len(losses) == epochs,
           f"{function}(..., epochs={epochs}) must return a list with the mean loss of each epoch "
           f"({epochs} numbers), got {losses if losses is None else type(losses).__name__}")
    expect(all(math.isfinite(v) for v in losses), f"{function} returned losses that are not finite: {losses}")


def reference_run(head, x, y, head_lr, backbone_lr=0.0, unfrozen=0, epochs=1, batch_size=None):
    """Replays here `epochs` epochs of torch.optim.Adam on the mean cross-entropy of each batch
    (batches of `batch_size` images in their order, one step each; None: the whole set, one
    step per epoch) from the pristine model with `head` (top `unfrozen` blocks trainable at
    backbone_lr): (start state, each epoch's mean loss over its images, state after)."""
    model = pretrained_backbone(verbose=False).eval()
    model.classifier = nn.Linear(head[0].shape[1], head[0].shape[0])
    with torch.no_grad():
        model.classifier.weight.copy_(torch.from_numpy(head[0]))
        model.classifier.bias.copy_(torch.from_numpy(head[1]))
    model.requires_grad_(False)
    blocks = model.features.blocks
    frozen, top = blocks[:len(blocks) - unfrozen], blocks[len(blocks) - unfrozen:]
    with torch.no_grad():  # the frozen blocks' output does not change: computed once
        h = (x - model.mean) / model.std
        for block in frozen:
            h = block(h)
    groups = [{"params": list(model.classifier.parameters()), "lr": head_lr}]
    if unfrozen:
        groups.append({"params": list(top.parameters()), "lr": backbone_lr})
    for group in groups:
        for p in group["params"]:
            p.requires_grad_(True)
    start = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    optimizer = torch.optim.Adam(groups)
    batch_size = batch_size or len(y)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for first in range(0, len(y), batch_size):
            optimizer.zero_grad()
            z = h[first:first + batch_size]
            for block in top:
                z = block(z)
            scores = model.classifier(torch.flatten(model.features.pool(z), 1))
            loss = nn.functional.cross_entropy(scores, y[first:first + batch_size])
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(scores)
        losses.append(total / len(y))
    return start, losses, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def one_image_set(split, n=40):
    """`n` copies of one image of `split` (drawn per student) with its label. Every batch of
    it holds the same images whatever the order, so the grader can replay a loop of several
    batches per epoch without knowing how the student shuffles."""
    i = int(rng.integers(len(split)))
    return split.x[i:i + 1].repeat(n, 1, 1, 1), split.y[i:i + 1].repeat(n)


def groups(unfrozen, head_lr, backbone_lr):
    """(what, parameter names, learning rate) of each group fine-tuning trains."""
    out = [("the head's weights", ["classifier.weight", "classifier.bias"], head_lr)]
    if unfrozen:
        out.append(("the unfrozen backbone's weights", top_blocks(unfrozen), backbone_lr))
    return out


def several_batches(function, state, reference, head_lr, backbone_lr=0.0, unfrozen=0):
    """Fail unless `state` is where `reference` (a reference_run with several batches per
    epoch: one Adam step per batch, each on that batch's gradient alone) took the model."""
    start, _, expected = reference
    for what, names, lr in groups(unfrozen, head_lr, backbone_lr):
        off, moved, want, _ = moves(state, start, expected, names, lr)
        expect(moved > 0, f"{what} did not change during {function}: give them to the optimizer")
        expect(off <= 0.01,
               f"{function} with several batches per epoch (copies of one image, batches of 16) "
               f"left {off:.0%} of {what} away from where one Adam step per batch, each on the "
               f"mean cross-entropy of that batch alone, puts them (typical change {moved:.1e}, "
               f"expected {want:.1e}): gradients add up across backward passes until "
               "optimizer.zero_grad() clears them, so clear them before every batch's backward "
               "pass, and step once per batch, with torch.optim.Adam and that group's rate")


def losses_match(function, reported, losses, n, batch_size):
    """Fail unless each epoch's reported loss is its mean cross-entropy over its n images."""
    expect(len(reported) == len(losses)
           and all(math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-5) for a, b in zip(reported, losses)),
           f"{function}(epochs={len(losses)}, batch_size={batch_size}) on {n} images returned the "
           f"losses {[round(v, 4) for v in reported]}; the mean cross-entropy over each epoch's "
           f"images is {[round(v, 4) for v in losses]}: return, per epoch, the loss averaged over "
           "its images (not the last batch's loss, not a sum over batches; a smaller last batch "
           "counts for fewer images). Those are the losses of a correct training: if a check of "
           "the weights failed too, fix that first")


def moves(state, start, expected, names, lr):
    """How the parameters `names` moved from `start` compared with `expected`: (fraction of
    elements more than lr/20 away from where the reference put them, median size of the
    change and of the expected change, fraction of clear expected moves (over lr/2) that
    went the other way)."""
    for k in names:
        expect(k in state and np.size(state[k]) == np.size(start[k]),
               f"the trained model has no {k} of the right size: keep the model's layers")
    got = np.concatenate([np.ravel(state[k]).astype(np.float64) - np.ravel(start[k]) for k in names])
    want = np.concatenate([np.ravel(expected[k]).astype(np.float64) - np.ravel(start[k]) for k in names])
    clear = np.abs(want) > lr / 2
    wrong_way = float(np.mean(got[clear] * want[clear] <= 0)) if clear.any() else 0.0
    return (float(np.mean(np.abs(got - want) > lr / 20)), float(np.median(np.abs(got[clear]))) if clear.any()
            else 0.0, float(np.median(np.abs(want[clear]))) if clear.any() else 0.0, wrong_way)


# Harness code, run in the student's sandbox by in_submission: public, and it keeps
# nothing between calls. Only plain data comes back, and it is checked here.
HARNESS = r'''import torch as _ag_torch
from torch import nn as _ag_nn
from convnets.backbone import pretrained_backbone as _ag_pretrained
from convnets.data import Split as _ag_Split

# One thread: graded submissions run side by side (--jobs), and torch's thread pools
# fighting over the same cores made training several times slower.
_ag_torch.set_num_threads(1)

def _ag_fresh(head=None, unfrozen=0):
    # A fresh pretrained model; with head=[weight, bias] (sent by the grader) also frozen,
    # with that head and its top `unfrozen` blocks trainable, done here rather than by the
    # student's functions so that each task is graded on its own.
    _ag_torch.manual_seed(0)
    model = _ag_pretrained(verbose=False)
    if head is not None:
        model.features.requires_grad_(False)
        if unfrozen:
            model.features.blocks[-unfrozen:].requires_grad_(True)
        weight, bias = (_ag_torch.from_numpy(a) for a in head)
        model.classifier = _ag_nn.Linear(weight.shape[1], weight.shape[0])
        with _ag_torch.no_grad():
            model.classifier.weight.copy_(weight)
            model.classifier.bias.copy_(bias)
    return model

def _ag_split(x, y):
    return _ag_Split(_ag_torch.from_numpy(x), _ag_torch.from_numpy(y))

def _ag_state(module):
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}

def _ag_flags(module):
    return {k: bool(p.requires_grad) for k, p in module.named_parameters()}

def _ag_losses(losses):
    try:
        return [float(v) for v in losses]
    except Exception:
        return None
'''


def in_harness(code, **data):
    """``in_submission`` of ``code`` with the harness's helpers (``_ag_fresh``, ``_ag_state``, ...)
    defined first."""
    return in_submission(HARNESS + "\n" + code, **data)


def top_blocks(n=2):
    """Parameter names of the backbone's top ``n`` blocks (the last first), in the model's order."""
    _, parameter_names, n_blocks = pristine()
    prefixes = tuple(f"features.blocks.{n_blocks - 1 - i}." for i in range(n))
    return [k for k in parameter_names if k.startswith(prefixes)]


def seed_spread(seeds=30):
    """The reference solution's held-out accuracy after train_head(epochs=3), and its
    validation accuracy (the visible test's), over `seeds` runs: seed 0 with start_head(),
    as the hidden test trains, then seeds 1.. with the shuffle and the starting head drawn
    from the seed. Where the bars of test_train_head_accuracy come from:
    .venv/bin/python solutions/transfer/grading.py 30"""
    import json
    from pathlib import Path

    notebook = json.loads(Path(__file__).with_name("transfer.ipynb").read_text())
    ns = {}
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "code" and (meta.get("grade_id") == "setup" or meta.get("solution")):
            exec("".join(cell["source"]), ns)  # noqa: S102 - the course's own solution
    split = held_out()
    rows = []
    for seed in range(seeds):
        model = pretrained_backbone(verbose=False)
        model.features.requires_grad_(False)
        model.classifier = nn.Linear(model.classifier.in_features, 2)
        if seed == 0:
            with torch.no_grad():
                for p, a in zip(model.classifier.parameters(), start_head()):
                    p.copy_(torch.from_numpy(a))
        else:
            torch.manual_seed(seed)
            model.classifier.reset_parameters()
        ns["train_head"](model, ns["train"], epochs=3, lr=1e-2, batch_size=32, seed=seed)
        rows.append((ns["accuracy"](model, split), ns["accuracy"](model, ns["val"])))
        print(f"seed {seed}: held-out {rows[-1][0]:.3f}, validation {rows[-1][1]:.3f}", flush=True)
    for name, values in zip(("held-out", "validation"), np.array(rows).T):
        print(f"{name}: mean {values.mean():.3f}, std {values.std():.3f}, lowest "
              f"{np.sort(values)[:3].round(3).tolist()}, highest {values.max():.3f}")


if __name__ == "__main__":
    import sys

    seed_spread(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
