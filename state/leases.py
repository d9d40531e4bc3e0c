"""Who carries a decided proposal out: a lease on the row, so two replicas never drive the same decision at once.

A decision takes its lease in the same compare-and-set that records it. The process that carries it out gives the
lease back when it is done, or when it waits (paused, or for Odoo to answer again). A lease left to run out means its
process died: housekeeping on any replica may then take the proposal over, once its next attempt is due.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from state.store import Store, _utc
from state.tables import Proposal, utcnow

_CARRIED: tuple[str, ...] = ("approved", "executing")  # an approval not yet carried to its end


def _due(now: datetime) -> ColumnElement[bool]:
    attempt_due = or_(col(Proposal.next_attempt_at).is_(None), col(Proposal.next_attempt_at) <= now)
    abandoned = and_(col(Proposal.lease_until).is_not(None), col(Proposal.lease_until) < now)
    waiting = and_(col(Proposal.status).in_(_CARRIED), col(Proposal.lease_until).is_(None))
    return and_(col(Proposal.decision).is_not(None), attempt_due, or_(abandoned, waiting))


def due(store: Store, now: datetime | None = None) -> list[Proposal]:
    """Decided proposals nobody is carrying out now and whose next attempt is due, oldest decision first."""
    query = select(Proposal).where(_due(_utc(now or utcnow()))).order_by(col(Proposal.decided_at), col(Proposal.id))
    with store.db.session() as session:
        return list(session.exec(query))


def claim(store: Store, proposal_id: str, owner: str, *, until: datetime, now: datetime | None = None) -> bool:
    """Take the proposal over until `until`; True for exactly one caller, and only while it is due."""
    statement = (
        update(Proposal)
        .where(col(Proposal.id) == proposal_id, _due(_utc(now or utcnow())))
        .values(lease_by=owner, lease_until=_utc(until), updated_at=utcnow(), version=col(Proposal.version) + 1)
    )
    with store.db.session(write=True) as session:
        return session.exec(statement, execution_options={"synchronize_session": False}).rowcount == 1


def release(store: Store, proposal_id: str, owner: str) -> bool:
    """Give the lease back (it was ours): the proposal is done, or waits for something other than this process."""
    statement = (
        update(Proposal)
        .where(col(Proposal.id) == proposal_id, col(Proposal.lease_by) == owner)
        .values(lease_by=None, lease_until=None, updated_at=utcnow(), version=col(Proposal.version) + 1)
    )
    with store.db.session(write=True) as session:
        return session.exec(statement, execution_options={"synchronize_session": False}).rowcount == 1
