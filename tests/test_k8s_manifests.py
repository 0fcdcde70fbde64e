"""Every Kubernetes object in hub/k8s/ is a valid object of the Kubernetes API, offline.

Each manifest (every document of every `.yaml` but the Helm values), the objects that
`hub.k8s.grade_job` renders for every assignment, and the Kubernetes-typed parts of
`values.yaml` (the single-user pods' and the hub's extra volumes and mounts) are validated
against the Kubernetes OpenAPI schemas that `kubernetes-validate` ships, in strict mode (a
misspelt or unknown field is an error). Then what the schemas cannot say: API validation
rules these objects rely on, and the design of hub/k8s/DEPLOY.md ("Grading on
Kubernetes"): hidden material mounted only into grading pods, no egress, no root.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `hub` is the repository's, not tests/hub/ (as its conftest)

from autograder.config import Course  # noqa: E402
from autograder.notebook import load_assignment  # noqa: E402
from hub.k8s import grade_job  # noqa: E402

K8S = REPO / "hub" / "k8s"
VERSION = "1.33"  # user namespaces on by default; procMount and appArmorProfile fields
IMAGE = "registry.example.org/convnets/convnets-grader:0.1.0"


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "values.yaml":  # Helm values, not an object: see its own test
            continue
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc is not None:
                found.append((f"{path.relative_to(K8S)}#{i}", doc))
    return found


def rendered(shards: int = 3) -> list[tuple[str, dict]]:
    return [
        (f"{a}:{obj['kind']}/{obj['metadata']['name']}", obj)
        for a in Course().assignments()
        for obj in grade_job.render(a, shards, IMAGE)
    ]


def api_rules(obj: dict) -> list[str]:
    """Rules of the API server's validation that the JSON schemas do not express."""
    problems = []
    spec = obj.get("spec", {})
    pod = spec.get("template", {}).get("spec") if obj["kind"] == "Job" else spec
    if obj["kind"] == "Job":
        if spec.get("completionMode") == "Indexed" and not spec.get("completions"):
            problems.append("an Indexed Job needs completions")
        if "backoffLimitPerIndex" in spec and pod.get("restartPolicy") != "Never":
            problems.append("backoffLimitPerIndex needs restartPolicy Never")
        if pod.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append("a Job's pods restart Never or OnFailure")
    if obj["kind"] in ("Job", "Pod"):
        names = {v["name"] for v in pod.get("volumes", [])}
        for c in pod["containers"]:
            sc = c.get("securityContext", {})
            if sc.get("procMount") == "Unmasked" and pod.get("hostUsers") is not False:
                problems.append(f"{c['name']}: procMount Unmasked needs hostUsers: false")
            if sc.get("allowPrivilegeEscalation") is False and (
                sc.get("privileged") or "SYS_ADMIN" in sc.get("capabilities", {}).get("add", [])
            ):
                problems.append(f"{c['name']}: no privilege escalation with SYS_ADMIN")
            seccomp = sc.get("seccompProfile", {})
            if (seccomp.get("type") == "Localhost") != bool(seccomp.get("localhostProfile")):
                problems.append(f"{c['name']}: localhostProfile goes with type Localhost")
            for m in c.get("volumeMounts", []):
                if m["name"] not in names:
                    problems.append(f"{c['name']}: mounts undeclared volume {m['name']}")
            requests, limits = (c.get("resources", {}).get(k, {}) for k in ("requests", "limits"))
            if not limits.get("memory") or not limits.get("cpu"):
                problems.append(f"{c['name']}: no cpu/memory limit")
    return problems


def check(obj: dict) -> list[str]:
    """'' problems for a valid object; else what is wrong (schema first, then the rules)."""
    try:
        kubernetes_validate.validate(obj, VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"schema: {error.message}"]
    return api_rules(obj)


@pytest.mark.parametrize("name,obj", manifests() + rendered(), ids=lambda v: str(v)[:60])
def test_every_object_is_valid(name, obj):
    assert check(obj) == [], name


def test_every_manifest_file_is_covered():
    names = {name.split("#")[0] for name, _ in manifests()}
    assert {
        "exchange-pvc.yaml",
        "allowed-users.yaml",
        "grading/namespace.yaml",
        "grading/networkpolicy.yaml",
        "grading/work-pvc.yaml",
        "grading/io-pod.yaml",
    } <= names
    kinds = {obj["kind"] for _, obj in rendered()}
    assert kinds == {"Secret", "Job"}


