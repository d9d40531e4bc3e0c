"""Runs left `running` by a process that is gone are closed as interrupted at the next start; a live replica's are not."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

from state import AgentRun, Database, Store
from state.replicas import STALE_AFTER, Replicas
from state.tables import utcnow


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid  # reaped: nobody has it (until the system reuses it, long after this test)


def test_only_the_runs_of_gone_processes_are_interrupted(db: Database) -> None:
    store, replicas = Store(db), Replicas(db)
    host = socket.gethostname()
    owners = {
        "dead here": f"{host}:{dead_pid()}",
        "alive here": f"{host}:1",  # pid 1 always exists
        "elsewhere, beating": "other-host:42",
        "elsewhere, silent": "far-host:42",
        "elsewhere, never beat": "new-host:42",
        "me, an earlier life": f"{host}:777777",
        "before replicas were recorded": None,
    }
    runs = {label: store.start_run("approval_watcher", "default", replica=owner).id for label, owner in owners.items()}
    finished = store.start_run("approval_watcher", "default", replica=f"{host}:{dead_pid()}").id
    store.finish_run(finished, status="ok")
    replicas.beat("other-host:42")
    replicas.beat("far-host:42", at=utcnow() - STALE_AFTER - timedelta(seconds=1))
    assert replicas.close_abandoned(f"{host}:777777") == 5
    status = {label: get_run(db, run_id).status for label, run_id in runs.items()}
    assert status == {"dead here": "interrupted", "alive here": "running", "elsewhere, beating": "running",
                      "elsewhere, silent": "interrupted", "elsewhere, never beat": "interrupted",
                      "me, an earlier life": "interrupted", "before replicas were recorded": "interrupted"}
    assert get_run(db, finished).status == "ok"
    assert get_run(db, runs["dead here"]).error == "the process running this scan stopped before it finished"
    assert replicas.close_abandoned(f"{host}:777777") == 0


def get_run(db: Database, run_id: int) -> AgentRun:
    with db.session() as session:
        run = session.get(AgentRun, run_id)
        assert run is not None
        return run
