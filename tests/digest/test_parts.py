"""The digest's parts on small data: queue statistics, business-day closes, the forecast and its backtest, tuning hints."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agents._core.digest.forecast import BusinessDays, DayClose, backtest, closes, forecast, net_rate
from agents._core.digest.tuning import rule_noise
from agents._core.queue_stats import QueueStats, percentile, snapshot_rows
from state import Proposal, QueueSnapshot
from tests.digest.conftest import shipped_policies

UTC = timezone.utc
WEEKDAYS = BusinessDays({0, 1, 2, 3, 4}, {date(2026, 12, 25)})


def test_queue_stats_counts_every_item_and_keeps_only_the_five_oldest() -> None:
    stats = QueueStats(enters_after_hours=16)
    for res_id in range(1, 101):
        stats.add("purchase.order", res_id, f"P{res_id:05d}", age_hours=float(res_id), stalled=res_id > 40)
    stats.add("purchase.order", 500, "P00500", age_hours=100.0, stalled=True)  # a tie with #100: the older id first
    assert (stats.open_items, stats.stalled_items) == (101, 61)
    assert [(i.res_id, i.age_hours) for i in stats.oldest()] == [(100, 100.0), (500, 100.0), (99, 99.0), (98, 98.0),
                                                                  (97, 97.0)]
    assert stats.percentile(50) == 51.0 and stats.percentile(90) == pytest.approx(91.0)
    assert stats.entered_within(4) == 19  # ages under 16 + 4 hours
    assert percentile([], 50) is None and percentile([3.0], 90) == 3.0
    now = datetime(2026, 11, 25, 15, tzinfo=UTC)
    (row,) = snapshot_rows({"po": stats}, agent="a", run_id=7, taken_at=now, previous={"po": now - timedelta(hours=2)},
                           label=lambda item: f"#{item.res_id}")
    assert row["entered"] == 17 and row["age_max"] == 100.0 and row["oldest"][0] == {
        "model": "purchase.order", "res_id": 100, "name": "#100", "age_hours": 100.0}
    (first,) = snapshot_rows({"po": stats}, agent="a", run_id=8, taken_at=now, previous={}, label=str)
    assert first["entered"] is None  # nothing to count arrivals since


def _snap(at: datetime, open_items: int, entered: int | None) -> QueueSnapshot:
    return QueueSnapshot(agent="a", rule_id="r", taken_at=at, open_items=open_items, stalled_items=0, entered=entered)


def test_closes_are_the_last_snapshot_of_each_business_day_with_the_days_arrivals() -> None:
    tz = ZoneInfo("America/New_York")
    fri = datetime(2026, 11, 20, 14, tzinfo=UTC)  # 09:00 in New York
    snaps = [_snap(fri, 10, None), _snap(fri + timedelta(hours=8), 12, 3),
             _snap(fri + timedelta(days=1), 13, 1),  # Saturday: counted into Monday's arrivals
             _snap(fri + timedelta(days=3), 11, 2), _snap(fri + timedelta(days=3, hours=8), 9, 0)]
    assert closes(snaps, tz, WEEKDAYS) == [DayClose(date(2026, 11, 20), 12, None), DayClose(date(2026, 11, 23), 9, 3)]


def test_the_forecast_projects_a_third_of_this_weeks_net_flow_to_the_end_of_the_week() -> None:
    days = [date(2026, 11, 16) + timedelta(days=i) for i in range(10) if (date(2026, 11, 16) + timedelta(days=i)).weekday() < 5]
    series = [DayClose(day, 10 + 3 * i, None if i == 0 else 5) for i, day in enumerate(days)]  # +3 a day: 5 in, 2 out
    assert net_rate(series) == (3.0, 5.0, 2.0, 5)
    made = forecast("r", series, WEEKDAYS)
    assert made is not None and (made.as_of, made.target, made.ahead) == (date(2026, 11, 25), date(2026, 11, 27), 2)
    assert (made.now, made.value, made.at_pace) == (31, 33, 37)
    steady = [DayClose(day, 20, None if i == 0 else 4) for i, day in enumerate(days)]
    flat = forecast("r", steady, WEEKDAYS)
    assert flat is not None and flat.value == flat.now == 20 and flat.backtest is not None and flat.backtest.mae == 0


def test_the_week_ends_on_its_last_business_day_and_skips_holidays() -> None:
    assert WEEKDAYS.week_end(date(2026, 11, 25)) == date(2026, 11, 27)  # Wednesday -> Friday
    assert WEEKDAYS.week_end(date(2026, 11, 27)) == date(2026, 12, 4)  # Friday -> next Friday
    christmas_week = BusinessDays({0, 1, 2, 3, 4}, {date(2026, 12, 25)})
    assert christmas_week.week_end(date(2026, 12, 22)) == date(2026, 12, 24)
    assert christmas_week.between(date(2026, 12, 23), date(2026, 12, 28)) == 2


def test_the_backtest_scores_only_what_was_known_at_each_origin() -> None:
    days = [date(2026, 10, 5) + timedelta(days=i) for i in range(40)]
    series = [DayClose(day, 10 + 2 * i, None) for i, day in enumerate(d for d in days if d.weekday() < 5)]
    result = backtest(series)
    assert result is not None and result.forecasts > 50
    # A steady trend: a third of it carried forward removes a third of the naive forecast's error.
    assert result.mae < result.naive_mae and result.skill == pytest.approx(1 / 3)
    assert backtest(series[:5]) is None  # not a full week behind any origin


def _decided(rule: str, step: int, status: str, age: float, reason: str | None = None) -> Proposal:
    return Proposal(id=f"P{abs(hash((rule, step, status, age, reason))) % 10**8:08d}", agent="approval_watcher",
                    connection="default", rule_id=rule, rule_type="stalled", model="purchase.order", res_id=1,
                    record_name="P00001", dedup_key="k", step=step, action="post_note", status=status,
                    policy_sha256="0" * 64, evidence={"numbers": {"age_business_hours": age}},
                    decided_by="odoo:grace.finance", decided_at=datetime(2026, 11, 25, tzinfo=UTC),
                    decision_reason=reason)


def test_a_mostly_rejected_step_gets_a_hint_from_its_own_evidence() -> None:
    policy = shipped_policies()["approval_watcher"]
    proposals = [_decided("po_waiting_approval", 0, "rejected", age, "Not stuck  yet") for age in (16.5, 17, 18, 19, 21, 22, 23)]
    proposals += [_decided("po_waiting_approval", 0, "executed", age) for age in (22.0, 30.0, 35.0)]
    proposals += [_decided("po_waiting_approval", 1, "executed", 45.0) for _ in range(6)]
    (noise,) = rule_noise(proposals, policy)
    assert (noise.decided, noise.rejected, noise.reasons) == (16, 7, [("not stuck yet", 7)])
    assert noise.hint == ("step 1 is mostly rejected (7 of 10): raise rules[0].ladder[0].after from 16h to 24h; 7 of 7 "
                          "rejected as 'not stuck yet' were younger than that, and 1 of 3 approved ones, which would wait "
                          "longer")
    fine = [_decided("po_waiting_approval", 0, "executed", 20.0) for _ in range(5)]
    assert rule_noise(fine + proposals[:2], policy)[0].hint is None


def test_a_rule_without_an_age_figure_gets_a_plain_hint() -> None:
    policy = shipped_policies()["approval_watcher"]
    outliers = [_decided("unusual_amount", 0, "rejected", 0.0, "known bulk order") for _ in range(5)]
    outliers = [o.model_copy(update={"evidence": {"numbers": {"robust_z": 4.0}}, "id": f"P{i:08d}"}) for i, o in enumerate(outliers)]
    (noise,) = rule_noise(outliers, policy)
    assert noise.hint == ("5 of 5 rejected at step 1, 5 as 'known bulk order': review rules[4] (unusual_amount)'s "
                          "parameters, or set mode: shadow while tuning it")


def test_llm_use_is_read_from_the_drafting_events_of_the_days_proposals(tmp_path) -> None:  # noqa: ANN001
    from agents._core.digest import as_text, build
    from state import Audit, Database, Store

    db = Database(f"sqlite:///{tmp_path / 'llm.db'}")
    db.migrate()
    store, audit = Store(db), Audit(db)
    policy = shipped_policies()["approval_watcher"]
    now = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)  # 08:30 in New York
    common = {"agent": "approval_watcher", "connection": "default", "rule_id": "po_waiting_approval",
              "rule_type": "stalled", "model": "purchase.order", "record_name": "P00001", "action": "post_note",
              "policy_sha256": "0" * 64, "created_at": now - timedelta(hours=3)}
    drafted = [("llm", {"input_tokens": 900, "output_tokens": 120, "requests": 1}, None),
               ("llm", {"input_tokens": 1000, "output_tokens": 100, "requests": 2}, None),
               ("template", {}, "TimeoutError: the model did not answer in 20 s")]
    for res_id, (source, usage, reason) in enumerate(drafted, start=1):
        proposal = store.create_proposal(**common, res_id=res_id)
        audit.append("proposal.drafted", actor="system:drafter", proposal_id=proposal.id,
                     data={"source": source, "usage": usage, "fallback_reason": reason})
    old = store.create_proposal(**{**common, "created_at": now - timedelta(days=2)}, res_id=9)
    audit.append("proposal.drafted", actor="system:drafter", proposal_id=old.id,
                 data={"source": "llm", "usage": {"input_tokens": 5000, "output_tokens": 5000, "requests": 1}})
    (digest,) = build(store, {"approval_watcher": policy}, now=now)
    llm = digest.agents[0].llm
    assert (llm.drafts, llm.calls, llm.requests, llm.input_tokens, llm.output_tokens, llm.fallbacks) == (3, 3, 3, 1900, 220, 1)
    assert "LLM: 3 drafts asked of the model (3 requests, 2,120 tokens: 1,900 in, 220 out), 1 fell back to the " \
           "template (TimeoutError 1)" in as_text(digest)
    db.close()
