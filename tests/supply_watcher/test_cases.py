"""Golden cases for supply_watcher's rules: agents/supply_watcher/cases/<rule>.<case>.yaml, over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents._core.privacy import MASK, shared_evidence
from agents.supply_watcher import WATCHER
from agents.supply_watcher.policy import RULE_TYPES
from tests.golden_cases import Case, load_cases, run_case, summarize

CASES = load_cases(Path("agents/supply_watcher/cases"))
POLICY = Path("policies/supply_watcher.yaml")


def test_every_rule_type_has_a_hit_and_a_near_miss() -> None:
    by_rule: dict[str, list[Case]] = {}
    for case in CASES:
        by_rule.setdefault(case.id.split(".")[0], []).append(case)
    assert set(by_rule) == set(RULE_TYPES)
    for rule, cases in by_rule.items():
        assert any(c.spec["expect"] for c in cases), f"{rule} has no hit"
        assert any(not c.spec["expect"] for c in cases), f"{rule} has no near miss"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden_case(case: Case) -> None:
    findings, names, ctx = run_case(case, WATCHER, POLICY)
    assert summarize(findings, names) == sorted(case.spec["expect"], key=lambda row: str(row["ref"]))
    for reason in case.spec.get("skipped", []):
        assert any(line.endswith(reason) for line in ctx.skipped), ctx.skipped
    assert len(ctx.skipped) == len(case.spec.get("skipped", [])), ctx.skipped
    for f in findings:
        assert f.score >= 1000 if f.evidence.numbers["critical"] else f.score < 1000


def test_evidence_that_quotes_an_unshared_field_is_masked() -> None:
    case = next(c for c in CASES if c.id == "below_min.hit")
    [finding], _, _ = run_case(case, WATCHER, POLICY)
    share = {"name", "product_id", "warehouse_id", "qty_forecast", "vendor_id"}  # minimum and maximum not shared
    shown = shared_evidence(finding.evidence.as_dict(), share)
    assert shown["headline"] == "forecast under the reorder rule's minimum, nothing on order"
    assert shown["measured"]["minimum"] == MASK and shown["measured"]["to order"] == MASK
    assert shown["measured"]["forecast"] == "5"
    assert "minimum" not in shown["numbers"] and "maximum" not in shown["numbers"]


def test_an_rfq_in_another_currency_keeps_the_price_lists_currency() -> None:
    case = next(c for c in CASES if c.id == "below_min.vendor_in_another_currency")
    [finding], names, _ = run_case(case, WATCHER, POLICY)
    proposed = finding.evidence.proposed["create_rfq"]
    assert proposed["price_unit"] == 7.9 and proposed["quantity"] == 48.0
    assert proposed["currency_id"] != 1  # not the company's dollars: the euro the vendor quotes in
