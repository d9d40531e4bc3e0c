"""stockout_eta: days of cover from recent use, shorter than the main vendor's lead time plus safety days."""

from __future__ import annotations

from agents._core.watcher import Evidence, Finding, ScanContext
from agents.supply_watcher._reads import Key, Product, Supply, orders_for
from agents.supply_watcher._reorder import (
    ReorderPoint, by_product, days, evaluable, finding, order_quantity, qty, reorder_points, skip_no_vendor,
)  # fmt: skip
from agents.supply_watcher.forecast import daily_rate, days_of_cover
from agents.supply_watcher.policy import StockoutEtaRule


def stockout_eta(ctx: ScanContext, rule: StockoutEtaRule, supply: Supply) -> list[Finding]:
    window = rule.window.days
    since = ctx.now - rule.window
    findings = []
    for ids, points in by_product(reorder_points(ctx, rule, supply)):
        products = supply.products(ids)
        used = supply.consumption(ids, since, rule.consumption_to)
        stock = supply.on_hand(ids)
        ordered = supply.open_orders(ids) if rule.skip_if_ordered else {}
        for point in points:
            product = evaluable(ctx, rule, point, products, supply)
            if product is None:
                continue
            key: Key = (point.product_id, point.warehouse_id or 0)
            rate = daily_rate(used.get(key, 0.0), window)
            if rate <= 0:
                continue  # nothing used in the window: no stock-out to foresee
            if product.seller is None:
                skip_no_vendor(ctx, rule, point, product, "lead time unknown")
                continue
            if rule.skip_if_ordered and orders_for(ordered, key):
                continue
            found = _evaluate(ctx, rule, point, product, rate, stock.get(key, 0.0))
            if found is not None:
                findings.append(found)
    return findings


def _evaluate(ctx: ScanContext, rule: StockoutEtaRule, point: ReorderPoint, product: Product, rate: float,
              on_hand: float) -> Finding | None:
    seller = product.seller
    assert seller is not None
    available = max(on_hand, 0.0)
    cover = days_of_cover(available, rate) or 0.0
    horizon = seller.delay + rule.safety_days
    if cover >= horizon:
        return None
    late = horizon - cover  # how long ago the last safe order date passed
    step = rule.step_for(days(late))
    if step is None:
        return None
    stockout = ctx.now + days(cover)
    tz = ctx.calendar.tz
    restore, need = point.maximum - point.forecast, rate * horizon - available
    quantity = order_quantity(max(restore, need), seller)
    why = f" to restore the maximum of {qty(point.maximum)}" if restore >= need else f" to cover {horizon:g} days of use"
    around = f"{stockout.astimezone(tz):%a %b %d}"
    headline = "out of stock now" if available <= 0 else f"runs out in {cover:.1f} days (around {around})"
    measured = {
        "daily use": f"{rate:.2f} a day (last {rule.window.days} days)",
        "on hand": qty(available) + (f" (Odoo shows {qty(on_hand)})" if on_hand < 0 else ""),
        "days of cover": f"{cover:.1f}",
        "lead time": f"{seller.delay:g} days (main vendor)",
        "stock-out": f"{stockout.astimezone(tz):%Y-%m-%d}",
        "order by": f"{(stockout - days(horizon)).astimezone(tz):%Y-%m-%d} (passed)",
        "to order": qty(quantity) + why,
    }  # fmt: skip
    evidence = Evidence(
        headline=f"{headline}, {seller.delay:g}-day lead time",
        thresholds={"lead + safety": f"{seller.delay:g} + {rule.safety_days} days"},
        measured=measured,
        numbers={"daily_rate": round(rate, 4), "on_hand": available, "cover_days": round(cover, 2),
                 "lead_days": seller.delay, "safety_days": float(rule.safety_days), "order_quantity": quantity,
                 "critical": float(product.critical)},
        proposed={"create_rfq": product.rfq(quantity)},
        sources={"to order": "product_max_qty"},  # the rest is computed from moves, stock and the vendor price list
        masked_headline=f"{headline}, {seller.delay:g}-day lead time",
    )  # fmt: skip
    return finding(ctx, rule, point, product, step=step, evidence=evidence, urgency=late)
