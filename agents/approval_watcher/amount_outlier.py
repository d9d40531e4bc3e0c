"""The `amount_outlier` rule: an order far above its vendor's history, by a robust z-score (median and MAD)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import m2o_id, m2o_name
from agents._core.watcher import Evidence, Finding, ScanContext
from agents.approval_watcher._orders import money, order_finding
from agents.approval_watcher.policy import AmountOutlierRule

MAD_SCALE = 0.6745  # makes the MAD comparable to a standard deviation for normal data (Iglewicz and Hoaglin)
MEAN_AD_SCALE = 1.253314  # the same for the mean absolute deviation, used when more than half the history is equal


def amount_outlier(ctx: ScanContext, rule: AmountOutlierRule) -> Iterator[Finding]:
    """Page by page: each page of candidates with one batched read of its vendors' history."""
    domain = list(rule.domain) if ctx.only is None else [("id", "=", ctx.only.res_id), *rule.domain]
    fields = sorted(rule.fields_read() | {"display_name", "create_date"})
    for candidates in ctx.gateway.pages(rule.model, domain, fields, order=f"{rule.date_field} asc, id asc"):
        vendors = sorted({v for row in candidates if (v := m2o_id(row.get(rule.group_by))) is not None})
        history = _history(ctx, rule, vendors)
        for row in candidates:
            vendor = m2o_id(row.get(rule.group_by))
            if vendor is None:
                ctx.skip(rule.model, row["id"], f"rule {rule.id}: no {rule.group_by}")
                continue
            past = [amount for order_id, amount in history.get(vendor, []) if order_id != row["id"]][: rule.history]
            finding = _judge(ctx, rule, row, past)
            if finding is not None:
                yield finding


def _history(ctx: ScanContext, rule: AmountOutlierRule, vendors: list[int]) -> dict[int, list[tuple[int, float]]]:
    """The vendors' past orders, newest first: one batched read for all vendors."""
    if not vendors:
        return {}
    domain = [(rule.group_by, "in", vendors), *rule.history_domain]
    rows = ctx.gateway.search_read(rule.model, domain, [rule.group_by, rule.amount_field],
                                   order=f"{rule.date_field} desc, id desc")
    by_vendor: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for row in rows:
        by_vendor[m2o_id(row[rule.group_by])].append((row["id"], float(row[rule.amount_field] or 0.0)))
    return by_vendor


def _judge(ctx: ScanContext, rule: AmountOutlierRule, row: Record, past: list[float]) -> Finding | None:
    if len(past) < rule.min_history:
        ctx.skip(rule.model, row["id"], f"rule {rule.id}: {len(past)} past orders, {rule.min_history} needed for a verdict")
        return None
    amount = float(row.get(rule.amount_field) or 0.0)
    median = statistics.median(past)
    mad = statistics.median(abs(x - median) for x in past)
    if mad > 0:
        score, spread = MAD_SCALE * (amount - median) / mad, f"MAD {money(mad)}"
    else:
        mean_ad = statistics.fmean(abs(x - median) for x in past)
        if mean_ad == 0:
            ctx.skip(rule.model, row["id"], f"rule {rule.id}: the vendor's past orders all have the same amount")
            return None
        score, spread = (amount - median) / (MEAN_AD_SCALE * mean_ad), f"mean abs. deviation {money(mean_ad)}"
    if score < rule.z_threshold:
        return None
    vendor = m2o_name(row.get(rule.group_by)) or "?"
    evidence = Evidence(
        headline=f"{money(amount)} is {score:.1f} robust z above the median of past orders to {vendor} ({money(median)})",
        thresholds={"robust z at least": f"{rule.z_threshold:g}", "history": f"last {rule.history} orders",
                    "minimum history": f"{rule.min_history} orders"},
        measured={"amount": money(amount), "vendor median": money(median), "spread": spread,
                  "robust z": f"{score:.1f}", "past orders": str(len(past))},
        numbers={"amount": amount, "median": round(median, 2), "spread": round(mad, 2), "z": round(score, 2),
                 "history": float(len(past))},
        sources={"amount": rule.amount_field, "vendor median": rule.amount_field, "spread": rule.amount_field,
                 "median": rule.amount_field},
        masked_headline=f"{score:.1f} robust z above the median of the vendor's past orders",
    )
    return order_finding(ctx, rule, row, evidence, score=score * amount)
