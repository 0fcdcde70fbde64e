"""Grading on Kubernetes with the sandbox intact: render, and optionally submit, the Jobs.

    python -m hub.k8s.grade_job conv --shards 4 --image REGISTRY/convnets-grader:TAG > conv.yaml
    python -m hub.k8s.grade_job conv --shards 4 --image ... --submit   # needs kubectl

Renders, for one assignment, into the grading namespace (``hub/k8s/grading/``):

* a Secret ``convnets-hidden-<a>`` with the assignment's hidden material (the source
  notebook and ``grading.py``, never the mutants), mounted read-only into the grading pods
  only: Secrets are namespaced, and no pod of the hub's namespace (students, instructor)
  can mount one of this namespace;
* an indexed Job ``grade-<a>``: completion index i runs ``autograder grade <a> ...
  --shard i/n`` over the submissions on the work volume, writing ``shards/<i>/``; its pods
  are user-namespaced (``hostUsers: false``), run as uid 1000 with no capability, in the
  sandbox's "user-namespace" isolation (forced, so that a node that cannot give it fails
  the pod instead of grading with "reduced" isolation);
* a Job ``merge-<a>``: ``autograder merge out/ shards/0 ... shards/n-1``, with neither the
  hidden material nor the sandbox's needs.

``--submit`` also copies the collected submissions from the instructor's server into the
work volume, runs the two Jobs, and copies ``out/`` back to the instructor's
``~/grading/<a>``. ``hub/k8s/DEPLOY.md`` ("Grading on Kubernetes") says why each setting
is there.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys

import yaml

from autograder.config import Course
from autograder.helpers import HELPERS_FILE
from autograder.isolation import unshare_argv
from autograder.notebook import load_assignment

NAMESPACE = "convnets-grading"
HUB_NAMESPACE = "convnets"
#: Where the course lives in the grader image (COURSE_DIR there); hidden by the sandbox.
COURSE_ROOT = "/opt/convnets/course"
#: The work volume (PVC ``grading-work``): submissions, shards and merged output per assignment.
WORK = "/work"
RUN_AS = 1000
#: Grader process, hidden namespace and Python's own memory, besides each sandbox's memory_mb.
GRADER_MB = 1536
SECCOMP_PROFILE = "profiles/convnets-grader.json"
COURSE = Course()


def _probe() -> str:
    """The sandbox's own `unshare` call in its user-namespace mode, on `true`: run before
    grading, it fails the pod where the sandbox could not start."""
    argv = unshare_argv("user-namespace")
    return " ".join([*argv[argv.index("unshare") :], "true"])


PROBE = _probe()


def hidden_files(assignment: str, course: Course = COURSE) -> dict[str, str]:
    """Secret key -> text: what the grader needs of ``solutions/<a>/`` (no mutants)."""
    folder = course.solutions / assignment
    files = {f"{assignment}.ipynb": course.source(assignment).read_text()}
    helpers = folder / HELPERS_FILE
    if helpers.is_file():
        files[HELPERS_FILE] = helpers.read_text()
    return files


def _labels(assignment: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": "convnets-grading",
        "app.kubernetes.io/component": component,
        "convnets/assignment": assignment,
    }


def _pod_security(seccomp: dict) -> dict:
    """The container's securityContext: no root, no capability, no privilege escalation."""
    return {
        "runAsUser": RUN_AS,
        "runAsGroup": RUN_AS,
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": seccomp,
    }


def _resources(jobs: int, memory_mb: int) -> dict:
    memory = f"{jobs * (memory_mb + GRADER_MB)}Mi"
    return {
        "requests": {"cpu": str(jobs), "memory": memory, "ephemeral-storage": "2Gi"},
        "limits": {"cpu": str(jobs), "memory": memory, "ephemeral-storage": "4Gi"},
    }


def _volumes(secret: str | None) -> list[dict]:
    volumes = [
        {"name": "work", "persistentVolumeClaim": {"claimName": "grading-work"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}},
    ]
    if secret:
        volumes.append({"name": "hidden", "secret": {"secretName": secret, "defaultMode": 0o440}})
    return volumes