def test_a_broken_manifest_fails():
    """The check is not vacuous: a misspelt field, a wrong type, a missing field, a
    forbidden combination each fail it."""
    _, job, _ = grade_job.render("conv", 2, IMAGE)
    assert check(job) == []
    misspelt = copy.deepcopy(job)
    misspelt["spec"]["paralelism"] = misspelt["spec"].pop("parallelism")
    typed = copy.deepcopy(job)
    typed["spec"]["completions"] = "two"
    missing = copy.deepcopy(job)
    del missing["spec"]["template"]["spec"]["containers"][0]["name"]
    unmasked = copy.deepcopy(job)
    unmasked["spec"]["template"]["spec"]["hostUsers"] = True
    for broken in (misspelt, typed, missing):
        assert check(broken) and check(broken)[0].startswith("schema:"), broken["spec"]
    assert check(unmasked) == ["grade: procMount Unmasked needs hostUsers: false"]
    pvc = yaml.safe_load((K8S / "exchange-pvc.yaml").read_text())
    pvc["spec"]["accessModes"] = "ReadWriteMany"  # a string where a list belongs
    assert check(pvc)


def test_values_kubernetes_parts_are_valid():
    """values.yaml is Helm values, not an object; its volumes and mounts are Kubernetes
    types, checked inside a Pod."""
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    storage = values["singleuser"]["storage"]
    for volumes, mounts in (
        (storage["extraVolumes"], storage["extraVolumeMounts"]),
        (values["hub"]["extraVolumes"], values["hub"]["extraVolumeMounts"]),
    ):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "values"},
            "spec": {
                "volumes": volumes,
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "volumeMounts": mounts,
                        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                    }
                ],
            },
        }
        assert check(pod) == []


def pods(objects: list[dict]) -> dict[str, dict]:
    found = {}
    for obj in objects:
        if obj["kind"] == "Job":
            found[obj["metadata"]["name"]] = obj["spec"]["template"]["spec"]
        elif obj["kind"] == "Pod":
            found[obj["metadata"]["name"]] = obj["spec"]
    return found


def test_hidden_material_reaches_the_grading_pods_only():
    secret, grade, merge = grade_job.render("conv", 4, IMAGE)
    course = Course()
    assert secret["stringData"] == {
        "conv.ipynb": course.source("conv").read_text(),
        "grading.py": (course.solutions / "conv" / "grading.py").read_text(),
    }
    assert not any("mutant" in key for key in secret["stringData"])
    everything = [obj for _, obj in manifests()] + [grade, merge]
    for name, pod in pods(everything).items():
        secrets = [v for v in pod.get("volumes", []) if "secret" in v]
        if name == "grade-conv":
            assert [v["secret"]["secretName"] for v in secrets] == ["convnets-hidden-conv"]
            (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "hidden"]
            assert mount["readOnly"] and mount["mountPath"].endswith("/solutions/conv")
        else:
            assert secrets == [], name
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    text = json.dumps(values)
    assert "convnets-hidden" not in text and grade_job.NAMESPACE not in text
    assert secret["metadata"]["namespace"] == grade_job.NAMESPACE != grade_job.HUB_NAMESPACE


