"""The wrong optimizer in fine_tune: torch.optim.SGD with the two parameter groups at head_lr
and backbone_lr. Both groups still learn, each at its own rate, and in the right
direction, but SGD's steps are the learning rate times the gradient, not Adam's."""

FAILS = ["test_fine_tune", "test_fine_tune_lr"]

CELLS = {
    "fine_tune": '''
def fine_tune(model, train, epochs=3, head_lr=1e-3, backbone_lr=1e-4, batch_size=32, seed=0):
    torch.manual_seed(seed)
    head = [p for p in model.classifier.parameters() if p.requires_grad]
    backbone = [p for p in model.features.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD([{"params": head, "lr": head_lr},
                                  {"params": backbone, "lr": backbone_lr}])
    return run_epochs(model, train, optimizer, epochs, batch_size, seed)
''',
}
