"""The append-only, hash-chained audit trail and its verifier.

Keyed (the production setting): each hash is an HMAC-SHA256 with a key kept outside the database, and the head record
carries an HMAC too. Whoever can write the database but not read the key can then neither recompute the chain after an
edit nor move the head back after deleting the newest events. Without a key (tools, old trails) hashes are plain sha256.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlmodel import Session, col, select

from state import _json
from state.db import Database
from state.tables import AuditEvent, Flag, JSONObject, utcnow

GENESIS_HASH = "0" * 64
# The newest (seq, hash), written in the same transaction as each event: without it, deleting the last
# events would leave a chain that still verifies.
HEAD_FLAG = "audit.head"
_BATCH = 1000
_SQLITE_NO_UPDATE = ("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                     "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only (UPDATE refused)'); END")  # as 0001 made it


def event_hash(
    *, seq: int, at: datetime, kind: str, actor: str, proposal_id: str | None, data: JSONObject, prev_hash: str,
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 (with `key`) or sha256 of the canonical JSON of the event: a verifier recomputes it from the row."""
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "kind": kind,
        "actor": actor,
        "proposal_id": proposal_id,
        "data": data,
        "prev_hash": prev_hash,
    }
    canonical = _json.canonical(body).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest() if key else hashlib.sha256(canonical).hexdigest()


