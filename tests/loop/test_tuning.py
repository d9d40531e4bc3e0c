"""On-call tuning: backtest, diff, shadow precision and hot reload, through the CLI and the engine on the sandbox."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.backtest import backtest
from agents._core.engine import Engine
from agents._core.odoo import open_gateway
from agents._core.odoo.errors import OdooAccessError
from agents._core.odoo.history import HistoricalOdoo
from agents._core.odoo.sandbox import Sandbox
from agents._core.precision import shadow_precision
from agents._core.registry import AgentEntry
from runner import app
from state import Database, Store
from tests.loop.conftest import NOW, settings_for

cli = CliRunner()
SHIPPED = Path("policies/approval_watcher.yaml")


@pytest.fixture
def live_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    with Sandbox(seed=True) as sandbox:
        for name, value in {"SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ODOO_URL": sandbox.url,
                            "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}.items():
            monkeypatch.setenv(name, value)
        yield sandbox


def sentinel_writes(sandbox: Sandbox) -> int:
    return (sandbox.env("mail.message").search_count([("body", "ilike", "[sentinel:")])
            + sandbox.env("mail.activity").search_count([("note", "ilike", "[sentinel:")]))


def test_backtest_for_zero_days_agrees_with_once(live_env: Sandbox) -> None:
    once = cli.invoke(app, ["once", "approval_watcher", "--dry-run"])
    assert once.exit_code == 0, once.output
    would = set(re.findall(r"would propose: (\S+) #(\d+) .* \(rule (\S+), step (\d+)\)", once.stdout))
    result = cli.invoke(app, ["policy", "backtest", "approval_watcher", "--days", "0", "--json"])
    assert result.exit_code == 0, result.output
    replay = json.loads(result.stdout)
    assert replay["ticks"] == 1
    replayed = {(p["model"], str(p["res_id"]), p["rule"], str(p["step"])) for p in replay["proposals"]}
    assert would and replayed == would


def test_backtest_replays_history_read_only_and_sees_what_changed(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sandbox, tmp_path / "s.db")
    entry = AgentEntry(__import__("agents.approval_watcher", fromlist=["WATCHER"]).WATCHER, SHIPPED)
    waiting = sandbox.env("purchase.order").search_read([("state", "=", "to approve")], ["id", "name"])
    # Two days later, the oldest waiting order is approved in Odoo; the replay must show it stuck before, not after.
    target = min(waiting, key=lambda r: r["id"])
    sandbox.clock.advance(timedelta(days=1))
    sandbox.env("purchase.order").write([target["id"]], {"state": "purchase"})
    approved_at = sandbox.clock.now()
    sandbox.clock.advance(timedelta(days=1))
    writes_before = sentinel_writes(sandbox)
    gateway = open_gateway("default", sandbox.url, "sandbox", "admin", "admin")
    result = backtest(settings, entry, days=5, now=sandbox.clock.now(), gateway=gateway)
    assert result.ticks > 100 and not result.failed_ticks
    on_target = [p for p in result.proposals if p.res_id == target["id"] and p.rule == "po_waiting_approval"]
    assert on_target and all(p.at < approved_at for p in on_target)
    assert any(p.escalated_from_step for p in result.proposals), "unanswered proposals climb the ladder"
    assert sum(result.messages.values()) == len(result.proposals)
    assert sentinel_writes(sandbox) == writes_before
    with pytest.raises(OdooAccessError, match="a replay of history never writes to Odoo"):
        HistoricalOdoo(gateway).at(NOW).message_post("purchase.order", target["id"], "x")


def test_backtest_cli_prints_a_summary_and_messages_per_day(live_env: Sandbox) -> None:
    result = cli.invoke(app, ["policy", "backtest", "approval_watcher", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Backtest of approval_watcher over 3 days: ")
    assert "\nSummary\n" in result.stdout
    assert re.search(r"^#clinic-approvals\s+\d{4}-\d\d-\d\d\s+\d+$", result.stdout, re.M)
    assert re.search(r"^\d+ proposals, \d+ messages: [\d.]+ a day on average", result.stdout, re.M)


def test_policy_diff_names_dropped_and_restepped_proposals(live_env: Sandbox, tmp_path: Path) -> None:
    assert cli.invoke(app, ["once", "approval_watcher"]).exit_code == 0
    candidate = tmp_path / "approval_watcher.yaml"
    candidate.write_text(SHIPPED.read_text().replace("after: 40h", "after: 400h").replace("after: 16h ", "after: 30h "))
    result = cli.invoke(app, ["policy", "diff", "approval_watcher", "--against", str(candidate)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"policy diff approval_watcher: policies/approval_watcher.yaml → {candidate}")
    assert "open proposals that would change (" in result.stdout
    assert re.search(r"po_waiting_approval: step 2 → 1; approvers \{odoo_groups: purchase.group_purchase_manager; "
                     r"odoo_users: admin\} → \{odoo_groups: purchase.group_purchase_manager\}", result.stdout)
    same = cli.invoke(app, ["policy", "diff", "approval_watcher", "--against", str(SHIPPED)])
    assert same.stdout.rstrip().endswith("no change: the same proposals, steps and approvers")


def test_policy_diff_refuses_a_bad_candidate_with_its_error(live_env: Sandbox, tmp_path: Path) -> None:
    candidate = tmp_path / "approval_watcher.yaml"
    candidate.write_text(SHIPPED.read_text().replace("per_run: 20", "per_run: many"))
    result = cli.invoke(app, ["policy", "diff", "approval_watcher", "--against", str(candidate)])
    assert result.exit_code == 1
    assert f"{candidate}:" in result.stderr and "limits.per_run" in result.stderr


def test_shadow_precision_counts_items_that_resolved_on_their_own(sandbox: Sandbox, tmp_path: Path) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree("policies", policy_dir)  # every agent needs its policy
    (policy_dir / "approval_watcher.yaml").write_text(SHIPPED.read_text().replace("mode: live", "mode: shadow"))
    from runner import build_engine

    engine: Engine = build_engine(settings_for(sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(policy_dir)),
                                  clock=sandbox.clock.now)
    made = engine.run_once("approval_watcher").proposal_ids
    shadow = [engine.services.store.get(pid) for pid in made]
    stalled = [p for p in shadow if p.rule_id == "po_waiting_approval"]
    assert len(stalled) >= 2
    sandbox.clock.advance(timedelta(hours=1))
    sandbox.env("purchase.order").write([stalled[0].res_id], {"state": "purchase"})  # resolved before expiry
    assert shadow_precision(engine, "approval_watcher", 7).verdicts[("po_waiting_approval", "too early")] == len(stalled)
    sandbox.clock.advance(timedelta(days=3))  # every proposal is past its expiry now
    report = shadow_precision(engine, "approval_watcher", 7)
    assert report.verdicts[("po_waiting_approval", "resolved on its own")] == 1
    assert report.verdicts[("po_waiting_approval", "still stuck")] == len(stalled) - 1
    assert report.precision("po_waiting_approval") == pytest.approx((len(stalled) - 1) / len(stalled))


def test_hot_reload_under_a_running_scheduler(tmp_path: Path) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree("policies", policy_dir)
    policy = policy_dir / "approval_watcher.yaml"
    db_path = tmp_path / "run.db"
    with Sandbox(seed=True) as sandbox:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_"))},
               "SENTINEL_DATABASE_URL": f"sqlite:///{db_path}", "SENTINEL_POLICY_DIR": str(policy_dir),
               "SENTINEL_HOUSEKEEPING_SECONDS": "0.3", "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox",
               "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}
        process = subprocess.Popen([sys.executable, "runner.py", "run"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            store = _wait_for(lambda: _store(db_path) if db_path.exists() else None)
            _wait_for(lambda: store.list_proposals(agent="approval_watcher") or None)
            good = policy.read_text()
            policy.write_text(good.replace("cooldown: 24h", "cooldown: 1 day"))  # a bad edit
            _wait_for(lambda: [m for m in _all_outbox(store) if m.kind == "notice"] or None)
            time.sleep(1.0)  # several housekeeping ticks later, still one notice
            policy.write_text(good.replace("per_run: 20", "per_run: 5"))  # a good edit
            versions = _wait_for(lambda: v if len(v := _versions(db_path)) >= 2 else None)
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    notices = [m for m in _all_outbox(store) if m.kind == "notice"]
    assert len(notices) == 1
    assert notices[0].payload["channel"] == "#clinic-approvals"
    assert "limits.cooldown: '1 day' is not a duration (use 48h, 2d, 90m)" in notices[0].payload["text"]
    assert output.count("The new policy for approval_watcher was refused") == 1
    assert process.returncode == 0
    assert len(set(versions)) == 2


def _wait_for(probe, seconds: float = 30):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _store(path: Path) -> Store | None:
    """The runner's store, once its migration has created the tables."""
    store = Store(Database(f"sqlite:///{path}"))
    try:
        store.list_proposals(limit=1)
    except Exception:  # noqa: BLE001 - the runner is still migrating
        return None
    return store


def _all_outbox(store: Store) -> list:
    from sqlmodel import select

    from state import OutboxMessage

    with store.db.session() as session:
        return list(session.exec(select(OutboxMessage)))


def _versions(path: Path) -> list[str]:
    from sqlmodel import select

    from state import PolicyVersion

    with Store(Database(f"sqlite:///{path}")).db.session() as session:
        return [v.sha256 for v in session.exec(select(PolicyVersion).where(PolicyVersion.agent == "approval_watcher"))]
