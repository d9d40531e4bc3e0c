"""The proposal graph's state: small on purpose, the proposal row in state/ holds the facts and the status."""

from __future__ import annotations

from typing import Literal, TypedDict

Decision = Literal["approve", "reject", "expire", "snooze"]


class DecisionPayload(TypedDict):
    decision: Decision
    actor: str
    reason: str | None


class ProposalState(TypedDict, total=False):
    proposal_id: str
    """The thread id too: one thread per proposal."""
    decision: Decision
    """What the CAS winner decided; set when the thread is resumed."""
    actor: str
    """Who decided ('odoo:grace.finance', 'slack:U123', 'system:expiry')."""
    outcome: Literal["executed", "failed", "superseded", "rejected", "expired", "snoozed"]
    """How the proposal ended."""
