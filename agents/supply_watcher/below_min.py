"""below_min: a reorder rule whose forecast is under its minimum, with no open RFQ or purchase order for it."""

from __future__ import annotations

from datetime import timedelta

from agents._core.watcher import Evidence, Finding, ScanContext
from agents.supply_watcher._reads import Product, Supply, orders_for
from agents.supply_watcher._reorder import (
    ReorderPoint, by_product, evaluable, finding, order_quantity, qty, reorder_points, skip_no_vendor,
)  # fmt: skip
from agents.supply_watcher.policy import BelowMinRule


def below_min(ctx: ScanContext, rule: BelowMinRule, supply: Supply) -> list[Finding]:
    # qty_forecast is computed, not stored: it cannot go in a domain, so every rule is read and compared here.
    low = [p for p in reorder_points(ctx, rule, supply) if p.forecast < p.minimum]
    findings = []
    for ids, points in by_product(low):
        products = supply.products(ids)
        ordered = supply.open_orders(ids)
        for point in points:
            product = evaluable(ctx, rule, point, products, supply)
            if product is None or orders_for(ordered, (point.product_id, point.warehouse_id or 0)):
                continue  # passed over, or already ordered (or being approved): not a finding
            if product.seller is None:
                skip_no_vendor(ctx, rule, point, product, "nothing to order from")
                continue
            findings.append(_finding(ctx, rule, point, product))
    return findings


def _finding(ctx: ScanContext, rule: BelowMinRule, point: ReorderPoint, product: Product) -> Finding:
    seller = product.seller
    assert seller is not None
    needed = point.maximum - point.forecast if point.maximum > point.minimum else point.minimum - point.forecast
    quantity = order_quantity(needed, seller)
    shortfall = (point.minimum - point.forecast) / point.minimum if point.minimum > 0 else 1.0
    evidence = Evidence(
        headline=f"forecast {qty(point.forecast)} is under the minimum of {qty(point.minimum)}, nothing on order",
        thresholds={"under": "the reorder rule's minimum"},
        measured={
            "forecast": qty(point.forecast),
            "minimum": qty(point.minimum),
            "open orders": "none (no RFQ or purchase order for this product and warehouse)",
            "to order": f"{qty(quantity)} to restore the maximum of {qty(point.maximum)}",
        },
        numbers={"forecast": point.forecast, "minimum": point.minimum, "maximum": point.maximum,
                 "order_quantity": quantity, "critical": float(product.critical)},
        proposed={"create_rfq": product.rfq(quantity)},
        sources={"forecast": "qty_forecast", "minimum": "product_min_qty", "maximum": "product_max_qty",
                 "to order": "product_max_qty"},
        masked_headline="forecast under the reorder rule's minimum, nothing on order",
    )  # fmt: skip
    step = rule.step_for(timedelta(0))
    assert step is not None  # the policy keeps one step at after: 0h
    return finding(ctx, rule, point, product, step=step, evidence=evidence, urgency=10 * shortfall)
