"""Install what the local hub needs outside the repository (idempotent, run as root).

    .venv/bin/python -m hub.install [--browser]

* /opt/convnets-hub/venv: the single-user servers' environment, made from Debian's
  /usr/bin/python3.11 (world-executable) with hub/singleuser-requirements.txt;
* /opt/convnets-hub/proxy: configurable-http-proxy from the npm registry (hub/package-lock.json);
* the course's nbgrader config inside that venv, and the students' extra Jupyter config;
* the nbgrader exchange /srv/nbgrader/exchange (everyone may write, sticky like /tmp), and
  in it the course's folder, owned by the instructor (once that user exists);
* with --browser: Debian's chromium, for the browser test.

Each part is redone only when its input file changed (a hash stamp), so a second run takes
about a second.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

from hub.course import (
    CHROMIUM,
    COURSE_ID,
    EXCHANGE,
    HUB_DIR,
    INSTRUCTOR_CONFIG_DIR,
    INSTRUCTORS,
    PREFIX,
    PROXY,
    STUDENT_CONFIG,
    VENV,
    user_exists,
)

BASE_PYTHON = Path("/usr/bin/python3.11")
REQUIREMENTS = HUB_DIR / "singleuser-requirements.txt"
STUDENT_SERVER_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {
            "nbgrader.server_extensions.formgrader": False,
            "nbgrader.server_extensions.course_list": False,
        }
    }
}
STUDENT_LAB_CONFIG = {
    "disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True,
        "@jupyter/nbgrader:course-list": True,
        "@jupyter/nbgrader:create-assignment": True,
        "@jupyterlab/apputils-extension:announcements": True,  # no news pop-up (offline)
    }
}
# Every user's server (students and the instructor), in <venv>/etc/jupyter:
# * terminals run a plain interactive bash, not a login shell: a login shell reads
#   /etc/profile, which resets PATH and drops the hub's venv (`nbgrader: command not found`,
#   the system's Python);
# * no JupyterLab news pop-up (it asks to fetch news from the internet).
COMMON_SERVER_CONFIG = {"ServerApp": {"terminado_settings": {"shell_command": ["/bin/bash"]}}}
COMMON_LAB_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
# The instructor's server only: nbgrader's Formgrader is a frame inside JupyterLab, and
# JupyterHub 6 tells single-user servers to refuse every frame ("frame-ancestors 'none'",
# nbgrader #1870). Pages of the same origin may frame the instructor's server again (the
# setting nbgrader's docs give); students' servers keep 'none'.
INSTRUCTOR_SERVER_CONFIG = {
    "ServerApp": {
        "tornado_settings": {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
    }
}


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()


def up_to_date(stamp: Path, value: str) -> bool:
    return stamp.exists() and stamp.read_text() == value


def log(message: str) -> None:
    print(f"hub.install: {message}", flush=True)


def install_venv() -> None:
    stamp = VENV / ".convnets-hub-stamp"
    value = digest(REQUIREMENTS) + digest(BASE_PYTHON)
    if up_to_date(stamp, value):
        return
    log(f"creating {VENV} from {BASE_PYTHON} (a few minutes, once)")
    subprocess.run([str(BASE_PYTHON), "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [
        str(VENV / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-cache-dir",
    ]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(value)


def install_proxy() -> None:
    proxy_dir = PROXY.parents[2]
    stamp = proxy_dir / ".convnets-hub-stamp"
    lock = HUB_DIR / "package-lock.json"
    value = digest(HUB_DIR / "package.json", lock)
    if up_to_date(stamp, value) and PROXY.exists():
        return
    log(f"installing configurable-http-proxy into {proxy_dir}")
    proxy_dir.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HUB_DIR / name, proxy_dir / name)
    subprocess.run(
        ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=proxy_dir,
        check=True,
    )
    stamp.write_text(value)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def install_config() -> None:
    """Course-wide nbgrader and server config in the venv; the roles' extra config dirs."""
    etc = VENV / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    shutil.copy(HUB_DIR / "nbgrader_config.py", etc / "nbgrader_config.py")
    # Not in jupyter_server_config.d/: Jupyter Server reads only jpserver_extensions there.
    write_json(etc / "jupyter_server_config.json", COMMON_SERVER_CONFIG)
    write_json(etc / "labconfig" / "page_config.json", COMMON_LAB_CONFIG)
    write_json(INSTRUCTOR_CONFIG_DIR / "jupyter_server_config.json", INSTRUCTOR_SERVER_CONFIG)
    (STUDENT_CONFIG / "labconfig").mkdir(parents=True, exist_ok=True)
    (STUDENT_CONFIG / "jupyter_server_config.json").write_text(
        json.dumps(STUDENT_SERVER_CONFIG, indent=2) + "\n"
    )
    (STUDENT_CONFIG / "labconfig" / "page_config.json").write_text(
        json.dumps(STUDENT_LAB_CONFIG, indent=2) + "\n"
    )