def test_grading_pods_keep_the_sandbox_and_give_up_root():
    _, grade, merge = grade_job.render("conv", 4, IMAGE, jobs=2)
    spec = grade["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == 4
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    sc = c["securityContext"]
    assert pod["hostUsers"] is False and pod["automountServiceAccountToken"] is False
    assert sc["runAsNonRoot"] and sc["runAsUser"] != 0 and not sc["allowPrivilegeEscalation"]
    assert sc["capabilities"] == {"drop": ["ALL"]} and "privileged" not in sc
    assert sc["seccompProfile"]["localhostProfile"] == grade_job.SECCOMP_PROFILE
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["AUTOGRADER_ISOLATION"] == "user-namespace"  # never falls back to "reduced"
    script = c["command"][-1]
    assert script.startswith(grade_job.PROBE)  # fails the pod where the sandbox cannot start
    assert '--shard "$JOB_COMPLETION_INDEX"/4 --jobs 2' in script
    assert '--out /work/conv/shards/"$JOB_COMPLETION_INDEX"' in script
    memory_mb = load_assignment(Course().source("conv")).limits.memory_mb
    limits, requests = c["resources"]["limits"], c["resources"]["requests"]
    assert limits["memory"] == f"{2 * (memory_mb + grade_job.GRADER_MB)}Mi"
    assert limits["cpu"] == "2"
    for key in ("cpu", "memory"):  # Guaranteed QoS
        assert limits[key] == requests[key]
    merged = merge["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert merged.endswith(
        "autograder merge /work/conv/out " + " ".join(f"/work/conv/shards/{i}" for i in range(4))
    )
    assert "hostUsers" not in merge["spec"]["template"]["spec"]  # no sandbox, no exceptions


def test_no_traffic_in_or_out_of_grading():
    (policy,) = yaml.safe_load_all((K8S / "grading" / "networkpolicy.yaml").read_text())
    assert policy["metadata"]["namespace"] == grade_job.NAMESPACE
    assert policy["spec"]["podSelector"] == {}
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "egress" not in policy["spec"] and "ingress" not in policy["spec"]


def test_the_seccomp_profile_allows_what_the_sandbox_needs():
    profile = json.loads((K8S / "grading" / "convnets-grader.seccomp.json").read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    denied = {n for rule in profile["syscalls"] for n in rule["names"]}
    assert {"unshare", "mount", "umount2", "clone", "capset", "prctl"}.isdisjoint(denied)
    assert {"kexec_load", "init_module", "bpf", "ptrace", "setns", "userfaultfd"} <= denied
    assert grade_job.SECCOMP_PROFILE.endswith("convnets-grader.json")


def test_the_command_prints_what_it_would_submit(capsys):
    assert (
        grade_job.main(["conv", "--shards", "2", "--image", IMAGE, "--set", "test_timeout=20"]) == 0
    )
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    assert [d["kind"] for d in docs] == ["Secret", "Job", "Job"]
    assert (
        "--set test_timeout=20"
        in docs[1]["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    )
    assert all(check(d) == [] for d in docs)


def test_the_probe_is_the_sandboxs_own_unshare():
    """The pod's probe asks `unshare` for exactly what the sandbox's user-namespace mode asks
    for, so a pod that passes it can start every sandbox; and it runs here."""
    import subprocess

    from autograder.isolation import unshare_argv

    argv = unshare_argv("user-namespace")
    probe = grade_job.PROBE.split()
    assert probe == [*argv[argv.index("unshare") :], "true"]
    assert {"--user", "--map-root-user", "--net", "--mount-proc"} <= set(probe)
    done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:  # what a pod without the securityContext above would say
        assert "unshare" in done.stderr
        pytest.skip(f"no user namespaces on this machine: {done.stderr.strip()}")


def fake_kubectl(tmp_path: Path) -> Path:
    """A directory holding a stand-in `kubectl` (tests/fixtures/fake_kubectl.py), for PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = REPO / "tests" / "fixtures" / "fake_kubectl.py"
    (bin_dir / "kubectl").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    (bin_dir / "kubectl").chmod(0o755)
    return bin_dir


def test_submit_moves_the_class_in_runs_both_jobs_and_brings_the_results_back(
    tmp_path, monkeypatch
):
    """`--submit` with a stand-in kubectl: the calls in order, the submissions copied from
    the instructor's pod into the work volume, the merged output copied back to
    ~/grading/<a>."""
    bin_dir = fake_kubectl(tmp_path)
    root = tmp_path / "cluster"
    notebook = root / "instructor" / "course" / "submitted" / "student00" / "conv" / "conv.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("{}")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_ROOT", str(root))
    args = ["conv", "--shards", "2", "--image", IMAGE, "--submit"]
    assert grade_job.main(args) == 0
    calls = [json.loads(line) for line in (root / "calls.jsonl").read_text().splitlines()]
    verbs = [c[0] + (" " + c[-2] if c[0] == "wait" else "") for c in calls]
    assert verbs == [
        "delete",
        "delete",
        "delete",
        "apply",
        "wait pod/grading-io",
        "exec",
        "exec",
        "exec",
        "apply",
        "wait job/grade-conv",
        "apply",
        "wait job/merge-conv",
        "exec",
        "exec",
    ]
    applied = [yaml.safe_load((root / f"applied-{i}.yaml").read_text()) for i in range(3)]
    assert [(d["kind"], d["metadata"]["name"]) for d in applied] == [
        ("Secret", "convnets-hidden-conv"),
        ("Job", "grade-conv"),
        ("Job", "merge-conv"),
    ]
    copied = root / "io" / "work" / "conv" / "submitted" / "student00" / "conv" / "conv.ipynb"
    assert copied.read_text() == "{}"
    back = root / "instructor" / "grading" / "conv"
    assert (back / "grades.csv").read_text().startswith("student_id,score")
    assert oct(back.stat().st_mode & 0o777) == "0o700"
