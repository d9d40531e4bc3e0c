"""billing_exceptions' detection: each rule type over batched reads of account.move, then people pseudonymized."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents._core.privacy import pseudonymize
from agents._core.watcher import Finding, ScanContext
from agents.billing_exceptions.aging import draft_aging, overdue
from agents.billing_exceptions.documents import ATTACHMENT, flagged, missing_document
from agents.billing_exceptions.duplicates import duplicate_bill
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
