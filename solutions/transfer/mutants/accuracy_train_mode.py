"""accuracy never calls model.eval(): in training mode BatchNorm normalises each batch with
its own statistics, so the predictions (and the accuracy) are not the model's."""

FAILS = ["test_accuracy"]

CELLS = {
    "accuracy": '''
def accuracy(model, split):
    with torch.no_grad():
        predictions = model(split.x).argmax(dim=1)
    return float((predictions == split.y).float().mean())
''',
}
