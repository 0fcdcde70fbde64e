"""The loss reported is the last batch's, not the epoch's mean: each epoch returns the loss
of its last (often smaller) batch. Training is right; with one batch per epoch the number
is right too."""

FAILS = ["test_train_head", "test_fine_tune"]

CELLS = {
    "train_head": '''
def train_head(model, train, epochs=5, lr=1e-2, batch_size=32, seed=0):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    return run_epochs(model, train, optimizer, epochs, batch_size, seed)


def run_epochs(model, train, optimizer, epochs, batch_size, seed):
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        set_train_mode(model)
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(train), batch_size):
            index = order[start:start + batch_size]
            x, y = train.x[index].to(device), train.y[index].to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(loss.item())
    model.eval()
    return losses
''',
}
