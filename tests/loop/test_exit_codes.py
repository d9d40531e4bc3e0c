"""Exit codes tell the truth: 0 done, 1 refused or failed (the line says which), 2 usage. Through the CLI, on the sandbox."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from agents._core.odoo.sandbox import Sandbox
from runner import app
from state import Database, Store

cli = CliRunner()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=True) as sb:  # the real clock, as the CLI reads it
        yield sb


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    for name, value in {"SENTINEL_DATABASE_URL": f"sqlite:///{db}", "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox",
                        "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}.items():
        monkeypatch.setenv(name, value)
    return db


def run(*args: str) -> Result:
    return cli.invoke(app, list(args))


def pending(rule: str = "po_waiting_approval", res_id: int | None = None) -> str:
    """The id of a pending proposal of `rule` (on `res_id`), after a scan."""
    listed = json.loads(run("proposals", "list", "--status", "pending", "--json").stdout)
    return next(p["id"] for p in listed if p["rule"] == rule and res_id in (None, p["res_id"]))


def login_id(sandbox: Sandbox, login: str) -> int:
    return sandbox.env("res.users").search_read([("login", "=", login)], ["id"])[0]["id"]


def test_a_second_approval_of_the_same_proposal_is_refused_with_exit_1(env: Path) -> None:
    assert run("once", "approval_watcher").exit_code == 0
    target = pending()
    first = run("proposals", "approve", target, "--as", "admin")
    assert first.exit_code == 0, first.output
    second = run("proposals", "approve", target, "--as", "grace.finance")
    assert second.exit_code == 1
    assert second.stderr.strip() == "refused: already executed by odoo:admin"


def test_rejecting_what_was_rejected_or_expired_is_refused(env: Path) -> None:
    assert run("once", "approval_watcher").exit_code == 0
    target = pending()
    assert run("proposals", "reject", target, "--as", "admin", "--reason", "vendor called").exit_code == 0
    again = run("proposals", "reject", target, "--as", "admin", "--reason", "again")
    assert (again.exit_code, again.stderr.strip()) == (1, "refused: already rejected by odoo:admin")
    other = pending()
    Store(Database(f"sqlite:///{env}")).transition(other, "pending", "expired")
    late = run("proposals", "approve", other, "--as", "admin")
    assert (late.exit_code, late.stderr.strip()) == (1, "refused: already expired by the system")


def test_the_four_eyes_rule_refuses_with_exit_1(env: Path, sandbox: Sandbox) -> None:
    sandbox.env("purchase.order").write([22], {"user_id": login_id(sandbox, "grace.finance")})  # her own order now
    assert run("once", "approval_watcher").exit_code == 0
    refused = run("proposals", "approve", pending(res_id=22), "--as", "grace.finance")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == ("refused: grace.finance is the person this item is about and may not decide its "
                                      "escalation (four-eyes rule)")


def test_an_approved_action_that_fails_in_odoo_exits_1_and_says_failed(
    env: Path, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "policies"
    shutil.copytree("policies", folder)
    path = folder / "approval_watcher.yaml"  # both steps propose a to-do for the order's buyer (its subject)
    path.write_text(path.read_text().replace("          - type: post_note\n      - after: 40h",
                                             "          - {type: schedule_activity, assign_to: subject}\n      - after: 40h")
                    .replace("assign_to: group:purchase.group_purchase_manager", "assign_to: subject"))
    monkeypatch.setenv("SENTINEL_POLICY_DIR", str(folder))
    assert run("once", "approval_watcher").exit_code == 0
    target = pending()
    buyer = next(p for p in json.loads(run("proposals", "list", "--json").stdout) if p["id"] == target)["res_id"]
    subject = sandbox.env("purchase.order").read([buyer], ["user_id"])[0]["user_id"][0]
    sandbox.env("res.users").write([subject], {"active": False})  # the buyer left after the proposal was made
    approved = run("proposals", "approve", target, "--as", "grace.finance")
    assert approved.exit_code == 1
    assert approved.stderr.strip() == (f"failed: {target}: the decision is recorded but its action failed in Odoo: Odoo "
                                       f"connection 'default': res.users #{subject} in its subject is archived")


def test_an_unknown_proposal_or_agent_is_a_usage_error(env: Path) -> None:
    for args in (("proposals", "approve", "PNOPE", "--as", "admin"),
                 ("proposals", "reject", "PNOPE", "--as", "admin", "--reason", "x"),
                 ("proposals", "show", "PNOPE"), ("once", "nobody_watcher"),
                 ("policy", "backtest", "nobody_watcher"), ("policy", "diff", "nobody_watcher", "--against", "x.yaml")):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)


@pytest.mark.parametrize("command", [("once", "approval_watcher"), ("policy", "backtest", "approval_watcher", "--days", "1"),
                                     ("policy", "diff", "approval_watcher", "--against", "policies/approval_watcher.yaml")],
                         ids=["once", "backtest", "diff"])
def test_a_scan_with_a_wrong_odoo_password_exits_1(env: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    monkeypatch.setenv("ODOO_PASSWORD", "wrong")
    result = run(*command)
    assert result.exit_code == 1, result.output
    assert "login refused for user 'admin' on database 'sandbox'" in result.stderr.splitlines()[-1]


def test_backtest_names_how_many_scans_failed(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODOO_PASSWORD", "wrong")
    result = run("policy", "backtest", "approval_watcher", "--days", "1", "--json")
    assert result.exit_code == 1
    replay = json.loads(result.stdout)
    assert replay["failed_ticks"]
    assert result.stderr.splitlines()[-1].startswith(f"{len(replay['failed_ticks'])} of {len(replay['failed_ticks'])} "
                                                     "replayed scans failed; first: ")


@pytest.mark.parametrize("command", [("once",), ("policy", "backtest"), ("policy", "diff"), ("proposals", "approve"),
                                     ("proposals", "reject")], ids=" ".join)
def test_help_documents_the_exit_codes(command: tuple[str, ...]) -> None:
    shown = " ".join(run(*command, "--help").stdout.split())
    assert "Exit codes: 0 " in shown and "; 1 " in shown and "; 2 usage" in shown