def _job(name: str, assignment: str, component: str, pod_spec: dict, **spec: object) -> dict:
    labels = _labels(assignment, component)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            **spec,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }


def render(
    assignment: str,
    shards: int,
    image: str,
    jobs: int = 1,
    course: Course = COURSE,
    extra_args: tuple[str, ...] = (),
) -> list[dict]:
    """The Secret, the indexed grading Job and the merge Job for ``assignment``."""
    if shards < 1 or jobs < 1:
        raise ValueError("--shards and --jobs must be at least 1")
    limits = load_assignment(course.source(assignment)).limits
    secret = f"convnets-hidden-{assignment}"
    here = f"{WORK}/{assignment}"
    hidden = hidden_files(assignment, course)
    grade_cmd = " ".join(
        [
            f"{COURSE_ROOT}/.venv/bin/autograder grade {assignment} {here}/submitted",
            f'--out {here}/shards/"$JOB_COMPLETION_INDEX"',
            f'--shard "$JOB_COMPLETION_INDEX"/{shards} --jobs {jobs}',
            *extra_args,
        ]
    )
    grade_pod = {
        "restartPolicy": "Never",
        "hostUsers": False,  # uid 1000 here is an unprivileged uid of a range on the node
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "serviceAccountName": "grader",
        "securityContext": {"fsGroup": RUN_AS},
        "volumes": _volumes(secret),
        "containers": [
            {
                "name": "grade",
                "image": image,
                "workingDir": here,
                "command": ["bash", "-ec", f"{PROBE}\n{grade_cmd}"],
                "env": [
                    {"name": "AUTOGRADER_ISOLATION", "value": "user-namespace"},
                    {"name": "HOME", "value": "/tmp"},
                ],
                "resources": _resources(jobs, limits.memory_mb),
                "securityContext": {
                    **_pod_security({"type": "Localhost", "localhostProfile": SECCOMP_PROFILE}),
                    # A new /proc inside the sandbox needs one with nothing masked over it.
                    "procMount": "Unmasked",
                    # The runtime's default AppArmor profile forbids mount(2) altogether.
                    "appArmorProfile": {"type": "Unconfined"},
                },
                "volumeMounts": [
                    {"name": "work", "mountPath": WORK},
                    {"name": "tmp", "mountPath": "/tmp"},
                    {
                        "name": "hidden",
                        "mountPath": f"{COURSE_ROOT}/solutions/{assignment}",
                        "readOnly": True,
                    },
                ],
            }
        ],
    }
    shard_dirs = " ".join(f"{here}/shards/{i}" for i in range(shards))
    merge_pod = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "serviceAccountName": "grader",
        "securityContext": {"fsGroup": RUN_AS},
        "volumes": _volumes(None),
        "containers": [
            {
                "name": "merge",
                "image": image,
                "command": [
                    "bash",
                    "-ec",
                    f"{COURSE_ROOT}/.venv/bin/autograder merge {here}/out {shard_dirs}",
                ],
                "env": [{"name": "HOME", "value": "/tmp"}],
                "resources": {
                    "requests": {"cpu": "500m", "memory": "512Mi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                },
                "securityContext": _pod_security({"type": "RuntimeDefault"}),
                "volumeMounts": [
                    {"name": "work", "mountPath": WORK},
                    {"name": "tmp", "mountPath": "/tmp"},
                ],
            }
        ],
    }
    notebook_s = limits.notebook_timeout
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": secret,
                "namespace": NAMESPACE,
                "labels": _labels(assignment, "hidden-material"),
            },
            "type": "Opaque",
            "immutable": True,
            "stringData": hidden,
        },
        _job(
            f"grade-{assignment}",
            assignment,
            "grade",
            grade_pod,
            completionMode="Indexed",
            completions=shards,
            parallelism=shards,
            backoffLimitPerIndex=1,
            maxFailedIndexes=0,
            # Per shard: every submission may use its whole notebook budget, plus start-up.
            activeDeadlineSeconds=int(600 + notebook_s * 40),
        ),
        _job(
            f"merge-{assignment}",
            assignment,
            "merge",
            merge_pod,
            backoffLimit=1,
            activeDeadlineSeconds=600,
        ),
    ]