# nbgrader 0.9.6's Assignment List links "(view feedback)" to `filebrowser:go-to-path` on
# the feedback folder, which in JupyterLab 4 only moves the file browser there: nothing
# opens. The handler is compiled into the extension's JavaScript and a JupyterLab command
# cannot be registered twice, so the installed file is patched (once, idempotent) to also
# open every feedback page of that folder in JupyterLab's HTML viewer (our pages have no
# script, so the viewer's sandbox shows them whole). A changed nbgrader build fails here
# loudly rather than shipping the dead link.
VIEW_FEEDBACK_CALL = re.compile(
    r'(\w+)\.commands\.execute\("filebrowser:go-to-path",\{path:(\w+)\}\)'
    r'(?=\},\w+\.innerText=" \(view feedback\)")'
)
VIEW_FEEDBACK_OPENS = (
    '{app}.commands.execute("filebrowser:go-to-path",{{path:{folder}}}),'
    "{app}.serviceManager.contents.get({folder}).then(function(d){{"
    'd.content.filter(function(f){{return f.type==="file"&&/\\.html$/.test(f.name)}})'
    '.forEach(function(f){{{app}.commands.execute("docmanager:open",'
    '{{path:f.path,factory:"HTML Viewer"}})}})}})'
)


def patch_view_feedback(venv: Path = VENV) -> Path:
    """Make "(view feedback)" open the feedback page; returns the patched file."""
    static = venv / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    for path in sorted(static.glob("*.js")):
        text = path.read_text()
        if "(view feedback)" not in text:
            continue
        if 'factory:"HTML Viewer"' in text:
            return path
        patched, count = VIEW_FEEDBACK_CALL.subn(
            lambda m: VIEW_FEEDBACK_OPENS.format(app=m[1], folder=m[2]), text
        )
        if count != 1:
            break
        path.write_text(patched)
        log(f"patched {path.name}: (view feedback) opens the feedback page")
        return path
    raise RuntimeError(
        f"hub.install: no '(view feedback)' handler to patch under {static}: nbgrader's "
        "JupyterLab extension changed; see VIEW_FEEDBACK_CALL in hub/install.py"
    )


def make_exchange(root: Path = EXCHANGE) -> None:
    """nbgrader's exchange: a directory every user may write to (sticky, as nbgrader's docs say)."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o1777)
    for parent in root.parents:
        if parent == Path("/"):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o055)


def make_course_exchange(
    instructor: str, root: Path = EXCHANGE, course_id: str = COURSE_ID
) -> Path:
    """The course's folder in the exchange, made now and owned by the instructor (mode 755).

    The exchange is writable by everyone: a student who made `<exchange>/<course>` before the
    first release would own it, and `nbgrader release_assignment` then fails ("You don't own
    the directory"). One that is there already and is not the instructor's own directory is
    moved aside (`<course>.untrusted-<n>`) and a new one is made."""
    user = pwd.getpwnam(instructor)
    path = root / course_id
    for _attempt in range(10):
        try:
            os.mkdir(path, 0o755)  # root's until the chown: nobody else can write into it
        except FileExistsError:
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == user.pw_uid:
                os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
                return path
            aside = path.with_name(f"{course_id}.untrusted-{time.time_ns()}")
            os.rename(path, aside)
            log(f"{path} was not {instructor}'s (owner uid {st.st_uid}); moved it to {aside}")
            continue
        os.chown(path, user.pw_uid, user.pw_gid)
        os.chmod(path, 0o755)
        return path
    raise RuntimeError(f"could not make {path}: something keeps re-creating it")


def world_readable(root: Path) -> None:
    """Everything under PREFIX readable (and directories enterable) by every user."""
    for path in (root, *root.parents[:-1]):
        os.chmod(path, os.stat(path).st_mode | 0o055)
    subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)


def install_chromium() -> None:
    if CHROMIUM.exists():
        return
    log("installing Debian's chromium (browser test)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)


def install(browser: bool = False) -> None:
    if os.geteuid() != 0:
        sys.exit("hub.install: run as root (it creates /opt/convnets-hub and system users)")
    if not BASE_PYTHON.exists():
        sys.exit(f"hub.install: {BASE_PYTHON} is missing (apt-get install python3.11-venv)")
    PREFIX.mkdir(parents=True, exist_ok=True)
    install_venv()
    patch_view_feedback()
    install_proxy()
    install_config()
    world_readable(PREFIX)
    make_exchange()
    if user_exists(INSTRUCTORS[0]):  # else hub.local makes it when it creates the instructor
        make_course_exchange(INSTRUCTORS[0])
    if browser:
        install_chromium()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also install Debian's chromium")
    install(parser.parse_args().browser)


if __name__ == "__main__":
    main()
