"""The audit key: kept outside the database, so that whoever can write the database cannot re-sign the audit chain."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from state.db import Database

log = logging.getLogger(__name__)

KEY_FILE_NAME = "audit.key"
MIN_KEY_CHARS = 32


class AuditKeyError(ValueError):
    """The configured key cannot be used; the message says why and what to do."""


def resolve_audit_key(*, key: str | None, key_file: Path | None, db: Database) -> bytes:
    """SENTINEL_AUDIT_KEY, else the key file (SENTINEL_AUDIT_KEY_FILE, else audit.key beside a SQLite database or in
    ./.sentinel for PostgreSQL), created with a random key and mode 0600 when it does not exist yet."""
    if key:
        if len(key) < MIN_KEY_CHARS:
            raise AuditKeyError(f"SENTINEL_AUDIT_KEY has {len(key)} characters: use at least {MIN_KEY_CHARS} random ones "
                                "(e.g. from `openssl rand -hex 32`)")
        return key.encode()
    if key_file is None:
        file_db = not db.is_postgres and db.engine.url.database not in (None, "", ":memory:")
        folder = Path(db.engine.url.database or "").parent if file_db else Path.cwd() / ".sentinel"
        key_file = folder / KEY_FILE_NAME
        if db.is_postgres:  # replicas on other hosts would each make their own key, and fail each other's verify
            log.warning("SENTINEL_AUDIT_KEY is not set: using %s; give every replica the same key", key_file)
    return _read_or_create(key_file)


def _read_or_create(path: Path) -> bytes:
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # exclusive: two starts, one key
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_KEY_CHARS:  # e.g. read while another process was still writing it, or an emptied file
        raise AuditKeyError(f"the audit key file {path} holds no usable key: restore it from your backup (a new key "
                            "makes the existing trail fail verification)")
    return text.encode()
