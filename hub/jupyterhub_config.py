# JupyterHub configuration for one course on one machine (`make hub`, the hub tests).
#
# Started by hub/local.py (or tests/hub) as root from the repository's .venv:
#     jupyterhub -f hub/jupyterhub_config.py
# with these environment variables (hub/local.py sets them):
#   CONVNETS_HUB_STATE        directory for the database, cookie secret, password hashes
#   CONVNETS_HUB_PORT         public port on 127.0.0.1 (the proxy); +1 proxy API, +2 hub API
#   CONVNETS_HUB_INSTRUCTORS  comma-separated user names (formgrader, course directory)
#   CONVNETS_HUB_STUDENTS     comma-separated user names
#   NBGRADER_EXCHANGE         the nbgrader exchange directory (default /srv/nbgrader/exchange)
#   CONVNETS_HUB_ALLOWED_USERS  the roster's allowed-users file (default hub.course.ALLOWED_USERS)
# Users are real system users (LocalProcessSpawner): each server runs as its user.
import os
from pathlib import Path

from hub.course import (
    ALLOWED_USERS,
    EXCHANGE,
    INSTRUCTOR_CONFIG_DIR,
    PROXY,
    SINGLEUSER,
    STUDENT_CONFIG,
    VENV,
)

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

state = Path(os.environ.get("CONVNETS_HUB_STATE", "/var/lib/convnets-hub"))
port = int(os.environ.get("CONVNETS_HUB_PORT", "8000"))
instructors = {u for u in os.environ.get("CONVNETS_HUB_INSTRUCTORS", "instructor").split(",") if u}
students = {u for u in os.environ.get("CONVNETS_HUB_STUDENTS", "student1,student2").split(",") if u}
exchange = os.environ.get("NBGRADER_EXCHANGE", str(EXCHANGE))

# Network: everything on loopback.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 2
c.JupyterHub.proxy_class = "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 1}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

# State: nothing written next to the sources.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
c.JupyterHub.cleanup_proxy = True

# Who may log in.
c.JupyterHub.authenticator_class = "hub.auth.CoursePasswordAuthenticator"
c.CoursePasswordAuthenticator.password_file = str(state / "passwords.json")
c.Authenticator.allowed_users = instructors | students
# ...and the class: `autograder roster class.csv COURSE --allowed-users FILE` writes this file,
# read at each login (hub/auth.py, CourseAllowedUsers; the same on Kubernetes).
c.CourseAllowedUsers.allowed_users_file = os.environ.get(
    "CONVNETS_HUB_ALLOWED_USERS", str(ALLOWED_USERS)
)

# The single-user servers: JupyterLab with nbgrader and nbgitpuller, from the world-readable
# venv that hub/install.py builds (the Kubernetes image is built from environment.yml).
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(SINGLEUSER)]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.environment = {
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "NBGRADER_EXCHANGE": exchange,
}


def role_config(spawner):
    """Students get the config dir that switches formgrader and course tools off; instructors
    the one that lets JupyterLab frame the Formgrader (hub/install.py)."""
    extra = INSTRUCTOR_CONFIG_DIR if spawner.user.name in instructors else STUDENT_CONFIG
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": str(extra)}


c.Spawner.pre_spawn_hook = role_config
