"""Carrying out an approved action exactly once: Odoo's refusal fails it, an unknown outcome waits and is tried again.

A timeout or a lost answer does not say whether Odoo wrote: the proposal stays approved (executing), and the next
attempt comes only after Odoo's own request limit, when the markers can be trusted, then with a growing backoff.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Literal

from agents._core import actions
from agents._core.odoo.errors import (
    OdooAccessError,
    OdooError,
    OdooMissingError,
    OdooModuleMissing,
    OdooValidationError,
)
from agents._core.services import Services
from agents._core.settings import Settings
from agents._core.test_seams import crash_point
from state import Proposal
from state.tables import ProposalStatus, utcnow

log = logging.getLogger(__name__)

MAX_WAIT = timedelta(hours=1)  # the backoff's ceiling between two attempts (never below Odoo's request limit)
# Odoo's refusal: trying again changes nothing, so the proposal fails with Odoo's message. Anything else (unreachable,
# timed out, a lost answer, a login or gateway problem, a server error) may pass: the approval waits and is retried.
REFUSALS = (OdooAccessError, OdooValidationError, OdooMissingError, OdooModuleMissing)
Carried = Literal["executed", "failed", "waiting"] | ProposalStatus


def lease_end(settings: Settings) -> datetime:
    """Until when a process carrying a decision out holds it: never shorter than one Odoo request can last, so a
    process that died mid-write is taken over only once that write has landed or been dropped by Odoo."""
    seconds = max(settings.lease_seconds, settings.odoo_request_limit + settings.odoo_timeout)
    return utcnow() + timedelta(seconds=seconds)


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    limit = timedelta(seconds=settings.odoo_request_limit)
    return max(limit, min(limit * 2 ** min(attempts - 1, 16), MAX_WAIT))


def carry_out(services: Services, proposal: Proposal) -> Carried:
    """Run the approved action of `proposal` (approved or executing), unless an unknown outcome is not yet settled."""
    store = services.store
    if proposal.status not in ("approved", "executing"):
        return proposal.status
    if proposal.next_attempt_at is not None and utcnow() < _aware(proposal.next_attempt_at):
        return "waiting"  # an earlier write may still land: the marker cannot be trusted yet
    if proposal.status == "approved" and not store.transition(proposal.id, "approved", "executing"):
        current = store.get(proposal.id)
        return current.status if current else "failed"  # someone else took it further
    crash_point("acting")
    try:
        result = actions.execute(services.gateway(proposal.connection), _order(proposal), today=services.clock().date())
    except OdooError as exc:
        if not isinstance(exc, REFUSALS):
            return wait_for_odoo(services, proposal, "executing", exc)
        store.transition(proposal.id, "executing", "failed", error=str(exc), next_attempt_at=None)
        services.audit.append("proposal.failed", actor="system:executor", proposal_id=proposal.id,
                              data={"error": str(exc), "odoo_error": exc.odoo_name, "attempt": proposal.attempts + 1})
        return "failed"
    crash_point("written")
    outcome = {"done": result.done, "summary": result.summary, "odoo_ids": result.odoo_ids}
    store.transition(proposal.id, "executing", "executed", result=outcome, error=None, next_attempt_at=None)
    services.audit.append("proposal.executed", actor="system:executor", proposal_id=proposal.id,
                          data={**outcome, "attempt": proposal.attempts + 1})
    return "executed"


def wait_for_odoo(services: Services, proposal: Proposal, status: ProposalStatus, exc: OdooError) -> Carried:
    """Record the unknown outcome: the attempt, when the next one may come, and a message update saying it waits."""
    attempts = proposal.attempts + 1
    at = utcnow() + retry_delay(services.settings, attempts)
    if not services.store.update_fields(proposal.id, status, attempts=attempts, next_attempt_at=at, error=str(exc)):
        current = services.store.get(proposal.id)
        return current.status if current else "failed"
    log.warning("proposal %s waits for Odoo (attempt %d, next after %s): %s", proposal.id, attempts, at, exc)
    services.audit.append("proposal.waiting_for_odoo", actor="system:executor", proposal_id=proposal.id,
                          data={"attempt": attempts, "next_attempt_at": at.isoformat(), "error": str(exc)})
    channel = services.policy(proposal.agent).slack.channel
    services.store.enqueue("proposal.updated", proposal.id, {"channel": channel}, dedup=f"{proposal.id}:waiting:{attempts}")
    return "waiting"


def _order(proposal: Proposal) -> actions.ActionOrder:
    return actions.ActionOrder(
        proposal_id=proposal.id,
        type=proposal.action,  # type: ignore[arg-type] - validated against the catalogue when proposed
        model=proposal.model,
        res_id=proposal.res_id,
        note=_note(proposal),
        args={"summary": f"Follow up: {proposal.record_name} ({proposal.rule_id})", **proposal.action_args},
        subject_user_id=proposal.subject_user_id,
    )


def _note(proposal: Proposal) -> str:
    """The text written into Odoo, rendered from the proposal's data by code (never by the model)."""
    headline = proposal.evidence.get("headline", "")
    return f"Sentinel escalation ({proposal.rule_id}): {proposal.record_name}, {headline}. Approved by {proposal.decided_by}."


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=utcnow().tzinfo)
