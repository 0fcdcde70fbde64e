"""The hub's configuration files: the local config loads, the Kubernetes values parse and
name the same image settings, and the single-user pins equal requirements.txt."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from traitlets.config import PyFileConfigLoader

from hub import install
from hub.course import EXCHANGE, REPO

HUB = REPO / "hub"


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^\s*(?:-\s*)?([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def local_config(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVNETS_HUB_STATE", str(tmp_path))
    monkeypatch.setenv("CONVNETS_HUB_PORT", "18000")
    return PyFileConfigLoader("jupyterhub_config.py", path=str(HUB)).load_config()


def test_singleuser_pins_match_requirements():
    wanted = pins(HUB / "singleuser-requirements.txt")
    assert {"jupyterhub", "jupyterlab", "nbgrader", "nbgitpuller", "numpy"} <= set(wanted)
    everywhere = pins(REPO / "requirements.txt")
    assert {name: everywhere.get(name) for name in wanted} == wanted
    # The Kubernetes image is built from environment.yml: the same pins again.
    image = pins(REPO / "environment.yml")
    assert {name: image.get(name) for name in wanted} == wanted


def test_local_config_loads(monkeypatch, tmp_path):
    c = local_config(monkeypatch, tmp_path)
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.port == 18000
    assert c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.Spawner.default_url == "/lab"
    assert Path(c.Spawner.cmd[0]).name == "jupyterhub-singleuser"
    assert c.Spawner.environment["NBGRADER_EXCHANGE"] == str(EXCHANGE)
    assert c.JupyterHub.authenticator_class == "hub.auth.CoursePasswordAuthenticator"
    assert str(tmp_path) in c.JupyterHub.db_url


def test_k8s_values_match_the_local_config(monkeypatch, tmp_path):
    values = yaml.safe_load((HUB / "k8s" / "values.yaml").read_text())
    yaml.safe_load((HUB / "k8s" / "exchange-pvc.yaml").read_text())
    local = local_config(monkeypatch, tmp_path)
    single = values["singleuser"]
    # The image: built by repo2docker from environment.yml, named as DEPLOY.md builds it.
    image = f"{single['image']['name']}:{single['image']['tag']}"
    deploy = (HUB / "k8s" / "DEPLOY.md").read_text()
    assert f"--image-name {image}" in deploy and "environment.yml" in deploy
    assert single["defaultUrl"] == local.Spawner.default_url
    assert single["cmd"] == Path(local.Spawner.cmd[0]).name
    assert single["extraEnv"]["NBGRADER_EXCHANGE"] == local.Spawner.environment["NBGRADER_EXCHANGE"]
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    assert mounts["nbgrader-exchange"] == str(EXCHANGE)
    files = single["extraFiles"]
    assert files["nbgrader-config"]["stringData"] == (HUB / "nbgrader_config.py").read_text()
    assert files["nbgrader-config"]["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    assert files["student-server-config"]["data"] == install.STUDENT_SERVER_CONFIG
    assert files["student-lab-config"]["data"] == install.STUDENT_LAB_CONFIG
    assert files["common-server-config"]["data"] == install.COMMON_SERVER_CONFIG
    assert files["common-server-config"]["mountPath"] == "/etc/jupyter/jupyter_server_config.json"
    assert files["common-lab-config"]["data"] == install.COMMON_LAB_CONFIG
    assert files["instructor-server-config"]["data"] == install.INSTRUCTOR_SERVER_CONFIG
    teacher_dir = str(Path(files["instructor-server-config"]["mountPath"]).parent)
    assert (
        f'"JUPYTER_CONFIG_PATH"] = "{teacher_dir}"'
        in values["hub"]["extraConfig"]["convnets-roles"]
    )
    student_dir = str(Path(files["student-server-config"]["mountPath"]).parent)
    assert (
        f'"JUPYTER_CONFIG_PATH"] = "{student_dir}"'
        in values["hub"]["extraConfig"]["convnets-roles"]
    )


def test_student_switches_are_valid_json_config():
    config = json.loads(json.dumps(install.STUDENT_SERVER_CONFIG))
    extensions = config["ServerApp"]["jpserver_extensions"]
    assert extensions == {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
    }


def test_proxy_comes_from_the_npm_lock():
    package = json.loads((HUB / "package.json").read_text())
    lock = json.loads((HUB / "package-lock.json").read_text())
    wanted = package["dependencies"]["configurable-http-proxy"]
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == wanted
    assert wanted.startswith("5.")


def test_every_role_gets_its_config_dir(monkeypatch, tmp_path):
    """The spawner hook: instructors the dir that allows framing the Formgrader, students the
    one that switches it off; the terminal and news settings are in the venv, for everyone."""
    from types import SimpleNamespace

    from hub.course import INSTRUCTOR_CONFIG_DIR, STUDENT_CONFIG

    hook = local_config(monkeypatch, tmp_path).Spawner.pre_spawn_hook
    for name, wanted in (("instructor", INSTRUCTOR_CONFIG_DIR), ("student1", STUDENT_CONFIG)):
        spawner = SimpleNamespace(user=SimpleNamespace(name=name), environment={"PATH": "/x"})
        hook(spawner)
        assert spawner.environment == {"PATH": "/x", "JUPYTER_CONFIG_PATH": str(wanted)}
    assert install.INSTRUCTOR_SERVER_CONFIG["ServerApp"]["tornado_settings"]["headers"] == {
        "Content-Security-Policy": "frame-ancestors 'self'"
    }
    assert install.COMMON_SERVER_CONFIG["ServerApp"]["terminado_settings"]["shell_command"] == [
        "/bin/bash"
    ]  # not a login shell: /etc/profile would reset PATH


def test_instructor_sources_hold_no_grader_files_and_working_book_links(tmp_path):
    """nbgrader releases every file of source/<a>/: the grader's helpers (grading.py) and
    mutants must not be there. The notebooks' ../../book/ links become launch links."""
    from autograder.helpers import GRADER_ONLY
    from hub.course import book_page_link, copy_sources

    copy_sources(REPO / "solutions", tmp_path)
    for folder in (REPO / "solutions").iterdir():
        if not folder.is_dir():
            continue
        names = {p.name for p in (tmp_path / "source" / folder.name).iterdir()}
        assert f"{folder.name}.ipynb" in names and not names & set(GRADER_ONLY), names
        text = (tmp_path / "source" / folder.name / f"{folder.name}.ipynb").read_text()
        assert "../../book/" not in text and book_page_link("exercises.md") in text


