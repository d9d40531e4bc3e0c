"""The daily digest on a seeded history: the golden text through `runner.py digest`, its figures checked against state,
the forecast against the naive baseline, the chart as a real image, Block Kit within Slack's limits, privacy."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.digest import as_blocks, as_text, build, chart_png
from agents._core.digest.compute import APPROVED, window
from agents._core.digest.forecast import BusinessDays, backtest, closes
from agents._core.digest.simulate import END, TZ
from agents._core.policy import Privacy
from runner import app
from state import Store
from tests.digest.conftest import ODOO, History, shipped_policies

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SENTINEL_UPDATE_GOLDEN") == "1"
DAY = END.astimezone(TZ).date()  # Thursday 2026-11-26: the 24 hours to 08:30 New York time
CHANNEL = "#clinic-approvals"
cli = CliRunner()


def _env(monkeypatch: pytest.MonkeyPatch, history: History) -> None:
    for name, value in {"SENTINEL_DATABASE_URL": history.url, "ODOO_URL": ODOO, "ODOO_DB": "sandbox",
                        "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}.items():
        monkeypatch.setenv(name, value)


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_the_digest_of_a_seeded_history_is_golden(history: History, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    _env(monkeypatch, history)
    result = cli.invoke(app, ["digest", "--date", DAY.isoformat(), "--channel", CHANNEL, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text, chart_line = result.stdout.rstrip("\n").rsplit("\n", 1)
    _golden("digest.clinic-approvals.txt", text + "\n")
    chart = tmp_path / "sentinel-digest-clinic-approvals-2026-11-26.png"
    assert chart_line == f"chart: {chart}" and chart.stat().st_size > 20_000


def test_explain_shows_each_forecast_method_and_its_backtest_against_naive(history: History,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, history)
    result = cli.invoke(app, ["digest", "--date", DAY.isoformat(), "--channel", CHANNEL, "--explain"])
    assert result.exit_code == 0, result.output
    _golden("digest.clinic-approvals.explain.txt", result.stdout)
    assert result.stdout.count("method: damped flow") == 2
    assert result.stdout.count("for the naive last value") == 2


def test_the_figures_agree_with_state(history: History, store: Store) -> None:
    """Counted again here straight from the rows, so the golden file cannot be wrong in the same way as the code."""
    policies = shipped_policies()
    (digest,) = build(store, {"approval_watcher": policies["approval_watcher"]}, now=END, odoo_urls={"default": ODOO})
    w = digest.window
    assert (w.day, w.start, w.end) == (DAY, END - timedelta(days=1), END)
    agent = digest.agents[0]
    runs = store.runs_between(["approval_watcher"], w.start, w.end)
    # Three scans on Wednesday (09:00, 13:00, 17:00); Odoo was unreachable for the one at 13:00.
    assert (agent.runs.ok, agent.runs.failed) == (2, 1) == (sum(r.status == "ok" for r in runs),
                                                            sum(r.status == "failed" for r in runs))
    assert "cannot reach 127.0.0.1:9" in agent.runs.causes[0][0]
    proposals = store.list_proposals(agent="approval_watcher")
    created = [p for p in proposals if w.start <= p.created_at < w.end]
    decided = [p for p in proposals if p.decided_at and w.start <= p.decided_at < w.end]
    assert agent.outcomes["posted"] == len(created) > 0
    assert agent.outcomes["approved"] == sum(p.status in APPROVED for p in decided) > 0
    for status in ("rejected", "snoozed", "expired", "executed", "superseded", "failed"):
        assert agent.outcomes[status] == sum(p.status == status for p in decided), status
    by_people = [p for p in decided if not p.decided_by.startswith("system:")]
    assert agent.decision_times.count == len(by_people)
    latest = {s.rule_id: s for s in store.latest_queue_snapshots() if s.agent == "approval_watcher"}
    assert {q.rule_id: q.open_items for q in agent.queues} == {r: s.open_items for r, s in latest.items()}
    oldest = sorted((o for s in latest.values() for o in s.oldest), key=lambda o: -o["age_hours"])[:5]
    assert [(i.res_id, i.age_hours) for i in agent.oldest] == [(o["res_id"], o["age_hours"]) for o in oldest]
    assert agent.oldest[0].link == f"{ODOO}/web#id={agent.oldest[0].res_id}&model=purchase.order&view_type=form"
    assert agent.llm.calls == 0 and agent.llm.drafts == len(created)  # no model configured: the template drafted all


def test_the_forecast_beats_or_matches_the_naive_baseline_on_the_history(history: History, store: Store) -> None:
    business = BusinessDays({0, 1, 2, 3, 4}, set())
    snapshots = store.queue_snapshots(["approval_watcher"], END - timedelta(days=365), END)
    errors = naive = forecasts = 0.0
    for rule in ("po_waiting_approval", "expense_waiting_approval"):
        result = backtest(closes([s for s in snapshots if s.rule_id == rule], TZ, business))
        assert result is not None and result.forecasts > 100
        print(f"{rule}: {result.forecasts} forecasts, MAE {result.mae:.2f} vs naive {result.naive_mae:.2f}")
        errors += result.mae * result.forecasts
        naive += result.naive_mae * result.forecasts
        forecasts += result.forecasts
    assert errors / forecasts <= naive / forecasts, "the digest's forecast is worse than carrying the last value forward"


def test_the_chart_is_a_real_image_of_the_data(history: History, store: Store) -> None:
    from matplotlib import image

    policies = {"approval_watcher": shipped_policies()["approval_watcher"]}
    (digest,) = build(store, policies, now=END)
    png = chart_png(digest)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (700, 1000)
    drawn = (pixels[:, :, :3].min(axis=2) < 0.9).mean()  # share of pixels that are not white
    assert 0.02 < drawn < 0.5
    # The queue's colour (matplotlib's C1, orange) is in the picture; a day without data draws none of it.
    orange = ((abs(pixels[:, :, 0] - 1.0) < 0.05) & (abs(pixels[:, :, 1] - 0.5) < 0.05) & (pixels[:, :, 2] < 0.1)).sum()
    assert orange > 500
    (empty,) = build(store, policies, now=END, day=date(2025, 6, 2))
    blank = image.imread(io.BytesIO(chart_png(empty)), format="png")
    assert ((abs(blank[:, :, 0] - 1.0) < 0.05) & (abs(blank[:, :, 1] - 0.5) < 0.05) & (blank[:, :, 2] < 0.1)).sum() == 0


def test_block_kit_stays_within_slacks_limits_and_links_the_oldest_items(history: History, store: Store) -> None:
    (digest,) = build(store, {"approval_watcher": shipped_policies()["approval_watcher"]}, now=END,
                      odoo_urls={"default": ODOO})
    blocks = as_blocks(digest, explain=True, chart="chart.png")
    assert len(blocks) <= 50 and blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections and all(len(text) <= 3000 for text in sections)
    assert f"<{ODOO}/web#id={digest.agents[0].oldest[0].res_id}&amp;" not in sections[0]  # a link is not escaped
    assert f"<{ODOO}/web#id={digest.agents[0].oldest[0].res_id}&model=purchase.order&view_type=form|" in sections[0]


def test_the_digest_never_shows_a_field_the_policy_does_not_share(history: History, store: Store) -> None:
    policy = shipped_policies()["approval_watcher"]
    private = policy.model_copy(update={"privacy": Privacy(share=["state"])})
    (shown,) = build(store, {"approval_watcher": policy}, now=END)
    (masked,) = build(store, {"approval_watcher": private}, now=END)
    names = [item.label for item in shown.agents[0].oldest]
    assert all(name.startswith("P0") for name in names)
    assert [item.label for item in masked.agents[0].oldest] == [f"purchase.order #{i.res_id}" for i in masked.agents[0].oldest]
    text = as_text(masked, explain=True) + str(as_blocks(masked, explain=True))
    assert not any(name in text for name in names)


def test_a_channel_without_history_gets_an_honest_empty_digest(history: History, store: Store) -> None:
    policies = shipped_policies()
    (digest,) = build(store, {"supply_watcher": policies["supply_watcher"]}, now=END)
    text = as_text(digest)
    assert "Runs: 0 ok, 0 failed" in text and "Watching: no queue snapshot yet" in text
    assert "Forecast" not in text and "Time to decision: no decision by a person" in text


def test_the_window_follows_the_policys_digest_time_and_timezone() -> None:
    policy = shipped_policies()["approval_watcher"]
    w = window(CHANNEL, [policy], DAY)
    assert w.end == END and w.at == (policy.digest.at if policy.digest else "08:30")
    later = policy.model_copy(update={"digest": policy.digest.model_copy(update={"at": "17:45"})}) if policy.digest else None
    if later is not None:
        assert window(CHANNEL, [later], DAY).end.astimezone(TZ).strftime("%H:%M") == "17:45"
