"""Gradients accumulated across the batches of an epoch: optimizer.zero_grad() is called once
per epoch instead of before every backward pass, so each step of the epoch uses the sum of
the gradients of every batch so far. With one batch per epoch it is right, and the loss
still goes down."""

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
        optimizer.zero_grad()
        for start in range(0, len(train), batch_size):
            index = order[start:start + batch_size]
            x, y = train.x[index].to(device), train.y[index].to(device)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / len(train))
    model.eval()
    return losses
''',
}
