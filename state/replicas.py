"""Replicas: their liveness heartbeats, closing as `interrupted` the runs a stopped or dead process left `running`, and
the policy sha256 each replica has in force (so /healthz can say when replicas behind one balancer disagree)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import delete, or_, update
from sqlmodel import col, select

from state.db import Database
from state.tables import AgentRun, ReplicaHeartbeat, ReplicaPolicy, utcnow

STALE_AFTER = timedelta(seconds=90)  # a live process beats every 10-30 s; three missed beats and it is gone
INTERRUPTED = "the process running this scan stopped before it finished"


class Replicas:
    def __init__(self, db: Database) -> None:
        self.db = db

    def beat(self, replica: str, *, at: datetime | None = None) -> None:
        now = at or utcnow()
        with self.db.session(write=True) as session:
            session.exec(self.db.insert(ReplicaHeartbeat).values(replica=replica, beat_at=now)
                         .on_conflict_do_update(index_elements=["replica"], set_={"beat_at": now}))

    def forget(self, replica: str) -> None:
        with self.db.session(write=True) as session:
            session.exec(delete(ReplicaHeartbeat).where(col(ReplicaHeartbeat.replica) == replica))

    def interrupt_runs_of(self, replicas: list[str | None], *, error: str = INTERRUPTED) -> int:
        """Close these replicas' runs still `running` (None: runs written before replicas were recorded)."""
        named = [r for r in replicas if r is not None]
        which = or_(col(AgentRun.replica).in_(named), col(AgentRun.replica).is_(None)) if None in replicas else (
            col(AgentRun.replica).in_(named))
        with self.db.session(write=True) as session:
            result = session.exec(update(AgentRun).where(AgentRun.status == "running", which)
                                  .values(status="interrupted", finished_at=utcnow(), error=error))
            return result.rowcount or 0

    def close_abandoned(self, me: str) -> int:
        """At start: close the running runs of processes that are gone: on this host, a pid that no longer exists;
        elsewhere, a heartbeat older than STALE_AFTER (or none). A live replica's runs are left alone."""
        with self.db.session() as session:
            owners = set(session.exec(select(AgentRun.replica).where(AgentRun.status == "running").distinct()))
            beats = {b.replica: b.beat_at for b in session.exec(select(ReplicaHeartbeat))}
        cutoff = utcnow() - STALE_AFTER
        # `me` among the owners is an earlier process under the same id (a container restarted as pid 1): nothing of
        # this process runs yet, so those runs are left behind too.
        gone = [owner for owner in owners if owner == me or not _alive(owner, beats.get(owner or ""), cutoff)]
        closed = self.interrupt_runs_of(gone) if gone else 0
        if gone:
            with self.db.session(write=True) as session:
                session.exec(delete(ReplicaHeartbeat).where(col(ReplicaHeartbeat.replica).in_([g for g in gone if g])))
        return closed


def _alive(replica: str | None, beat_at: datetime | None, cutoff: datetime) -> bool:
    if replica is None:
        return False  # written by a version that did not record replicas: upgrading stops every replica first
    host, _, pid = replica.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _pid_alive(int(pid))
    return beat_at is not None and _aware(beat_at) >= cutoff


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)  # SQLite gives naive UTC back


def record_heartbeat(db: Database, replica: str, policies: Mapping[str, str], *, at: datetime) -> None:
    """`policies`: agent -> sha256 of the file in force on this replica."""
    at = at.astimezone(UTC)
    with db.session(write=True) as session:
        for agent, sha256 in policies.items():
            statement = (db.insert(ReplicaPolicy).values(replica=replica, agent=agent, sha256=sha256, seen_at=at)
                         .on_conflict_do_update(index_elements=["replica", "agent"],
                                                set_={"sha256": sha256, "seen_at": at}))
            session.exec(statement)


def live_policies(db: Database, *, since: datetime) -> dict[str, dict[str, str]]:
    """agent -> {replica: sha256} for replicas heard from since `since`."""
    query = select(ReplicaPolicy).where(ReplicaPolicy.seen_at >= since.astimezone(UTC))
    seen: dict[str, dict[str, str]] = {}
    with db.session() as session:
        for row in session.exec(query):
            seen.setdefault(row.agent, {})[row.replica] = row.sha256
    return seen


def forget_silent_replicas(db: Database, *, before: datetime) -> int:
    """Replicas that stopped (every restart is a new host:pid) drop out of the table."""
    statement = delete(ReplicaPolicy).where(col(ReplicaPolicy.seen_at) < before.astimezone(UTC))
    with db.session(write=True) as session:
        return session.exec(statement, execution_options={"synchronize_session": False}).rowcount  # type: ignore[call-overload]
