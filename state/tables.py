"""SQLModel tables of Sentinel's durable state, and the closed sets of values their columns hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel
from typing_extensions import TypeAliasType

JSONValue = TypeAliasType(
    "JSONValue", "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]"
)
JSONObject = dict[str, JSONValue]

ProposalStatus = Literal[
    "shadow", "pending", "approved", "rejected", "expired", "superseded", "executing", "executed", "failed", "snoozed"
]
OPEN_STATUSES: tuple[ProposalStatus, ...] = ("pending", "approved", "executing")
Decision = Literal["approve", "reject", "expire", "snooze"]
Mode = Literal["live", "shadow"]
DraftSource = Literal["template", "llm"]
RunStatus = Literal["running", "ok", "failed", "interrupted"]  # interrupted: its process stopped or died mid-scan


def utcnow() -> datetime:
    return datetime.now(UTC)


# Literal columns need an explicit sa_type: SQLModel cannot map Literal to a column type by itself.
class Proposal(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=16)
    agent: str = Field(index=True)
    connection: str
    rule_id: str
    rule_type: str
    model: str
    res_id: int
    record_name: str
    dedup_key: str = Field(index=True)
    step: int = 0
    action: str
    action_args: JSONObject = Field(default_factory=dict, sa_type=JSON)
    status: ProposalStatus = Field(default="pending", sa_type=String, index=True)
    mode: Mode = Field(default="live", sa_type=String)
    policy_sha256: str
    summary: str | None = None
    rationale: str | None = None
    draft_source: DraftSource | None = Field(default=None, sa_type=String)
    facts: JSONObject = Field(default_factory=dict, sa_type=JSON)
    evidence: JSONObject = Field(default_factory=dict, sa_type=JSON)
    subject_user_id: int | None = None
    approvers: JSONObject = Field(default_factory=dict, sa_type=JSON)  # e.g. {"slack_users": [...], "odoo_groups": [...]}
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    # The decision itself, stored with the status in one compare-and-set: recovery resumes from it, never from the wait.
    decision: Decision | None = Field(default=None, sa_type=String)
    attempts: int = 0  # tries of the action whose outcome was unknown (Odoo timed out or unreachable)
    next_attempt_at: datetime | None = None  # not before: an unknown write may still land until Odoo's request limit
    lease_by: str | None = None  # the process carrying the decision out (host:pid) ...
    lease_until: datetime | None = None  # ... until then; a lease left to expire means that process died
    result: JSONObject | None = Field(default=None, sa_type=JSON)
    error: str | None = Field(default=None, sa_type=Text)
    slack_channel: str | None = None
    slack_ts: str | None = None
    version: int = 1


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    # seq is assigned by Audit.append under a lock, never by the database, so the chain has no gaps.
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime
    kind: str = Field(index=True)
    actor: str
    proposal_id: str | None = Field(default=None, index=True)
    data: JSONObject = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AgentRun(SQLModel, table=True):
    __tablename__ = "agent_run"

    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(index=True)
    connection: str
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: RunStatus = Field(default="running", sa_type=String)
    error: str | None = Field(default=None, sa_type=Text)
    findings: int = 0
    proposals: int = 0
    round_trips: int = 0
    found: JSONObject | None = Field(default=None, sa_type=JSON)  # rule id -> findings (the digest's per-rule counts)
    replica: str | None = None  # host:pid of the process running it (None: written before replicas were recorded)


class QueueSnapshot(SQLModel, table=True):
    """One rule's queue as one scan saw it: the trend line of the digest and the queue gauges of /metrics."""

    __tablename__ = "queue_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(index=True)
    rule_id: str
    run_id: int | None = None
    taken_at: datetime = Field(index=True)
    open_items: int
    stalled_items: int
    entered: int | None = None  # items that entered the queue since the rule's previous snapshot (None: first one)
    age_p50: float | None = None  # hours
    age_p90: float | None = None
    age_max: float | None = None
    oldest: list[JSONObject] = Field(default_factory=list, sa_type=JSON)  # [{model, res_id, name, age_hours}], oldest first


class Snooze(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(index=True)
    until: datetime
    by: str
    reason: str
    created_at: datetime = Field(default_factory=utcnow)


class PolicyVersion(SQLModel, table=True):
    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("agent", "sha256", name="uq_policy_version_agent_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(index=True)
    path: str
    sha256: str = Field(max_length=64)
    content: str = Field(sa_type=Text)
    recorded_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    proposal_id: str | None = Field(default=None, index=True)
    dedup: str = Field(unique=True)
    payload: JSONObject = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    result: JSONObject | None = Field(default=None, sa_type=JSON)
    claimed_by: str | None = None  # the worker (host:pid) delivering it now: two replicas never post a message twice
    claimed_until: datetime | None = None


class ReplicaHeartbeat(SQLModel, table=True):
    """A running process (`run`, `once`) and when it last said it is alive: its runs are not someone else's to close."""

    __tablename__ = "replica_heartbeat"

    replica: str = Field(primary_key=True)
    beat_at: datetime = Field(default_factory=utcnow)


class RunSlot(SQLModel, table=True):
    """One scheduled tick of one job, claimed by the replica that runs it: the others skip that tick."""

    __tablename__ = "run_slot"

    job: str = Field(primary_key=True)
    slot: str = Field(primary_key=True)
    claimed_by: str
    claimed_at: datetime = Field(default_factory=utcnow)


class ReplicaPolicy(SQLModel, table=True):
    """Which policy file (by sha256) each running replica has in force, as of its last heartbeat: /healthz flags
    replicas that disagree (a file copied to one host and not the other)."""

    __tablename__ = "replica_policy"

    replica: str = Field(primary_key=True)  # host:pid
    agent: str = Field(primary_key=True)
    sha256: str = Field(max_length=64)
    seen_at: datetime = Field(default_factory=utcnow, index=True)


class Flag(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow)
