"""decide(): the one door for every decision (Slack, CLI, expiry sweep): authorize, compare-and-set, resume."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from agents._core import messages
from agents._core.engine import Engine
from agents._core.nodes.proposal_state import Decision
from agents._core.odoo.values import m2o_id
from agents._core.snoozes import record_snooze
from state import Proposal

log = logging.getLogger(__name__)
_TO_STATUS: dict[Decision, str] = {"approve": "approved", "reject": "rejected", "expire": "expired", "snooze": "snoozed"}
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")


@dataclass(frozen=True)
class Actor:
    kind: Literal["odoo", "slack", "system"]
    id: str  # an Odoo login, a Slack user id, or a system job name
    # Resolved by the Slack adapter before decide(): the Odoo login its Slack e-mail maps to, and which of the policy's
    # Slack user groups it belongs to. The CLI's `--as U123` resolves neither, so it counts as slack_users only.
    odoo_login: str | None = None
    slack_groups: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, who: str) -> Actor:
        """`--as WHO`: a Slack user id (U…/W…) or an Odoo login."""
        return cls("slack", who) if _SLACK_ID.match(who) else cls("odoo", who)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    status: str | None = None
    already: bool = False  # lost the compare-and-set: someone (or the expiry sweep) decided first


def decide(engine: Engine, proposal_id: str, decision: Decision, actor: Actor, *, reason: str | None = None,
           until: datetime | None = None) -> Outcome:
    """`until`: when a snooze ends (required for "snooze", ignored otherwise)."""
    services = engine.services
    proposal = services.store.get(proposal_id)
    if proposal is None:
        return Outcome(False, messages.NO_SUCH_PROPOSAL.format(id=proposal_id))
    if proposal.status == "shadow":
        return Outcome(False, messages.SHADOW_ONLY.format(agent=proposal.agent), proposal.status)
    if decision == "reject" and not (reason and reason.strip()):
        return Outcome(False, messages.REASON_REQUIRED, proposal.status)
    if decision == "snooze" and not (reason and reason.strip() and until is not None):
        return Outcome(False, messages.SNOOZE_NEEDS, proposal.status)
    if actor.kind != "system":
        refusal = authorize(engine, proposal, actor)
        if refusal:
            services.audit.append("decision.refused", actor=str(actor), proposal_id=proposal.id,
                                  data={"decision": decision, "why": refusal})
            return Outcome(False, refusal, proposal.status)
    to_status = _TO_STATUS[decision]
    won = services.store.transition(
        proposal.id, "pending", to_status, decided_by=str(actor), decided_at=services.clock(), decision_reason=reason
    )
    if not won:
        current = services.store.get(proposal.id)
        assert current is not None
        return Outcome(False, messages.ALREADY_DECIDED.format(status=current.status, who=current.decided_by or "the system"),
                       current.status, already=True)
    services.audit.append(f"proposal.{to_status}", actor=str(actor), proposal_id=proposal.id, data={"reason": reason})
    if decision == "snooze" and until is not None:
        record_snooze(services, proposal, actor=str(actor), until=until, reason=reason or "")
    engine.resume(proposal.id, {"decision": decision, "actor": str(actor), "reason": reason})
    final = services.store.get(proposal.id)
    status = final.status if final else to_status
    return Outcome(True, messages.DECIDED.format(id=proposal.id, status=status), status)


def authorize(engine: Engine, proposal: Proposal, actor: Actor) -> str | None:
    """None if the actor may decide this proposal, else the reason they may not (shown to them)."""
    approvers = proposal.approvers or {}
    policy = engine.services.policy(proposal.agent)
    allowed = False
    odoo_user_id: int | None = None
    if actor.kind == "slack":
        allowed = actor.id in approvers.get("slack_users", []) or bool(actor.slack_groups & set(approvers.get("slack_groups", [])))
    login = actor.odoo_login if actor.kind == "slack" else actor.id
    if login is not None:
        gateway = engine.services.gateway(proposal.connection)
        users = gateway.search_read("res.users", [("login", "=", login)], ["id", "all_group_ids"], limit=1)
        if users:
            odoo_user_id = users[0]["id"]
            allowed = allowed or login in approvers.get("odoo_users", []) or bool(
                set(users[0].get("all_group_ids") or []) & _group_ids(gateway, approvers.get("odoo_groups", []))
            )
    if not allowed:
        return messages.NOT_ALLOWED.format(who=actor.id, approvers=_describe(approvers))
    if policy.slack.four_eyes and odoo_user_id is not None and odoo_user_id == m2o_id(proposal.subject_user_id):
        return messages.FOUR_EYES.format(who=actor.id)
    return None


def _group_ids(gateway, xmlids: list[str]) -> set[int]:  # noqa: ANN001 - OdooGateway
    if not xmlids:
        return set()
    leaves: list = []
    for xmlid in xmlids:
        module, _, name = xmlid.partition(".")
        leaves.append(["&", ("module", "=", module), ("name", "=", name)])
    domain = ["|"] * (len(leaves) - 1) + [part for leaf in leaves for part in leaf]
    rows = gateway.search_read("ir.model.data", ["&", ("model", "=", "res.groups"), *domain], ["res_id"])
    return {int(row["res_id"]) for row in rows}


def _describe(approvers: dict) -> str:
    parts = [f"{label}: {', '.join(values)}" for label, key in
             (("Slack users", "slack_users"), ("Slack groups", "slack_groups"), ("Odoo groups", "odoo_groups"),
              ("Odoo users", "odoo_users")) if (values := approvers.get(key))]
    return "; ".join(parts) or "nobody (the policy names no approvers)"


def sweep_expired(engine: Engine) -> list[Outcome]:
    """Expire unanswered proposals past their TTL (an explicit outcome, never a silent reject), then escalate
    each to the next tier of its ladder when the policy has one."""
    now = engine.services.clock()
    outcomes = []
    for proposal in engine.services.store.expired_candidates(now):
        try:
            outcome = decide(engine, proposal.id, "expire", Actor("system", "expiry"))
            outcomes.append(outcome)
            if outcome.ok:  # only the CAS winner escalates: a click racing the sweep cannot give two next tiers
                engine.escalate(proposal)
        except Exception:  # noqa: BLE001 - one proposal (one agent's Odoo, one bug) must not stop the others' expiry
            log.exception("expiry of %s failed; the next sweep tries again", proposal.id)
    return outcomes


def recover_stuck(engine: Engine, *, older_than: timedelta = timedelta(minutes=10)) -> list[str]:
    """Finish approved actions whose process died mid-way (status approved or executing, untouched for a while):
    their thread re-runs from its last checkpoint, and the executor's marker check keeps a write from happening twice.
    While paused nothing is recovered: `resume` lets those actions go ahead."""
    services = engine.services
    if services.paused():
        return []
    cutoff = datetime.now(timezone.utc) - older_than  # updated_at is the store's wall-clock time, to the microsecond
    stuck = [p for status in ("approved", "executing") for p in services.store.list_proposals(status=status)
             if p.updated_at <= cutoff]
    for proposal in stuck:
        try:
            engine.recover(proposal.id)
        except Exception:  # noqa: BLE001 - the others are still recovered; this one at the next sweep
            log.exception("recovery of %s failed; the next sweep tries again", proposal.id)
    return [p.id for p in stuck]

