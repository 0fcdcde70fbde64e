"""train_head computes the loss and its gradients but never calls optimizer.step(): the
head stays at its random initialisation."""

FAILS = ["test_train_head", "test_train_head_accuracy"]

CELLS = {
    "train_head": '''
def train_head(model, train, epochs=5, lr=1e-2, batch_size=32, seed=0):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
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
            total += loss.item() * len(index)
        losses.append(total / len(train))
    return losses


def run_epochs(model, train, optimizer, epochs, batch_size, seed):
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        set_train_mode(model)
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(train), batch_size):
            index = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(train.x[index].to(device)), train.y[index].to(device))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / len(train))
    model.eval()
    return losses
''',
}
