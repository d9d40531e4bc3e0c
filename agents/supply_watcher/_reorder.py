"""Reorder rules as the supply rules see them: read once per rule in pages, kept small, grouped by product."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from agents._core.durations import MAX_DURATION
from agents._core.odoo.values import m2o_id, parse_date
from agents._core.watcher import Evidence, Finding, ScanContext
from agents.supply_watcher._reads import Product, Seller, Supply, chunks
from agents.supply_watcher.policy import ReorderRule

ORDERPOINT = "stock.warehouse.orderpoint"
FIELDS = ["name", "product_id", "warehouse_id", "product_min_qty", "product_max_qty", "qty_forecast", "snoozed_until"]
CRITICAL_RANK = 1000.0  # added to the score of a critical product: every critical item ranks above every other


@dataclass(frozen=True)
class ReorderPoint:
    id: int
    name: str
    product: Any  # [id, name] as Odoo sends it
    warehouse: Any
    minimum: float
    maximum: float
    forecast: float  # qty_forecast: computed by Odoo when read, never searchable
    snoozed_until: date | None

    @property
    def product_id(self) -> int:
        return m2o_id(self.product) or 0

    @property
    def warehouse_id(self) -> int | None:
        return m2o_id(self.warehouse)


def reorder_points(ctx: ScanContext, rule: ReorderRule, supply: Supply, extra: list[Any] | None = None) -> list[ReorderPoint]:
    """The rule's active reorder rules (one id when re-verifying), as small records; `extra` narrows them further.

    Rules with the same domain share one read per scan (below_min and stockout_eta usually watch the same ones).
    """
    domain = [*(extra or []), *rule.domain]  # well-formed domains side by side: Odoo ANDs them
    if ctx.only is not None:
        if ctx.only.model != ORDERPOINT:
            return []
        domain = [("id", "=", ctx.only.res_id), *domain]
    key = repr(domain)
    if key not in supply.reorder_cache:
        supply.reorder_cache = {key: _read_points(ctx, domain)}  # the latest set only: memory stays one read's worth
    return supply.reorder_cache[key]


def _read_points(ctx: ScanContext, domain: list[Any]) -> list[ReorderPoint]:
    points = []
    for page in ctx.gateway.pages(ORDERPOINT, domain, FIELDS):
        for row in page:
            points.append(ReorderPoint(
                id=row["id"], name=str(row.get("name") or f"OP#{row['id']}"), product=row.get("product_id"),
                warehouse=row.get("warehouse_id"), minimum=float(row.get("product_min_qty") or 0),
                maximum=float(row.get("product_max_qty") or 0), forecast=float(row.get("qty_forecast") or 0),
                snoozed_until=parse_date(row.get("snoozed_until")),
            ))  # fmt: skip
    return points


def by_product(points: list[ReorderPoint]) -> Iterator[tuple[list[int], list[ReorderPoint]]]:
    """Chunks of products with their reorder rules: each product's moves, stock and orders are read once."""
    grouped: dict[int, list[ReorderPoint]] = {}
    for point in points:
        grouped.setdefault(point.product_id, []).append(point)
    for ids in chunks(sorted(grouped)):
        yield ids, [p for i in ids for p in grouped[i]]


def evaluable(ctx: ScanContext, rule: ReorderRule, point: ReorderPoint, products: dict[int, Product],
              supply: Supply) -> Product | None:
    """The reorder rule's product, or None, with the reason in the run log, when it cannot or should not be evaluated."""
    product = products.get(point.product_id)
    reason = None
    if product is None:
        reason = "its product cannot be read"
    elif not product.active:
        reason = f"product {product.name} is archived but its reorder rule is still active"
    elif point.warehouse_id is None:
        reason = "it has no warehouse"
    elif point.snoozed_until is not None and point.snoozed_until >= supply.today:
        reason = f"snoozed in Odoo until {point.snoozed_until}"
    if reason is not None:
        ctx.skip(ORDERPOINT, point.id, f"rule {rule.id}: {reason}")
        return None
    return product


def skip_no_vendor(ctx: ScanContext, rule: ReorderRule, point: ReorderPoint, product: Product, consequence: str) -> None:
    ctx.skip(ORDERPOINT, point.id,
             f"rule {rule.id}: {product.name} has no current vendor price list (product.supplierinfo): {consequence}")


def order_quantity(needed: float, seller: Seller) -> float:
    """Whole units, at least the vendor's minimum order quantity."""
    return float(max(math.ceil(needed - 1e-9), math.ceil(seller.min_qty), 1))


def finding(ctx: ScanContext, rule: ReorderRule, point: ReorderPoint, product: Product, *, step: int,
            evidence: Evidence, urgency: float) -> Finding:
    seller = product.seller
    record = {
        "name": point.name, "product_id": point.product, "warehouse_id": point.warehouse,
        "product_min_qty": point.minimum, "product_max_qty": point.maximum, "qty_forecast": point.forecast,
        "vendor_id": [seller.vendor_id, seller.vendor] if seller else False,
    }  # fmt: skip
    warehouse = point.warehouse[1] if isinstance(point.warehouse, (list, tuple)) else f"warehouse #{point.warehouse_id}"
    return Finding(
        rule_id=rule.id, rule_type=rule.type, model=ORDERPOINT, res_id=point.id, name=f"{product.name} at {warehouse}",
        step=step, evidence=evidence, record=record, score=rank(product.critical, urgency),
    )  # fmt: skip


def rank(critical: bool, urgency: float) -> float:
    return (CRITICAL_RANK if critical else 0.0) + max(0.0, min(urgency, CRITICAL_RANK - 1))


def days(value: float) -> timedelta:
    # Capped: a vendor delay of 10^9 days in Odoo's data must not overflow the date arithmetic and stop the scan.
    return min(timedelta(days=min(value, MAX_DURATION.days)), MAX_DURATION)


def qty(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")
