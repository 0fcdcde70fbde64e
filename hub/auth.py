"""A password authenticator that needs no PAM: per-user passwords from a root-only file.

The local hub (`make hub`) and the end-to-end test make one random password per user and
store only its PBKDF2 hash. On Kubernetes, use the university's login instead (see
hub/k8s/values.yaml): this class is for trying the course on one machine.
`CourseAllowedUsers` (both places) also allows the users of the roster's allowed-users file.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import secrets
from pathlib import Path

from jupyterhub.auth import Authenticator
from traitlets import Unicode

ITERATIONS = 200_000


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${salt}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    _, iterations, salt, expected = stored.split("$")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)


def write_password_file(path: Path, passwords: dict[str, str]) -> None:
    """Store the hashes of `passwords` (user -> plain text) in a file only root can read."""
    path.touch(mode=0o600)
    path.write_text(json.dumps({u: hash_password(p) for u, p in passwords.items()}, indent=2))


def read_allowed_users(path: str | Path) -> set[str]:
    """The user names in an allowed-users file (`autograder roster --allowed-users FILE`):
    one a line, blank lines and `#` comments skipped; a missing file allows no one."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return set()
    return {line.split("#")[0].strip() for line in text.splitlines()} - {""}


class CourseAllowedUsers(Authenticator):
    """Also allows everyone listed in `allowed_users_file`, read at each login, so that
    `autograder roster class.csv COURSE --allowed-users FILE` lets a class in without a
    restart. Mixed into the local hub's authenticator here and into the real login on
    Kubernetes (hub/k8s/values.yaml, which mounts this file into the hub pod)."""

    allowed_users_file = Unicode(
        "", help="file of user names, one a line, allowed besides allowed_users"
    ).tag(config=True)

    async def check_allowed(self, username, authentication=None):
        if self.allowed_users_file and username in read_allowed_users(self.allowed_users_file):
            return True
        allowed = super().check_allowed(username, authentication)  # async in OAuthenticator
        return (await allowed) if inspect.isawaitable(allowed) else allowed


class CoursePasswordAuthenticator(CourseAllowedUsers, Authenticator):
    """Checks a username and password against `password_file` (user -> PBKDF2 hash)."""

    password_file = Unicode(help="JSON file mapping each user name to a PBKDF2 hash").tag(
        config=True
    )

    async def authenticate(self, handler, data):
        username = (data or {}).get("username", "")
        password = (data or {}).get("password", "")
        hashes = json.loads(Path(self.password_file).read_text())
        stored = hashes.get(username)
        if stored and check_password(password, stored):
            return username
        self.log.warning("failed login for %r", username)
        return None
