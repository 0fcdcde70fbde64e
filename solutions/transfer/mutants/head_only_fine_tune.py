"""fine_tune reuses train_head's optimizer over the head only: the unfrozen blocks are
never given to the optimizer, so fine-tuning changes nothing in the backbone."""

FAILS = ["test_fine_tune", "test_fine_tune_lr"]

CELLS = {
    "fine_tune": '''
def fine_tune(model, train, epochs=3, head_lr=1e-3, backbone_lr=1e-4, batch_size=32, seed=0):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.classifier.parameters(), lr=head_lr)
    return run_epochs(model, train, optimizer, epochs, batch_size, seed)
''',
}
