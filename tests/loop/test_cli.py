"""The command line, as an on-call admin or an approver uses it, against the sandbox over HTTP."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.odoo.sandbox import Sandbox
from runner import app
from tests.loop.conftest import marked_writes

cli = CliRunner()


@pytest.fixture
def live_sandbox() -> Iterator[Sandbox]:
    """The sandbox on the real clock: the CLI, like production, reads the time from the machine."""
    with Sandbox(seed=True) as sb:
        yield sb


@pytest.fixture
def env(live_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    for name, value in {
        "SENTINEL_DATABASE_URL": f"sqlite:///{db}",
        "ODOO_URL": live_sandbox.url,
        "ODOO_DB": "sandbox",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
    }.items():
        monkeypatch.setenv(name, value)
    return db


def run(*args: str) -> object:
    return cli.invoke(app, list(args))


def test_policy_check_passes_the_shipped_policies(env: Path) -> None:
    result = run("policy", "check")
    assert result.exit_code == 0, result.output
    shipped = sorted(Path("policies").glob("*.yaml"))
    assert len(shipped) >= 1
    assert result.stdout == "".join(f"OK {path}\n" for path in shipped)


def test_policy_check_names_file_line_key_and_fix(env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "approval_watcher.yaml"
    bad.write_text(Path("policies/approval_watcher.yaml").read_text().replace("cooldown: 24h", "cooldwn: 24h"))
    result = run("policy", "check", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}:")
    assert "limits.cooldwn: unknown key 'cooldwn' (remove it; did you mean 'cooldown'?)" in result.stderr


def proposals(*extra: str) -> list[dict]:
    result = run("proposals", "list", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_once_then_approve_from_the_cli(env: Path, live_sandbox: Sandbox) -> None:
    result = run("once", "approval_watcher")
    assert result.exit_code == 0, result.output
    assert "approval_watcher: " in result.stdout and " proposals, " in result.stdout
    listed = proposals("--status", "pending")
    assert listed
    assert {"id", "agent", "rule", "model", "res_id", "status", "action"} <= set(listed[0])
    target = listed[0]["id"]
    approved = run("proposals", "approve", target, "--as", "admin")
    assert approved.exit_code == 0, approved.output
    assert f"{target}: executed" in approved.stdout
    assert len(marked_writes(live_sandbox, target)) == 1
    again = run("proposals", "approve", target, "--as", "grace.finance")
    assert again.exit_code == 1
    assert again.stderr.strip() == "refused: already executed by odoo:admin"
    shown = run("proposals", "show", target)
    assert "executed by odoo:admin" in shown.stdout


def test_reject_requires_a_reason_and_unknown_people_are_refused(env: Path) -> None:
    assert run("once", "approval_watcher").exit_code == 0
    target = proposals("--status", "pending")[0]["id"]
    refused = run("proposals", "approve", target, "--as", "auditor")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("refused: auditor is not allowed to decide this proposal (approvers: Odoo groups: ")
    missing = run("proposals", "reject", target, "--as", "admin", "--reason", " ")
    assert missing.exit_code == 1
    assert "a reason is required" in missing.stderr
    rejected = run("proposals", "reject", target, "--as", "admin", "--reason", "duplicate order")
    assert rejected.exit_code == 0
    assert [p["status"] for p in proposals() if p["id"] == target] == ["rejected"]


def test_pause_blocks_writes_until_resume(env: Path, live_sandbox: Sandbox) -> None:
    assert run("once", "approval_watcher").exit_code == 0
    target = proposals("--status", "pending")[0]["id"]
    assert run("pause", "--reason", "month-end close").exit_code == 0
    assert run("proposals", "approve", target, "--as", "admin").exit_code == 0
    assert [p["status"] for p in proposals() if p["id"] == target] == ["approved"]
    assert marked_writes(live_sandbox, target) == []
    resumed = run("resume")
    assert resumed.exit_code == 0
    assert [p["status"] for p in proposals() if p["id"] == target] == ["executed"]
    assert len(marked_writes(live_sandbox, target)) == 1


def test_audit_verify_detects_an_edit_and_names_the_event(env: Path) -> None:
    assert run("once", "approval_watcher").exit_code == 0
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and ok.stdout.startswith("audit trail intact: ")
    with sqlite3.connect(env) as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        conn.execute("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert broken.stderr.startswith("audit trail broken at event 2: ")


def test_an_unknown_agent_is_named(env: Path) -> None:
    result = run("once", "billing_watcher")
    assert result.exit_code == 2  # usage
    agents = ", ".join(sorted(path.stem for path in Path("policies").glob("*.yaml")))
    assert result.stderr.strip() == f"no agent named 'billing_watcher' (agents: {agents})"


def test_proposals_show_links_the_record_absolutely_in_the_servers_style(env: Path, live_sandbox: Sandbox) -> None:
    from agents._core.odoo import versions

    assert run("once", "approval_watcher").exit_code == 0
    shown_proposal = proposals("--status", "pending")[0]
    versions._known.clear()  # as a fresh `proposals show` process: it asks the version itself, without logging in
    live_sandbox.requests.clear()
    shown = run("proposals", "show", shown_proposal["id"])
    assert shown.exit_code == 0, shown.output
    link = f"{live_sandbox.url}/odoo/{shown_proposal['model']}/{shown_proposal['res_id']}"
    assert f"  open in Odoo     {link}\n" in shown.stdout
    assert dict(live_sandbox.requests) == {"/web/version": 1}
