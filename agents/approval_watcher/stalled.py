"""The `stalled` rule: items that have waited in their state longer than a ladder step, in business hours."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from datetime import datetime, timedelta

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import date_start, m2o_id, parse_datetime
from agents._core.watcher import Evidence, Finding, LazyEvidence, ScanContext
from agents.approval_watcher.policy import StalledRule


def stalled(ctx: ScanContext, rule: StalledRule) -> Iterator[Finding]:
    """Items in the rule's domain whose age, in business hours, has reached a ladder step."""
    domain = list(rule.domain)
    if ctx.only is not None:
        domain = ["&", ("id", "=", ctx.only.res_id), *domain] if domain else [("id", "=", ctx.only.res_id)]
    fields = sorted(rule.fields_read() | {"display_name", "create_date", "write_date"})
    queue = ctx.queue(rule.id)  # every item in the rule's domain: the queue's size and ages, stalled or not
    for page in ctx.gateway.pages(rule.model, domain, fields):
        ids = [row["id"] for row in page]
        changed = ctx.gateway.last_changes(rule.model, rule.state_field, ids) if rule.age_source == "state_change" else {}
        for row in page:
            since, source = _since(ctx, rule, row, changed)
            if since is None:
                ctx.skip(rule.model, row["id"], f"rule {rule.id}: no {source} to measure age from")
                continue
            finding = _stalled_finding(ctx, rule, row, since, source)
            queue.add(rule.model, row["id"], _name(rule, row), (ctx.now - since).total_seconds() / 3600,
                      stalled=finding is not None)
            if finding is not None:
                yield finding


def _stalled_finding(ctx: ScanContext, rule: StalledRule, row: Record, since: datetime, source: str) -> Finding | None:
    age = ctx.calendar.between(since, ctx.now)
    step = rule.step_for(age)
    if step is None:
        return None
    hours = age.total_seconds() / 3600
    return Finding(
        rule_id=rule.id,
        rule_type=rule.type,
        model=rule.model,
        res_id=row["id"],
        name=_name(rule, row),
        step=step,
        evidence=LazyEvidence(partial(_evidence, rule, step, hours, since, source)),
        record={f: row.get(f) for f in rule.fields},
        subject_user_id=m2o_id(row.get(rule.subject_field)) if rule.subject_field else None,
        score=hours,
    )


def _name(rule: StalledRule, row: Record) -> str:
    return str(row.get("display_name") or row.get("name") or f"{rule.model}#{row['id']}")


def _evidence(rule: StalledRule, step: int, hours: float, since: datetime, source: str) -> Evidence:
    threshold = rule.ladder[step].after
    thresholds = {"stalled after": _business_hours(rule.ladder[0].after)}
    if step > 0:
        thresholds[f"step {step + 1} after"] = _business_hours(threshold)
    return Evidence(
        headline=f"waiting {hours:.1f} business hours",
        thresholds=thresholds,
        measured={"waiting": f"{hours:.1f} business hours", "since": since.strftime("%Y-%m-%d %H:%M UTC"),
                  "measured from": source},
        numbers={"age_business_hours": round(hours, 2), "threshold_hours": threshold.total_seconds() / 3600},
    )


def _business_hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:g} business hours"


def _since(ctx: ScanContext, rule: StalledRule, row: Record, changed: dict[int, datetime]) -> tuple[datetime | None, str]:
    """When the item started waiting, and what that was measured from."""
    if rule.age_source == "state_change":
        if row["id"] in changed:
            return changed[row["id"]], f"last change of '{rule.state_field}'"
        # Created straight into this state (or tracking is off): it has waited since creation.
        return parse_datetime(row.get("create_date")), "create_date (no tracked state change)"
    if rule.age_source in ("create_date", "write_date"):
        return parse_datetime(row.get(rule.age_source)), rule.age_source
    field = rule.age_source.removeprefix("field:")
    value = row.get(field)
    parsed = parse_datetime(value) if isinstance(value, str) and len(value) > 10 else date_start(value, ctx.calendar.tz)
    return parsed, field
