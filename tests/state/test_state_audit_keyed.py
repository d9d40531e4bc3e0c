"""The keyed audit chain: someone who can write the database (but not read the key) cannot rewrite it unnoticed, even
recomputing every hash, nor delete the newest events and move the head back. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from state import Audit, Database
from state.audit import GENESIS_HASH, HEAD_FLAG, event_hash, head_mac
from state.audit_key import AuditKeyError, resolve_audit_key
from tests.state.test_state_audit import fill, tamper

KEY = b"k" * 64


def rows(db: Database) -> list[dict]:
    with db.engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text("SELECT * FROM audit_event ORDER BY seq"))]


def rechain(db: Database, *, key: bytes | None = None) -> None:
    """What a forger with write access does after any change: recompute every hash in order, and the head."""
    prev = GENESIS_HASH
    events = Audit(db).events()
    for event in events:
        new = event_hash(seq=event.seq, at=event.at, kind=event.kind, actor=event.actor, proposal_id=event.proposal_id,
                         data=event.data, prev_hash=prev, key=key)
        tamper(db, "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s", p=prev, h=new, s=event.seq)
        prev = new
    head = f"{events[-1].seq}:{prev}" + (f":{head_mac(events[-1].seq, prev, key)}" if key else "")
    tamper(db, "UPDATE flag SET value = :v WHERE key = :k", v=head, k=HEAD_FLAG)


def edit(db: Database) -> None:
    tamper(db, "UPDATE audit_event SET actor = 'someone else' WHERE seq = 3")


def delete(db: Database) -> None:
    tamper(db, "DELETE FROM audit_event WHERE seq = 3")
    tamper(db, "UPDATE audit_event SET seq = seq - 1 WHERE seq > 3")


def insert(db: Database) -> None:
    tamper(db, "UPDATE audit_event SET seq = seq + 1000 WHERE seq > 3")
    tamper(db, "UPDATE audit_event SET seq = seq - 999 WHERE seq > 1000")
    tamper(db, "INSERT INTO audit_event (seq, at, kind, actor, proposal_id, data, prev_hash, hash) SELECT 4, at, kind, "
               "'forger', proposal_id, data, prev_hash, 'g' || substr(hash, 2) FROM audit_event WHERE seq = 3")


def reorder(db: Database) -> None:
    tamper(db, "UPDATE audit_event SET seq = 1000 WHERE seq = 2")
    tamper(db, "UPDATE audit_event SET seq = 2 WHERE seq = 3")
    tamper(db, "UPDATE audit_event SET seq = 3 WHERE seq = 1000")


def truncate_tail(db: Database) -> None:
    tamper(db, "DELETE FROM audit_event WHERE seq > 4")


FORGERIES: dict[str, Callable[[Database], None]] = {
    "edit": edit, "delete": delete, "insert": insert, "reorder": reorder, "tail truncation": truncate_tail}


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("recomputed_with", [None, b"a guessed key " * 4], ids=["plain sha256", "wrong key"])
def test_a_forgery_with_every_hash_recomputed_fails_verification(db: Database, forgery: str,
                                                                 recomputed_with: bytes | None) -> None:
    audit = Audit(db, key=KEY)
    fill(audit, 8)
    assert audit.verify().ok
    FORGERIES[forgery](db)
    rechain(db, key=recomputed_with)
    assert Audit(db, key=recomputed_with).verify().ok, "the forger's own check passes: only the real key tells"
    result = audit.verify()
    assert not result.ok and result.first_broken_seq is not None


def test_tail_truncation_with_the_head_moved_back_by_hand_fails(db: Database) -> None:
    audit = Audit(db, key=KEY)
    fill(audit, 8)
    fourth = audit.events()[3]
    truncate_tail(db)
    tamper(db, "UPDATE flag SET value = :v WHERE key = :k", v=f"4:{fourth.hash}", k=HEAD_FLAG)
    result = audit.verify()
    assert (result.ok, result.reason) == (False, "the chain head record is not signed with the audit key: it was rewritten")
    truncate_and_keep_old_mac = f"4:{fourth.hash}:{hashlib.sha256(b'guess').hexdigest()}"
    tamper(db, "UPDATE flag SET value = :v WHERE key = :k", v=truncate_and_keep_old_mac, k=HEAD_FLAG)
    assert not audit.verify().ok


def test_an_old_unkeyed_trail_is_named_then_keyed_explicitly_and_a_tampered_one_is_not(db: Database) -> None:
    fill(Audit(db), 5)  # written before there was a key
    keyed = Audit(db, key=KEY)
    result = keyed.verify()
    assert (result.ok, result.first_broken_seq) == (False, 1)
    assert result.reason == "hashed without the audit key (written before the key was set): run `runner.py audit rekey` once"
    assert keyed.rekey().ok
    assert keyed.verify().ok and keyed.verify().checked == 5
    keyed.append("after", actor="cli", data={})
    assert keyed.verify().ok
    with pytest.raises(Exception, match="append-only"):  # the trigger is back after the rekey
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET actor = 'x' WHERE seq = 1"))
    edit(db)
    assert not keyed.rekey().ok or not keyed.verify().ok


def test_rekey_refuses_a_plain_chain_that_does_not_verify(db: Database) -> None:
    fill(Audit(db), 5)
    edit(db)
    result = Audit(db, key=KEY).rekey()
    assert not result.ok and result.first_broken_seq == 3
    assert rows(db)[0]["hash"] == Audit(db).events()[0].hash  # nothing rewritten


def test_without_a_key_setting_a_0600_key_file_is_made_beside_the_sqlite_database(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'state' / 's.db'}")
    first = resolve_audit_key(key=None, key_file=None, db=db)
    path = tmp_path / "state" / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == 64
    assert resolve_audit_key(key=None, key_file=None, db=db) == first, "the same key on every start"
    assert resolve_audit_key(key="s" * 40, key_file=None, db=db) == b"s" * 40
    with pytest.raises(AuditKeyError, match="use at least 32"):
        resolve_audit_key(key="short", key_file=None, db=db)
    path.write_text("")
    with pytest.raises(AuditKeyError, match="holds no usable key"):
        resolve_audit_key(key=None, key_file=None, db=db)


def test_audit_verify_and_rekey_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner import app

    url = f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setenv("SENTINEL_DATABASE_URL", url)
    monkeypatch.setenv("SENTINEL_AUDIT_KEY_FILE", str(tmp_path / "keys" / "audit.key"))
    db = Database(url)
    db.migrate()
    fill(Audit(db), 3)
    cli = CliRunner()
    before = cli.invoke(app, ["audit", "verify"])
    assert before.exit_code == 1 and "run `runner.py audit rekey` once" in before.stderr
    assert oct(os.stat(tmp_path / "keys" / "audit.key").st_mode & 0o777) == "0o600"
    rekeyed = cli.invoke(app, ["audit", "rekey"])
    assert rekeyed.exit_code == 0 and rekeyed.stdout == "audit trail keyed: 3 events verified and signed with the audit key\n"
    after = cli.invoke(app, ["audit", "verify"])
    assert after.exit_code == 0 and after.stdout == "audit trail intact: 3 events verified\n"
    rechain(db)  # a forger recomputes plain hashes after an edit
    assert cli.invoke(app, ["audit", "verify"]).exit_code == 1
