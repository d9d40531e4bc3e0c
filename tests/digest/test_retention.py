"""Retention over a long history: 42 simulated days through the real engine, pruning as `run` does, stay under the
documented bound (README, "Running in production"); the audit trail is untouched and still verifies."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.digest.simulate import END, seeded_history
from agents._core.upkeep import prune_state
from runner import app, build_engine
from tests.digest.conftest import AGENTS, DAYS, SEED, History

RETENTION_DAYS = 7
BOUND_BYTES = 6 * 1024 * 1024  # documented in the README: 42 days of the simulated approval queue, 7 days kept


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("retention") / "kept.db"
    seeded_history(build_engine, db_path, days=DAYS, agents=AGENTS, seed=SEED, end=END,
                   housekeeping=lambda engine: prune_state(engine.services), SENTINEL_RETENTION_DAYS=RETENTION_DAYS)
    return db_path


def _count(db_path: Path, sql: str) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql).fetchone()[0]


def test_the_database_stays_under_the_bound_and_below_the_unpruned_one(kept: Path, history: History) -> None:
    size, unpruned = kept.stat().st_size, history.db_path.stat().st_size
    assert size < BOUND_BYTES, f"{size / 1e6:.1f} MB"
    assert size < 0.75 * unpruned, (size, unpruned)


def test_only_recent_checkpoints_and_snapshots_remain(kept: Path, history: History) -> None:
    cutoff = (END - timedelta(days=RETENTION_DAYS + 1)).isoformat(sep=" ")[:19]
    old_finished_threads = (
        "SELECT COUNT(DISTINCT c.thread_id) FROM checkpoints c JOIN proposal p ON p.id = c.thread_id "
        f"WHERE p.status NOT IN ('pending', 'approved', 'executing') AND COALESCE(p.decided_at, p.created_at) < '{cutoff}'"
    )
    assert _count(history.db_path, old_finished_threads) > 100  # what retention is for
    assert _count(kept, old_finished_threads) == 0
    assert _count(kept, f"SELECT COUNT(*) FROM queue_snapshot WHERE taken_at < '{cutoff}'") == 0
    assert _count(kept, "SELECT COUNT(*) FROM queue_snapshot") > 0  # the last week's trend is still there


def test_the_audit_trail_is_never_pruned_and_verifies(kept: Path, history: History,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    created = "SELECT COUNT(*) FROM audit_event WHERE kind = 'proposal.created'"
    assert _count(kept, created) == _count(history.db_path, created)
    assert _count(kept, "SELECT COUNT(*) FROM audit_event WHERE kind = 'state.pruned'") > 0
    monkeypatch.setenv("SENTINEL_DATABASE_URL", f"sqlite:///{kept}")
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit trail intact")
    exported = CliRunner().invoke(app, ["audit", "export", "--since", "2000-01-01"])
    assert exported.exit_code == 0, exported.output
    lines = exported.stdout.splitlines()
    assert len(lines) == _count(kept, "SELECT COUNT(*) FROM audit_event")
    assert [json.loads(line)["seq"] for line in lines[:3]] == [1, 2, 3]
