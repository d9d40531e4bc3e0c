"""lead_time_drift: a vendor's recent receipts are slower than its stated delay; raise the reorder point to match."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import format_datetime, m2o_id, parse_datetime
from agents._core.watcher import Evidence, Finding, ScanContext
from agents.supply_watcher._reads import Product, Supply, chunks, days_between
from agents.supply_watcher._reorder import ORDERPOINT, ReorderPoint, by_product, evaluable, finding, qty, reorder_points
from agents.supply_watcher.forecast import daily_rate
from agents.supply_watcher.policy import LeadTimeDriftRule

PICKING = "stock.picking"


@dataclass(frozen=True)
class VendorLead:
    vendor_id: int
    receipts: int  # measured among the last `last_receipts`
    actual: float  # median days from order confirmation to receipt done
    stated: float  # median stated delay (vendor price list) of the products on those receipts
    last_receipt: int

    @property
    def ratio(self) -> float:
        return self.actual / self.stated


def lead_time_drift(ctx: ScanContext, rule: LeadTimeDriftRule, supply: Supply) -> list[Finding]:
    points = reorder_points(ctx, rule, supply)  # usually the read below_min and stockout_eta already made
    if ctx.only is not None:  # re-verifying one reorder rule: only its main vendor's receipts are read
        products = supply.products(p.product_id for p in points)
        vendors = sorted({seller.vendor_id for product in products.values() if (seller := product.seller)})
        leads = vendor_leads(ctx, rule, supply, vendors) if vendors else {}
    else:
        leads = vendor_leads(ctx, rule, supply, None)
    drifted = {vendor for vendor, lead in leads.items() if _drifted(rule, lead)}
    findings = []
    for ids, group in by_product(_of_vendors(supply, points, drifted) if drifted else []):
        products = supply.products(ids)
        used = supply.consumption(ids, ctx.now - rule.window, rule.consumption_to)
        for point in group:
            product = evaluable(ctx, rule, point, products, supply)
            if product is None or product.seller is None:
                continue
            rate = daily_rate(used.get((point.product_id, point.warehouse_id or 0), 0.0), rule.window.days)
            found = _evaluate(ctx, rule, point, product, leads[product.seller.vendor_id], rate)
            if found is not None:
                findings.append(found)
    return findings


def _of_vendors(supply: Supply, points: list[ReorderPoint], vendors: set[int]) -> list[ReorderPoint]:
    """The reorder rules whose product's main vendor is one of `vendors`."""
    kept = []
    for ids, group in by_product(points):
        products = supply.products(ids)
        kept += [p for p in group if (product := products.get(p.product_id)) and product.seller
                 and product.seller.vendor_id in vendors]  # fmt: skip
    return kept


def _drifted(rule: LeadTimeDriftRule, lead: VendorLead) -> bool:
    return lead.receipts >= rule.min_receipts and lead.stated > 0 and (lead.ratio - 1) * 100 >= rule.exceeds_by_percent


def vendor_leads(ctx: ScanContext, rule: LeadTimeDriftRule, supply: Supply, vendors: list[int] | None) -> dict[int, VendorLead]:
    """Median actual and stated lead time over each vendor's last receipts (all vendors when `vendors` is None)."""
    domain = [("picking_type_code", "=", "incoming"), ("state", "=", "done"),
              ("date_done", ">=", format_datetime(ctx.now - rule.lookback))]  # fmt: skip
    if vendors is not None:
        domain.append(("partner_id", "in", vendors))
    last: dict[int, list[Record]] = defaultdict(list)
    for page in ctx.gateway.pages(PICKING, domain, ["partner_id", "date_done", "purchase_id"], order="date_done desc, id desc"):
        for row in page:
            vendor = m2o_id(row.get("partner_id"))
            if vendor is None:
                ctx.skip(PICKING, row["id"], "receipt without a vendor: its lead time is not counted")
            elif len(last[vendor]) < rule.last_receipts:
                last[vendor].append(row)
    kept = [row for rows in last.values() for row in rows]
    approved = _approval_dates(supply, kept)
    stated = _stated_delays(supply, kept)
    leads = {}
    for vendor, rows in last.items():
        pairs = []
        for row in rows:
            measured = _measure(ctx, row, approved, stated)
            if measured is not None:
                pairs.append(measured)
        if pairs:
            leads[vendor] = VendorLead(vendor, len(pairs), statistics.median(a for a, _ in pairs),
                                       statistics.median(s for _, s in pairs), rows[0]["id"])  # fmt: skip
    return leads


