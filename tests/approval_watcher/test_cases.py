"""Golden cases for approval_watcher's rules: agents/approval_watcher/cases/<rule>.<case>.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.approval_watcher import WATCHER
from tests.golden_cases import Case, load_cases, run_case, summarize

CASES = load_cases(Path("agents/approval_watcher/cases"))


def test_every_rule_type_has_golden_cases() -> None:
    assert {case.id.split(".")[0] for case in CASES} == {"stalled", "split_purchase", "amount_outlier"}
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden_case(case: Case) -> None:
    findings, names, ctx = run_case(case, WATCHER, Path("policies/approval_watcher.yaml"))
    assert summarize(findings, names) == sorted(case.spec["expect"], key=lambda row: str(row["ref"]))
    for reason in case.spec.get("skipped", []):
        assert any(line.endswith(reason) for line in ctx.skipped), ctx.skipped
    assert ctx.gateway.stats.round_trips <= 2, "one batched read of the records, one of their history"
