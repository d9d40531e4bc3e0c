"""The `split_purchase` rule: orders kept just under the approval amount by one requester or vendor, adding up past it."""

from __future__ import annotations

from collections import defaultdict

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import format_datetime, m2o_id, m2o_name
from agents._core.watcher import Evidence, Finding, ScanContext
from agents.approval_watcher._orders import money, order_finding, read_orders, when
from agents.approval_watcher.policy import SplitPurchaseRule


def split_purchase(ctx: ScanContext, rule: SplitPurchaseRule) -> list[Finding]:
    floor = rule.approval_amount * (1 - rule.just_under)
    since = ctx.now - rule.window
    # A list of complete expressions is ANDed by Odoo, so the policy's domain can simply follow.
    domain = [(rule.date_field, ">=", format_datetime(since)), (rule.amount_field, ">=", floor),
              (rule.amount_field, "<", rule.approval_amount), *rule.domain]
    orders = read_orders(ctx, rule, domain)
    by_anchor: dict[int, Finding] = {}
    for field in rule.group_by:  # the same orders split by requester and to one vendor are one finding
        groups: dict[int, list[Record]] = defaultdict(list)
        for row in orders:
            key = m2o_id(row.get(field))
            if key is None:
                ctx.skip(rule.model, row["id"], f"rule {rule.id}: no {field} to group by")
            else:
                groups[key].append(row)
        for rows in groups.values():
            finding = _cluster(ctx, rule, field, rows)
            if finding is not None and finding.res_id not in by_anchor:
                by_anchor[finding.res_id] = finding
    found = list(by_anchor.values())
    return [f for f in found if ctx.only is None or f.res_id == ctx.only.res_id]


def _cluster(ctx: ScanContext, rule: SplitPurchaseRule, field: str, rows: list[Record]) -> Finding | None:
    total = sum(float(r[rule.amount_field]) for r in rows)
    if len(rows) < rule.min_orders or total <= rule.approval_amount:
        return None
    rows = sorted(rows, key=lambda r: (when(r, rule.date_field) or ctx.now, r["id"]))
    anchor = rows[-1]  # the latest order completes the split
    who = m2o_name(anchor.get(field)) or "?"
    span = (when(rows[-1], rule.date_field) or ctx.now) - (when(rows[0], rule.date_field) or ctx.now)
    evidence = Evidence(
        headline=f"{len(rows)} orders by {who} ({field}), each just under {money(rule.approval_amount)}, "
                 f"add up to {money(total)}",
        thresholds={"approval amount": money(rule.approval_amount),
                    "just under": f"within {rule.just_under:.0%} below it",
                    "window": f"{rule.window.days}d" if rule.window.days else str(rule.window),
                    "at least": f"{rule.min_orders} orders"},
        measured={"orders": ", ".join(f"{r.get('display_name') or r['id']} ({money(float(r[rule.amount_field]))})"
                                      for r in rows),
                  "total": money(total), "spread over": f"{span.total_seconds() / 86400:.1f} days",
                  "grouped by": f"{field} = {who}"},
        numbers={"orders": float(len(rows)), "total": round(total, 2), "approval_amount": rule.approval_amount},
        related={str(r.get("display_name") or r["id"]): (rule.model, r["id"]) for r in rows[:-1]},
        sources={"orders": rule.amount_field, "total": rule.amount_field, "grouped by": field},
        masked_headline=f"{len(rows)} orders with the same {field}, each just under the approval amount, add up past it",
    )
    return order_finding(ctx, rule, anchor, evidence, score=total)

