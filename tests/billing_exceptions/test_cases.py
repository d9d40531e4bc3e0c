"""Golden cases for billing_exceptions' rules: agents/billing_exceptions/cases/<rule>.<case>.yaml.

Besides `expect` (the findings), a case may state `shown` (what of a finding's record leaves Odoo, by field, as a person
reads it; "{ref}" is that record's id) and `skipped` (the run log's skip lines; "{ref}" is "<model>#<id>").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents._core.odoo.values import display
from agents._core.privacy import shared_view
from agents.billing_exceptions import WATCHER
from agents.billing_exceptions.policy import RULE_TYPES
from tests.golden_cases import Case, load_cases, run_case, summarize

CASES = load_cases(Path("agents/billing_exceptions/cases"))
POLICY = Path("policies/billing_exceptions.yaml")


def test_every_rule_type_has_a_hit_and_a_near_miss() -> None:
    for rule_type in RULE_TYPES:
        cases = [case for case in CASES if case.id.split(".")[0] == rule_type]
        assert any(case.spec["expect"] for case in cases), f"{rule_type}: no case where the rule trips"
        assert any(not case.spec["expect"] for case in cases), f"{rule_type}: no near miss"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_golden_case(case: Case) -> None:
    findings, names, ctx = run_case(case, WATCHER, POLICY)
    assert summarize(findings, names) == sorted(case.spec["expect"], key=lambda row: str(row["ref"]))
    ids = {ref: res_id for (_, res_id), ref in names.items()}
    by_ref = {names[(f.model, f.res_id)]: f for f in findings if (f.model, f.res_id) in names}
    share = ctx.policy.privacy.share
    for ref, fields in case.spec.get("shown", {}).items():
        leaving = shared_view(by_ref[ref].record, share)  # what proposals, Slack and the LLM would get
        assert {name: display(leaving[name]) for name in fields} == {name: str(text).format(**ids) for name, text in fields.items()}
    records = {ref: f"{model}#{res_id}" for (model, res_id), ref in names.items()}
    expected_skips = [line.format(**records) for line in case.spec.get("skipped", [])]
    assert len(ctx.skipped) == len(expected_skips), ctx.skipped
    for line in expected_skips:
        assert any(skip.startswith(line) for skip in ctx.skipped), (line, ctx.skipped)
    assert ctx.gateway.stats.round_trips <= 16, "reads are batched: a handful of calls whatever the number of records"
