"""box_cxcywh_to_xyxy reaches torchvision.ops.box_convert through importlib and a
computed module name. The scan names it; in the sandbox the import fails anyway.
"""

CELLS = {
    "box_cxcywh_to_xyxy": """
import importlib
_ops = None

def box_cxcywh_to_xyxy(boxes):
    global _ops
    if _ops is None:
        _ops = importlib.import_module("torch" + "vision.ops")
    import torch
    return _ops.box_convert(torch.as_tensor(boxes), "cxcywh", "xyxy").numpy()
""",
}

EXPECT = {"test_box_cxcywh_to_xyxy": "forbidden"}
