"""A scratch cell of the student's own imports torch, torchvision and pycocotools to
compare with the book's helpers; no graded function uses them. In the sandbox that cell
fails (recorded, nothing more) and every task still passes: the notebook promises that a
forbidden import in a scratch cell costs nothing.
"""

ADDED = [
    (
        "decode",
        """
import torch
from torchvision.ops import box_iou as tv_box_iou
from pycocotools.cocoeval import COCOeval
print(tv_box_iou(torch.zeros(1, 4), torch.ones(1, 4)))
""",
    ),
]

EXPECT = {}
