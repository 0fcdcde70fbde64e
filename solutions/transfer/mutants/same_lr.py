"""Same learning rate for backbone and head: fine_tune puts every trainable parameter in
one group at head_lr, so the pretrained blocks move ten times too fast."""

FAILS = ["test_fine_tune_lr"]

CELLS = {
    "fine_tune": '''
def fine_tune(model, train, epochs=3, head_lr=1e-3, backbone_lr=1e-4, batch_size=32, seed=0):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=head_lr)
    return run_epochs(model, train, optimizer, epochs, batch_size, seed)
''',
}