def head_mac(seq: int, hash_: str, key: bytes) -> str:
    return hmac.new(key, f"audit.head:{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    """Events found intact before the first break (all of them when ok)."""
    first_broken_seq: int | None = None
    reason: str | None = None


class Audit:
    """Appends events under a lock, so concurrent writers still form one gap-free chain."""

    def __init__(self, db: Database, *, key: bytes | None = None) -> None:
        self.db = db
        self.key = key

    def append(self, kind: str, *, actor: str, proposal_id: str | None = None, data: JSONObject) -> AuditEvent:
        # Hash exactly what the JSON column will give back, so verify() recomputes the same digest.
        stored_data = cast(JSONObject, _json.normalized(data))
        with self.db.session(write=True) as session:
            # SQLite: session(write=True) already holds the write lock (BEGIN IMMEDIATE). PostgreSQL: this lock
            # admits readers but one appender at a time, and is scoped to this table (no advisory key to clash).
            if self.db.is_postgres:
                session.connection().exec_driver_sql("LOCK TABLE audit_event IN EXCLUSIVE MODE")
            head = session.exec(
                select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
            ).first()
            seq, prev_hash = (1, GENESIS_HASH) if head is None else (head[0] + 1, head[1])
            at = utcnow()
            event = AuditEvent(
                seq=seq,
                at=at,
                kind=kind,
                actor=actor,
                proposal_id=proposal_id,
                data=stored_data,
                prev_hash=prev_hash,
                hash=event_hash(
                    seq=seq, at=at, kind=kind, actor=actor, proposal_id=proposal_id, data=stored_data, prev_hash=prev_hash,
                    key=self.key,
                ),
            )
            session.add(event)
            _set_head(session, self.db, seq, event.hash, self.key)
        return event

    def events(self, proposal_id: str | None = None) -> list[AuditEvent]:
        query = select(AuditEvent).order_by(col(AuditEvent.seq))
        if proposal_id is not None:
            query = query.where(AuditEvent.proposal_id == proposal_id)
        with self.db.session() as session:
            return list(session.exec(query))

    def verify(self) -> VerifyResult:
        """Walks the chain from seq 1; names the first event that was edited, removed, inserted or moved."""
        checked, prev_hash = 0, GENESIS_HASH
        # One snapshot, so an append racing the walk cannot look like a broken head.
        with self.db.session(snapshot=True) as session:
            recorded_head = session.get(Flag, HEAD_FLAG)
            while True:
                batch = session.exec(
                    select(AuditEvent).where(AuditEvent.seq > checked).order_by(col(AuditEvent.seq)).limit(_BATCH)
                ).all()
                for event in batch:
                    expected = checked + 1
                    if event.seq != expected:
                        return _broken(checked, expected, f"event {expected} is missing (the next one is {event.seq})")
                    if event.prev_hash != prev_hash:
                        return _broken(checked, event.seq, f"prev_hash does not match event {expected - 1}'s hash")
                    if event.hash != _recompute(event, self.key):
                        reason = ("hashed without the audit key (written before the key was set): run `runner.py audit "
                                  "rekey` once" if self.key and event.hash == _recompute(event, None) else
                                  "hash does not match the content: the event was altered")
                        return _broken(checked, event.seq, reason)
                    checked, prev_hash = event.seq, event.hash
                    session.expunge(event)  # keep memory flat on long trails
                if len(batch) < _BATCH:
                    break
        return _check_head(recorded_head, checked, prev_hash, self.key)

    def rekey(self) -> VerifyResult:
        """Key a trail written without a key (explicitly, once): the plain chain must verify, then every hash and the
        head are recomputed with the key in one transaction. Returns the plain verification (not ok: nothing changed)."""
        if self.key is None:
            raise ValueError("rekey needs the audit key")
        plain = Audit(self.db).verify()
        if not plain.ok:
            return plain
        with self.db.session(write=True) as session:
            connection = session.connection()
            # The one sanctioned rewrite: the append-only trigger is lifted for this transaction only.
            if self.db.is_postgres:
                connection.exec_driver_sql("LOCK TABLE audit_event IN EXCLUSIVE MODE")
                connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
            else:
                connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            prev_hash, seq = GENESIS_HASH, 0
            for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all():
                event.prev_hash = prev_hash
                event.hash = _recompute(event, self.key)
                session.add(event)
                session.flush()
                prev_hash, seq = event.hash, event.seq
            if seq:
                _set_head(session, self.db, seq, prev_hash, self.key)
            if self.db.is_postgres:
                connection.exec_driver_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")
            else:
                connection.exec_driver_sql(_SQLITE_NO_UPDATE)
        return plain


def _recompute(event: AuditEvent, key: bytes | None) -> str:
    return event_hash(
        seq=event.seq,
        at=event.at,
        kind=event.kind,
        actor=event.actor,
        proposal_id=event.proposal_id,
        data=event.data,
        prev_hash=event.prev_hash,
        key=key,
    )


def _broken(checked: int, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, first_broken_seq=seq, reason=reason)


def _check_head(recorded: Flag | None, last_seq: int, last_hash: str, key: bytes | None) -> VerifyResult:
    if recorded is None:
        if last_seq == 0:
            return VerifyResult(ok=True, checked=0)
        return _broken(last_seq, last_seq, f"the chain head record ({HEAD_FLAG!r} flag) is missing")
    head_seq_text, head_hash, mac = [*recorded.value.split(":"), "", ""][:3]
    if not head_seq_text.isdigit():
        return _broken(last_seq, last_seq, f"the chain head record ({HEAD_FLAG!r} flag) is unreadable")
    head_seq = int(head_seq_text)
    if key is not None and not hmac.compare_digest(mac, head_mac(head_seq, head_hash, key)):
        return _broken(last_seq, last_seq, "the chain head record is not signed with the audit key: it was rewritten")
    if last_seq < head_seq:
        return _broken(last_seq, last_seq + 1, f"events {last_seq + 1}..{head_seq} are missing (the head records {head_seq})")
    if last_seq > head_seq:
        return _broken(head_seq, head_seq + 1, f"events after {head_seq} were not written by Audit.append")
    if last_hash != head_hash:
        return _broken(last_seq - 1, last_seq, f"event {last_seq}'s hash does not match the recorded head")
    return VerifyResult(ok=True, checked=last_seq)


def _set_head(session: Session, db: Database, seq: int, hash_: str, key: bytes | None) -> None:
    value, now = f"{seq}:{hash_}" + (f":{head_mac(seq, hash_, key)}" if key else ""), utcnow()
    session.exec(
        db.insert(Flag)
        .values(key=HEAD_FLAG, value=value, updated_at=now)
        .on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
    )
