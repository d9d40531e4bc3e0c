"""A snooze decided by a person: recorded for triage, mirrored in Odoo as an internal note, audited."""

from __future__ import annotations

from datetime import datetime

from agents._core import actions
from agents._core.odoo.errors import OdooError
from agents._core.services import Services
from state import Proposal


def record_snooze(services: Services, proposal: Proposal, *, actor: str, until: datetime, reason: str) -> None:
    """Called by decide() for the compare-and-set winner only, before the thread resumes to report.

    The snooze row is what triage honours, so it is written first and locally; the Odoo note may fail (Odoo down,
    Sentinel paused) without undoing the snooze: the failure is stored on the proposal and shown in Slack.
    """
    services.store.add_snooze(proposal.dedup_key, until, by=actor, reason=reason)
    result: dict[str, object] = {"snoozed_until": until.isoformat()}
    error = None
    if services.paused():
        result["summary"] = "no note written in Odoo: Sentinel is paused"
    else:
        # Not an approved action: a record of a person's decision, so ERP users see why the escalation went quiet.
        # It goes through the catalogue's note so it carries the proposal's marker and a retry never writes it twice.
        order = actions.ActionOrder(
            proposal_id=proposal.id, type="post_note", model=proposal.model, res_id=proposal.res_id,
            note=f"Sentinel escalation ({proposal.rule_id}) snoozed until {until:%Y-%m-%d %H:%M} UTC by {actor}: {reason}",
            args={},
        )
        try:
            done = actions.execute(services.gateway(proposal.connection), order, today=services.clock().date())
        except OdooError as exc:
            error = f"the snooze note could not be written in Odoo: {exc}"
        else:
            result |= {"summary": done.summary, "odoo_ids": done.odoo_ids}
    services.store.update_fields(proposal.id, "snoozed", result=result, error=error)
    services.audit.append("proposal.snooze_recorded", actor=actor, proposal_id=proposal.id,
                          data={"until": until.isoformat(), "dedup_key": proposal.dedup_key, "reason": reason,
                                "odoo": result.get("summary"), "error": error})
