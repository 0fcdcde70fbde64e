# nbgrader configuration shared by every single-user server of the course (students and
# the instructor). `python -m hub.install` copies it to <venv>/etc/jupyter/ for the local
# hub; the Kubernetes image gets the same file through hub/k8s/values.yaml
# (singleuser.extraFiles), and tests/hub/test_hub_config.py checks the two agree.
# The instructor's own ~/.jupyter/nbgrader_config.py adds the course directory.
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "convnets"
# The exchange: a directory every user of the hub can write to (a shared volume on k8s).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
