"""Head with the wrong number of outputs: replace_head ignores num_classes and always
builds a two-class head (the only case the student tried)."""

FAILS = ["test_replace_head"]

CELLS = {
    "replace_head": '''
def replace_head(model, num_classes):
    model.classifier = nn.Linear(model.classifier.in_features, 2)
''',
}
