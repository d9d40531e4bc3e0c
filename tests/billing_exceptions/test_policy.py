"""billing_exceptions' policy: the shipped file, the rule types' defaults, and mistakes named by file, line and key."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from agents._core.business_hours import BusinessCalendar
from agents._core.policy import PolicyError, load_policy
from agents._core.watcher import ScanContext
from agents.billing_exceptions import WATCHER
from agents.billing_exceptions import _moves as mv
from agents.billing_exceptions.policy import POLICY_MODEL, RULE_TYPES, DuplicateBillRule, PoMismatchRule

SHIPPED = Path("policies/billing_exceptions.yaml")


def load(path: Path):  # noqa: ANN201 - LoadedPolicy
    return load_policy(path, POLICY_MODEL, connections={"default"}, expected_agent="billing_exceptions")


def test_the_shipped_policy_loads_with_every_rule_type() -> None:
    policy = load(SHIPPED).policy
    assert RULE_TYPES == ("overdue", "draft_aging", "po_mismatch", "duplicate_bill", "missing_document", "flagged")
    assert {rule.type for rule in policy.rules} == set(RULE_TYPES)
    receivables = next(r for r in policy.rules if r.id == "overdue_receivables")
    assert [step.after for step in receivables.ladder] == [timedelta(days=30), timedelta(days=60), timedelta(days=90)]
    assert policy.slack.approvers.odoo_groups == ["account.group_account_manager"] and policy.mode == "live"
    assert policy.privacy.pseudonymize[0].when_partner_tags == ["Patient"]
    assert (policy.ranking.amount_weight, policy.ranking.age_weight) == (1.0, 1.0)
    actions = {a.type for rule in policy.rules for step in rule.ladder for a in step.actions}
    assert actions <= {"post_note", "schedule_activity", "reassign", "flag_for_review"}  # never post, pay, cancel, reset


def test_rule_defaults_and_the_models_each_rule_reads() -> None:
    ladder = [{"after": "1h", "actions": [{"type": "post_note"}]}]
    duplicate = DuplicateBillRule.model_validate({"id": "d", "ladder": ladder})
    assert duplicate.move_types == ["in_invoice"] and duplicate.same_amount_within == timedelta(days=7)
    assert duplicate.subject_field == "invoice_user_id" and "invoice_user_id" in duplicate.fields_read()
    mismatch = PoMismatchRule.model_validate({"id": "m", "ladder": ladder})
    assert (mismatch.billed_over, mismatch.tolerance_percent) == (["ordered", "received"], 0.0)
    assert WATCHER.models(mismatch) == {"account.move", "account.move.line", "purchase.order.line"}
    assert WATCHER.models(duplicate) == {"account.move"}


@pytest.mark.parametrize(("old", "new", "error"), [
    ("    tolerance_percent: 2.0 ", "    tolerance_percent: -2.0 ",
     "rules[3].tolerance_percent: -2.0 is too small (use 0.0 or more)"),
    ("    billed_over: [ordered, received] ", "    billed_over: [ordered, ordered] ",
     "rules[3].billed_over[1]: 'ordered' is listed twice (list it once)"),
    ("    move_types: [in_invoice]\n", "    move_types: [vendor_bill]\n", "rules[1].move_types[0]: 'vendor_bill' is not "),
    ("    same_amount_within: 7d ", "    same_amount_within: a week ", "rules[4].same_amount_within: 'a week' is not a duration"),
    ('      show_as: "patient #{id}"', '      show_as: "{name}"', "privacy.pseudonymize[0].show_as: '{name}' must contain {id}"),
    ("  amount_weight: 1.0", "  amount_weight: heavy", "ranking.amount_weight: "),
])
def test_mistakes_name_the_line_and_key(tmp_path: Path, old: str, new: str, error: str) -> None:
    text = SHIPPED.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "billing_exceptions.yaml"
    path.write_text(text.replace(old, new))
    with pytest.raises(PolicyError) as caught:
        load(path)
    line = text[: text.index(old)].count("\n") + 1
    assert any(str(p).startswith(f"{path}:{line}: {error}") for p in caught.value.errors), str(caught.value)


def test_one_unreadable_record_is_skipped_with_its_reason_and_the_others_still_count() -> None:
    policy = load(SHIPPED).policy
    ctx = ScanContext(None, policy, datetime(2026, 11, 25, 15, tzinfo=timezone.utc),  # type: ignore[arg-type]
                      BusinessCalendar.from_policy(policy.business_hours))
    rows = [{"id": 1, "create_date": "2026-11-20 10:00:00"}, {"id": 2, "create_date": "yesterday"}, {"id": 3}]
    entered = mv.guarded(ctx, policy.rules[0], rows, mv.entered)
    assert [d.day for d in entered] == [20]
    assert ctx.skipped == [
        "account.move#2: rule overdue_receivables: unreadable data (ValueError: Invalid isoformat string: 'yesterday')",
        "account.move#3: rule overdue_receivables: unreadable data (ValueError: no create_date)",
    ]
