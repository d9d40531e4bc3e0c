"""One rule's failure on Odoo (a field the server lacks, an access error) is that rule's alone: the run report shows it,
the run row records it, and the agent's other rules still propose. The run fails only when no rule could run.

Preflight refuses such a policy before `once` or `run` scans (tests/loop/test_preflight.py), so these failures reach a
scan only when the server changes under a checked policy (a module removed, a field dropped by an upgrade): the engine
is built here without preflight to stand for that moment."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.odoo.sandbox import Sandbox
from runner import app, build_engine
from agents._core.settings import Settings

cli = CliRunner()
EXPENSE_FIELDS = "fields: [name, employee_id, total_amount, state]"
ORDER_FIELDS = "fields: [name, partner_id, amount_total, user_id, state]"
INVALID = "Invalid field 'no_such_field' on"  # the sandbox's words; Odoo says "on model 'hr.expense'"


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree("policies", folder)
    return folder


@pytest.fixture
def env(policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with Sandbox(seed=True) as sandbox:
        db = tmp_path / "cli.db"
        for name, value in {"SENTINEL_DATABASE_URL": f"sqlite:///{db}", "SENTINEL_POLICY_DIR": str(policy_dir),
                            "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin",
                            "ODOO_PASSWORD": "admin"}.items():
            monkeypatch.setenv(name, value)
        yield db


def break_fields(policy_dir: Path, *originals: str) -> None:
    path = policy_dir / "approval_watcher.yaml"
    text = path.read_text()
    for original in originals:
        assert original in text
        text = text.replace(original, original[:-1] + ", no_such_field]")
    path.write_text(text)


def last_run(db: Path) -> tuple[str, str | None, int]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT status, error, proposals FROM agent_run ORDER BY id DESC LIMIT 1").fetchone()


def test_a_rule_reading_a_missing_field_is_reported_and_the_others_still_propose(env: Path, policy_dir: Path) -> None:
    break_fields(policy_dir, EXPENSE_FIELDS)
    report = build_engine(Settings()).run_once("approval_watcher")
    assert report.ok, report.error
    assert report.disabled["expense_waiting_approval"].startswith(f"{INVALID} 'hr.expense'")
    status, error, proposals = last_run(env)
    assert status == "ok" and proposals > 0
    assert f"rule expense_waiting_approval: {INVALID} 'hr.expense'" in error
    listed = cli.invoke(app, ["proposals", "list", "--status", "pending"]).stdout
    assert "po_waiting_approval" in listed and "expense_waiting_approval" not in listed


def test_the_run_fails_only_when_no_rule_could_run(env: Path, policy_dir: Path) -> None:
    break_fields(policy_dir, EXPENSE_FIELDS, ORDER_FIELDS)
    report = build_engine(Settings()).run_once("approval_watcher")
    assert not report.ok
    assert report.error.startswith("Odoo connection 'default': ")
    for rule in ("po_waiting_approval", "expense_waiting_approval", "split_orders", "unusual_amount"):
        assert f"rule {rule}: {INVALID}" in report.error
    status, error, _ = last_run(env)
    assert status == "failed" and error == report.error
