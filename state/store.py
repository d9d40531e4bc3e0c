"""Proposals and the other durable rows; every status change is one compare-and-set UPDATE."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Literal, get_args

from pydantic import TypeAdapter
from sqlalchemy import JSON, func, update
from sqlmodel import col, select

from state import _json
from state.db import Database
from state.tables import (
    OPEN_STATUSES,
    AgentRun,
    Flag,
    JSONObject,
    OutboxMessage,
    PolicyVersion,
    Proposal,
    ProposalStatus,
    Snooze,
    utcnow,
)

_STATUSES = frozenset(get_args(ProposalStatus))
# Columns a caller may not set through transition/update_fields: the CAS itself owns them.
_MANAGED = frozenset({"id", "status", "version", "created_at", "updated_at", "dedup_key"})
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_ID_ATTEMPTS = 8


def new_proposal_id(now: datetime | None = None) -> str:
    """'P' + 8 Crockford base32 chars: 24 bits of minutes since 2025 (sorts by creation) + 16 random bits."""
    minutes = int(((now or utcnow()) - _ID_EPOCH).total_seconds() // 60) & 0xFFFFFF
    n = (minutes << 16) | secrets.randbits(16)
    return "P" + "".join(_CROCKFORD[(n >> shift) & 31] for shift in range(35, -1, -5))


def dedup_key_for(agent: str, rule_id: str, model: str, res_id: int) -> str:
    return f"{agent}:{rule_id}:{model}:{res_id}"


_SETTABLE = frozenset(Proposal.model_fields) - _MANAGED
_JSON_FIELDS = frozenset(c.name for c in Proposal.__table__.columns if isinstance(c.type, JSON))  # type: ignore[attr-defined]
_JSON_OBJECT: TypeAdapter[JSONObject] = TypeAdapter(JSONObject)


@cache
def _adapter(field: str) -> TypeAdapter[object]:
    return TypeAdapter(Proposal.model_fields[field].annotation)


def _settable(fields: Mapping[str, object]) -> dict[str, object]:
    """Validates the extra columns of a CAS against the Proposal model, so a typo fails loudly."""
    values: dict[str, object] = {}
    for name, value in fields.items():
        if name not in _SETTABLE:
            raise ValueError(f"proposal field {name!r} cannot be set here (settable: {', '.join(sorted(_SETTABLE))})")
        values[name] = _adapter(name).validate_python(_json.normalized(value) if name in _JSON_FIELDS else value)
    return values


def _json_object(value: Mapping[str, object]) -> JSONObject:
    return _JSON_OBJECT.validate_python(_json.normalized(value))


def _statuses(status: str | tuple[str, ...]) -> tuple[str, ...]:
    statuses = (status,) if isinstance(status, str) else tuple(status)
    unknown = [s for s in statuses if s not in _STATUSES]
    if unknown or not statuses:
        raise ValueError(f"unknown proposal status {unknown or statuses!r} (one of {sorted(_STATUSES)})")
    return statuses


class Store:
    """Typed reads and guarded writes over the state tables of one Database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- proposals -------------------------------------------------------------------------------------------

    def create_proposal(self, **fields: object) -> Proposal:
        """Inserts a new proposal with a fresh id; dedup_key is derived, status follows mode unless given."""
        if "id" in fields or "version" in fields:
            raise ValueError("create_proposal assigns id and version itself")
        mode = fields.setdefault("mode", "live")
        # A shadow-mode proposal must never look actionable, so its status follows its mode.
        status = fields.setdefault("status", "shadow" if mode == "shadow" else "pending")
        if (status == "shadow") != (mode == "shadow"):
            raise ValueError(f"status {status!r} does not fit mode {mode!r}: shadow mode <=> status 'shadow'")
        now = utcnow()
        fields.setdefault("created_at", now)
        fields.setdefault("updated_at", fields["created_at"])
        given_key = fields.pop("dedup_key", None)
        # Normalized first, so the returned proposal equals what get() will read back.
        fields.update({name: _json.normalized(fields[name]) for name in _JSON_FIELDS & fields.keys()})
        proposal = Proposal.model_validate({**fields, "id": new_proposal_id(now), "dedup_key": ""})
        proposal.dedup_key = dedup_key_for(proposal.agent, proposal.rule_id, proposal.model, proposal.res_id)
        if given_key is not None and given_key != proposal.dedup_key:
            raise ValueError(f"dedup_key {given_key!r} is not agent:rule_id:model:res_id ({proposal.dedup_key!r})")
        with self.db.session(write=True) as session:
            for _ in range(_ID_ATTEMPTS):
                statement = (
                    self.db.insert(Proposal)
                    .values(**proposal.model_dump())
                    .on_conflict_do_nothing(index_elements=["id"])
                    .returning(col(Proposal.id))
                )
                # RETURNING, not rowcount: drivers need not report a rowcount for INSERT.
                if session.exec(statement).first() is not None:
                    return proposal
                proposal.id = new_proposal_id(now)
        raise RuntimeError(f"no free proposal id after {_ID_ATTEMPTS} attempts")

    def get(self, proposal_id: str) -> Proposal | None:
        with self.db.session() as session:
            return session.get(Proposal, proposal_id)

    def transition(
        self,
        proposal_id: str,
        from_status: ProposalStatus | tuple[ProposalStatus, ...],
        to_status: ProposalStatus,
        **fields: object,
    ) -> bool:
        """Moves the proposal to to_status iff it is in from_status now; True for exactly one caller."""
        (to,) = _statuses(to_status)
        return self._cas(proposal_id, _statuses(from_status), {"status": to, **_settable(fields)})

    def update_fields(
        self, proposal_id: str, expected_status: ProposalStatus | tuple[ProposalStatus, ...], **fields: object
    ) -> bool:
        """Sets fields iff the proposal is still in expected_status (a late writer cannot undo a decision)."""
        return self._cas(proposal_id, _statuses(expected_status), _settable(fields))

    def _cas(self, proposal_id: str, statuses: tuple[str, ...], values: dict[str, object]) -> bool:
        # One statement, never read-then-write: the database decides the single winner.
        statement = (
            update(Proposal)
            .where(col(Proposal.id) == proposal_id, col(Proposal.status).in_(statuses))
            .values(**values, updated_at=utcnow(), version=col(Proposal.version) + 1)
        )
        with self.db.session(write=True) as session:
            result = session.exec(statement, execution_options={"synchronize_session": False})
            return result.rowcount == 1

    def list_proposals(
        self,
        *,
        status: ProposalStatus | tuple[ProposalStatus, ...] | None = None,
        agent: str | None = None,
        limit: int | None = None,
    ) -> list[Proposal]:
        query = select(Proposal).order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc()).limit(limit)
        if status is not None:
            query = query.where(col(Proposal.status).in_(_statuses(status)))
        if agent is not None:
            query = query.where(Proposal.agent == agent)
        with self.db.session() as session:
            return list(session.exec(query))

    def open_proposal_for(self, dedup_key: str) -> Proposal | None:
        return self._newest_for(dedup_key, OPEN_STATUSES)

    def last_proposal_for(self, dedup_key: str) -> Proposal | None:
        return self._newest_for(dedup_key, None)

    def _newest_for(self, dedup_key: str, statuses: tuple[str, ...] | None) -> Proposal | None:
        query = select(Proposal).where(Proposal.dedup_key == dedup_key)
        if statuses is not None:
            query = query.where(col(Proposal.status).in_(statuses))
        query = query.order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc()).limit(1)
        with self.db.session() as session:
            return session.exec(query).first()

    def count_proposals_since(self, agent: str, since: datetime) -> int:
        query = select(func.count()).select_from(Proposal).where(Proposal.agent == agent, Proposal.created_at >= since)
        with self.db.session() as session:
            return session.exec(query).one()

    def expired_candidates(self, now: datetime) -> list[Proposal]:
        query = (
            select(Proposal)
            .where(Proposal.status == "pending", col(Proposal.expires_at).is_not(None), col(Proposal.expires_at) <= now)
            .order_by(col(Proposal.expires_at))
        )
        with self.db.session() as session:
            return list(session.exec(query))

    # --- runs, snoozes, policy versions ----------------------------------------------------------------------

    def start_run(self, agent: str, connection: str) -> AgentRun:
        run = AgentRun(agent=agent, connection=connection)
        with self.db.session(write=True) as session:
            session.add(run)
        return run

    def finish_run(
        self,
        run_id: int,
        *,
        status: Literal["ok", "failed"],
        error: str | None = None,
        findings: int = 0,
        proposals: int = 0,
        round_trips: int = 0,
    ) -> bool:
        if status not in ("ok", "failed"):
            raise ValueError(f"run status must be 'ok' or 'failed', not {status!r}")
        statement = (
            update(AgentRun)
            .where(col(AgentRun.id) == run_id, AgentRun.status == "running")
            .values(
                status=status,
                error=error,
                findings=findings,
                proposals=proposals,
                round_trips=round_trips,
                finished_at=utcnow(),
            )
        )
        with self.db.session(write=True) as session:
            return session.exec(statement, execution_options={"synchronize_session": False}).rowcount == 1

    def add_snooze(self, dedup_key: str, until: datetime, by: str, reason: str) -> Snooze:
        snooze = Snooze(dedup_key=dedup_key, until=until, by=by, reason=reason)
        with self.db.session(write=True) as session:
            session.add(snooze)
        return snooze

    def active_snooze(self, dedup_key: str, now: datetime) -> Snooze | None:
        query = (
            select(Snooze)
            .where(Snooze.dedup_key == dedup_key, Snooze.until > now)
            .order_by(col(Snooze.until).desc())
            .limit(1)
        )
        with self.db.session() as session:
            return session.exec(query).first()

    def record_policy_version(self, agent: str, path: str, sha256: str, content: str) -> PolicyVersion:
        """Idempotent per (agent, sha256): re-recording an unchanged policy returns the first record."""
        row = {"agent": agent, "path": path, "sha256": sha256, "content": content, "recorded_at": utcnow()}
        with self.db.session(write=True) as session:
            session.exec(self.db.insert(PolicyVersion).values(**row).on_conflict_do_nothing())
            query = select(PolicyVersion).where(PolicyVersion.agent == agent, PolicyVersion.sha256 == sha256)
            return session.exec(query).one()

    # --- outbox ----------------------------------------------------------------------------------------------

    def enqueue(
        self, kind: str, proposal_id: str | None, payload: JSONObject, *, dedup: str
    ) -> OutboxMessage | None:
        """Adds a message once per dedup key; None when it was already there (a graph node re-ran)."""
        row = {
            "kind": kind,
            "proposal_id": proposal_id,
            "dedup": dedup,
            "payload": _json_object(payload),
            "created_at": utcnow(),
            "attempts": 0,
        }
        statement = (
            self.db.insert(OutboxMessage)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["dedup"])
            .returning(OutboxMessage)
        )
        with self.db.session(write=True) as session:
            return session.exec(statement).scalars().first()

    def pending_outbox(self, limit: int = 100) -> list[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.delivered_at).is_(None))
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        with self.db.session() as session:
            return list(session.exec(query))

    def mark_delivered(self, msg_id: int, **result: object) -> bool:
        """Records delivery once; False if the message was already delivered (or does not exist)."""
        values = {"delivered_at": utcnow(), "result": _json_object(result)}
        return self._update_undelivered(msg_id, values)

    def mark_failed_attempt(self, msg_id: int, error: str) -> bool:
        values = {"attempts": col(OutboxMessage.attempts) + 1, "last_error": error}
        return self._update_undelivered(msg_id, values)

    def _update_undelivered(self, msg_id: int, values: Mapping[str, object]) -> bool:
        statement = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == msg_id, col(OutboxMessage.delivered_at).is_(None))
            .values(**values)
        )
        with self.db.session(write=True) as session:
            return session.exec(statement, execution_options={"synchronize_session": False}).rowcount == 1

    # --- flags -----------------------------------------------------------------------------------------------

    def get_flag(self, key: str, default: str | None = None) -> str | None:
        with self.db.session() as session:
            flag = session.get(Flag, key)
            return default if flag is None else flag.value

    def set_flag(self, key: str, value: str) -> None:
        now = utcnow()
        statement = (
            self.db.insert(Flag)
            .values(key=key, value=value, updated_at=now)
            .on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
        )
        with self.db.session(write=True) as session:
            session.exec(statement)

