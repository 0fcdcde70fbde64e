"""A submitted notebook that is a symbolic link to the instructor's source notebook (with
its solutions): the grader used to follow it and gave 100 (issue 13). A link, or anything
but a regular file of the submission itself, is refused without being read.
"""

LINK = "solutions/conv/conv.ipynb"
SUBMISSION_STATUS = "invalid_notebook"
EXPECT = {}
