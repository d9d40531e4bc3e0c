"""Replicas starting together on an empty PostgreSQL database all come up: migrations and LangGraph's checkpointer
set-up run under one advisory lock (before, one of two died with UniqueViolation on checkpoint_migrations_pkey)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from state import Database
from tests.pg import fresh_schema, postgres_url_or_skip

ROOT = Path(__file__).resolve().parents[2]


def test_two_set_ups_at_the_same_instant_on_an_empty_schema_both_succeed_ten_times_of_ten() -> None:
    url = postgres_url_or_skip()
    for _ in range(10):
        with fresh_schema(url) as schema_url:
            start = threading.Barrier(2)
            errors: list[BaseException] = []

            def set_up() -> None:
                db = Database(schema_url)
                try:
                    start.wait()
                    db.migrate()
                    db.checkpointer()
                except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                    errors.append(exc)
                finally:
                    db.close()

            threads = [threading.Thread(target=set_up) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert not errors, errors


SET_UP = """
import sys, time
from state import Database
db = Database(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both processes start setting up at the same instant
db.migrate()
db.checkpointer()
db.close()
print("up")
"""


def test_two_processes_starting_together_on_an_empty_schema_both_come_up() -> None:
    url = postgres_url_or_skip()
    for _ in range(3):
        with fresh_schema(url) as schema_url:
            import time

            at = str(time.time() + 4)  # after both interpreters have imported everything
            processes = [subprocess.Popen([sys.executable, "-c", SET_UP, schema_url, at], cwd=ROOT, env=dict(os.environ),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
            outputs = [p.communicate(timeout=120)[0] for p in processes]
            assert [p.returncode for p in processes] == [0, 0], outputs
