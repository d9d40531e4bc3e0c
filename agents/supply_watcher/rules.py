"""supply_watcher's detection: plain Python over batched reads, no LLM; one Supply cache per scan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents._core.watcher import Finding, RuleReads, ScanContext
from agents.supply_watcher import _reads as r
from agents.supply_watcher._reads import Supply
from agents.supply_watcher._reorder import FIELDS as ORDERPOINT_FIELDS, ORDERPOINT
from agents.supply_watcher.below_min import below_min
from agents.supply_watcher.drift import lead_time_drift
from agents.supply_watcher.late_receipt import late_receipt
from agents.supply_watcher.policy import RECEIPT_FACTS, RuleSpec
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


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


_PRODUCT_READS = {"product.product": _f(*r.PRODUCT_FIELDS), "product.supplierinfo": _f(*r.SELLER_FIELDS)}
_ORDER_READS = {"purchase.order.line": _f(*r.ORDER_LINE_FIELDS), "purchase.order": _f(*r.ORDER_FIELDS),
                "stock.picking.type": _f(*r.TYPE_FIELDS)}  # fmt: skip
_STOCK_READS = {"stock.move": _f(*r.MOVE_FIELDS), "stock.quant": _f(*r.QUANT_FIELDS), "stock.location": _f(*r.LOCATION_FIELDS)}
_RECEIPTS = {"stock.picking": _f("display_name", "scheduled_date", "picking_type_code", "state", "partner_id", "date_done",
                                 "purchase_id")}  # fmt: skip
_POINTS = {ORDERPOINT: _f(*ORDERPOINT_FIELDS)}


def reads(rule: RuleSpec) -> RuleReads:
    """Each rule type's reads by model, from the same lists its code reads with (the models are MODELS')."""
    known = {**_POINTS, **_PRODUCT_READS, **_ORDER_READS, **_STOCK_READS, **_RECEIPTS}
    if rule.type == "late_receipt":
        known["stock.picking"] |= _f(*RECEIPT_FACTS)
    if rule.type == "lead_time_drift":
        known["purchase.order"] = _f("date_approve")  # when the order was confirmed: the receipt's lead time starts
    return RuleReads(target="stock.picking" if rule.type == "late_receipt" else ORDERPOINT,
                     fields={model: known.get(model, frozenset()) for model in models(rule)})
