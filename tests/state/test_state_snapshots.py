"""Queue snapshots and per-rule findings (revision 0002): the upgrade keeps older runs, the reads the digest and
/metrics make, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from state import Database, Store
from state.db import MIGRATIONS_DIR

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def _upgrade(db: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_upgrading_from_0001_keeps_the_runs_and_adds_snapshots(db_url: str) -> None:
    with Database(db_url) as db:
        _upgrade(db, "0001")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO agent_run (agent, connection, started_at, status, findings, proposals, round_trips) "
                "VALUES ('approval_watcher', 'default', :at, 'ok', 4, 2, 11)"), {"at": T0})
        assert "queue_snapshot" not in inspect(db.engine).get_table_names()
        db.migrate()
        assert "queue_snapshot" in inspect(db.engine).get_table_names()
        (run,) = Store(db).runs_between(["approval_watcher"], T0 - timedelta(hours=1), T0 + timedelta(hours=1))
        assert (run.findings, run.proposals, run.found) == (4, 2, None)


def test_runs_keep_their_clock_and_findings_per_rule(store: Store) -> None:
    run = store.start_run("approval_watcher", "default", at=T0)
    store.finish_run(run.id, status="ok", findings=5, found={"po_waiting_approval": 4, "split_orders": 1},
                     at=T0 + timedelta(seconds=3))
    (read,) = store.runs_between(["approval_watcher"], T0, T0 + timedelta(minutes=1))
    assert read.started_at == T0 and read.finished_at == T0 + timedelta(seconds=3)
    assert read.found == {"po_waiting_approval": 4, "split_orders": 1}
    assert store.last_successful_runs() == {"approval_watcher": T0 + timedelta(seconds=3)}
    assert store.runs_between(["approval_watcher"], T0 + timedelta(seconds=1), T0 + timedelta(minutes=1)) == []


def test_snapshots_are_written_and_read_by_agent_rule_and_time(store: Store) -> None:
    oldest = [{"model": "purchase.order", "res_id": 39, "name": "P00039", "age_hours": 292.0}]
    rows = [{"agent": "approval_watcher", "rule_id": rule, "run_id": i, "taken_at": T0 + timedelta(hours=i),
             "open_items": 10 + i, "stalled_items": i, "entered": None if i == 0 else 2, "age_p50": 40.0,
             "age_p90": 191.2, "age_max": 292.0, "oldest": oldest}
            for i in range(3) for rule in ("po_waiting_approval", "expense_waiting_approval")]
    rows.append({**rows[0], "agent": "billing_exceptions", "rule_id": "overdue_receivables"})
    assert store.add_queue_snapshots(rows) == 7
    window = store.queue_snapshots(["approval_watcher"], T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    assert [(s.rule_id, s.open_items) for s in window] == [
        ("po_waiting_approval", 11), ("expense_waiting_approval", 11), ("po_waiting_approval", 12),
        ("expense_waiting_approval", 12)]
    assert window[0].oldest == oldest and window[0].taken_at == T0 + timedelta(hours=1)
    latest = {(s.agent, s.rule_id): s.open_items for s in store.latest_queue_snapshots()}
    assert latest == {("approval_watcher", "po_waiting_approval"): 12, ("approval_watcher", "expense_waiting_approval"): 12,
                      ("billing_exceptions", "overdue_receivables"): 10}
    assert store.last_snapshot_times("approval_watcher") == {"po_waiting_approval": T0 + timedelta(hours=2),
                                                             "expense_waiting_approval": T0 + timedelta(hours=2)}


def test_a_bound_in_another_timezone_compares_as_the_same_instant(store: Store) -> None:
    store.add_queue_snapshots([{"agent": "a", "rule_id": "r", "run_id": 1, "taken_at": T0, "open_items": 1,
                                "stalled_items": 0, "oldest": []}])
    new_york = T0.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert len(store.queue_snapshots(["a"], new_york, new_york + timedelta(seconds=1))) == 1


def test_the_digest_reads_proposals_by_creation_or_decision_time(store: Store) -> None:
    common = {"agent": "approval_watcher", "connection": "default", "rule_id": "po_waiting_approval",
              "rule_type": "stalled", "model": "purchase.order", "record_name": "P00001", "action": "post_note",
              "policy_sha256": "0" * 64}
    early = store.create_proposal(**common, res_id=1, created_at=T0 - timedelta(days=2))
    late = store.create_proposal(**common, res_id=2, created_at=T0 + timedelta(hours=1))
    store.create_proposal(**common, res_id=3, created_at=T0 - timedelta(days=3))
    assert store.transition(early.id, "pending", "rejected", decided_by="odoo:grace.finance",
                            decided_at=T0 + timedelta(hours=2), decision_reason="not stuck yet")
    assert store.transition(late.id, "pending", "expired", decided_by="system:expiry", decided_at=T0 + timedelta(hours=3))
    found = store.proposals_between(["approval_watcher"], T0, T0 + timedelta(days=1))
    assert {p.res_id for p in found} == {1, 2}
    assert store.decision_times(T0) == [("approval_watcher", timedelta(days=2, hours=2).total_seconds())]
    assert store.proposal_counts() == {("approval_watcher", "rejected"): 1, ("approval_watcher", "expired"): 1,
                                       ("approval_watcher", "pending"): 1}
    assert store.outbox_figures() == (0, 0)
