"""Tuning without surprises: a changed `schedule` or `digest.at` takes effect on hot reload, without a restart."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from agents._core.odoo.sandbox import Sandbox
from agents._core.scheduler import HOUSEKEEPING_JOB, build_scheduler
from runner import build_engine
from tests.loop.conftest import settings_for

CRON = 'schedule: {cron: "*/15 7-18 * * mon-fri"}'


def _policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(Path("policies"), folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    past = time.time() - 5  # hot reload waits for a file to settle (one second untouched)
    os.utime(path, (past, past))


def test_schedule_and_digest_time_follow_the_reloaded_policy(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = _policies(tmp_path)
    engine = build_engine(settings_for(sandbox, tmp_path / "s.db", SENTINEL_POLICY_DIR=str(folder)),
                          clock=sandbox.clock.now, model=None)
    scheduler = build_scheduler(engine, deliver=lambda: 0)
    scheduler.start(paused=True)  # the jobs exist; none runs but the housekeeping we call
    try:
        scan = scheduler.get_job("approval_watcher@default")
        assert str(scan.trigger).startswith("cron[month='*', day='*', day_of_week='mon-fri', hour='7-18', minute='*/15']")
        digest = scheduler.get_job("digest:#clinic-approvals")
        assert str(digest.trigger) == "cron[hour='8', minute='30']"

        _edit(folder / "approval_watcher.yaml", CRON, "schedule: {every: 7m}")
        _edit(folder / "approval_watcher.yaml", 'at: "08:30"', 'at: "07:45"')
        scheduler.get_job(f"{HOUSEKEEPING_JOB}reload:approval_watcher").func()  # its reload job's tick

        assert str(scheduler.get_job("approval_watcher@default").trigger) == "interval[0:07:00]"
        assert str(scheduler.get_job("digest:#clinic-approvals").trigger) == "cron[hour='7', minute='45']"
        assert str(scheduler.get_job("billing_exceptions@default").trigger) == "interval[1:00:00]"  # untouched
    finally:
        scheduler.shutdown(wait=False)


def test_a_running_run_reschedules_a_changed_schedule(tmp_path: Path) -> None:
    folder = _policies(tmp_path)
    with Sandbox(seed=True) as sandbox:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))},
               "SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "SENTINEL_HOUSEKEEPING_SECONDS": "0.5",
               "SENTINEL_POLICY_DIR": str(folder), "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox",
               "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}
        process = subprocess.Popen([sys.executable, "runner.py", "run", "--port", "0"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out: list[str] = []
        err: list[str] = []
        for pipe, sink in ((process.stdout, out), (process.stderr, err)):
            threading.Thread(target=lambda p=pipe, s=sink: s.extend(iter(p.readline, "")), daemon=True).start()

        def wait_for(check, what: str, seconds: float = 90) -> None:  # noqa: ANN001
            deadline = time.monotonic() + seconds
            while not check():
                assert process.poll() is None and time.monotonic() < deadline, f"{what}:\n{''.join(out + err)[-3000:]}"
                time.sleep(0.1)

        try:
            wait_for(lambda: any(line.startswith("sentinel running") for line in out), "run starts")
            _edit(folder / "approval_watcher.yaml", CRON, "schedule: {every: 7m}")
            events = lambda: [json.loads(line).get("event", "") for line in err if line.startswith("{")]  # noqa: E731
            wait_for(lambda: "rescheduled scan approval_watcher: interval[0:07:00]" in events(),
                     "the scan job is rescheduled")
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
    assert not any(re.search(r"scheduled scan approval_watcher", e) and "rescheduled" not in e for e in events())
