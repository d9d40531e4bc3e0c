"""billing_exceptions' detection: each rule type over batched reads of account.move, then people pseudonymized."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents._core.privacy import pseudonymize
from agents._core.watcher import Finding, RuleReads, ScanContext
from agents.billing_exceptions._moves import BASE_FIELDS
from agents.billing_exceptions.aging import draft_aging, overdue
from agents.billing_exceptions.documents import ATTACHMENT, flagged, missing_document
from agents.billing_exceptions.duplicates import MATCH_FIELDS, SUSPECT_FIELDS, duplicate_bill
from agents.billing_exceptions.purchase_match import LINE, PO_LINE, po_mismatch
from agents.billing_exceptions.policy import BillingRule

MOVE = "account.move"

RULES: dict[str, Callable[[ScanContext, Any], list[Finding]]] = {
    "overdue": overdue,
    "draft_aging": draft_aging,
    "po_mismatch": po_mismatch,
    "duplicate_bill": duplicate_bill,
    "missing_document": missing_document,
    "flagged": flagged,
}
_MODELS: dict[str, set[str]] = {
    "draft_aging": {MOVE, "mail.message", "mail.tracking.value"},
    "po_mismatch": {MOVE, LINE, PO_LINE},  # purchase.order.line: the Purchase app
    "missing_document": {MOVE, ATTACHMENT},
}


def detect(ctx: ScanContext) -> list[Finding]:
    findings: list[Finding] = []
    for rule in ctx.rules():
        findings.extend(ctx.isolated(rule, lambda rule=rule: RULES[rule.type](ctx, rule)))
    # Patients are people: the record a finding carries is pseudonymized here already, before anything can leave.
    return pseudonymize(ctx.gateway, ctx.policy.privacy, findings)


def models(rule: BillingRule) -> set[str]:
    return _MODELS.get(rule.type, {MOVE})


# What each rule type's code reads, beyond the policy's `fields` (preflight checks these against the server).
_TRACKING = {"mail.message": frozenset({"res_id", "date"}), "mail.tracking.value": frozenset()}
_CODE_READS: dict[str, dict[str, frozenset[str]]] = {
    "overdue": {MOVE: frozenset({"invoice_date_due"})},
    "draft_aging": _TRACKING,
    "po_mismatch": {
        LINE: frozenset({"move_id", "purchase_line_id", "quantity", "price_subtotal", "currency_id", "parent_state"}),
        PO_LINE: frozenset({"order_id", "name", "product_qty", "qty_received", "price_unit", "price_subtotal", "discount",
                            "currency_id"}),
    },
    "duplicate_bill": {MOVE: frozenset({*SUSPECT_FIELDS, *MATCH_FIELDS})},
    "missing_document": {ATTACHMENT: frozenset({"res_model", "res_id"})},
    "flagged": {MOVE: frozenset({"checked|to_check"})},  # Odoo 18+ | <=17
}


def reads(rule: BillingRule) -> RuleReads:
    fixed = dict(_CODE_READS.get(rule.type, {}))
    fixed[MOVE] = fixed.get(MOVE, frozenset()) | frozenset(BASE_FIELDS)
    return RuleReads(target=MOVE, fields=fixed)
