"""mean_average_precision hands the work to pycocotools' COCOeval, the grader's own
oracle. pycocotools is forbidden: the scan names it and in the sandbox the import fails,
so that task scores 0 with status forbidden; the other tasks pass.
"""

CELLS = {
    "mean_average_precision": """
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

def box_iou(boxes1, boxes2):
    return np.zeros((len(boxes1), len(boxes2)))

def mean_average_precision(detections, truths, num_classes, iou_threshold=0.5):
    truth = COCO()
    evaluation = COCOeval(truth, truth, "bbox")
    evaluation.evaluate()
    per_class = evaluation.eval["precision"][0, :, :, 0, 0].mean(axis=0)
    return float(per_class.mean()), per_class
""",
}

EXPECT = {"test_mean_average_precision": "forbidden"}
