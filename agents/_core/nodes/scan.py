"""Scan graph nodes: collect -> detect -> triage -> vet -> propose."""

from __future__ import annotations

import heapq
import logging
from collections import Counter
from collections.abc import Iterable
from itertools import islice
from dataclasses import replace
from datetime import datetime, timedelta

from agents._core.drafting import DraftInput, template_draft
from agents._core.feasibility import unrunnable
from agents._core.nodes.scan_state import ScanState
from agents._core.odoo.errors import OdooModuleMissing
from agents._core.preflight import skipped_rules
from agents._core.privacy import private_texts, pseudonymize, shared_evidence, shared_label, shared_view
from agents._core.queue_stats import snapshot_rows
from agents._core.services import Services
from agents._core.watcher import Finding, ScanContext
from state import Proposal

log = logging.getLogger(__name__)
OPEN_STATUSES = ("pending", "approved", "executing")
TRIAGE_CHUNK = 5000
NOT_RUNNABLE = "its action could not run (see skipped)"


def collect(services: Services, state: ScanState) -> ScanState:
    """Open the agent's Odoo connection; a rule whose models the server lacks is disabled, the others run."""
    agent = state["agent"]
    policy = services.policy(agent)
    gateway = services.gateway(policy.odoo)
    watcher = services.agents[agent].watcher
    disabled: dict[str, str] = {}
    if any(rule.odoo_version for rule in policy.rules):  # a rule for other Odoo versions is skipped, with why
        disabled |= skipped_rules(policy.rules, gateway.server_version())
    for rule in policy.rules:
        if rule.id in disabled:
            continue
        try:
            gateway.require_models(sorted(watcher.models(rule)))
        except OdooModuleMissing as exc:
            disabled[rule.id] = exc.message
    if disabled and len(disabled) == len(policy.rules):
        raise OdooModuleMissing(policy.odoo, "; ".join(f"rule {rule}: {why}" for rule, why in disabled.items()))
    now = state.get("now") or services.clock()
    ctx = ScanContext(gateway, policy, now, services.calendar(agent), only=state.get("only"), disabled=disabled)
    return {"now": now, "ctx": ctx}


def detect(services: Services, state: ScanState) -> ScanState:
    """The watcher's findings as a stream: triage consumes them chunk by chunk, so a scan of 100,000 stalled items
    never holds 100,000 findings at once."""
    findings: Iterable[Finding] = services.agents[state["agent"]].watcher.detect(state["ctx"])
    floor = state.get("min_step")
    if floor is not None:  # escalation: the next tier, or nothing when the ladder has no further step
        ladders = {rule.id: len(rule.ladder) for rule in state["ctx"].policy.rules}
        findings = (replace(f, step=max(f.step, floor)) for f in findings if floor < ladders[f.rule_id])
    return {"findings": findings}


def triage(services: Services, state: ScanState) -> ScanState:
    """Drop what is snoozed, cooling down or already open; keep the most urgent, within the run and day caps."""
    agent, now = state["agent"], state["now"]
    limits = services.policy(agent).limits
    room_today = max(0, limits.per_day - services.store.count_proposals_since(agent, now - timedelta(days=1)))
    cap = min(limits.per_run, room_today)
    dropped: Counter[str] = Counter()
    found: Counter[str] = Counter()
    everything: list[Finding] | None = [] if state.get("keep_findings") else None
    best: list[tuple[float, int, Finding]] = []  # a min-heap of the `cap` most urgent candidates
    candidates = 0
    for chunk in batched(state["findings"], TRIAGE_CHUNK):
        keys = [f.dedup_key(agent) for f in chunk]
        snoozed = services.store.snoozed_keys(keys, now)  # two batched queries per chunk, not two per finding
        last = services.store.last_proposals_for(keys)
        for finding, key in zip(chunk, keys):
            found[finding.rule_id] += 1
            if everything is not None:
                everything.append(finding)
            reason = "snoozed" if key in snoozed else _drop_reason(last.get(key), finding, now, limits.cooldown)
            if reason:
                dropped[reason] += 1
                continue
            candidates += 1
            entry = (finding.score, -candidates, finding)  # ties: the first found wins, as a stable sort would
            if len(best) < cap:
                heapq.heappush(best, entry)
            elif cap and entry > best[0]:
                heapq.heapreplace(best, entry)
    if candidates > cap:
        dropped["over the per-run or per-day cap"] += candidates - cap
    kept = [finding for _, _, finding in sorted(best, reverse=True)]
    return {"kept": kept, "dropped": dict(dropped), "found": dict(found), "findings": everything or []}


def batched(items: Iterable[Finding], size: int) -> Iterable[list[Finding]]:
    """itertools.batched, which Python 3.11 lacks."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _drop_reason(last: Proposal | None, finding: Finding, now: datetime, cooldown: timedelta) -> str | None:
    if last is None:
        return None
    if last.status in OPEN_STATUSES:
        return "already open"
    if last.status == "shadow" and last.step >= finding.step:
        return "already recorded (shadow)"
    decided = last.decided_at or last.created_at
    if last.step >= finding.step and decided + cooldown > now:
        return "cooling down"
    return None


def vet(services: Services, state: ScanState) -> ScanState:
    """Offer only what can run: a kept finding whose action names nobody Odoo has (a login gone, a group empty, a
    field empty, a user archived) or would change a locked record is passed over, with the reason in the run log."""
    ctx, kept = state["ctx"], state["kept"]
    blocked = unrunnable(ctx.gateway, ctx.policy, kept) if kept else {}
    if not blocked:
        return {}
    for index, reason in blocked.items():
        ctx.skip(kept[index].model, kept[index].res_id, reason)
        log.warning("%s#%d %s", kept[index].model, kept[index].res_id, reason)  # scheduled runs and escalations too
    dropped = {**state.get("dropped", {}), NOT_RUNNABLE: len(blocked)}
    return {"kept": [f for index, f in enumerate(kept) if index not in blocked], "dropped": dropped}


def propose(services: Services, state: ScanState, start_thread) -> ScanState:  # noqa: ANN001 - callable(proposal_id)
    """Persist one Proposal per kept finding, then start its proposal thread (live mode only)."""
    if state.get("dry_run"):
        return {"proposal_ids": []}
    agent, now = state["agent"], state["now"]
    loaded = services.policies.get(agent)
    policy = loaded.policy
    share = set(policy.privacy.share)
    # People (e.g. patients) get their policy pseudonym before anything about them leaves Odoo.
    kept = pseudonymize(state["ctx"].gateway, policy.privacy, state["kept"])
    ids = []
    for original, finding in zip(state["kept"], kept):
        rule = next(r for r in policy.rules if r.id == finding.rule_id)
        step = rule.ladder[finding.step]
        # Every text below is checked against the hidden values read for this record (the real ones, before pseudonyms).
        private = private_texts(original.record, share, shown=finding.record)
        label = shared_label(finding.name, finding.model, finding.res_id, share, private=private)
        facts = shared_view(finding.record, share)
        evidence = shared_evidence(finding.evidence.as_dict(), share, private=private)
        draft = template_draft(DraftInput(rule.id, rule.type, label, facts, evidence, tuple(step.actions)))
        approvers = (step.approvers or policy.slack.approvers).model_dump()
        proposal = services.store.create_proposal(
            agent=agent,
            connection=policy.odoo,
            rule_id=rule.id,
            rule_type=rule.type,
            model=finding.model,
            res_id=finding.res_id,
            record_name=label,
            dedup_key=finding.dedup_key(agent),
            step=finding.step,
            action=draft.action,
            action_args=draft.action_args,
            status="shadow" if policy.mode == "shadow" else "pending",
            mode=policy.mode,
            policy_sha256=loaded.sha256,
            summary=draft.summary,
            rationale=draft.rationale,
            draft_source=draft.source,
            facts=facts,
            evidence=evidence,
            subject_user_id=finding.subject_user_id,
            approvers=approvers,
            created_at=now,
            expires_at=services.calendar(agent).add(now, policy.limits.proposal_ttl),  # nights and weekends don't count
        )
        services.audit.append(
            "proposal.created",
            actor=f"agent:{agent}",
            proposal_id=proposal.id,
            data={"rule": rule.id, "model": finding.model, "res_id": finding.res_id, "step": finding.step,
                  "mode": policy.mode, "policy_sha256": loaded.sha256, "evidence": evidence,
                  "escalated_from": state.get("escalated_from")},
        )
        ids.append(proposal.id)
        if policy.mode == "live":
            start_thread(proposal.id)
    ctx = state["ctx"]
    if state.get("run_id") is not None and ctx.only is None and ctx.queues:  # a scheduled scan: a point on the trend
        rows = snapshot_rows(ctx.queues, agent=agent, run_id=state["run_id"], taken_at=now,
                             previous=services.store.last_snapshot_times(agent),
                             label=lambda item: shared_label(item.name, item.model, item.res_id, share))
        services.store.add_queue_snapshots(rows)
    return {"proposal_ids": ids}
