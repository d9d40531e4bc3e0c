"""The proposal graph's state: small on purpose, the proposal row in state/ holds the facts and the status."""

from __future__ import annotations

from typing import Literal, TypedDict

from state.tables import Decision


class ProposalState(TypedDict, total=False):
    proposal_id: str
    """The thread id too: one thread per proposal."""
    decision: Decision
    """What the CAS winner decided; set when the thread is resumed."""
    actor: str
    """Who decided ('odoo:grace.finance', 'slack:U123', 'system:expiry')."""
    outcome: Literal["executed", "failed", "superseded", "rejected", "expired", "snoozed", "waiting"]
    """How the proposal ended; "waiting": Odoo did not answer, housekeeping tries again later."""
