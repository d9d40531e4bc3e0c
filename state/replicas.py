"""Replica heartbeats: each running replica records the policy sha256 it has in force, so that /healthz can say
when two replicas behind one load balancer run different policies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import col, select

from state.db import Database
from state.tables import ReplicaPolicy


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
