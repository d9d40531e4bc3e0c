"""What the anomaly rules share: reading orders in batches and turning one into a finding."""

from __future__ import annotations

from datetime import datetime

from agents._core.odoo.gateway import Domain, Record
from agents._core.odoo.values import m2o_id, parse_datetime
from agents._core.watcher import Evidence, Finding, ScanContext


def read_orders(ctx: ScanContext, rule, domain: Domain, extra: set[str] = frozenset()) -> list[Record]:  # noqa: ANN001
    fields = sorted(rule.fields_read() | set(extra) | {"display_name", "create_date"})
    return ctx.gateway.search_read(rule.model, domain, fields, order=f"{rule.date_field} asc, id asc")


def order_finding(ctx: ScanContext, rule, row: Record, evidence: Evidence, score: float) -> Finding | None:  # noqa: ANN001
    """A finding on one order, at the ladder step its business age (since it was created) has reached."""
    created = parse_datetime(row.get("create_date")) or ctx.now
    step = rule.step_for(ctx.calendar.between(created, ctx.now))
    if step is None:
        return None
    return Finding(
        rule_id=rule.id, rule_type=rule.type, model=rule.model, res_id=row["id"],
        name=str(row.get("display_name") or row.get("name") or f"{rule.model}#{row['id']}"),
        step=step, evidence=evidence, record={f: row.get(f) for f in rule.fields},
        subject_user_id=m2o_id(row.get(rule.subject_field)) if rule.subject_field else None, score=score,
    )


def when(row: Record, field: str) -> datetime | None:
    value = row.get(field)
    return parse_datetime(value) if isinstance(value, str) and len(value) > 10 else (
        parse_datetime(f"{value} 00:00:00") if value else None)


def money(value: float) -> str:
    return f"{value:,.2f}"
