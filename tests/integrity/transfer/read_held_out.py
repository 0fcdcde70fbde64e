"""A train_head that trains on the held-out faces instead of the training set, taking them
by every route a submission has: convnets.data.faces()[1] (and faces(n_train=0), all 200
images in the held-out part), skimage.data.lfw_subset(), and np.load of the data file
itself (also after trying to unmount what covers it), each with faces()'s own split. In
the sandbox that file holds blank images where the held-out ones are (the grader's
`masks`), so every route gives nothing to learn from: the head fitted on them classifies
the real held-out set no better than chance.
"""

ADDED = [
    (
        "setup",
        '''
import numpy as np

def _held_out_candidates():
    """(images, labels) of the 60 held-out faces from each route that does not fail."""
    import os
    import skimage.data
    import skimage.transform

    found = []
    try:
        found.append(faces(size=64)[1])
    except Exception:
        pass
    try:
        everything = faces(size=64, n_train=0)[1]   # the same order: held out at 140:
        found.append(Split(everything.x[140:], everything.y[140:]))
    except Exception:
        pass
    raws = []
    try:
        raws.append(skimage.data.lfw_subset())
    except Exception:
        pass
    path = os.path.join(os.path.dirname(skimage.data.__file__), "lfw_subset.npy")
    try:
        raws.append(np.load(path))
    except Exception:
        pass
    try:  # take the mask off (the kernel has no privilege to unmount anything)
        import ctypes

        if ctypes.CDLL(None, use_errno=True).umount2(path.encode(), 2) == 0:
            raws.append(np.load(path))
    except Exception:
        pass
    order = np.random.default_rng(0).permutation(200)[140:]
    for raw in raws:
        crops = np.stack([skimage.transform.resize(c, (64, 64), anti_aliasing=True)
                          for c in raw.astype(np.float32)[order]]).astype(np.float32)
        x = torch.from_numpy(np.repeat(crops[:, None], 3, axis=1))
        y = torch.from_numpy(np.array([1] * 100 + [0] * 100)[order])
        found.append(Split(x, y))
    return found

STOLEN = _held_out_candidates()
''',
    ),
]

CELLS = {
    "train_head": '''
def train_head(model, train, epochs=5, lr=1e-2, batch_size=32, seed=0):
    """Fits the head on the images that look most informative: the stolen held-out set."""
    best = max(STOLEN, key=lambda s: float(s.x.std())) if STOLEN else train
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    losses = []
    for _ in range(epochs):
        set_train_mode(model)
        total = 0.0
        for _ in range(20):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(best.x), best.y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / 20)
    model.eval()
    return losses


def run_epochs(model, train, optimizer, epochs, batch_size, seed):
    """The reference training loop, which fine_tune uses."""
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        set_train_mode(model)
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(train), batch_size):
            index = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(train.x[index]), train.y[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / len(train))
    model.eval()
    return losses
''',
}

EXPECT = {
    "test_train_head": "failed",
    "test_train_head_accuracy": "failed",
}
