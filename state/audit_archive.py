"""The audit trail as JSON lines for an archive: every field, so a copy can be re-verified outside Sentinel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlmodel import col, select

from state.db import Database
from state.tables import AuditEvent

_BATCH = 1000


def events_since(db: Database, since: datetime) -> Iterator[AuditEvent]:
    """In chain order, in batches: an archive of millions of events never sits in memory at once."""
    last = 0
    while True:
        query = (select(AuditEvent).where(AuditEvent.seq > last, AuditEvent.at >= since.astimezone(UTC))
                 .order_by(col(AuditEvent.seq)).limit(_BATCH))
        with db.session() as session:
            batch = list(session.exec(query))
        yield from batch
        if len(batch) < _BATCH:
            return
        last = batch[-1].seq


def as_json_line(event: AuditEvent) -> str:
    at = event.at.replace(tzinfo=UTC) if event.at.tzinfo is None else event.at
    return json.dumps({"seq": event.seq, "at": at.isoformat(), "kind": event.kind, "actor": event.actor,
                       "proposal_id": event.proposal_id, "data": event.data, "prev_hash": event.prev_hash,
                       "hash": event.hash}, sort_keys=False, default=str)
