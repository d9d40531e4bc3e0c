"""Preflight through the command line, against the sandbox Odoo over HTTP: a policy that names things this Odoo lacks
is refused before anyone is asked to approve, one `file:line` line per mistake."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.odoo import open_gateway
from agents._core.odoo.sandbox import Sandbox
from agents._core.policy import load_policy
from agents._core.preflight import preflight
from agents._core.registry import discover
from agents._core.scheduler import agent_tick
from runner import app, build_engine
from tests.loop.conftest import settings_for

SHIPPED = Path("policies/approval_watcher.yaml")
cli = CliRunner()

# Four mistakes a clinic's admin makes, each only visible against the server: a misspelled group XML id, a login
# nobody has, a field this Odoo does not have, and an action that cannot run on the rule's records.
MISTAKES = [  # (what the shipped file says, the mistake, the word that marks its line, the line preflight prints)
    ("odoo_groups: [purchase.group_purchase_manager]   #", "odoo_groups: [purchase.group_purchase_manger]   #",
     "group_purchase_manger",
     "slack.approvers.odoo_groups[0]: no Odoo group has the XML id 'purchase.group_purchase_manger' "
     "(check Settings > Users & Companies > Groups; did you mean 'purchase.group_purchase_manager'?)"),
    ("fields: [name, partner_id, amount_total, user_id, state]   # read",
     "fields: [name, partner_id, amount_totl, user_id, state]   # read", "amount_totl",
     "rules[0].fields[2]: purchase.order has no field 'amount_totl' (did you mean 'amount_total'?)"),
    ("          - type: post_note\n      - after: 40h", "          - type: create_rfq\n      - after: 40h", "create_rfq",
     "rules[0].ladder[0].actions[0].type: 'create_rfq' cannot run on purchase.order (create_rfq runs only on "
     "stock.warehouse.orderpoint: use post_note or schedule_activity here)"),
    ("assign_to: group:purchase.group_purchase_manager  #", "assign_to: login:grace.fnance  #", "grace.fnance",
     "rules[0].ladder[1].actions[0].assign_to: no Odoo user has the login 'grace.fnance' (did you mean 'grace.finance'?)"),
]


def line(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def bad_copy(path: Path) -> tuple[Path, list[str]]:
    """The shipped policy with the four mistakes, and the four lines preflight must print for it, in file order."""
    text = SHIPPED.read_text()
    for good, bad, _, _ in MISTAKES:
        assert good in text, good
        text = text.replace(good, bad, 1)
    path.write_text(text)
    lines = sorted((line(text, marker), problem) for _, _, marker, problem in MISTAKES)
    return path, [f"{path}:{line}: {problem}" for line, problem in lines]


@pytest.fixture
def live_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=True) as sb:
        yield sb


@pytest.fixture
def env(live_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ODOO_URL": live_sandbox.url, "ODOO_DB": "sandbox",
              "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def policy_dir(tmp_path: Path, approval_watcher: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree("policies", folder)
    shutil.copy(approval_watcher, folder / "approval_watcher.yaml")
    return folder


def test_the_shipped_policies_pass_preflight_on_the_sandbox(env: dict[str, str]) -> None:
    result = cli.invoke(app, ["policy", "check", "--odoo"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert [line for line in result.stdout.splitlines() if line.startswith("OK ")] == [
        f"OK {path}" for path in sorted(Path("policies").glob("*.yaml"))]
    # The sandbox is Odoo 19: the expense report rule (Odoo <=18) is skipped there, said once, not an error.
    notes = [line for line in result.stdout.splitlines() if not line.startswith("OK ")]
    assert notes == [f"{SHIPPED}:78: rules[2].odoo_version: note: rule expense_report_waiting_approval applies to Odoo <19 "
                     "only; this server runs 19.0 (it is skipped here, as intended)"]


def test_four_mistakes_give_exactly_four_lines_with_their_fix(env: dict[str, str], tmp_path: Path) -> None:
    path, expected = bad_copy(tmp_path / "approval_watcher.yaml")
    assert cli.invoke(app, ["policy", "check", str(path)]).exit_code == 0, "each mistake is invisible without Odoo"
    result = cli.invoke(app, ["policy", "check", "--odoo", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == expected
    assert "did you mean 'purchase.group_purchase_manager'?" in result.stderr


def test_once_refuses_a_policy_that_fails_preflight(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = policy_dir(tmp_path, SHIPPED)
    _, expected = bad_copy(folder / "approval_watcher.yaml")
    monkeypatch.setenv("SENTINEL_POLICY_DIR", str(folder))
    result = cli.invoke(app, ["once", "approval_watcher"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == expected
    assert result.stdout == "", "nothing was scanned"
    assert cli.invoke(app, ["once", "billing_exceptions", "--dry-run"]).exit_code == 0, "other agents are not concerned"


def test_run_refuses_a_policy_that_fails_preflight_at_start(env: dict[str, str], tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, SHIPPED)
    _, expected = bad_copy(folder / "approval_watcher.yaml")
    child = {**{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_"))}, **env,
             "SENTINEL_POLICY_DIR": str(folder)}
    done = subprocess.run([sys.executable, "runner.py", "run", "--port", "0"], env=child, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if not line.startswith("{")] == expected  # the rest: JSON logs
    assert "sentinel running" not in done.stdout


def test_hot_reload_keeps_the_last_good_policy_when_preflight_fails(live_sandbox: Sandbox, tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, SHIPPED)
    engine = build_engine(settings_for(live_sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(folder)), preflight=True)
    book = engine.services.policies
    before = book.get("approval_watcher")
    path, expected = bad_copy(folder / "approval_watcher.yaml")
    os.utime(path, (time.time() - 5, time.time() - 5))  # settled: the tick reloads it
    agent_tick(engine, "approval_watcher")
    assert book.get("approval_watcher") is before
    assert str(book.problems["approval_watcher"]).splitlines() == expected
    refused = [e for e in engine.services.audit.events() if e.kind == "policy.refused"]
    assert len(refused) == 1 and expected[0] in refused[0].data["problems"]
    notices = [m for m in engine.services.store.pending_outbox() if m.kind == "notice"]
    assert len(notices) == 1 and expected[-1] in notices[0].payload["text"]
    assert engine.services.store.list_proposals(agent="approval_watcher"), "the tick still ran, on the previous policy"
    agent_tick(engine, "approval_watcher")
    assert len([e for e in engine.services.audit.events() if e.kind == "policy.refused"]) == 1, "refused once"


def test_preflight_round_trips_do_not_grow_with_references(live_sandbox: Sandbox, tmp_path: Path) -> None:
    entry = discover(Path("policies"))["approval_watcher"]

    def round_trips(text: str) -> tuple[int, list[str]]:
        path = tmp_path / "approval_watcher.yaml"
        path.write_text(text)
        loaded = load_policy(path, entry.watcher.policy_model, connections={"default"})
        gateway = open_gateway("default", live_sandbox.url, "sandbox", "admin", "admin")
        verdict = preflight(loaded, entry.watcher, gateway, user="admin")
        assert verdict.round_trips == gateway.stats.round_trips
        return verdict.round_trips, [str(p) for p in verdict.errors]

    few, errors = round_trips(SHIPPED.read_text())
    assert not errors
    many_logins = ", ".join(["admin", "grace.finance", "dr.patel", "lucy.buyer", "nina.buyer", "omar.buyer", "ghost"] * 3)
    many_groups = ", ".join(["purchase.group_purchase_manager", "account.group_account_manager", "stock.group_stock_manager",
                             "base.group_user", "purchase.group_purchase_user", "purchase.group_nope"] * 3)
    text = SHIPPED.read_text().replace("odoo_users: []", f"odoo_users: [{many_logins}]").replace(
        "odoo_groups: [purchase.group_purchase_manager]   #", f"odoo_groups: [{many_groups}]   #")
    more, errors = round_trips(text)
    assert more == few, "one search for all logins, one for all groups, however many are named"
    assert len(errors) == 6 and all("'ghost'" in e or "'purchase.group_nope'" in e for e in errors)
    # Every model once (fields_get), the login, one read of users, one of groups, one access question per model and
    # operation: 4 models read, 3 written or created.
    assert few <= 4 + 1 + 1 + 1 + 7


def test_a_missing_module_is_a_warning_and_a_misspelled_model_an_error(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(SHIPPED.read_text().replace('    odoo_version: "<19"', "    # any version"))
    result = cli.invoke(app, ["policy", "check", "--odoo", str(path)])
    assert result.exit_code == 0, result.output
    assert (f"{path}:{line(path.read_text(), 'model: hr.expense.sheet')}: rules[2].model: warning: rule expense_report_waiting_approval is disabled on this Odoo: model "
            "'hr.expense.sheet' does not exist (install its Odoo module to enable it, or limit the rule with odoo_version)"
            ) in result.stdout.splitlines()
    path.write_text(SHIPPED.read_text().replace("model: purchase.order\n    domain: [[\"state\", \"=\", \"to approve\"]]\n"
                                                "    age_source", "model: purchase.ordr\n    domain: [[\"state\", \"=\", "
                                                "\"to approve\"]]\n    age_source", 1))
    result = cli.invoke(app, ["policy", "check", "--odoo", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:{line(path.read_text(), 'purchase.ordr')}: rules[0].model: model 'purchase.ordr' does not exist on this Odoo (did you mean 'purchase.order'?)"]


def test_wrong_field_kinds_and_state_values_are_named(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(SHIPPED.read_text().replace('domain: [["state", "=", "to approve"]]\n    age_source: state_change',
                                                'domain: [["state", "=", "to aprove"]]\n    age_source: field:name', 1)
                    .replace("subject_field: user_id      #", "subject_field: partner_id      #", 1))
    result = cli.invoke(app, ["policy", "check", "--odoo", str(path)])
    assert result.exit_code == 1
    text = path.read_text()
    assert result.stderr.splitlines() == [
        f"{path}:{line(text, 'to aprove')}: rules[0].domain[0][2]: 'to aprove' is not a value of purchase.order.state "
        "(did you mean 'to approve'? use one of: draft, sent, to approve, purchase, cancel)",
        f"{path}:{line(text, 'field:name')}: rules[0].age_source: purchase.order.name is a char, not a date or datetime "
        "(use a date or datetime field of purchase.order)",
        f"{path}:{line(text, 'subject_field: partner_id')}: rules[0].subject_field: purchase.order.partner_id is a many2one "
        "to res.partner, not a many2one to res.users (use a many2one to res.users field of purchase.order)",
    ]


def test_a_service_user_without_rights_is_told_what_it_lacks(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_USER", "auditor")  # read-only in the sandbox, and no Settings right for tracking values
    monkeypatch.setenv("ODOO_PASSWORD", "auditor")
    result = cli.invoke(app, ["policy", "check", "--odoo", str(SHIPPED)])
    assert result.exit_code == 1
    lines, text = result.stderr.splitlines(), SHIPPED.read_text()
    assert f"{SHIPPED}:{line(text, '- type: post_note')}: rules[0].ladder[0].actions[0].type: the Odoo user 'auditor' may not write purchase.order " \
           "(grant it write access to purchase.order (Settings > Users))" in lines
    assert f"{SHIPPED}:{line(text, 'age_source: state_change')}: rules[0].age_source: ages from state changes read tracking values (mail.tracking.value), which the Odoo " \
           "user 'auditor' may not read (give that user Administration / Settings, or use age_source: write_date)" in lines
    assert sum("may not write purchase.order" in line for line in lines) == 1, "a missing right is said once"
    assert not any("XML id" in line for line in lines), "groups resolve without Access Rights too (check_object_reference)"


def test_an_unreachable_odoo_is_one_line_not_a_policy_problem(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_URL", "http://127.0.0.1:9")
    result = cli.invoke(app, ["policy", "check", "--odoo", str(SHIPPED)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{SHIPPED}: not checked against Odoo connection 'default': cannot reach 127.0.0.1:9: [Errno 111] Connection refused"]
    once = cli.invoke(app, ["once", "approval_watcher"])
    assert once.exit_code == 1
    assert once.stderr.splitlines() == [
        "approval_watcher: not checked against Odoo connection 'default' yet (cannot reach 127.0.0.1:9: [Errno 111] "
        "Connection refused): its scans wait until the check passes"]


def test_a_renamed_copy_is_checked_as_the_agent_its_file_names(env: dict[str, str], tmp_path: Path) -> None:
    copy = tmp_path / "aw.yaml"
    copy.write_text(SHIPPED.read_text())
    result = cli.invoke(app, ["policy", "check", str(copy)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"OK {copy}\n"
    assert cli.invoke(app, ["policy", "check", "--odoo", str(copy)]).exit_code == 0
    stray = tmp_path / "other.yaml"
    stray.write_text(SHIPPED.read_text().replace("agent: approval_watcher", "agent: approval_wacher"))
    result = cli.invoke(app, ["policy", "check", str(stray)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{stray}: no agent named 'approval_wacher' (agents: ")


def test_odoo_down_at_start_scans_wait_until_the_check_passes(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on yet; the sandbox takes it later
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sandbox = Sandbox(seed=True)
    settings = settings_for(sandbox, tmp_path / "s.db", ODOO_URL=f"http://127.0.0.1:{port}")
    engine = build_engine(settings, preflight=True)  # does not crash: the policies wait for their check
    book = engine.services.policies
    assert not book.ready("approval_watcher") and "cannot reach" in book.unchecked["approval_watcher"].reason
    agent_tick(engine, "approval_watcher")
    assert "approval_watcher" not in engine.services.store.last_runs(), "no scan before the check"
    sandbox.start(port=port)
    try:
        agent_tick(engine, "approval_watcher")  # checks again before the scan: passes, then scans
        assert book.ready("approval_watcher") and "approval_watcher" not in book.unchecked
        assert engine.services.store.list_proposals(agent="approval_watcher")
    finally:
        sandbox.stop()


def test_an_edit_made_while_odoo_is_down_waits_for_its_check_and_the_last_good_runs(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, SHIPPED)
    sandbox = Sandbox(seed=True)
    sandbox.start()
    engine = build_engine(settings_for(sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(folder)), preflight=True)
    book = engine.services.policies
    good = book.get("approval_watcher")
    port = sandbox.port
    sandbox.stop()
    path = folder / "approval_watcher.yaml"
    path.write_text(SHIPPED.read_text().replace("per_run: 20", "per_run: 5"))
    os.utime(path, (time.time() - 5, time.time() - 5))
    agent_tick(engine, "approval_watcher")  # Odoo is down: the edit cannot be checked, the checked policy stays
    assert book.get("approval_watcher") is good and book.ready("approval_watcher")
    assert "cannot reach" in book.unchecked["approval_watcher"].reason
    sandbox.start(port=port)
    try:
        agent_tick(engine, "approval_watcher")  # checked before this scan: now in force
        assert book.get("approval_watcher").policy.limits.per_run == 5
        assert not book.unchecked
        assert [e.kind for e in engine.services.audit.events() if e.kind.startswith("policy.")] == ["policy.loaded"]
    finally:
        sandbox.stop()


def test_a_policy_first_checked_late_and_refused_stops_only_its_agent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = policy_dir(tmp_path, SHIPPED)
    _, expected = bad_copy(folder / "approval_watcher.yaml")
    sandbox = Sandbox(seed=True)
    engine = build_engine(settings_for(sandbox, tmp_path / "s.db", ODOO_URL=f"http://127.0.0.1:{port}",
                                       SENTINEL_POLICY_DIR=str(folder)), preflight=True)
    sandbox.start(port=port)
    try:
        agent_tick(engine, "approval_watcher")  # the first check that can run refuses it: nothing good to fall back on
        book = engine.services.policies
        assert "approval_watcher" not in book.loaded
        assert str(book.problems["approval_watcher"]).splitlines() == expected
        assert [e.kind for e in engine.services.audit.events() if e.kind.startswith("policy.")] == ["policy.refused"]
        agent_tick(engine, "approval_watcher")
        assert "crashed" not in caplog.text and "approval_watcher" not in engine.services.store.last_runs()
        agent_tick(engine, "billing_exceptions")
        assert "billing_exceptions" in engine.services.store.last_runs(), "the other agents run"
    finally:
        sandbox.stop()


def test_group_by_and_history_domain_fields_are_checked(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(SHIPPED.read_text().replace("group_by: [user_id, partner_id]", "group_by: [user_id, partnr_id]", 1)
                    .replace('history_domain: [["state", "=", "purchase"]]', 'history_domain: [["stat", "=", "purchase"]]', 1))
    result = cli.invoke(app, ["policy", "check", "--odoo", str(path)])
    assert result.exit_code == 1
    text = path.read_text()
    history = line(text, "history_domain:")
    assert result.stderr.splitlines() == [
        f"{path}:{line(text, 'partnr_id')}: rules[3].group_by[1]: purchase.order has no field 'partnr_id' "
        "(did you mean 'partner_id'?)",
        f"{path}:{history}: rules[4].history_domain[0][0]: purchase.order has no field 'stat' "
        "(did you mean 'state'?)",
    ]
