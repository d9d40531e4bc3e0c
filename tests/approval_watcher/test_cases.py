"""Golden cases for approval_watcher's rules: agents/approval_watcher/cases/<rule>.<case>.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.approval_watcher import WATCHER
from tests.golden_cases import Case, load_cases, run_case, summarize

CASES = load_cases(Path("agents/approval_watcher/cases"))


def test_every_rule_type_has_golden_cases() -> None:
    assert {case.id.split(".")[0] for case in CASES} >= {"stalled"}
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden_case(case: Case) -> None:
    findings, names, ctx = run_case(case, WATCHER, Path("policies/approval_watcher.yaml"))
    assert summarize(findings, names) == sorted(case.spec["expect"], key=lambda row: str(row["ref"]))
    assert ctx.gateway.stats.calls.count(("mail.message", "search_read")) <= 1, "one batched read of state changes"
