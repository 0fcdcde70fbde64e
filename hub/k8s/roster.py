"""Add a class on Kubernetes in one command: the LMS's CSV in, the students able to log in.

    python -m hub.k8s.roster class.csv [--instructor-pod jupyter-instructor]

Copies the CSV into the instructor's server, runs ``autograder roster`` there (nbgrader's
student records in ``~/course/gradebook.db``, and the ids added to
``~/allowed-users.txt``), and hands that file to the hub as the ConfigMap
``convnets-allowed-users``, which the hub reads at each login (``hub/auth.py``,
``CourseAllowedUsers``; ``hub/k8s/DEPLOY.md`` step 7). Needs ``kubectl`` for the cluster.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from hub.k8s.grade_job import HUB_NAMESPACE, kubectl

CONFIGMAP = "convnets-allowed-users"
ALLOWED = "allowed-users.txt"


def add_class(csv: Path, instructor_pod: str) -> None:
    pod = ["exec", "-i", "-n", HUB_NAMESPACE, instructor_pod, "--"]
    kubectl(*pod, "sh", "-c", "cat > class.csv", stdin=csv.read_text())
    roster = f"autograder roster class.csv course --allowed-users {shlex.quote(ALLOWED)}"
    kubectl(*pod, "sh", "-c", roster)
    allowed = subprocess.run(
        ["kubectl", *pod, "cat", ALLOWED], capture_output=True, text=True, check=True
    ).stdout
    configmap = subprocess.run(
        ["kubectl", "-n", HUB_NAMESPACE, "create", "configmap", CONFIGMAP,
         f"--from-literal={ALLOWED}={allowed}", "--dry-run=client", "-o", "yaml"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    kubectl("apply", "-f", "-", stdin=configmap)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.k8s.roster", description=__doc__)
    parser.add_argument(
        "csv", type=Path, help="columns id, first_name, last_name, email, lms_user_id"
    )
    parser.add_argument("--instructor-pod", default="jupyter-instructor")
    args = parser.parse_args(argv)
    add_class(args.csv, args.instructor_pod)
    return 0


if __name__ == "__main__":
    sys.exit(main())
