"""Keeping an uploaded lessons log between the steps of the import pages.

The file waits in a private folder under a random token; the browser only ever names the
token (remembered in its session), never a path. Uploads nobody finished importing are
removed after a day.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings

UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def upload_dir() -> Path:
    """Where uploads wait between the steps: a private folder, files named by random tokens."""
    base = getattr(settings, "HINDSIGHT_IMPORT_DIR", None) or tempfile.gettempdir()
    folder = Path(base) / "hindsight-imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def save_upload(data: bytes) -> str:
    """Keep an upload under a new random token; returns the token."""
    purge_old_uploads()
    token = secrets.token_urlsafe(24)
    path = upload_dir() / token
    with open(path, "xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    return token


def upload_path(token: str) -> Path:
    """The file of a token. Only tokens of our own making pass: never a path from a client."""
    if not TOKEN_PATTERN.match(token or ""):
        raise FileNotFoundError(token)
    path = upload_dir() / token
    if not path.is_file():
        raise FileNotFoundError(token)
    return path


def read_upload(token: str) -> bytes:
    return upload_path(token).read_bytes()


def delete_upload(token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        upload_path(token).unlink()


def purge_old_uploads(max_age: int = UPLOAD_MAX_AGE_SECONDS) -> None:
    """Remove uploads nobody finished importing within a day."""
    limit = time.time() - max_age
    for path in upload_dir().iterdir():
        try:
            if TOKEN_PATTERN.match(path.name) and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue
