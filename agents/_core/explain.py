"""`sentinel explain MODEL ID`: for one record, which rules looked at it and why each did or did not flag it.

Nothing here re-implements a rule: each applicable rule runs through the real scan graph scoped to the record (the
same `only` scoping an escalation uses), as a dry run, and the verdict is read off what the scan saw: the finding and
its evidence, the rule's queue (the record's age when it is in the queue but below the first step), the records it
skipped and why, and triage's reason for dropping a finding (snooze, cooldown, open proposal, caps)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from agents._core.durations import format_duration
from agents._core.engine import Engine
from agents._core.odoo.errors import OdooModuleMissing
from agents._core.watcher import RecordRef

Verdict = Literal["flags", "flags-but-dropped", "not-flagged", "cannot-run"]
_NOT_PARAMETERS = {"id", "type", "ladder", "fields", "domain", "model", "subject_field", "actions", "approvers"}


@dataclass
class RuleVerdict:
    agent: str
    rule: str
    rule_type: str
    verdict: Verdict
    why: str
    parameters: dict[str, str] = field(default_factory=dict)  # the rule's thresholds and settings, as written
    ladder: list[str] = field(default_factory=list)  # "after 16h: post_note" per step
    evidence: dict[str, Any] = field(default_factory=dict)
    would_propose: str | None = None  # the step and action, when it flags and triage keeps it


@dataclass
class Explanation:
    model: str
    res_id: int
    now: datetime
    verdicts: list[RuleVerdict]


def explain(engine: Engine, model: str, res_id: int, *, agent: str | None = None) -> Explanation:
    services = engine.services
    now = services.clock()
    verdicts = []
    for name in services.agents:
        if agent is not None and name != agent:
            continue
        policy = services.policy(name)
        watcher = services.agents[name].watcher
        for rule in policy.rules:
            primary = getattr(rule, "model", None)
            if (primary or model) != model or model not in watcher.models(rule):
                continue
            verdicts.append(_verdict(engine, name, rule, model, res_id, now))
    return Explanation(model, res_id, now, verdicts)


def _verdict(engine: Engine, agent: str, rule: Any, model: str, res_id: int, now: datetime) -> RuleVerdict:
    services = engine.services
    policy = services.policy(agent)
    verdict = RuleVerdict(agent, rule.id, rule.type, "not-flagged", "", parameters=_parameters(rule),
                          ladder=[f"after {format_duration(step.after)}: {', '.join(a.type for a in step.actions)}"
                                  for step in rule.ladder])
    state = {"agent": agent, "dry_run": True, "run_id": None, "now": now, "keep_findings": True,
             "only": RecordRef(rule.id, model, res_id)}
    try:
        result = engine.scan_graph.invoke(state)
    except OdooModuleMissing as exc:
        verdict.verdict, verdict.why = "cannot-run", exc.message
        return verdict
    ctx = result["ctx"]
    if rule.id in ctx.disabled:
        verdict.verdict, verdict.why = "cannot-run", ctx.disabled[rule.id]
        return verdict
    mine = [f for f in result.get("findings") or [] if f.model == model and f.res_id == res_id]
    if mine:
        finding = mine[0]
        verdict.evidence = {k: v for k, v in finding.evidence.as_dict().items() if k in ("headline", "thresholds", "measured")}
        step = rule.ladder[finding.step]
        if any(f is finding for f in result.get("kept") or []):
            verdict.verdict = "flags"
            mode = "record it (shadow mode)" if policy.mode == "shadow" else "propose"
            verdict.would_propose = f"step {finding.step + 1}: {', '.join(a.type for a in step.actions)}"
            verdict.why = f"{finding.evidence.headline}: reached step {finding.step + 1} (after " \
                          f"{format_duration(step.after)}); the next scan would {mode} it"
        else:
            verdict.verdict = "flags-but-dropped"
            verdict.why = f"{finding.evidence.headline}, but triage drops it: " + _dropped_why(
                engine, agent, finding.dedup_key(agent), result.get("dropped") or {}, now, policy.limits.cooldown)
        return verdict
    skipped = [line.split(": ", 1)[1] for line in ctx.skipped if line.startswith(f"{model}#{res_id}:")]
    queue = ctx.queues.get(rule.id)
    if skipped:
        verdict.why = f"skipped: {'; '.join(skipped)}"
    elif queue is not None and queue.open_items:
        age = queue.percentile(50) or 0.0
        business = ctx.calendar.between(now - timedelta(hours=age), now)
        verdict.why = (f"in the rule's queue for {age:.1f} hours ({business.total_seconds() / 3600:.1f} business hours), "
                       f"below its first step (after {format_duration(rule.ladder[0].after)})")
    elif queue is not None:
        verdict.why = "not in the rule's queue: the record does not match its domain " + _domain(rule)
    else:
        verdict.why = (f"no finding for this record: its conditions do not hold (parameters below)"
                       + ("" if getattr(rule, "model", None) else f", or it reads {model} only as context for other records"))
    return verdict


def _dropped_why(engine: Engine, agent: str, key: str, dropped: dict[str, int], now: datetime,
                 cooldown: timedelta) -> str:
    store = engine.services.store
    reason = next(iter(dropped), "dropped")
    if reason == "snoozed":
        snooze = store.active_snooze(key, now)
        if snooze is not None:
            return f"snoozed until {snooze.until:%Y-%m-%d %H:%M} UTC by {snooze.by} ({snooze.reason})"
    last = store.last_proposals_for([key]).get(key)
    if last is not None and reason == "already open":
        return f"proposal {last.id} is already open ({last.status})"
    if last is not None and reason == "cooling down":
        since = last.decided_at or last.created_at
        return (f"cooling down after proposal {last.id} ({last.status}) until {since + cooldown:%Y-%m-%d %H:%M} UTC "
                f"(limits.cooldown {format_duration(cooldown)})")
    if reason.startswith("over the"):
        limits = engine.services.policy(agent).limits
        return f"{reason} (limits.per_run {limits.per_run}, limits.per_day {limits.per_day})"
    return reason


def _parameters(rule: Any) -> dict[str, str]:
    shown = {}
    for key, value in rule.model_dump(exclude=_NOT_PARAMETERS, exclude_none=True).items():
        shown[key] = format_duration(value) if isinstance(value, timedelta) else str(value)
    return shown


def _domain(rule: Any) -> str:
    return str(list(getattr(rule, "domain", []) or []))


def as_json(explanation: Explanation) -> dict[str, Any]:
    return {"model": explanation.model, "res_id": explanation.res_id, "now": explanation.now.isoformat(),
            "rules": [asdict(v) for v in explanation.verdicts]}


def as_text(explanation: Explanation) -> list[str]:
    lines = [f"{explanation.model} #{explanation.res_id} as of {explanation.now:%Y-%m-%d %H:%M} UTC: "
             f"{len(explanation.verdicts)} rule(s) look at it"]
    for v in explanation.verdicts:
        lines.append(f"{v.agent} / {v.rule} ({v.rule_type}): {v.verdict.upper().replace('-', ' ')}: {v.why}")
        for key, value in v.evidence.get("thresholds", {}).items():
            lines.append(f"    threshold  {key}: {value}")
        for key, value in v.evidence.get("measured", {}).items():
            lines.append(f"    measured   {key}: {value}")
        if v.parameters:
            lines.append("    parameters " + ", ".join(f"{k}={val}" for k, val in v.parameters.items()))
        if v.ladder:
            lines.append("    ladder     " + "; ".join(v.ladder))
    return lines
