"""decide(): the one door for every decision (Slack, CLI, expiry sweep): authorize, compare-and-set, carry on."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agents._core import messages
from agents._core.engine import Engine
from agents._core.execution import lease_end
from agents._core.odoo.errors import OdooError
from agents._core.mrkdwn import visible
from agents._core.odoo.values import m2o_id
from agents._core.services import REPLICA
from agents._core.snoozes import record_snooze
from agents._core.test_seams import crash_point
from state import Proposal, leases
from state.tables import Decision

log = logging.getLogger(__name__)

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
    identity_error: str | None = None  # the Odoo look-up of this person failed (Odoo down): who they are is unknown

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
    problem: str | None = None  # decided and recorded, but carrying it out stopped: it is taken up again later
    unavailable: bool = False  # refused only because Odoo could not say who is deciding: try again later


def decide(engine: Engine, proposal_id: str, decision: Decision, actor: Actor, *, reason: str | None = None,
           until: datetime | None = None) -> Outcome:
    """`until`: when a snooze ends (required for "snooze", ignored otherwise)."""
    services = engine.services
    proposal = services.store.get(proposal_id)
    if proposal is None:
        return Outcome(False, messages.NO_SUCH_PROPOSAL.format(id=proposal_id))
    if proposal.status == "shadow":
        return Outcome(False, messages.SHADOW_ONLY.format(agent=proposal.agent), proposal.status)
    if decision == "reject" and not visible(reason):
        return Outcome(False, messages.REASON_REQUIRED, proposal.status)
    if decision == "snooze" and not (visible(reason) and until is not None):
        return Outcome(False, messages.SNOOZE_NEEDS, proposal.status)
    if actor.kind != "system":
        refusal = authorize(engine, proposal, actor)
        if refusal:
            services.audit.append("decision.refused", actor=str(actor), proposal_id=proposal.id,
                                  data={"decision": decision, "why": refusal})
            return Outcome(False, refusal, proposal.status, unavailable=isinstance(refusal, IdentityUnknown))
    to_status = _TO_STATUS[decision]
    # The decision is stored with the status, and this process takes the lease to carry it out, in one statement:
    # from here on, whatever happens to this process, recovery finds the decision and carries it to its end.
    won = services.store.transition(
        proposal.id, "pending", to_status, decided_by=str(actor), decided_at=services.clock(), decision_reason=reason,
        decision=decision, lease_by=REPLICA, lease_until=lease_end(services.settings),
    )
    if not won:
        current = services.store.get(proposal.id)
        assert current is not None
        return Outcome(False, messages.ALREADY_DECIDED.format(status=current.status, who=current.decided_by or "the system"),
                       current.status, already=True)
    services.audit.append(f"proposal.{to_status}", actor=str(actor), proposal_id=proposal.id, data={"reason": reason})
    crash_point("decided")
    try:
        if decision == "snooze" and until is not None:
            record_snooze(services, proposal, actor=str(actor), until=until, reason=reason or "")
        engine.carry_on(proposal.id)
    except Exception as exc:  # noqa: BLE001 - recorded all the same: say so, never "nothing changed"
        log.exception("proposal %s was %s, but carrying it out stopped", proposal.id, to_status)
        problem = f"{type(exc).__name__}: {exc}"
        text = messages.DECIDED_NOT_CARRIED.format(id=proposal.id, status=to_status, error=problem)
        return Outcome(True, text, to_status, problem=problem)
    final = services.store.get(proposal.id)
    return _told(final) if final else Outcome(True, messages.DECIDED.format(id=proposal.id, status=to_status), to_status)


def _told(proposal: Proposal) -> Outcome:
    """What the person who decided is told: the end state, why it failed, or that it waits for Odoo."""
    if proposal.status == "failed":
        return Outcome(True, messages.DECIDED_FAILED.format(id=proposal.id, error=proposal.error), "failed")
    if proposal.status in ("approved", "executing") and proposal.next_attempt_at is not None:
        when = f"{proposal.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
        return Outcome(True, messages.DECIDED_WAITING.format(id=proposal.id, error=proposal.error, when=when),
                       proposal.status)
    return Outcome(True, messages.DECIDED.format(id=proposal.id, status=proposal.status), proposal.status)


class IdentityUnknown(str):
    """A refusal because Odoo could not say who is deciding right now (not a "no"): worth trying again later."""


def authorize(engine: Engine, proposal: Proposal, actor: Actor) -> str | None:
    """None if the actor may decide this proposal, else the reason they may not (shown to them).

    Fails closed (invariant 7b): when the policy needs the person's Odoo identity (four-eyes, or approval through Odoo
    groups or users) and Odoo cannot tell who they are right now, nothing is decided and they are told to try again.
    """
    approvers = proposal.approvers or {}
    in_slack = _allowed_in_slack(actor, approvers)
    needs_odoo = engine.services.policy(proposal.agent).slack.four_eyes or (
        not in_slack and bool(approvers.get("odoo_groups") or approvers.get("odoo_users")))
    if needs_odoo and actor.identity_error is not None:
        return IdentityUnknown(messages.IDENTITY_UNKNOWN.format(who=actor.id, error=actor.identity_error))
    try:
        return _authorize(engine, proposal, actor, in_slack=in_slack)
    except OdooError as exc:
        if needs_odoo:
            return IdentityUnknown(messages.IDENTITY_UNKNOWN.format(who=actor.id, error=exc.message))
        return None  # allowed in Slack and no four-eyes: Odoo has nothing to add


def _allowed_in_slack(actor: Actor, approvers: dict) -> bool:
    if actor.kind != "slack":
        return False
    return actor.id in approvers.get("slack_users", []) or bool(actor.slack_groups & set(approvers.get("slack_groups", [])))


def _authorize(engine: Engine, proposal: Proposal, actor: Actor, *, in_slack: bool) -> str | None:
    approvers = proposal.approvers or {}
    policy = engine.services.policy(proposal.agent)
    allowed = in_slack
    odoo_user_id: int | None = None
    login = actor.odoo_login if actor.kind == "slack" else actor.id
    if login is not None:
        gateway = engine.services.gateway(proposal.connection)
        groups = gateway.profile.user_groups_field  # with the implied groups, whatever the version calls it
        users = gateway.search_read("res.users", [("login", "=", login)], ["id", groups], limit=1)
        if users:
            odoo_user_id = users[0]["id"]
            allowed = allowed or login in approvers.get("odoo_users", []) or bool(
                set(users[0].get(groups) or []) & _group_ids(gateway, approvers.get("odoo_groups", []))
            )
    if not allowed:
        return messages.NOT_ALLOWED.format(who=actor.id, approvers=_describe(approvers))
    if policy.slack.four_eyes and odoo_user_id is None and proposal.subject_user_id is not None:
        return messages.FOUR_EYES_UNKNOWN.format(who=actor.id)  # no Odoo user: cannot rule out that it is them
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


def recover_stuck(engine: Engine, *, now: datetime | None = None) -> list[str]:
    """Carry on every decision nobody is carrying out: its process died (the lease ran out), or it waits for Odoo and
    its next attempt is due, or it waited while paused. Each is claimed first (a compare-and-set on its lease), so
    two replicas never drive the same one. While paused nothing is carried on: `resume` lets them go ahead."""
    services = engine.services
    if services.paused():
        return []
    carried = []
    for proposal in leases.due(services.store, now):
        if not leases.claim(services.store, proposal.id, REPLICA, until=lease_end(services.settings), now=now):
            continue  # another replica took it
        carried.append(proposal.id)
        try:
            engine.carry_on(proposal.id)
        except Exception:  # noqa: BLE001 - the others go on; this one is taken up again when its lease runs out
            log.exception("carrying on proposal %s failed", proposal.id)
    return carried
