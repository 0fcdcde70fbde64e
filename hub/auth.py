"""A password authenticator that needs no PAM: per-user passwords from a root-only file.

The local hub (`make hub`) and the end-to-end test make one random password per user and
store only its PBKDF2 hash. On Kubernetes, use the university's login instead (see
hub/k8s/values.yaml): this class is for trying the course on one machine.
"""

from __future__ import annotations

import hashlib
import hmac
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


class CoursePasswordAuthenticator(Authenticator):
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
