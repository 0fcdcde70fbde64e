"""A class added from a CSV in one command may log in; a stranger may not (issue 17, item 7).

`autograder roster class.csv COURSE --allowed-users FILE` writes nbgrader's student records
and the allowed-users file that the hub reads at each login (`hub.auth.CourseAllowedUsers`,
in the local hub's config and, mixed into the LTI 1.3 login, on Kubernetes). Run on the
local hub's own configuration and authenticator, without starting a hub: the roster is
imported after the authenticator exists, as it would be while the hub runs.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from traitlets.config import PyFileConfigLoader

from hub.auth import CoursePasswordAuthenticator, read_allowed_users, write_password_file
from hub.course import ALLOWED_USERS, REPO

CLASS = """id,first_name,last_name,email,lms_user_id
ada,Ada,Lovelace,ada@example.org,1001
grace,Grace,Hopper,grace@example.org,1002
"""


def authenticator(monkeypatch, tmp_path, allowed):
    monkeypatch.setenv("CONVNETS_HUB_STATE", str(tmp_path))
    monkeypatch.setenv("CONVNETS_HUB_ALLOWED_USERS", str(allowed))
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "hub")).load_config()
    return CoursePasswordAuthenticator(config=config)


def login(auth, name: str, password: str):
    """JupyterHub's own login path: authenticate, then the allow check, as the hub runs it."""
    return asyncio.run(auth.get_authenticated_user(None, {"username": name, "password": password}))


def test_a_roster_student_may_log_in_and_a_stranger_may_not(monkeypatch, tmp_path):
    allowed = tmp_path / "allowed-users.txt"
    auth = authenticator(monkeypatch, tmp_path, allowed)
    assert auth.allowed_users_file == str(allowed)
    # Everyone has a valid password: only the allow check can keep someone out.
    write_password_file(tmp_path / "passwords.json", {u: u for u in ("ada", "mallory")})
    assert login(auth, "ada", "ada") is None  # not yet on the roster

    course = tmp_path / "course"
    course.mkdir()
    (tmp_path / "class.csv").write_text(CLASS)
    roster = [sys.executable, "-m", "autograder.cli", "roster", str(tmp_path / "class.csv")]
    done = subprocess.run(
        [*roster, str(course), "--allowed-users", str(allowed)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert read_allowed_users(allowed) == {"ada", "grace"}
    assert (course / "gradebook.db").exists()  # nbgrader's student records, same command

    assert login(auth, "ada", "ada")["name"] == "ada"  # no restart needed
    assert login(auth, "mallory", "mallory") is None
    assert asyncio.run(auth.check_allowed("grace")) is True
    assert asyncio.run(auth.check_allowed("mallory")) is False
    assert asyncio.run(auth.check_allowed("student1")) is True  # the hub's own users stay


def test_the_allowed_users_file(tmp_path):
    path = tmp_path / "allowed.txt"
    assert read_allowed_users(path) == set()  # missing: nobody extra
    path.write_text("ada\n\n  grace  # second year\n# a comment\n")
    assert read_allowed_users(path) == {"ada", "grace"}


def test_the_local_hub_reads_the_default_file_unless_told(monkeypatch, tmp_path):
    monkeypatch.delenv("CONVNETS_HUB_ALLOWED_USERS", raising=False)
    monkeypatch.setenv("CONVNETS_HUB_STATE", str(tmp_path))
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "hub")).load_config()
    assert config.CourseAllowedUsers.allowed_users_file == str(ALLOWED_USERS)


def test_a_second_class_is_added_not_swapped_in(tmp_path):
    from autograder.lms import import_roster

    allowed, course = tmp_path / "allowed.txt", tmp_path / "course"
    course.mkdir()
    allowed.write_text("instructor\nada\n")
    (tmp_path / "b.csv").write_text("id\nada\nlinus\n")
    assert import_roster(tmp_path / "b.csv", course, allowed_users=allowed) == ["ada", "linus"]
    assert allowed.read_text().split() == ["instructor", "ada", "linus"]


