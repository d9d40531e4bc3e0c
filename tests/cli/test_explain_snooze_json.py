"""`explain`, `proposals snooze` and `--json` through the CLI, against the sandbox over HTTP on a fixed clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import runner
from agents._core.odoo.sandbox import Sandbox
from tests.loop.conftest import sandbox, settings_for  # noqa: F401 - the sandbox fixture (a Wednesday, 10:00 in New York)

cli = CliRunner()


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:  # noqa: F811
    settings = settings_for(sandbox, tmp_path / "cli.db")
    for name, value in {"SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ODOO_URL": sandbox.url,
                        "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}.items():
        monkeypatch.setenv(name, value)
    # The sandbox's clock, with preflight as the command asks for it (`plain` is only how `once` prints its lines).
    monkeypatch.setattr(runner, "_engine", lambda preflight=False, plain=False: runner.build_engine(
        settings, clock=sandbox.clock.now, model=None, preflight=preflight))
    return sandbox


def run(*args: str) -> object:
    result = cli.invoke(runner.app, list(args))
    assert result.exit_code == 0, result.output
    return result


def verdicts(*extra: str) -> dict[str, dict]:
    data = json.loads(run("explain", "purchase.order", "51", "--json", *extra).stdout)
    return {f"{v['agent']}/{v['rule']}": v for v in data["rules"]}


def test_explain_prints_each_rules_verdict_for_one_record(env: Sandbox) -> None:
    text = run("explain", "purchase.order", "51").stdout.splitlines()
    assert text[0].startswith("purchase.order #51 as of 2026-11-25 15:00 UTC: ")
    lines = {line.split(":")[0]: line for line in text if " / " in line}
    assert set(lines) >= {"approval_watcher / po_waiting_approval (stalled)", "approval_watcher / split_orders (split_purchase)",
                          "approval_watcher / unusual_amount (amount_outlier)"}
    stalled = lines["approval_watcher / po_waiting_approval (stalled)"]
    assert ": FLAGS: waiting " in stalled and "business hours: reached step " in stalled
    assert "the next scan would propose it" in stalled
    assert ": FLAGS: " in lines["approval_watcher / unusual_amount (amount_outlier)"]
    assert ": NOT FLAGGED: " in lines["approval_watcher / split_orders (split_purchase)"]
    assert "    threshold  stalled after: 16 business hours" in text


def test_explain_says_why_triage_drops_it_open_then_snoozed(env: Sandbox) -> None:
    run("once", "approval_watcher")
    before = verdicts("--agent", "approval_watcher")["approval_watcher/po_waiting_approval"]
    assert before["verdict"] == "flags-but-dropped"
    assert "but triage drops it: proposal P" in before["why"] and "is already open (pending)" in before["why"]
    proposal = before["why"].split("proposal ")[1].split(" ")[0]

    snoozed = run("proposals", "snooze", proposal, "--for", "3d", "--reason", "waiting for budget sign-off",
                  "--as", "grace.finance")
    assert f"{proposal}: snoozed" in snoozed.stdout
    shown = json.loads(run("proposals", "show", proposal, "--json").stdout)
    assert shown["status"] == "snoozed" and shown["decided_by"] == "odoo:grace.finance"
    after = verdicts("--agent", "approval_watcher")["approval_watcher/po_waiting_approval"]
    assert after["verdict"] == "flags-but-dropped"
    assert after["why"].endswith("but triage drops it: snoozed until 2026-11-28 15:00 UTC by odoo:grace.finance "
                                 "(waiting for budget sign-off)")


def test_snooze_needs_a_duration_it_understands(env: Sandbox) -> None:
    result = cli.invoke(runner.app, ["proposals", "snooze", "P1", "--for", "soon", "--reason", "r", "--as", "admin"])
    assert result.exit_code == 2
    assert result.stderr == "Invalid value: 'soon' is not a duration: use 3d, 1w, 36h (see: root proposals snooze --help)\n"


def test_json_on_the_commands_that_list_or_show(env: Sandbox) -> None:
    once = json.loads(run("once", "approval_watcher", "--json").stdout)
    assert once["ok"] is True and once["proposals"] and once["kept"][0].keys() >= {"rule", "model", "res_id", "step"}
    listed = json.loads(run("proposals", "list", "--json").stdout)
    assert {p["id"] for p in listed} >= set(once["proposals"])
    shown = json.loads(run("proposals", "show", once["proposals"][0], "--json").stdout)
    assert shown["id"] == once["proposals"][0] and shown["agent"] == "approval_watcher"
    verified = json.loads(run("audit", "verify", "--json").stdout)
    assert verified["ok"] is True and verified["checked"] > 0
    exported = [json.loads(line) for line in run("audit", "export", "--since", "2000-01-01").stdout.splitlines()]
    assert len(exported) == verified["checked"] and exported[0]["prev_hash"] == "0" * 64
    diff = json.loads(run("policy", "diff", "approval_watcher", "--against", "policies/approval_watcher.yaml",
                          "--json").stdout)
    assert diff["changes"] is False and diff["dropped"] == diff["added"] == []
    precision = json.loads(run("proposals", "precision", "approval_watcher", "--json").stdout)
    assert precision["agent"] == "approval_watcher"
    digests = json.loads(run("digest", "--json").stdout)
    assert {d["window"]["channel"] for d in digests} >= {"#clinic-approvals"}
    assert set(digests[0]) == {"window", "agents", "trends", "forecasts"}
    pruned = json.loads(run("prune", "--json").stdout)
    assert pruned == {"retention_days": 90, "checkpoint_threads": 0, "snapshots": 0, "run_slots": 0,
                      "outbox_messages": 0}


def test_explain_names_the_cooldown_after_a_rejection(env: Sandbox) -> None:
    run("once", "approval_watcher")
    before = verdicts("--agent", "approval_watcher")["approval_watcher/po_waiting_approval"]
    proposal = before["why"].split("proposal ")[1].split(" ")[0]
    run("proposals", "reject", proposal, "--as", "grace.finance", "--reason", "handled by phone")
    after = verdicts("--agent", "approval_watcher")["approval_watcher/po_waiting_approval"]
    assert after["verdict"] == "flags-but-dropped"
    assert after["why"].endswith(f"but triage drops it: cooling down after proposal {proposal} (rejected) until "
                                 "2026-11-26 15:00 UTC (limits.cooldown 1d)")