def to_yaml(objects: list[dict]) -> str:
    return yaml.safe_dump_all(objects, sort_keys=False)


def kubectl(*args: str, stdin: str | None = None) -> None:
    print("+ kubectl", " ".join(args), file=sys.stderr)
    subprocess.run(["kubectl", *args], input=stdin, text=True, check=True)


def pipe(source: list[str], sink: list[str]) -> None:
    """``kubectl <source> | kubectl <sink>``, failing when either fails."""
    print("+ kubectl", " ".join(source), "| kubectl", " ".join(sink), file=sys.stderr)
    with subprocess.Popen(["kubectl", *source], stdout=subprocess.PIPE) as out:
        subprocess.run(["kubectl", *sink], stdin=out.stdout, check=True)
    if out.returncode:
        raise subprocess.CalledProcessError(out.returncode, ["kubectl", *source])


def submit(objects: list[dict], assignment: str, instructor_pod: str, timeout: str) -> None:
    """Copy the submissions in, run the grading Job then the merge Job, copy ``out/`` back."""
    secret, grade, merge = objects
    ns, here = ["-n", NAMESPACE], f"{WORK}/{assignment}"
    io = ["exec", "-i", *ns, "grading-io", "--"]
    for job in (grade, merge):  # a finished Job of an earlier run keeps its name
        kubectl("delete", *ns, "job", job["metadata"]["name"], "--ignore-not-found")
    kubectl("delete", *ns, "secret", secret["metadata"]["name"], "--ignore-not-found")
    kubectl("apply", "-f", "-", stdin=to_yaml([secret]))
    kubectl("wait", *ns, "--for=condition=Ready", "pod/grading-io", "--timeout=5m")
    kubectl(*io[:-1], "--", "sh", "-c", f"rm -rf {here} && mkdir -p {here}/submitted")
    pipe(
        ["exec", "-n", HUB_NAMESPACE, instructor_pod, "--", "tar", "-C",
         "course/submitted", "-cf", "-", "."],
        [*io, "tar", "-C", f"{here}/submitted", "-xf", "-"],
    )  # fmt: skip
    for job in (grade, merge):
        name = job["metadata"]["name"]
        kubectl("apply", "-f", "-", stdin=to_yaml([job]))
        kubectl("wait", *ns, "--for=condition=Complete", f"job/{name}", f"--timeout={timeout}")
    pipe(
        [*io, "tar", "-C", f"{here}/out", "-cf", "-", "."],
        ["exec", "-i", "-n", HUB_NAMESPACE, instructor_pod, "--", "sh", "-c",
         f"mkdir -p grading/{assignment} && tar -C grading/{assignment} -xf -"
         f" && chmod 700 grading/{assignment}"],  # tar sets the folder's mode from the archive
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.k8s.grade_job", description=__doc__)
    parser.add_argument("assignment")
    parser.add_argument("--shards", type=int, default=4, help="pods grading at once (default 4)")
    parser.add_argument("--jobs", type=int, default=1, help="submissions at once per pod")
    parser.add_argument("--image", required=True, help="the grader image (DEPLOY.md)")
    parser.add_argument("--set", action="append", default=[], metavar="LIMIT=VALUE")
    parser.add_argument("--submit", action="store_true", help="run it with kubectl")
    parser.add_argument("--instructor-pod", default="jupyter-instructor")
    parser.add_argument("--timeout", default="2h", help="kubectl wait per Job (default 2h)")
    args = parser.parse_args(argv)
    extra = tuple(f"--set {shlex.quote(item)}" for item in args.set)
    objects = render(args.assignment, args.shards, args.image, args.jobs, extra_args=extra)
    if not args.submit:
        sys.stdout.write(to_yaml(objects))
        return 0
    submit(objects, args.assignment, args.instructor_pod, args.timeout)
    print(json.dumps({"graded": args.assignment, "into": f"~/grading/{args.assignment}"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