def k8s_login(monkeypatch, tmp_path, hub_config: dict):
    """Run values.yaml's `convnets-login` as the chart's hub would: hub/auth.py where
    hub.extraFiles mounts it, a stand-in for ltiauthenticator's class (not installed here:
    the chart's hub image has it), `c` holding hub.config."""
    import types

    import yaml
    from jupyterhub.auth import Authenticator
    from traitlets.config import Config

    values = yaml.safe_load((REPO / "hub" / "k8s" / "values.yaml").read_text())
    mount = values["hub"]["extraFiles"]["convnets-auth"]["mountPath"]
    mounted = tmp_path / "mounted"
    mounted.mkdir(exist_ok=True)
    (mounted / mount.rsplit("/", 1)[1]).write_text((REPO / "hub" / "auth.py").read_text())
    monkeypatch.syspath_prepend(str(mounted))
    lti = types.ModuleType("ltiauthenticator.lti13.auth")

    class LTI13Authenticator(Authenticator):
        pass

    lti.LTI13Authenticator = LTI13Authenticator
    for name in ("ltiauthenticator", "ltiauthenticator.lti13"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "ltiauthenticator.lti13.auth", lti)
    monkeypatch.delitem(sys.modules, "convnets_auth", raising=False)
    c = Config(hub_config)
    exec(values["hub"]["extraConfig"]["convnets-login"], {"c": c})
    return values, c


def test_the_kubernetes_login_refuses_placeholders_and_reads_the_roster(monkeypatch, tmp_path):
    import copy

    import pytest
    import yaml

    values = yaml.safe_load((REPO / "hub" / "k8s" / "values.yaml").read_text())
    shipped = values["hub"]["config"]
    assert "dummy" not in str(values).lower()
    with pytest.raises(SystemExit, match="replace the placeholders"):
        k8s_login(monkeypatch, tmp_path, copy.deepcopy(shipped))
    real = copy.deepcopy(shipped)
    lti = real["LTI13Authenticator"]
    for key in ("issuer", "authorize_url", "jwks_endpoint"):
        lti[key] = lti[key].replace("REPLACE.", "")
    lti["client_id"] = ["10000000000042"]
    allowed = tmp_path / "allowed-users.txt"  # the ConfigMap's file, where the hub mounts it
    mount = {m["name"]: m["mountPath"] for m in values["hub"]["extraVolumeMounts"]}["roster"]
    assert real["CourseAllowedUsers"]["allowed_users_file"] == f"{mount}/allowed-users.txt"
    real["CourseAllowedUsers"]["allowed_users_file"] = str(allowed)
    _, c = k8s_login(monkeypatch, tmp_path, real)
    cls = c.JupyterHub.authenticator_class
    assert cls.__name__ == "CourseLTI13Authenticator"
    auth = cls(config=c)
    allowed.write_text("ada\n")
    assert asyncio.run(auth.check_allowed("ada")) is True
    assert asyncio.run(auth.check_allowed("instructor")) is True
    assert asyncio.run(auth.check_allowed("mallory")) is False
    volume = {v["name"]: v for v in values["hub"]["extraVolumes"]}["roster"]
    configmap = yaml.safe_load((REPO / "hub" / "k8s" / "allowed-users.yaml").read_text())
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    assert "allowed-users.txt" in configmap["data"]
    deploy = (REPO / "hub" / "k8s" / "DEPLOY.md").read_text()
    assert "--set-file hub.extraFiles.convnets-auth.stringData=hub/auth.py" in deploy


def test_one_command_adds_a_class_on_kubernetes(tmp_path, monkeypatch):
    """`python -m hub.k8s.roster class.csv` with a stand-in kubectl (tests/fixtures): the
    roster runs in the instructor's server (the real `autograder roster`), and the hub's
    ConfigMap then lists the instructor's file, a valid Kubernetes object."""
    import os

    import kubernetes_validate
    import yaml

    from hub.k8s import roster

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = REPO / "tests" / "fixtures" / "fake_kubectl.py"
    (bin_dir / "kubectl").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    (bin_dir / "kubectl").chmod(0o755)
    cluster = tmp_path / "cluster"
    (cluster / "instructor" / "course").mkdir(parents=True)
    (cluster / "instructor" / "allowed-users.txt").write_text("instructor\n")
    path = [str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]
    monkeypatch.setenv("PATH", os.pathsep.join(path))
    monkeypatch.setenv("FAKE_ROOT", str(cluster))
    (tmp_path / "class.csv").write_text(CLASS)
    assert roster.main([str(tmp_path / "class.csv")]) == 0
    assert (cluster / "instructor" / "course" / "gradebook.db").exists()
    (applied,) = [yaml.safe_load(p.read_text()) for p in cluster.glob("applied-*.yaml")]
    assert applied["metadata"]["name"] == "convnets-allowed-users"
    assert read_allowed_users_text(applied["data"]["allowed-users.txt"]) == [
        "instructor",
        "ada",
        "grace",
    ]
    kubernetes_validate.validate(applied, "1.33", strict=True)


def read_allowed_users_text(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