# nbgrader 0.9.6's compiled "(view feedback)" handler, as its JupyterLab extension ships it.
VIEW_FEEDBACK_JS = (
    'if(t.append(s),this.data.has_local_feedback&&!this.data.feedback_updated){var n=this.app,'
    'a=this.data.local_feedback_path,i=document.createElement("a");i.onclick=function(){'
    'n.commands.execute("filebrowser:go-to-path",{path:a})},i.innerText=" (view feedback)",'
    "t.append(i)}"
)


def fake_extension(root: Path, text: str) -> Path:
    static = root / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    static.mkdir(parents=True)
    (static / "100.other.js").write_text('n.commands.execute("filebrowser:go-to-path",{path:a})')
    path = static / "161.handler.js"
    path.write_text(text)
    return path


def test_view_feedback_link_is_patched_to_open_the_page(tmp_path):
    path = fake_extension(tmp_path, VIEW_FEEDBACK_JS)
    assert install.patch_view_feedback(tmp_path) == path
    patched = path.read_text()
    assert 'n.serviceManager.contents.get(a).then(' in patched
    assert 'n.commands.execute("docmanager:open",{path:f.path,factory:"HTML Viewer"})' in patched
    assert 'n.commands.execute("filebrowser:go-to-path",{path:a})' in patched  # still shown
    assert patched.count("(view feedback)") == 1
    # Idempotent; the other file, which has no such link, is left alone.
    assert install.patch_view_feedback(tmp_path) == path and path.read_text() == patched
    assert "docmanager" not in (path.parent / "100.other.js").read_text()


def test_an_unknown_nbgrader_build_fails_loudly(tmp_path):
    fake_extension(tmp_path, VIEW_FEEDBACK_JS.replace("filebrowser:go-to-path", "somethingelse"))
    with pytest.raises(RuntimeError, match="VIEW_FEEDBACK_CALL"):
        install.patch_view_feedback(tmp_path)
