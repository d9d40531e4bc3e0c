"""Failures stay contained: one agent's broken connection, a missing module or a bad policy edit stop nothing else."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.registry import AgentEntry
from agents._core.scheduler import agent_tick
from agents._core.settings import OdooConnection
from runner import build_engine
from tests.loop.conftest import settings_for

SHIPPED = Path("policies/approval_watcher.yaml")


def add_agent(engine: Engine, name: str, policy_text: str, tmp_path: Path) -> None:
    """A second agent (the approval watcher under another name) with its own policy file."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(policy_text.replace("agent: approval_watcher", f"agent: {name}"))
    base = engine.services.agents["approval_watcher"].watcher
    engine.services.agents[name] = AgentEntry(replace(base, name=name), path)
    engine.services.policies.reload(name)


def engine_with_connections(sandbox: Sandbox, tmp_path: Path, **connections: OdooConnection) -> Engine:
    return build_engine(settings_for(sandbox, tmp_path / "s.db", ODOO_CONNECTIONS=connections), clock=sandbox.clock.now)


@pytest.mark.parametrize(
    ("connection", "cause"),
    [
        ("wrong_password", "login refused for user 'admin' on database 'sandbox'"),
        ("unreachable", "cannot reach 127.0.0.1:9"),
        ("wrong_db", 'database "nope" does not exist'),
    ],
)
def test_a_broken_connection_fails_that_agent_only_naming_connection_and_cause(
    sandbox: Sandbox, tmp_path: Path, connection: str, cause: str
) -> None:
    engine = engine_with_connections(
        sandbox, tmp_path,
        wrong_password=OdooConnection(url=sandbox.url, db="sandbox", user="admin", password="nope", timeout=2),
        unreachable=OdooConnection(url="http://127.0.0.1:9", db="sandbox", user="admin", password="admin", timeout=2),
        wrong_db=OdooConnection(url=sandbox.url, db="nope", user="admin", password="admin", timeout=2),
    )
    add_agent(engine, "broken_watcher", SHIPPED.read_text().replace("odoo: default", f"odoo: {connection}"), tmp_path)
    broken = engine.run_once("broken_watcher")
    healthy = engine.run_once("approval_watcher")
    assert not broken.ok
    assert broken.error.startswith(f"Odoo connection '{connection}': ")
    assert cause in broken.error
    assert healthy.ok and healthy.proposal_ids
    runs = {e.data["error"] for e in engine.services.audit.events() if e.kind == "run.failed"}
    assert runs == {broken.error}


def test_a_missing_odoo_module_disables_only_the_rules_that_need_it(sandbox: Sandbox, engine: Engine, tmp_path: Path) -> None:
    text = _without_versions(SHIPPED.read_text())  # the expense report rule (Odoo <=18) now runs on the sandbox (19)
    add_agent(engine, "legacy_watcher", text, tmp_path)
    report = engine.run_once("legacy_watcher")
    assert report.ok
    assert report.disabled == {"expense_report_waiting_approval": (
        "model 'hr.expense.sheet' does not exist on this server (install its Odoo module): "
        "Object hr.expense.sheet doesn't exist")}
    assert report.proposal_ids and all(p.rule_id != "expense_report_waiting_approval"
                                       for p in engine.services.store.list_proposals())


def test_a_rule_for_other_odoo_versions_is_skipped_with_its_reason(engine: Engine) -> None:
    report = engine.run_once("approval_watcher", dry_run=True)
    assert report.ok
    assert report.disabled == {"expense_report_waiting_approval": "applies to Odoo <19 only; this server runs 19.0"}
    assert report.found.get("expense_waiting_approval"), "the Odoo 19 expense rule runs on the sandbox (19.0)"


def _without_versions(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("odoo_version:"))


def test_a_run_with_no_rule_able_to_run_fails_naming_connection_and_cause(engine: Engine, tmp_path: Path) -> None:
    text = _without_versions(SHIPPED.read_text()).replace("model: hr.expense\n", "model: hr.expense.sheet\n").replace(
        "model: purchase.order", "model: purchase.requisition").split("\n  # Anomalies")[0]
    add_agent(engine, "legacy_watcher", text, tmp_path)
    report = engine.run_once("legacy_watcher")
    assert not report.ok
    missing = "does not exist on this server (install its Odoo module): Object {0} doesn't exist"
    assert report.error == (
        f"Odoo connection 'default': rule po_waiting_approval: model 'purchase.requisition' "
        f"{missing.format('purchase.requisition')}; rule expense_waiting_approval: model 'hr.expense.sheet' "
        f"{missing.format('hr.expense.sheet')}; rule expense_report_waiting_approval: model 'hr.expense.sheet' "
        f"{missing.format('hr.expense.sheet')}"
    )
    assert engine.run_once("approval_watcher").ok


def test_a_bad_policy_edit_is_refused_and_the_previous_policy_stays(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "approval_watcher.yaml"
    path.write_text(SHIPPED.read_text())
    watcher = engine.services.agents["approval_watcher"].watcher
    engine.services.agents["approval_watcher"] = AgentEntry(watcher, path)
    engine.services.policies.reload("approval_watcher")
    before = engine.services.policies.get("approval_watcher")
    path.write_text(SHIPPED.read_text().replace("after: 16h", "after: 2 days"))
    agent_tick(engine, "approval_watcher")  # just written: not read half-way, the tick waits for it to settle
    assert "approval_watcher" not in engine.services.policies.problems
    os.utime(path, (time.time() - 5, time.time() - 5))
    agent_tick(engine, "approval_watcher")  # the scheduler's tick reloads the changed file first
    assert engine.services.policies.get("approval_watcher") is before
    problem = str(engine.services.policies.problems["approval_watcher"])
    assert "ladder[0].after: '2 days' is not a duration (use 48h, 2d, 90m)" in problem
    assert engine.services.store.list_proposals(), "the tick still ran, on the previous policy"


def test_secrets_never_reach_logs_errors_or_the_audit(sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-Pa55word"
    caplog.set_level(logging.DEBUG)
    engine = build_engine(
        settings_for(sandbox, tmp_path / "s.db", ODOO_PASSWORD=secret,
                     ODOO_CONNECTIONS={"other": {"url": sandbox.url, "db": "sandbox", "user": "admin", "api_key": secret}}),
        clock=sandbox.clock.now,
    )
    report = engine.run_once("approval_watcher")  # fails: the sandbox's admin password is 'admin'
    assert not report.ok
    assert secret not in report.error
    assert secret not in caplog.text
    assert secret not in repr(engine.services.settings)
    assert all(secret not in str(e.data) for e in engine.services.audit.events())
