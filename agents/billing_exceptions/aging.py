"""Rules on time: `overdue` (days past the due date, unpaid) and `draft_aging` (business hours left in draft)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import parse_date, parse_datetime
from agents._core.watcher import Finding, ScanContext
from agents.billing_exceptions import _moves as mv
from agents.billing_exceptions.policy import DraftAgingRule, OverdueRule


def overdue(ctx: ScanContext, rule: OverdueRule) -> list[Finding]:
    """Posted, unpaid or partly paid, due at least the first step's days ago (calendar days in the business timezone)."""
    today = ctx.now.astimezone(ctx.calendar.tz).date()
    first_step_days = math.ceil(rule.ladder[0].after.total_seconds() / 86400)
    cutoff = today - timedelta(days=first_step_days)
    ctx.queue(rule.id, enters_after_hours=first_step_days * 24.0)  # the queue read: invoices past the first step
    # Moves with no due date are read too, so that each is skipped with its reason rather than silently.
    when = ["|", ("invoice_date_due", "=", False), ("invoice_date_due", "<=", cutoff.isoformat())]
    domain = mv.scope(ctx, rule, states=["posted"], extra=when)
    fields = mv.fields_for(ctx, rule, "invoice_date_due")
    findings = []
    for page in ctx.gateway.pages(mv.MOVE, domain, fields):
        findings += mv.guarded(ctx, rule, page, lambda row: _overdue(ctx, rule, row, today))
    return findings


def _overdue(ctx: ScanContext, rule: OverdueRule, row: Record, today: date) -> Finding | None:
    due = parse_date(row.get("invoice_date_due"))
    if due is None:
        ctx.skip(mv.MOVE, row["id"], f"rule {rule.id}: posted without a due date, so it cannot be overdue (set its payment terms)")
        return None
    days = (today - due).days
    due_company = mv.company_amount(row, "amount_residual")
    if due_company < rule.min_amount_due:
        return None  # nothing (or too little) left to collect or to pay
    residual = float(row.get("amount_residual") or 0.0)
    total = float(row.get("amount_total") or 0.0)
    measured = {
        "due date": due.isoformat(),
        "days past due": str(days),
        "aging bucket": _bucket(rule, days),
        "amount due": mv.money(residual, row),
    }
    if residual < total:
        measured["paid so far"] = mv.money(total - residual, row)
    step = rule.step_for(timedelta(days=days))
    fell_due = datetime.combine(due, time.min, ctx.calendar.tz)  # the queue's age counts from the due date's midnight
    ctx.queue(rule.id).add(mv.MOVE, row["id"], _name(row), (ctx.now - fell_due).total_seconds() / 3600,
                           stalled=step is not None)
    threshold = rule.ladder[step if step is not None else 0].after
    return mv.finding(
        ctx, rule, row, age=timedelta(days=days), unit=mv.calendar_days, label="overdue after", age_days=days,
        at_stake=due_company, headline=f"overdue by {days} days", measured=measured,
        numbers={"days_past_due": days, "amount_due": round(due_company, 2), "threshold_days": threshold.days},
    )


def _bucket(rule: OverdueRule, days: int) -> str:
    """The aging bucket the ladder defines, e.g. "30-59 days" between steps at 30d and 60d."""
    bounds = [math.ceil(step.after.total_seconds() / 86400) for step in rule.ladder]
    below = [b for b in bounds if b <= days]
    if not below:
        return f"under {bounds[0]} days"
    above = [b for b in bounds if b > days]
    return f"{below[-1]}-{above[0] - 1} days" if above else f"{below[-1]}+ days"


def draft_aging(ctx: ScanContext, rule: DraftAgingRule) -> list[Finding]:
    """Still in draft for longer than the first step, in business hours since it was entered (or last reset to draft)."""
    domain = mv.scope(ctx, rule, states=["draft"], extra=mv.entered_before(ctx, rule))
    ctx.queue(rule.id, enters_after_hours=rule.ladder[0].after.total_seconds() / 3600)  # read: entered before that
    fields = mv.fields_for(ctx, rule)
    findings = []
    for page in ctx.gateway.pages(mv.MOVE, domain, fields):
        reset = _back_to_draft(ctx, [row["id"] for row in page])
        findings += mv.guarded(ctx, rule, page, lambda row: _draft(ctx, rule, row, reset.get(row["id"])))
    return findings


def _draft(ctx: ScanContext, rule: DraftAgingRule, row: Record, reset: datetime | None) -> Finding | None:
    since, source = (reset, "last reset to draft") if reset else (mv.entered(row), "entered (create_date)")
    age = ctx.calendar.between(since, ctx.now)
    hours = age.total_seconds() / 3600
    total = float(row.get("amount_total") or 0.0)
    measured = {"in draft": f"{hours:.1f} business hours", "since": since.strftime("%Y-%m-%d %H:%M UTC"),
                "measured from": source, "amount": mv.money(total, row)}  # fmt: skip
    step = rule.step_for(age)
    ctx.queue(rule.id).add(mv.MOVE, row["id"], _name(row), (ctx.now - since).total_seconds() / 3600,
                           stalled=step is not None)
    threshold = rule.ladder[step if step is not None else 0].after
    return mv.finding(
        ctx, rule, row, age=age, unit=mv.business_hours, label="in draft after",
        age_days=(ctx.now - since).total_seconds() / 86400, at_stake=mv.company_amount(row, "amount_total"),
        headline=f"in draft for {hours:.1f} business hours", measured=measured,
        numbers={"age_business_hours": round(hours, 2), "threshold_hours": threshold.total_seconds() / 3600},
    )


def _name(row: Record) -> str:
    return str(row.get("display_name") or row.get("name") or f"{mv.MOVE}#{row['id']}")


def _back_to_draft(ctx: ScanContext, ids: list[int]) -> dict[int, datetime]:
    """When each move last went back to draft (a posted bill reset): one batched read of tracked state changes."""
    path = f"tracking_value_ids.{ctx.gateway.profile.tracking_field}.name"
    domain = [("model", "=", mv.MOVE), ("res_id", "in", ids), (path, "=", "state")]
    latest: dict[int, datetime] = {}
    for message in ctx.gateway.search_read("mail.message", domain, ["res_id", "date"], order="id"):
        at = parse_datetime(message.get("date"))
        if at is not None and (message["res_id"] not in latest or at > latest[message["res_id"]]):
            latest[message["res_id"]] = at
    return latest
