"""iou never returns (infinite loop), box_cxcywh_to_xyxy calls os._exit(), batched_nms
segfaults through ctypes. Each task gets 0 with status timeout / exited / crashed; the
kernel is restarted in between and every other task is graded normally.
"""

CELLS = {
    "iou": """
def iou(box_a, box_b):
    while True:
        pass
""",
    "box_cxcywh_to_xyxy": """
import os

def box_cxcywh_to_xyxy(boxes):
    os._exit(0)
""",
    "batched_nms": """
import ctypes

def batched_nms(boxes, scores, labels, iou_threshold):
    ctypes.memset(0, 1, 64)
""",
}

EXPECT = {
    "test_iou": "timeout",
    "test_box_cxcywh_to_xyxy": "exited",
    "test_batched_nms": "crashed",
    "test_batched_nms_classes": "crashed",
}
