"""The iou solution cell was deleted and two test cells edited / deleted. iou is
`missing`; the test cells come from the source, so all other tasks are graded as usual.
"""

DROP = ["iou", "test_nms_threshold"]
EDIT = {"test_box_iou": "assert True  # edited by the student"}
CELLS = {}

EXPECT = {"test_iou": "missing"}
