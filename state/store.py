"""Proposals and the other durable rows; every status change is one compare-and-set UPDATE."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal, get_args

from pydantic import TypeAdapter
from sqlalchemy import JSON, func, or_, update
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
    AuditEvent,
    Proposal,
    ProposalStatus,
    QueueSnapshot,
    RunSlot,
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
        """The newest open proposal of an item (triage asks last_proposals_for, in batches)."""
        query = select(Proposal).where(Proposal.dedup_key == dedup_key, col(Proposal.status).in_(OPEN_STATUSES))
        query = query.order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc()).limit(1)
        with self.db.session() as session:
            return session.exec(query).first()

    def last_proposals_for(self, dedup_keys: Sequence[str]) -> dict[str, Proposal]:
        """The newest proposal of each key, any status: triage's one query per batch instead of one per finding."""
        newest: dict[str, Proposal] = {}
        for chunk in _chunks(dedup_keys):
            query = select(Proposal).where(col(Proposal.dedup_key).in_(chunk))
            with self.db.session() as session:
                for proposal in session.exec(query):
                    known = newest.get(proposal.dedup_key)
                    if known is None or (proposal.created_at, proposal.id) > (known.created_at, known.id):
                        newest[proposal.dedup_key] = proposal
        return newest

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

    def start_run(self, agent: str, connection: str, *, at: datetime | None = None, replica: str | None = None) -> AgentRun:
        """`at`: the engine's clock (a replayed or simulated history keeps its own time); now by default."""
        run = AgentRun(agent=agent, connection=connection, started_at=_utc(at or utcnow()), replica=replica)
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
        found: Mapping[str, int] | None = None,
        at: datetime | None = None,
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
                found=None if found is None else _json_object(found),
                finished_at=_utc(at or utcnow()),
            )
        )
        with self.db.session(write=True) as session:
            return session.exec(statement, execution_options={"synchronize_session": False}).rowcount == 1

    def last_runs(self) -> dict[str, AgentRun]:
        """The newest run of each agent (the health endpoint)."""
        newest = select(AgentRun.agent, func.max(AgentRun.id).label("id")).group_by(AgentRun.agent).subquery()
        query = select(AgentRun).join(newest, col(AgentRun.id) == newest.c.id)
        with self.db.session() as session:
            return {run.agent: run for run in session.exec(query)}

    def recent_runs(self, per_agent: int) -> dict[str, list[AgentRun]]:
        """Each agent's newest finished runs, newest first (/healthz: did every recent run fail?)."""
        ranked = (select(AgentRun.id, func.row_number().over(partition_by=AgentRun.agent,
                                                             order_by=col(AgentRun.id).desc()).label("rank"))
                  .where(AgentRun.status != "running").subquery())
        query = (select(AgentRun).join(ranked, col(AgentRun.id) == ranked.c.id).where(ranked.c.rank <= per_agent)
                 .order_by(col(AgentRun.id).desc()))
        runs: dict[str, list[AgentRun]] = {}
        with self.db.session() as session:
            for run in session.exec(query):
                runs.setdefault(run.agent, []).append(run)
        return runs

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

    def snoozed_keys(self, dedup_keys: Sequence[str], now: datetime) -> set[str]:
        """Which of these keys a person has snoozed past `now`."""
        snoozed: set[str] = set()
        for chunk in _chunks(dedup_keys):
            query = select(Snooze.dedup_key).where(col(Snooze.dedup_key).in_(chunk), Snooze.until > now)
            with self.db.session() as session:
                snoozed.update(session.exec(query))
        return snoozed

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

    def pending_outbox(self, limit: int = 100, *, kinds: Sequence[str] | None = None) -> list[OutboxMessage]:
        """Undelivered messages, oldest first; `kinds`: only those (the Slack worker's update lane)."""
        query = select(OutboxMessage).where(col(OutboxMessage.delivered_at).is_(None))
        if kinds is not None:
            query = query.where(col(OutboxMessage.kind).in_(list(kinds)))
        query = query.order_by(col(OutboxMessage.id)).limit(limit)
        with self.db.session() as session:
            return list(session.exec(query))

    def claim_outbox(self, msg_id: int, owner: str, *, now: datetime, lease: timedelta = timedelta(minutes=2)) -> bool:
        """Take an undelivered message for `lease` (CAS): two replicas' workers never deliver the same one twice.

        A worker that died while delivering loses its claim when the lease runs out.
        """
        statement = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == msg_id,
                col(OutboxMessage.delivered_at).is_(None),
                or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now,
                    col(OutboxMessage.claimed_by) == owner),
            )
            .values(claimed_by=owner, claimed_until=now + lease)
        )
        with self.db.session(write=True) as session:
            return session.exec(statement, execution_options={"synchronize_session": False}).rowcount == 1

    def claim_run_slot(self, job: str, slot: str, owner: str) -> bool:
        """True for the one replica that claims this tick of this job; the others skip it."""
        row = {"job": job, "slot": slot, "claimed_by": owner, "claimed_at": utcnow()}
        with self.db.session(write=True) as session:
            statement = self.db.insert(RunSlot).values(**row).on_conflict_do_nothing().returning(RunSlot.job)
            return session.exec(statement).first() is not None  # a row back: this insert won

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

    # --- queue snapshots and what the digest and /metrics read ------------------------------------------------

    def add_queue_snapshots(self, rows: Sequence[Mapping[str, object]]) -> int:
        snapshots = [QueueSnapshot.model_validate({**row, "taken_at": _utc(row["taken_at"]),  # type: ignore[arg-type]
                                                   "oldest": _json.normalized(row.get("oldest") or [])})
                     for row in rows]
        with self.db.session(write=True) as session:
            session.add_all(snapshots)
        return len(snapshots)

    def last_snapshot_times(self, agent: str) -> dict[str, datetime]:
        """Rule id -> when its newest snapshot was taken."""
        query = (select(QueueSnapshot.rule_id, func.max(QueueSnapshot.taken_at))
                 .where(QueueSnapshot.agent == agent).group_by(QueueSnapshot.rule_id))
        with self.db.session() as session:
            return {rule_id: _utc(at) for rule_id, at in session.exec(query)}

    def latest_queue_snapshots(self) -> list[QueueSnapshot]:
        """The newest snapshot of each agent's rule (the queue gauges)."""
        newest = (select(func.max(QueueSnapshot.id).label("id"))
                  .group_by(QueueSnapshot.agent, QueueSnapshot.rule_id).subquery())
        query = select(QueueSnapshot).join(newest, col(QueueSnapshot.id) == newest.c.id).order_by(col(QueueSnapshot.id))
        with self.db.session() as session:
            return list(session.exec(query))

    def queue_snapshots(self, agents: Sequence[str], since: datetime, until: datetime) -> list[QueueSnapshot]:
        """Snapshots taken in [since, until), oldest first."""
        query = (select(QueueSnapshot)
                 .where(col(QueueSnapshot.agent).in_(list(agents)), QueueSnapshot.taken_at >= _utc(since),
                        QueueSnapshot.taken_at < _utc(until))
                 .order_by(col(QueueSnapshot.taken_at), col(QueueSnapshot.id)))
        with self.db.session() as session:
            return list(session.exec(query))

    def runs_between(self, agents: Sequence[str], since: datetime, until: datetime) -> list[AgentRun]:
        """Runs started in [since, until), oldest first."""
        query = (select(AgentRun)
                 .where(col(AgentRun.agent).in_(list(agents)), AgentRun.started_at >= _utc(since),
                        AgentRun.started_at < _utc(until))
                 .order_by(col(AgentRun.started_at), col(AgentRun.id)))
        with self.db.session() as session:
            return list(session.exec(query))

    def proposals_between(self, agents: Sequence[str], since: datetime, until: datetime) -> list[Proposal]:
        """Proposals created or decided in [since, until), oldest first."""
        low, high = _utc(since), _utc(until)
        created = (Proposal.created_at >= low) & (Proposal.created_at < high)
        decided = (col(Proposal.decided_at) >= low) & (col(Proposal.decided_at) < high)
        query = (select(Proposal).where(col(Proposal.agent).in_(list(agents)), created | decided)
                 .order_by(col(Proposal.created_at), col(Proposal.id)))
        with self.db.session() as session:
            return list(session.exec(query))

    def proposal_counts(self) -> dict[tuple[str, str], int]:
        """(agent, status) -> proposals."""
        query = select(Proposal.agent, Proposal.status, func.count()).group_by(Proposal.agent, Proposal.status)
        with self.db.session() as session:
            return {(agent, status): n for agent, status, n in session.exec(query)}

    def decision_times(self, since: datetime) -> list[tuple[str, float]]:
        """(agent, seconds from proposal to decision) of every decision by a person since `since`."""
        query = (select(Proposal.agent, Proposal.created_at, Proposal.decided_at, Proposal.decided_by)
                 .where(col(Proposal.decided_at) >= _utc(since), col(Proposal.decided_by).is_not(None)))
        with self.db.session() as session:
            return [(agent, (_utc(decided) - _utc(created)).total_seconds())
                    for agent, created, decided, by in session.exec(query) if decided and not by.startswith("system:")]

    def last_successful_runs(self) -> dict[str, datetime]:
        """Agent -> when its newest successful run finished."""
        query = (select(AgentRun.agent, func.max(AgentRun.finished_at)).where(AgentRun.status == "ok")
                 .group_by(AgentRun.agent))
        with self.db.session() as session:
            return {agent: _utc(at) for agent, at in session.exec(query) if at is not None}

    def outbox_figures(self) -> tuple[int, int]:
        """(messages waiting for delivery, failed delivery attempts so far)."""
        waiting = select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.delivered_at).is_(None))
        failed = select(func.coalesce(func.sum(OutboxMessage.attempts), 0))
        with self.db.session() as session:
            return int(session.exec(waiting).one()), int(session.exec(failed).one())

    def events(self, kind: str, *, proposal_ids: Sequence[str] | None = None, after_seq: int = 0) -> list[AuditEvent]:
        """Audit events of one kind, in chain order: of these proposals, or all of them after `after_seq`."""
        query = (select(AuditEvent).where(AuditEvent.kind == kind, AuditEvent.seq > after_seq)
                 .order_by(col(AuditEvent.seq)))
        if proposal_ids is None:
            with self.db.session() as session:
                return list(session.exec(query))
        found: list[AuditEvent] = []
        for chunk in _chunks(proposal_ids):
            with self.db.session() as session:
                found += session.exec(query.where(col(AuditEvent.proposal_id).in_(chunk)))
        return sorted(found, key=lambda event: event.seq)


def _utc(at: datetime) -> datetime:
    """Timestamps are stored in UTC: SQLite compares them as text, so a bound in another zone would compare wrong."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _chunks(keys: Sequence[str], size: int = 5000) -> Iterator[list[str]]:
    """Bounded IN lists: SQLite caps bound parameters (32,766 since 3.32), PostgreSQL plans long lists slowly."""
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]