def _measure(ctx: ScanContext, row: Record, approved: dict[int, datetime], stated: dict[int, float]
             ) -> tuple[float, float] | None:
    """(actual days from confirmation to receipt, stated days) of one receipt, or None with the reason logged."""
    order = m2o_id(row.get("purchase_id"))
    confirmed = approved.get(order) if order else None
    done = parse_datetime(row.get("date_done"))
    reason = None
    if order is None:
        reason = "receipt without a purchase order: lead time not measured"
    elif confirmed is None:
        reason = "its purchase order has no confirmation date: lead time not measured"
    elif row["id"] not in stated:
        reason = "no vendor price list line for its products and vendor: stated lead time unknown"
    elif done is None or done < confirmed:
        reason = "received before its order was confirmed: lead time not measured"
    if reason is not None:
        ctx.skip(PICKING, row["id"], reason)
        return None
    assert confirmed is not None and done is not None
    return days_between(confirmed, done), stated[row["id"]]


def _approval_dates(supply: Supply, receipts: list[Record]) -> dict[int, datetime]:
    orders = sorted({o for row in receipts if (o := m2o_id(row.get("purchase_id")))})
    dates: dict[int, datetime] = {}
    for chunk in chunks(orders):
        for row in supply.by_ids("purchase.order", chunk, ["date_approve"]):
            if (when := parse_datetime(row.get("date_approve"))) is not None:
                dates[row["id"]] = when
    return dates


def _stated_delays(supply: Supply, receipts: list[Record]) -> dict[int, float]:
    """Receipt id -> the longest stated delay of its vendor among its products (the slowest line sets the date)."""
    vendor_of = {row["id"]: m2o_id(row.get("partner_id")) for row in receipts}
    products = supply.products_on(sorted(vendor_of))
    known = supply.products({p for ids in products.values() for p in ids})
    stated = {}
    for picking, ids in products.items():
        delays = [s.delay for p in ids if p in known and (s := known[p].seller_for(vendor_of[picking] or 0))]
        if delays:
            stated[picking] = max(delays)
    return stated


def _evaluate(ctx: ScanContext, rule: LeadTimeDriftRule, point: ReorderPoint, product: Product, lead: VendorLead,
              rate: float) -> Finding | None:
    seller = product.seller
    assert seller is not None
    if rate <= 0:
        return None  # nothing used lately: a longer lead time needs no more stock
    real = seller.delay * lead.ratio if seller.delay > 0 else lead.actual
    target = float(math.ceil(rate * (real + rule.safety_days) - 1e-9))
    if target <= point.minimum:
        return None
    factor = _max_factor(rule)
    if point.minimum <= 0 and factor is not None:
        ctx.skip(ORDERPOINT, point.id,
                 f"rule {rule.id}: minimum is 0: a raise bounded by {factor:g}x the current minimum is not possible")
        return None
    new_min = min(target, float(math.floor(factor * point.minimum))) if factor is not None else target
    if new_min <= point.minimum:
        return None
    drift = (lead.ratio - 1) * 100
    capped = ", capped by the policy" if new_min < target else ""
    headline = f"main vendor's last {lead.receipts} receipts took {lead.actual:.1f} days, {lead.stated:g} stated (+{drift:.0f}%)"
    evidence = Evidence(
        headline=headline,
        thresholds={"drift over": f"{rule.exceeds_by_percent}%",
                    **({"raise at most": f"{factor:g}x the minimum"} if factor else {})},
        measured={
            "receipts measured": f"{lead.receipts} of the last {rule.last_receipts} (order confirmed to received)",
            "median lead time": f"{lead.actual:.1f} days",
            "stated lead time": f"{seller.delay:g} days for this product (vendor price list)",
            "daily use": f"{rate:.2f} a day (last {rule.window.days} days)",
            "reorder point": f"{qty(point.minimum)} -> {qty(new_min)} (needs {qty(target)}: {rate:.2f} a day x "
                             f"({real:.1f} + {rule.safety_days}) days{capped})",
        },
        numbers={"receipts": float(lead.receipts), "median_lead_days": round(lead.actual, 2),
                 "stated_lead_days": lead.stated, "drift_percent": round(drift, 1), "daily_rate": round(rate, 4),
                 "current_min": point.minimum, "target_min": target, "new_min": new_min,
                 "critical": float(product.critical)},
        related={"vendor": ("res.partner", lead.vendor_id), "last receipt": (PICKING, lead.last_receipt)},
        proposed={"update_reorder_min": {"new_min": new_min}},
        sources={"reorder point": "product_min_qty", "current_min": "product_min_qty"},
        masked_headline=headline,
    )  # fmt: skip
    step = rule.step_for(timedelta(0))
    assert step is not None  # the policy keeps one step at after: 0h
    return finding(ctx, rule, point, product, step=step, evidence=evidence, urgency=drift / 10)


def _max_factor(rule: LeadTimeDriftRule) -> float | None:
    """The policy's bound on a raise (update_reorder_min's max_factor), if the rule proposes one."""
    specs = [a for a in rule.ladder[0].actions if a.type == "update_reorder_min"]
    return float(specs[0].max_factor) if specs else None  # type: ignore[union-attr]
