"""late_receipt: incoming transfers not done, past their scheduled date by a ladder step of business hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import format_datetime, m2o_id, parse_datetime
from agents._core.watcher import Evidence, Finding, ScanContext
from agents.supply_watcher._reads import Supply
from agents.supply_watcher._reorder import rank
from agents.supply_watcher.policy import RECEIPT_FACTS, LateReceiptRule

PICKING = "stock.picking"
WAITING = ["waiting", "confirmed", "assigned"]  # planned and not done; a draft receipt has no commitment yet


def late_receipt(ctx: ScanContext, rule: LateReceiptRule, supply: Supply) -> list[Finding]:
    domain = [("picking_type_code", "=", "incoming"), ("state", "in", WAITING),
              ("scheduled_date", "<", format_datetime(ctx.now)), *rule.domain]  # fmt: skip
    if ctx.only is not None:
        if ctx.only.model != PICKING:
            return []
        domain = [("id", "=", ctx.only.res_id), *domain]
    fields = sorted(rule.fields_read() | {"display_name", "scheduled_date"})
    queue = ctx.queue(rule.id)  # every receipt past its date, late enough for the ladder or not
    findings = []
    for page in ctx.gateway.pages(PICKING, domain, fields):
        critical = _critical_items(supply, [row["id"] for row in page])
        for row in page:
            scheduled = parse_datetime(row.get("scheduled_date"))
            if scheduled is None:
                ctx.skip(PICKING, row["id"], f"rule {rule.id}: no scheduled date to be late against")
                continue
            found = _evaluate(ctx, rule, row, scheduled, critical.get(row["id"], (0, 0)))
            queue.add(PICKING, row["id"], str(row.get("display_name") or row.get("name") or f"{PICKING}#{row['id']}"),
                      (ctx.now - scheduled).total_seconds() / 3600, stalled=found is not None)
            if found is not None:
                findings.append(found)
    return findings


def _critical_items(supply: Supply, picking_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Receipt id -> (critical products on it, products on it)."""
    products = supply.products_on(picking_ids)
    known = supply.products({p for ids in products.values() for p in ids})
    return {pid: (sum(1 for p in ids if p in known and known[p].critical), len(ids)) for pid, ids in products.items()}


def _evaluate(ctx: ScanContext, rule: LateReceiptRule, row: Record, scheduled: datetime, items: tuple[int, int]
              ) -> Finding | None:
    late = ctx.calendar.between(scheduled, ctx.now)
    step = rule.step_for(late)
    if step is None:
        return None
    hours = late.total_seconds() / 3600
    critical, lines = items
    thresholds = {"late after": _business_hours(rule.ladder[0].after)}
    if step > 0:
        thresholds[f"step {step + 1} after"] = _business_hours(rule.ladder[step].after)
    evidence = Evidence(
        headline=f"{hours:.1f} business hours past its scheduled date",
        thresholds=thresholds,
        measured={
            "scheduled": f"{scheduled.astimezone(ctx.calendar.tz):%Y-%m-%d %H:%M} local",
            "late by": f"{hours:.1f} business hours",
            "critical supplies": f"{critical} of {lines} products" if critical else "none",
        },
        numbers={"late_business_hours": round(hours, 2), "threshold_hours": rule.ladder[step].after / timedelta(hours=1),
                 "critical": float(critical > 0)},
        sources={"scheduled": "scheduled_date"},
        masked_headline=f"{hours:.1f} business hours past its scheduled date",
    )  # fmt: skip
    return Finding(
        rule_id=rule.id, rule_type=rule.type, model=PICKING, res_id=row["id"],
        name=str(row.get("display_name") or row.get("name") or f"{PICKING}#{row['id']}"), step=step, evidence=evidence,
        record={f: row.get(f) for f in (*RECEIPT_FACTS, *sorted(rule.fields_read() - set(RECEIPT_FACTS)))},
        subject_user_id=m2o_id(row.get(rule.subject_field)) if rule.subject_field else None,
        score=rank(critical > 0, hours / 10),
    )  # fmt: skip


def _business_hours(duration: timedelta) -> str:
    return f"{duration / timedelta(hours=1):g} business hours"
