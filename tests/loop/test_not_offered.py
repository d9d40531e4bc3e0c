"""A proposal whose action cannot run is not offered: its assignee cannot be found (a login gone, a group missing or
empty, a user archived) or its record is locked. The run log says which record and why; the checks are batched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.decisions import Actor, decide
from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from runner import app, build_engine
from tests.loop.conftest import settings_for

FIRST_STEP = "      - after: 16h              # business hours in that state\n        actions:\n          - type: post_note\n"
# At the fixture's NOW the seed's orders waiting for approval are at these ladder steps; all belong to buyers.
FIRST = {22, 51}  # at step 1 (the first action changed below), both nina.buyer's (res.users #3)
SECOND = {39, 46}  # at step 2, proposing the shipped assign_to: group:purchase.group_purchase_manager
RULE = "po_waiting_approval"


def policies_with_first_action(tmp_path: Path, action: str) -> Path:
    """The shipped policies, with po_waiting_approval's first step proposing `action` (a YAML flow mapping)."""
    folder = tmp_path / "policies"
    shutil.copytree("policies", folder)
    path = folder / "approval_watcher.yaml"
    text = path.read_text()
    assert FIRST_STEP in text
    path.write_text(text.replace(FIRST_STEP, FIRST_STEP.replace("- type: post_note", f"- {action}")))
    return folder


def engine_for(sandbox: Sandbox, tmp_path: Path, action: str) -> Engine:
    folder = policies_with_first_action(tmp_path, action)
    return build_engine(settings_for(sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(folder)), clock=sandbox.clock.now)


def proposed(engine: Engine) -> set[int]:
    return {p.res_id for p in engine.services.store.list_proposals() if p.rule_id == RULE}


def user_id(sandbox: Sandbox, login: str) -> int:
    return sandbox.env("res.users").search_read([("login", "=", login)], ["id"])[0]["id"]


@pytest.mark.parametrize(
    ("action", "archived", "reason"),
    [
        ("{type: schedule_activity, assign_to: 'login:nobody.here'}", None, "no active Odoo user with login 'nobody.here'"),
        ("{type: schedule_activity, assign_to: 'login:nina.buyer'}", "nina.buyer",
         "no active Odoo user with login 'nina.buyer'"),
        ("{type: schedule_activity, assign_to: 'group:purchase.group_nope'}", None,
         "no Odoo group with XML id 'purchase.group_nope' on this server"),
        ("{type: schedule_activity, assign_to: subject}", "nina.buyer", "res.users #3 in 'user_id' (the rule's subject_field) is archived"),
        ("{type: schedule_activity, assign_to: 'field:user_id'}", "nina.buyer",
         "res.users #3 in 'user_id' is archived"),
        ("{type: update_reorder_min, notify: ['login:admin', 'login:nobody.here']}", None,
         "no active Odoo user with login 'nobody.here'"),
    ],
    ids=["login_unknown", "login_archived", "group_unknown", "subject_archived", "field_archived", "notify_unknown"],
)
def test_an_action_whose_person_cannot_be_found_is_not_offered_and_the_run_log_says_why(
    sandbox: Sandbox, tmp_path: Path, action: str, archived: str | None, reason: str
) -> None:
    engine = engine_for(sandbox, tmp_path, action)
    if archived:
        sandbox.env("res.users").write([user_id(sandbox, archived)], {"active": False})
    report = engine.run_once("approval_watcher")
    assert report.ok
    verb = action.split(",")[0].removeprefix("{type: ")
    expected = {f"purchase.order#{res_id}: not proposed ({verb} for rule {RULE}): {reason}" for res_id in FIRST}
    assert set(report.skipped) >= expected
    assert proposed(engine) == SECOND
    assert report.dropped["its action could not run (see skipped)"] == len(FIRST)
    assert any(p.rule_id != RULE for p in engine.services.store.list_proposals()), "the other rules still propose"


