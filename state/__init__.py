"""Durable state: proposals (status by compare-and-set), the hash-chained audit trail, outbox and checkpoints."""

from state.audit import Audit, VerifyResult
from state.db import Database
from state.errors import StateUnavailable
from state.store import Store
from state.tables import (
    AgentRun,
    AuditEvent,
    Flag,
    OutboxMessage,
    PolicyVersion,
    Proposal,
    ProposalStatus,
    RunSlot,
    QueueSnapshot,
    ReplicaPolicy,
    Snooze,
)

__all__ = [
    "AgentRun",
    "Audit",
    "AuditEvent",
    "Database",
    "Flag",
    "OutboxMessage",
    "PolicyVersion",
    "Proposal",
    "ProposalStatus",
    "RunSlot",
    "QueueSnapshot",
    "ReplicaPolicy",
    "Snooze",
    "StateUnavailable",
    "Store",
    "VerifyResult",
]
