"""approval_watcher's detection: plain Python over batched reads, no LLM; one function per rule type."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from agents._core.watcher import Finding, RuleReads, ScanContext
from agents.approval_watcher.amount_outlier import amount_outlier
from agents.approval_watcher.policy import StalledRule
from agents.approval_watcher.split_purchase import split_purchase
from agents.approval_watcher.stalled import stalled

RULES: dict[str, Callable[[ScanContext, object], Iterable[Finding]]] = {
    "stalled": stalled,
    "split_purchase": split_purchase,
    "amount_outlier": amount_outlier,
}


def detect(ctx: ScanContext) -> Iterator[Finding]:
    """Findings rule by rule, as a stream (the engine triages them in chunks)."""
    for rule in ctx.rules():
        yield from ctx.isolated(rule, lambda rule=rule: RULES[rule.type](ctx, rule))


def models(rule) -> set[str]:  # noqa: ANN001 - any of the policy's rule types
    if isinstance(rule, StalledRule) and rule.age_source == "state_change":
        return {rule.model, "mail.message", "mail.tracking.value"}
    return {rule.model}


def reads(rule) -> RuleReads:  # noqa: ANN001 - any of the policy's rule types
    """Beyond the fields the policy names (preflight checks those by key), the rules read only these."""
    fixed = {rule.model: frozenset({"display_name", "create_date", "write_date"})}
    if isinstance(rule, StalledRule) and rule.age_source == "state_change":
        fixed |= {"mail.message": frozenset({"res_id", "date"}), "mail.tracking.value": frozenset()}
    return RuleReads(target=rule.model, fields=fixed)
