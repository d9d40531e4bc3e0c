"""supply_watcher's policy: the shipped file loads; mistakes name the file, line and key, and say the fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agents._core.policy import PolicyError, load_policy
from agents.supply_watcher import WATCHER
from agents.supply_watcher.policy import RULE_TYPES, SupplyWatcherPolicy

SHIPPED = Path("policies/supply_watcher.yaml")


def load(path: Path) -> SupplyWatcherPolicy:
    return load_policy(path, WATCHER.policy_model, connections={"default"}, expected_agent="supply_watcher").policy


def test_the_shipped_policy_loads_with_every_rule_type() -> None:
    policy = load(SHIPPED)
    assert policy.mode == "live"
    assert sorted(rule.type for rule in policy.rules) == sorted(RULE_TYPES)
    assert policy.critical.categories == ["Critical"] and policy.critical.tags == ["Crash cart"]
    drift = next(rule for rule in policy.rules if rule.type == "lead_time_drift")
    action = drift.ladder[0].actions[0]
    assert (action.type, action.max_factor, action.notify) == (
        "update_reorder_min", 1.5, ["group:purchase.group_purchase_manager", "group:account.group_account_manager"])
    assert next(rule for rule in policy.rules if rule.type == "stockout_eta").window == timedelta(days=28)
    assert policy.slack.approvers.odoo_groups == ["stock.group_stock_manager", "purchase.group_purchase_manager"]


def test_every_rule_names_the_models_it_reads() -> None:
    policy = load(SHIPPED)
    for rule in policy.rules:
        models = WATCHER.models(rule)
        assert models and all("." in model for model in models)
    stockout = next(rule for rule in policy.rules if rule.type == "stockout_eta")
    assert "purchase.order.line" in WATCHER.models(stockout)
    assert "purchase.order.line" not in WATCHER.models(stockout.model_copy(update={"skip_if_ordered": False}))


MISTAKES = [
    ("    ladder:\n      - after: 0h                 # this rule has no clock: one step\n        actions:\n          - type: create_rfq",
     "    ladder:\n      - after: 0h\n        actions:\n          - type: post_note",
     "rules[0].ladder[0].actions[0].type: 'post_note' cannot run on a reorder rule (stock.warehouse.orderpoint, which has no "
     "chatter) (use one of: create_rfq, update_reorder_min)"),
    ("      - after: 0h                 # this rule has no clock: one step\n",
     "      - after: 4h\n",
     "rules[0].ladder: a below_min rule measures no waiting time, so its ladder has a single step at after: 0h "
     "(keep one step and write after: 0h)"),
    ("    min_receipts: 3\n", "    min_receipts: 7\n",
     "rules[3].min_receipts: 7 is more than last_receipts (5) (lower it to 5 or less, or raise last_receipts)"),
    ("    window: 28d                   # daily use", "    window: 36h                   # daily use",
     "rules[1].window: '36h' is not a whole number of days (use days, e.g. 28d)"),
    ("notify: [group:purchase.group_purchase_manager, group:account.group_account_manager]", "notify: [pat.procurement]",
     "rules[3].ladder[0].actions[0].notify[0]: 'pat.procurement' is neither a login nor a group reference "
     "(write login:<odoo login> or group:<XML id of an Odoo group>, e.g. group:purchase.group_purchase_manager)"),
    ("notify: [group:purchase.group_purchase_manager, group:account.group_account_manager]", "notify: [group:managers]",
     "rules[3].ladder[0].actions[0].notify[0]: 'group:managers' is neither a login nor a group reference "
     "(write login:<odoo login> or group:<XML id of an Odoo group>, e.g. group:purchase.group_purchase_manager)"),
    ("            max_factor: 1.5\n", "            max_factor: 0.8\n",
     "rules[3].ladder[0].actions[0].max_factor: 0.8 is too small (use 1.1 or more)"),
    ("    consumption_to: [customer, production]", "    consumption_to: [customer, scrap]",
     "rules[1].consumption_to[1]: 'scrap' is not"),
]


@pytest.mark.parametrize(("old", "new", "problem"), MISTAKES, ids=[m[2].split(":")[0] for m in MISTAKES])
def test_a_mistake_names_file_line_key_and_fix(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = SHIPPED.read_text()
    assert old in text
    bad = tmp_path / "supply_watcher.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(PolicyError) as caught:
        load(bad)
    line = next(n for n, row in enumerate(bad.read_text().splitlines(), 1) if new.splitlines()[-1].strip() in row)
    assert any(str(e).startswith(f"{bad}:") and problem in str(e) for e in caught.value.errors), str(caught.value)
    assert any(abs(e.line - line) <= 3 for e in caught.value.errors), (line, str(caught.value))
