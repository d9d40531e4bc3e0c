"""Rules on a bill's paperwork: `missing_document` (no attachment) and `flagged` (marked for review in Odoo)."""

from __future__ import annotations

from agents._core.odoo.gateway import Record
from agents._core.odoo.review import ReviewFlag, review_flag
from agents._core.watcher import Finding, ScanContext
from agents.billing_exceptions import _moves as mv
from agents.billing_exceptions.policy import FlaggedRule, MissingDocumentRule

ATTACHMENT = "ir.attachment"


def missing_document(ctx: ScanContext, rule: MissingDocumentRule) -> list[Finding]:
    """Bills with no attachment at all: the vendor's invoice was never scanned or uploaded."""
    domain = mv.scope(ctx, rule, states=rule.states, extra=mv.entered_before(ctx, rule))
    findings = []
    for page in ctx.gateway.pages(mv.MOVE, domain, mv.fields_for(ctx, rule)):
        ids = [row["id"] for row in page]
        attached = {a["res_id"] for a in ctx.gateway.search_read(
            ATTACHMENT, [("res_model", "=", mv.MOVE), ("res_id", "in", ids)], ["res_id"])}  # fmt: skip
        findings += mv.guarded(ctx, rule, [row for row in page if row["id"] not in attached], lambda row: _missing(ctx, rule, row))
    return findings


def _missing(ctx: ScanContext, rule: MissingDocumentRule, row: Record) -> Finding | None:
    age, age_days, created = mv.since_entered(ctx, row)
    hours = age.total_seconds() / 3600
    step = rule.step_for(age)
    threshold = rule.ladder[step if step is not None else 0].after
    return mv.finding(
        ctx, rule, row, age=age, unit=mv.business_hours, label="escalated after", age_days=age_days,
        at_stake=mv.company_amount(row, "amount_total"), headline=f"no document attached after {hours:.1f} business hours",
        measured={"attachments": "none", "entered": created.strftime("%Y-%m-%d %H:%M UTC"), "waiting": f"{hours:.1f} business hours"},
        numbers={"age_business_hours": round(hours, 2), "threshold_hours": threshold.total_seconds() / 3600},
    )


def flagged(ctx: ScanContext, rule: FlaggedRule) -> list[Finding]:
    """Posted moves marked for review; which field marks them is read from the server (Odoo 18+ vs <=17)."""
    flag = review_flag(ctx.gateway, mv.MOVE)
    if flag is None:
        ctx.disabled[rule.id] = "account.move has no review flag on this server ('checked' on Odoo 18+, 'to_check' on <=17)"
        return []
    extra = [(flag.field, "=", flag.to_review), *mv.entered_before(ctx, rule)]
    domain = mv.scope(ctx, rule, states=["posted"], extra=extra)
    findings = []
    for page in ctx.gateway.pages(mv.MOVE, domain, mv.fields_for(ctx, rule, flag.field)):
        findings += mv.guarded(ctx, rule, page, lambda row: _flagged(ctx, rule, row, flag))
    return findings


def _flagged(ctx: ScanContext, rule: FlaggedRule, row: Record, flag: ReviewFlag) -> Finding | None:
    age, age_days, created = mv.since_entered(ctx, row)
    hours = age.total_seconds() / 3600
    step = rule.step_for(age)
    threshold = rule.ladder[step if step is not None else 0].after
    marked = f"{flag.field} = {str(flag.to_review).lower()}"
    return mv.finding(
        ctx, rule, row, age=age, unit=mv.business_hours, label="escalated after", age_days=age_days,
        at_stake=mv.company_amount(row, "amount_total"), headline=f"awaiting review for {hours:.1f} business hours",
        measured={"review flag": marked, "entered": created.strftime("%Y-%m-%d %H:%M UTC"), "waiting": f"{hours:.1f} business hours"},
        numbers={"age_business_hours": round(hours, 2), "threshold_hours": threshold.total_seconds() / 3600},
    )
