"""kill -9 at the moment a decision's status changes, then a restart: every decision is carried out once, none stuck.

A real `runner.py proposals approve` process is killed (SIGKILL, through the test seam SENTINEL_TEST_CRASH_AT) right
after its compare-and-set recorded the approval, right after it took the action (executing), or right after the
Odoo write; a fresh engine on the same database then runs housekeeping's recovery, as a restarted service would.
SENTINEL_CRASH_TRIALS sets how many trials the loop runs (3 by default; the issue's figure is 30).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.decisions import recover_stuck
from agents._core.engine import Engine
from agents._core.execution import lease_end
from agents._core.odoo.sandbox import Sandbox
from agents._core.test_seams import ENV as CRASH_AT
from runner import app, build_engine
from state import Proposal, leases
from tests.loop.conftest import marked_writes, settings_for
from tests.pg import fresh_schema, postgres_url_or_skip

ROOT = Path(__file__).resolve().parents[2]
CRASH_POINTS = ("decided", "acting", "written")
TRIALS = int(os.environ.get("SENTINEL_CRASH_TRIALS", "3"))
SHORT_LEASE = {"SENTINEL_LEASE_SECONDS": "1", "ODOO_REQUEST_LIMIT": "1", "ODOO_TIMEOUT": "1"}  # a lease of 2 s


def cli_env(sandbox: Sandbox, db: Path | str, **extra: str) -> dict[str, str]:
    """The environment of a runner.py process; `db` a SQLite file or a database URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTINEL_", "ODOO_", "SLACK_"))}
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    env.update({"SENTINEL_DATABASE_URL": url, "SENTINEL_POLICY_DIR": "policies", "ODOO_URL": sandbox.url,
                "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin", **extra})
    return env


def fresh_engine(sandbox: Sandbox, db: Path) -> Engine:
    """A new process's engine on the same database: nothing in memory survives the kill."""
    return build_engine(settings_for(sandbox, db), clock=sandbox.clock.now, model=None)


def a_pending_note(engine: Engine) -> Proposal:
    report = engine.run_once("approval_watcher")
    assert report.ok, report.error
    return next(p for p in engine.services.store.list_proposals(status="pending") if p.action == "post_note")


def approve_and_die(sandbox: Sandbox, db: Path | str, proposal_id: str, point: str, **extra: str) -> None:
    env = cli_env(sandbox, db, **{CRASH_AT: point, **extra})
    done = subprocess.run([sys.executable, "runner.py", "proposals", "approve", proposal_id, "--as", "grace.finance"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stdout, done.stderr)


def crash_and_recover(sandbox: Sandbox, db: Path, point: str) -> tuple[str, str]:
    """One trial; returns (status after the kill, status after the restart's recovery)."""
    proposal = a_pending_note(fresh_engine(sandbox, db))
    approve_and_die(sandbox, db, proposal.id, point)
    restarted = fresh_engine(sandbox, db)
    store = restarted.services.store
    died = store.get(proposal.id)
    assert died.decision == "approve" and died.decided_by == "odoo:grace.finance" and died.lease_until is not None
    assert recover_stuck(restarted) == []  # its lease still runs: the dead process might have been alive elsewhere
    after_lease = lease_end(restarted.services.settings) + timedelta(seconds=1)
    assert recover_stuck(restarted, now=after_lease) == [proposal.id]
    final = store.get(proposal.id)
    assert final.lease_until is None
    assert len(marked_writes(sandbox, proposal.id)) == 1, f"{point}: {marked_writes(sandbox, proposal.id)}"
    return died.status, final.status


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_decision_survives_kill_9_at_each_step_of_the_act_path(sandbox: Sandbox, tmp_path: Path, point: str) -> None:
    died, final = crash_and_recover(sandbox, tmp_path / "sentinel.db", point)
    assert died == {"decided": "approved", "acting": "executing", "written": "executing"}[point]
    assert final == "executed"


def test_kill_9_at_the_moment_the_status_changes_loses_and_duplicates_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    outcomes = [crash_and_recover(sandbox, tmp_path / f"trial{n}.db", CRASH_POINTS[n % len(CRASH_POINTS)])
                for n in range(TRIALS)]
    assert [final for _, final in outcomes] == ["executed"] * TRIALS
    print(f"\nkill -9 trials: {TRIALS}, executed once: {len(outcomes)}, stuck: 0, duplicated: 0")


def test_resume_after_a_crash_carries_the_stored_decision_out(sandbox: Sandbox, tmp_path: Path) -> None:
    """The issue's case: killed right after `approved`, then `pause` and `resume` (it crashed with KeyError)."""
    db = tmp_path / "sentinel.db"
    proposal = a_pending_note(fresh_engine(sandbox, db))
    approve_and_die(sandbox, db, proposal.id, "decided", **SHORT_LEASE)
    env = cli_env(sandbox, db, **SHORT_LEASE)
    runner = CliRunner()
    assert runner.invoke(app, ["pause", "--reason", "maintenance"], env=env).exit_code == 0
    time.sleep(2.2)  # the dead process's lease runs out
    resumed = runner.invoke(app, ["resume"], env=env)
    assert resumed.exit_code == 0, resumed.output
    assert f"↻ [{proposal.id}] executed by odoo:grace.finance" in resumed.output, resumed.output[-600:]
    store = fresh_engine(sandbox, db).services.store
    assert store.get(proposal.id).status == "executed"
    assert len(marked_writes(sandbox, proposal.id)) == 1
    assert leases.due(store, store.get(proposal.id).updated_at + timedelta(days=1)) == []  # nothing left to carry on


def test_on_postgres_two_restarted_replicas_carry_a_killed_decision_out_once(sandbox: Sandbox, tmp_path: Path) -> None:
    with fresh_schema(postgres_url_or_skip()) as url:
        settings = settings_for(sandbox, tmp_path / "unused.db", SENTINEL_DATABASE_URL=url, **SHORT_LEASE)
        proposal = a_pending_note(build_engine(settings, clock=sandbox.clock.now, model=None))
        approve_and_die(sandbox, url, proposal.id, "decided", **SHORT_LEASE)
        replicas = [build_engine(settings, clock=sandbox.clock.now, model=None) for _ in range(2)]
        time.sleep(2.2)  # the dead process's lease runs out (real time: each replica's claim holds its own lease)
        barrier = threading.Barrier(2)
        carried: list[list[str]] = []

        def restart(engine: Engine) -> None:
            barrier.wait()
            carried.append(recover_stuck(engine))

        threads = [threading.Thread(target=restart, args=(e,)) for e in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(carried) == [[], [proposal.id]]  # the lease's compare-and-set: one replica drives it
        assert replicas[0].services.store.get(proposal.id).status == "executed"
        assert len(marked_writes(sandbox, proposal.id)) == 1
        assert replicas[0].services.audit.verify().ok
