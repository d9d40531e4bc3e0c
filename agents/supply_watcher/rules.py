"""supply_watcher's detection: plain Python over batched reads, no LLM; one Supply cache per scan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents._core.watcher import Finding, ScanContext
from agents.supply_watcher._reads import Supply
from agents.supply_watcher.below_min import below_min
from agents.supply_watcher.drift import lead_time_drift
from agents.supply_watcher.late_receipt import late_receipt
from agents.supply_watcher.policy import RuleSpec
from agents.supply_watcher.stockout import stockout_eta

_PRODUCTS = {"product.product", "product.supplierinfo"}
_ORDERS = {"purchase.order", "purchase.order.line", "stock.picking.type"}
MODELS: dict[str, set[str]] = {
    "below_min": {"stock.warehouse.orderpoint", *_PRODUCTS, *_ORDERS},
    "stockout_eta": {"stock.warehouse.orderpoint", "stock.move", "stock.quant", "stock.location", *_PRODUCTS, *_ORDERS},
    "late_receipt": {"stock.picking", "stock.move", "product.product"},
    "lead_time_drift": {"stock.warehouse.orderpoint", "stock.picking", "stock.move", "stock.location", "purchase.order",
                        *_PRODUCTS},
}  # fmt: skip


def detect(ctx: ScanContext) -> list[Finding]:
    supply = Supply(ctx)
    findings: list[Finding] = []
    for rule in ctx.rules():
        findings.extend(ctx.isolated(rule, lambda rule=rule: RULES[rule.type](ctx, rule, supply)))
    return findings


def models(rule: RuleSpec) -> set[str]:
    if rule.type == "stockout_eta" and not rule.skip_if_ordered:
        return MODELS[rule.type] - _ORDERS  # runs without the purchase module
    return MODELS[rule.type]


RULES: dict[str, Callable[[ScanContext, Any, Supply], list[Finding]]] = {
    "below_min": below_min,
    "stockout_eta": stockout_eta,
    "late_receipt": late_receipt,
    "lead_time_drift": lead_time_drift,
}
