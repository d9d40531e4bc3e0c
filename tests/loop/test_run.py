"""`runner.py run`: the scheduler scans at start and on schedule, delivers the outbox, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from agents._core.odoo.sandbox import Sandbox
from state import Database, Store


def test_run_scans_delivers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db_path = tmp_path / "run.db"
    with Sandbox(seed=True) as sandbox:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_"))},
            "SENTINEL_DATABASE_URL": f"sqlite:///{db_path}",
            "SENTINEL_HOUSEKEEPING_SECONDS": "0.5",
            "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin",
        }
        process = subprocess.Popen([sys.executable, "runner.py", "run"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            store = None
            deadline = time.monotonic() + 120  # generous: a loaded 2-core machine starts Python slowly
            while time.monotonic() < deadline:
                time.sleep(0.5)
                if db_path.exists():
                    store = store or Store(Database(f"sqlite:///{db_path}"))
                    try:
                        proposals = store.list_proposals()
                    except Exception:  # noqa: BLE001 - the runner is still creating the tables
                        continue
                    if proposals and not store.pending_outbox():
                        break
            else:
                raise AssertionError("no proposal was made and delivered within 120 s")
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, output
    assert re.search(r"sentinel running: housekeeping, scan approval_watcher(, scan \w+)*\n", output)
    assert "→ #clinic-approvals" in output  # the console adapter delivered the outbox
    assert output.rstrip().endswith("sentinel stopped")
    runs = Store(Database(f"sqlite:///{db_path}")).list_proposals()
    assert runs and all(p.status == "pending" for p in runs)
