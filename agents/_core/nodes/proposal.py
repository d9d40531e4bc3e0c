"""Proposal graph nodes: draft -> notify -> await_decision -> verify -> act -> report."""

from __future__ import annotations

from typing import Literal

from langgraph.types import interrupt

from agents._core import execution
from agents._core.drafting import DraftInput, draft as draft_with_model
from agents._core.nodes.proposal_state import ProposalState
from agents._core.odoo.errors import OdooError
from agents._core.privacy import MASK
from agents._core.services import Services
from agents._core.watcher import RecordRef, ScanContext
from state import Proposal


def draft(services: Services, state: ProposalState) -> ProposalState:
    """Let the model redraft the summary and pick among the step's allowed actions; the template stays otherwise."""
    proposal = _proposal(services, state)
    step = _step(services, proposal)
    if services.model is None or step is None:
        return {}
    shared = {k: v for k, v in proposal.facts.items() if v != MASK}
    item = DraftInput(proposal.rule_id, proposal.rule_type, proposal.record_name, shared, proposal.evidence, tuple(step.actions))
    result = draft_with_model(item, model=services.model, timeout=services.settings.llm_timeout, breaker=services.llm_breaker)
    services.store.update_fields(
        proposal.id, "pending", summary=result.summary, rationale=result.rationale, action=result.action,
        action_args=result.action_args, draft_source=result.source,
    )
    services.audit.append(
        "proposal.drafted",
        actor="system:drafter",
        proposal_id=proposal.id,
        data={"source": result.source, "prompt": result.prompt, "summary": result.summary, "rationale": result.rationale,
              "action": result.action, "action_args": result.action_args, "usage": result.usage,
              "fallback_reason": result.fallback_reason},
    )
    return {}


def notify(services: Services, state: ProposalState) -> ProposalState:
    """An outbox row: the channel adapter (Slack, console) delivers it; the graph never waits on it."""
    proposal = _proposal(services, state)
    channel = services.policy(proposal.agent).slack.channel
    services.store.enqueue("proposal.posted", proposal.id, {"channel": channel}, dedup=f"{proposal.id}:posted")
    return {}


def await_decision(services: Services, state: ProposalState) -> ProposalState:
    """Wait, for hours or days, until decide() wins the compare-and-set and resumes this thread.

    The decision is read from the proposal row, where the compare-and-set stored it: whoever resumes the thread
    (decide(), recovery after a crash, `resume`), it goes on with the decision that was recorded.
    """
    interrupt({"proposal_id": state["proposal_id"], "waiting_for": "decision"})
    proposal = _proposal(services, state)
    if proposal.decision is None:  # resumed without a recorded decision: never guess one
        raise LookupError(f"proposal {proposal.id} was resumed but has no recorded decision")
    return {"decision": proposal.decision, "actor": proposal.decided_by or ""}


def after_decision(state: ProposalState) -> Literal["verify", "report"]:
    return "verify" if state.get("decision") == "approve" else "report"


def verify(services: Services, state: ProposalState) -> ProposalState:
    """Re-read the record: if it no longer matches the rule, nothing is written and the proposal is superseded."""
    proposal = _proposal(services, state)
    if proposal.status != "approved":
        return {}  # already executing after a crash: verified before
    policy = services.policy(proposal.agent)
    gateway = services.gateway(proposal.connection)
    ctx = ScanContext(gateway, policy, services.clock(), services.calendar(proposal.agent),
                      only=RecordRef(proposal.rule_id, proposal.model, proposal.res_id))
    rule_exists = any(rule.id == proposal.rule_id for rule in policy.rules)
    try:
        still = rule_exists and any(f.res_id == proposal.res_id for f in services.agents[proposal.agent].watcher.detect(ctx))
    except OdooError as exc:
        if not isinstance(exc, execution.REFUSALS):  # nothing written yet: the approval stays, verified again later
            return {"outcome": execution.wait_for_odoo(services, proposal, "approved", exc)}
        if services.store.transition(proposal.id, "approved", "failed", error=str(exc)):
            services.audit.append("proposal.failed", actor="system:verify", proposal_id=proposal.id,
                                  data={"error": str(exc), "odoo_error": exc.odoo_name})
        return {"outcome": "failed"}
    if still:
        return {}
    reason = "the record no longer matches the rule" if rule_exists else "the rule was removed from the policy"
    if services.store.transition(proposal.id, "approved", "superseded", error=reason):
        services.audit.append("proposal.superseded", actor="system:verify", proposal_id=proposal.id, data={"reason": reason})
    return {"outcome": "superseded"}


def after_verify(state: ProposalState) -> Literal["act", "report", "__end__"]:
    outcome = state.get("outcome")
    if outcome == "waiting":
        return "__end__"  # housekeeping carries it on once Odoo answers again (the message says it waits)
    return "report" if outcome in ("superseded", "failed") else "act"


def act(services: Services, state: ProposalState) -> ProposalState:
    """Run the approved action once. Paused: wait here until resumed (the check comes before any write)."""
    while services.paused():
        interrupt({"proposal_id": state["proposal_id"], "waiting_for": "resume"})
    return {"outcome": execution.carry_out(services, _proposal(services, state))}


def after_act(state: ProposalState) -> Literal["report", "__end__"]:
    return "__end__" if state.get("outcome") == "waiting" else "report"


def carry_on(services: Services, proposal_id: str) -> ProposalState:
    """The approved path once more, without the graph, for a thread that ended while it waited for Odoo:
    verify (skipped once executing), act, and the final report."""
    state: ProposalState = {"proposal_id": proposal_id, "decision": "approve"}
    state |= verify(services, state)
    if after_verify(state) == "act":
        state |= act(services, state)
    if state.get("outcome") != "waiting":
        state |= report(services, state)
    return state


def report(services: Services, state: ProposalState) -> ProposalState:
    """An outbox row to update the posted message with who decided, when, and the result in Odoo."""
    proposal = _proposal(services, state)
    channel = services.policy(proposal.agent).slack.channel
    services.store.enqueue("proposal.updated", proposal.id, {"channel": channel}, dedup=f"{proposal.id}:final")
    return {"outcome": state.get("outcome") or proposal.status}


def _proposal(services: Services, state: ProposalState) -> Proposal:
    proposal = services.store.get(state["proposal_id"])
    if proposal is None:
        raise LookupError(f"proposal {state['proposal_id']} does not exist")
    return proposal


def _step(services: Services, proposal: Proposal):  # noqa: ANN202 - LadderStep | None
    rule = next((r for r in services.policy(proposal.agent).rules if r.id == proposal.rule_id), None)
    if rule is None or proposal.step >= len(rule.ladder):
        return None
    return rule.ladder[proposal.step]
