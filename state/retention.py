"""Retention: what state may forget after N days, and the deletions that forget it. The audit trail is never touched
(it is the record; `audit export` archives it), nor are proposals and runs (small, and the digest's history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, inspect, select, text
from sqlmodel import col

from state.db import Database
from state.tables import OutboxMessage, Proposal, QueueSnapshot, RunSlot

# A proposal in one of these has nothing left to resume: its checkpoints are history only.
FINISHED = ("rejected", "expired", "superseded", "executed", "failed", "snoozed")
_CHECKPOINT_TABLE = "checkpoints"  # LangGraph's, in the same database (SqliteSaver and PostgresSaver alike)
_CHUNK = 500


@dataclass(frozen=True)
class Pruned:
    checkpoint_threads: int = 0  # proposal threads whose checkpoints were deleted
    snapshots: int = 0
    run_slots: int = 0
    outbox_messages: int = 0

    def total(self) -> int:
        return self.checkpoint_threads + self.snapshots + self.run_slots + self.outbox_messages


def prune(db: Database, *, before: datetime) -> Pruned:
    """Delete what finished before `before`: checkpoints of finished proposals, queue snapshots, claimed run slots and
    delivered outbox messages. Safe on several replicas at once (each delete is idempotent)."""
    cutoff = before.astimezone(UTC)
    threads = _prune_checkpoints(db, cutoff)
    with db.session(write=True) as session:
        snapshots = _delete(session, delete(QueueSnapshot).where(col(QueueSnapshot.taken_at) < cutoff))
        slots = _delete(session, delete(RunSlot).where(col(RunSlot.claimed_at) < cutoff))
        outbox = _delete(session, delete(OutboxMessage).where(col(OutboxMessage.delivered_at).is_not(None),
                                                              col(OutboxMessage.delivered_at) < cutoff))
    return Pruned(threads, snapshots, slots, outbox)


def _prune_checkpoints(db: Database, cutoff: datetime) -> int:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table(_CHECKPOINT_TABLE):
            return 0  # no proposal thread was ever started here
        threads = [row[0] for row in connection.execute(text(f"SELECT DISTINCT thread_id FROM {_CHECKPOINT_TABLE}"))]
    done: list[str] = []
    for start in range(0, len(threads), _CHUNK):
        chunk = threads[start:start + _CHUNK]
        # decided_at follows the engine's clock (a simulated history's too); created_at for what was never decided
        finished_at = func.coalesce(col(Proposal.decided_at), col(Proposal.created_at))
        query = select(Proposal.id).where(col(Proposal.id).in_(chunk), col(Proposal.status).in_(FINISHED),
                                          finished_at < cutoff)
        with db.session() as session:
            done += list(session.exec(query).scalars())
    saver = db.checkpointer()
    for thread_id in done:
        saver.delete_thread(thread_id)
    return len(done)


def _delete(session, statement) -> int:  # noqa: ANN001 - a Session and a Delete
    return session.exec(statement, execution_options={"synchronize_session": False}).rowcount
