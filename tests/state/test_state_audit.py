"""Audit: the chain verifies, refuses rewrites, and names the event that an edit, deletion or reordering broke."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from state import Audit, Database
from state.audit import GENESIS_HASH, event_hash


def fill(audit: Audit, n: int) -> None:
    for i in range(1, n + 1):
        audit.append("proposal.created", actor="scheduler", proposal_id=f"P{i:08d}", data={"i": i, "amount": 10.5 * i})


def tamper(db: Database, sql: str, **params: object) -> None:
    """Raw SQL as someone with direct database access would run it: append-only triggers switched off first."""
    with db.engine.begin() as connection:
        if db.is_postgres:
            connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
        connection.execute(text(sql), params)
        if db.is_postgres:
            connection.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")


def test_chain_links_and_verifies(audit: Audit) -> None:
    assert audit.verify().ok and audit.verify().checked == 0
    fill(audit, 5)
    events = audit.events()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:]))
    first = events[0]
    assert first.at.tzinfo is not None
    assert first.hash == event_hash(
        seq=1, at=first.at, kind=first.kind, actor=first.actor, proposal_id=first.proposal_id,
        data=first.data, prev_hash=GENESIS_HASH,
    )
    assert [e.seq for e in audit.events("P00000003")] == [3]
    result = audit.verify()
    assert (result.ok, result.checked, result.first_broken_seq, result.reason) == (True, 5, None, None)


def test_data_is_stored_as_hashed(audit: Audit) -> None:
    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    event = audit.append("decision", actor="U1", data={"at": when, "ids": (1, 2), "note": "ünïcode"})
    assert event.data == {"at": "2026-03-02T09:00:00+00:00", "ids": [1, 2], "note": "ünïcode"}
    assert audit.events()[0].data == event.data
    assert audit.verify().ok
    with pytest.raises(TypeError, match="not JSON serializable"):
        audit.append("decision", actor="U1", data={"bad": object()})


def test_database_refuses_update_and_delete(db: Database, audit: Audit) -> None:
    fill(audit, 2)
    for sql in ("UPDATE audit_event SET actor = 'mallory' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 2"):
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(sql))
    assert audit.verify().ok


def test_edited_data_is_named(db: Database, audit: Audit) -> None:
    fill(audit, 10)
    literal = "CAST(:data AS json)" if db.is_postgres else ":data"
    tamper(db, f"UPDATE audit_event SET data = {literal} WHERE seq = 6", data=json.dumps({"i": 6, "amount": 1.0}))
    result = audit.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 6, 5)
    assert "altered" in (result.reason or "")


def test_edit_with_recomputed_hash_breaks_the_next_link(db: Database, audit: Audit) -> None:
    fill(audit, 4)
    event = audit.events()[1]
    forged = event_hash(
        seq=2, at=event.at, kind=event.kind, actor="mallory", proposal_id=event.proposal_id,
        data=event.data, prev_hash=event.prev_hash,
    )
    tamper(db, "UPDATE audit_event SET actor = 'mallory', hash = :h WHERE seq = 2", h=forged)
    result = audit.verify()
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "prev_hash" in (result.reason or "")


def test_deleted_middle_event_is_detected(db: Database, audit: Audit) -> None:
    fill(audit, 10)
    tamper(db, "DELETE FROM audit_event WHERE seq = 4")
    result = audit.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)
    assert "missing" in (result.reason or "")


def test_deleted_and_renumbered_events_are_detected(db: Database, audit: Audit) -> None:
    fill(audit, 6)
    tamper(db, "DELETE FROM audit_event WHERE seq = 3")
    for seq in (4, 5, 6):
        tamper(db, "UPDATE audit_event SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    result = audit.verify()
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_deleted_last_event_is_detected(db: Database, audit: Audit) -> None:
    fill(audit, 5)
    tamper(db, "DELETE FROM audit_event WHERE seq = 5")
    result = audit.verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 5, 4)


def test_reordered_events_are_detected(db: Database, audit: Audit) -> None:
    fill(audit, 6)
    tamper(db, "UPDATE audit_event SET seq = 100 WHERE seq = 3")
    tamper(db, "UPDATE audit_event SET seq = 3 WHERE seq = 4")
    tamper(db, "UPDATE audit_event SET seq = 4 WHERE seq = 100")
    result = audit.verify()
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_concurrent_appends_form_one_chain(audit: Audit) -> None:
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        barrier.wait()
        try:
            for i in range(25):
                audit.append("scan.finding", actor=f"worker-{n}", data={"worker": n, "i": i})
        except BaseException as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    events = audit.events()
    assert [e.seq for e in events] == list(range(1, 201))
    assert sorted((e.data["worker"], e.data["i"]) for e in events) == [(n, i) for n in range(8) for i in range(25)]
    result = audit.verify()
    assert (result.ok, result.checked) == (True, 200)
