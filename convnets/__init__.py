"""convnets: the small library behind the "Convolutional Nets" course.

Book pages, exercises and the autograder import it so that each page stays short and
each helper exists once. Nothing in here solves an exercise: there is no conv2d, IoU or
NMS of the course's own (pages use ``torch`` / ``torchvision.ops`` where they need them).
"""

from convnets.device import device, page_setup, seed_everything

__all__ = ["device", "page_setup", "seed_everything"]
__version__ = "0.1.0"
