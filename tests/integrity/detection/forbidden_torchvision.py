"""nms calls the forbidden oracle torchvision.ops.nms. nms is `forbidden`, and so is
batched_nms, which uses it; torchvision cannot even be imported in the sandbox.
"""

CELLS = {
    "nms": """
import torch
from torchvision.ops import nms as _tv_nms

def nms(boxes, scores, iou_threshold):
    return _tv_nms(torch.as_tensor(boxes, dtype=torch.float64), torch.as_tensor(scores, dtype=torch.float64),
                   iou_threshold).numpy()
""",
}

EXPECT = {
    "test_nms": "forbidden",
    "test_nms_threshold": "forbidden",
    "test_nms_properties": "forbidden",
    "test_nms_scene": "forbidden",
    "test_batched_nms": "forbidden",
    "test_batched_nms_classes": "forbidden",
}