def test_a_record_with_nobody_in_its_subject_field_is_named(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = engine_for(sandbox, tmp_path, "{type: schedule_activity, assign_to: subject}")
    sandbox.env("purchase.order").write([22], {"user_id": False})
    report = engine.run_once("approval_watcher")
    assert f"purchase.order#22: not proposed (schedule_activity for rule {RULE}): purchase.order #22 has no user in "\
           "'user_id' (the rule's subject_field)" in report.skipped
    assert proposed(engine) == FIRST - {22} | SECOND


def test_an_empty_group_is_named(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = engine_for(sandbox, tmp_path, "{type: schedule_activity, assign_to: 'group:account.group_account_manager'}")
    managers = sandbox.env("ir.model.data").search_read(
        [("module", "=", "account"), ("name", "=", "group_account_manager")], ["res_id"])[0]["res_id"]
    for login in ("admin", "grace.finance"):  # the sandbox's accounting administrators
        groups = sandbox.env("res.users").search_read([("login", "=", login)], ["group_ids"])[0]["group_ids"]
        sandbox.env("res.users").write([user_id(sandbox, login)], {"group_ids": [(6, 0, [g for g in groups if g != managers])]})
    report = engine.run_once("approval_watcher")
    assert f"purchase.order#22: not proposed (schedule_activity for rule {RULE}): Odoo group "\
           "'account.group_account_manager' has no active internal user" in report.skipped
    assert proposed(engine) == SECOND


def test_a_locked_order_is_not_offered_a_change(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = engine_for(sandbox, tmp_path, "{type: reassign, field: user_id, assign_to: 'group:purchase.group_purchase_manager'}")
    sandbox.env("purchase.order").write([22], {"locked": True})
    report = engine.run_once("approval_watcher")
    assert f"purchase.order#22: not proposed (reassign for rule {RULE}): purchase.order #22 is locked in Odoo (locked is "\
           "set): unlock it there for reassign to change it" in report.skipped
    assert proposed(engine) == FIRST - {22} | SECOND


def test_notes_and_to_dos_are_still_offered_on_a_locked_order(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = engine_for(sandbox, tmp_path, "{type: schedule_activity, assign_to: subject}")
    sandbox.env("purchase.order").write([22], {"locked": True})
    engine.run_once("approval_watcher")
    assert proposed(engine) == FIRST | SECOND


def test_the_checks_cost_one_read_per_kind_not_one_per_proposal(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = engine_for(sandbox, tmp_path, "{type: schedule_activity, assign_to: 'login:nobody.here'}")
    gateways = []
    factory = engine.services.gateway_factory

    def recording(name: str):  # noqa: ANN202 - OdooGateway
        gateways.append(factory(name))
        return gateways[-1]

    engine.services.gateway_factory = recording
    report = engine.run_once("approval_watcher")
    calls = [call for gateway in gateways for call in gateway.stats.calls]
    vetted = sum(report.found.values()) - sum(n for why, n in report.dropped.items() if "could not run" not in why)
    assert vetted >= 8
    # Users by id (subjects, field:manager_id), by login, and the members of every group named: three reads in all.
    assert calls.count(("res.users", "search_read")) == 3
    # One XML id lookup per group the policy names (purchase and accounting administrators), not per proposal.
    assert calls.count(("ir.model.data", "check_object_reference")) == 2


def test_group_assignee_is_the_lowest_id_member_other_than_the_subject(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = engine_for(sandbox, tmp_path, "{type: schedule_activity, assign_to: 'group:purchase.group_purchase_manager'}")
    sandbox.env("purchase.order").write([22], {"user_id": user_id(sandbox, "admin")})  # admin is its subject now
    engine.run_once("approval_watcher")
    by_record = {p.res_id: p for p in engine.services.store.list_proposals() if p.rule_id == RULE}
    for res_id in FIRST:
        assert decide(engine, by_record[res_id].id, "approve", Actor("odoo", "grace.finance")).ok
    activities = sandbox.env("mail.activity").search_read(
        [("res_model", "=", "purchase.order"), ("res_id", "in", sorted(FIRST)), ("note", "ilike", "[sentinel:")],
        ["res_id", "user_id"])
    assigned = {a["res_id"]: a["user_id"][0] for a in activities}
    # Purchase administrators by id: admin (2), dr.patel (6), grace.finance (7).
    assert assigned == {51: user_id(sandbox, "admin"), 22: user_id(sandbox, "dr.patel")}


def test_once_prints_the_proposal_it_did_not_offer(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The policy passes preflight (it names no missing login); the buyer left after it was checked.
    folder = policies_with_first_action(tmp_path, "{type: schedule_activity, assign_to: subject}")
    path = folder / "approval_watcher.yaml"  # the second step too: the live clock decides which step an order is at
    path.write_text(path.read_text().replace("assign_to: group:purchase.group_purchase_manager", "assign_to: subject", 1))
    sandbox.env("res.users").write([user_id(sandbox, "nina.buyer")], {"active": False})
    for name, value in {"SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SENTINEL_POLICY_DIR": str(folder),
                        "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin",
                        "ODOO_PASSWORD": "admin"}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["once", "approval_watcher", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    reason = f": not proposed (schedule_activity for rule {RULE}): res.users #3 in 'user_id' (the rule's subject_field) is archived"
    skipped = [line.split("#")[1].split(":")[0] for line in lines if line.endswith(reason)]
    assert skipped, result.stdout
    offered = [line for line in lines if "would propose" in line and f"(rule {RULE}," in line]
    assert not [line for line in offered if any(f"#{res_id} " in line for res_id in skipped)]
