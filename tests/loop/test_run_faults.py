"""`runner.py run` under bad policies and a stuck Odoo: housekeeping goes on for every agent, a stuck job shows in
/healthz, and SIGTERM ends the process within the bound `run --help` states."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from agents._core.odoo.sandbox import Sandbox
from tests.odoo.fault_proxy import Fault, FaultProxy
from runner import STOP_BOUND_SECONDS
from state import AgentRun, Database, Proposal, Store

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests/policy/bad"
AGENTS = ("approval_watcher", "billing_exceptions", "supply_watcher")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503 when a job is stuck: the body says which
        return json.loads(exc.read())


def wait_for(what: str, check: Callable[[], object], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - the runner is still creating the tables
            pass
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds}s: {what}")


@contextmanager
def running(tmp_path: Path, odoo_url: str, **env: str) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    port = free_port()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_"))},
        "SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "SENTINEL_POLICY_DIR": str(policies),
        "SENTINEL_HOUSEKEEPING_SECONDS": "0.3",
        "ODOO_URL": odoo_url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin", **env,
    }
    process = subprocess.Popen([sys.executable, "runner.py", "run", "--port", str(port), "--host", "127.0.0.1"],
                               cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield process, port, policies
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def swap(path: Path, text: str) -> None:
    """As an editor or a deploy does: write aside, then rename over the file (never read half-written)."""
    aside = path.with_suffix(".tmp")
    aside.write_text(text, encoding="utf-8")
    os.utime(aside, (time.time() - 5, time.time() - 5))  # settled: the reload does not wait for more writes
    aside.replace(path)


def stop(process: subprocess.Popen) -> tuple[float, str]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=STOP_BOUND_SECONDS + 15)
    return time.monotonic() - started, output


def expire_one_per_agent(store: Store) -> dict[str, str]:
    """Backdate one pending proposal of each agent past its TTL: the expiry job must take each of them."""
    pending = store.list_proposals(status="pending")
    chosen = {agent: next(p.id for p in pending if p.agent == agent) for agent in AGENTS}
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    for _ in range(50):  # the runner writes the same SQLite file: wait out its short transactions
        try:
            with store.db.session() as session:
                session.execute(update(Proposal).where(col(Proposal.id).in_(chosen.values())).values(expires_at=past))
                session.commit()
            return chosen
        except OperationalError:
            time.sleep(0.2)
    raise AssertionError("the database stayed locked")


def expired_and_told(store: Store, ids: dict[str, str]) -> bool:
    return all(store.get(i).status == "expired" for i in ids.values()) and not store.pending_outbox()


def test_bad_policies_swapped_in_under_run_stop_nothing_and_the_good_one_back_is_taken(tmp_path: Path) -> None:
    with Sandbox(seed=True) as sandbox, running(tmp_path, sandbox.url) as (process, port, policies):
        store = Store(Database(f"sqlite:///{tmp_path / 'run.db'}"))
        wait_for("proposals of every agent, delivered",
                 lambda: {p.agent for p in store.list_proposals()} >= set(AGENTS) and not store.pending_outbox())
        target = policies / "approval_watcher.yaml"
        good = target.read_text(encoding="utf-8")
        for bad in ("yaml.alias_bomb", "durations.overflow"):
            swap(target, (BAD / f"{bad}.yaml").read_text(encoding="utf-8"))
            wait_for(f"{bad} refused", lambda: any(bad_event(e, bad) for e in store.events("policy.refused")))
            ids = expire_one_per_agent(store)
            wait_for(f"expiry and delivery for every agent with {bad} in place", lambda: expired_and_told(store, ids))
            report = health(port)
            assert report["ok"] is True and not report["stuck_jobs"], report
            assert report["jobs"]["reload:approval_watcher"]["last_error"] is None  # refused is not a crash
        swap(target, good.replace("agent: approval_watcher", "agent: approval_watcher  # fixed", 1))
        wait_for("the good file back in force",
                 lambda: any(e.data.get("agent") == "approval_watcher" for e in store.events("policy.loaded")))
        ids = expire_one_per_agent(store)
        wait_for("expiry and delivery after the good file is back", lambda: expired_and_told(store, ids))
        seconds, output = stop(process)
    assert process.returncode == 0, output
    assert seconds < STOP_BOUND_SECONDS, output
    assert "Traceback" not in output and "OverflowError" not in output, output
    assert output.count("The new policy for approval_watcher was refused") == 2, output  # each bad file, once


SAYS = {"yaml.alias_bomb": "once its YAML aliases (*name) are expanded", "durations.overflow": "is longer than 3650d"}


def bad_event(event, case: str) -> bool:  # noqa: ANN001 - an AuditEvent
    return event.data.get("agent") == "approval_watcher" and SAYS[case] in event.data["problems"]


# The first read of each agent's scan (its queue): held for ten minutes. Preflight's calls (fields_get, the users and
# groups it resolves, access checks) pass, so `run` and `once` start and their scans hang as on a stuck Odoo.
QUEUES = ("purchase.order", "account.move", "stock.warehouse.orderpoint", "stock.picking", "mail.message")


@contextmanager
def black_hole() -> Iterator[str]:
    """An Odoo whose queue reads never answer: every scan hangs until its timeout."""
    with Sandbox(seed=True) as sandbox, FaultProxy(sandbox.url) as proxy:
        for model in QUEUES:
            proxy.inject(Fault("delay", "search_read", model=model, times=1000, seconds=600))
        yield proxy.url


def test_a_stuck_odoo_call_shows_in_healthz_and_sigterm_still_stops_run_within_the_bound(tmp_path: Path) -> None:
    with black_hole() as url, running(tmp_path, url, ODOO_TIMEOUT="600", SENTINEL_STUCK_JOB_SECONDS="2") as (
            process, port, _):
        wait_for("the scans reported stuck", lambda: set(health(port)["stuck_jobs"]) >= {f"scan:{a}@default" for a in AGENTS})
        report = health(port)
        assert report["ok"] is False
        before = report["jobs"]["delivery"]["last_ok"]
        wait_for("delivery goes on beside the stuck scans", lambda: health(port)["jobs"]["delivery"]["last_ok"] != before)
        assert all(health(port)["jobs"][job]["last_ok"] for job in ("expiry", "recovery", "reload:approval_watcher"))
        seconds, output = stop(process)
    assert seconds < STOP_BOUND_SECONDS, output
    assert process.returncode == 1, output  # abandoned work is not a clean stop
    assert "abandoned: scan:approval_watcher@default" in output and output.rstrip().endswith("sentinel stopped"), output
    runs = Store(Database(f"sqlite:///{tmp_path / 'run.db'}")).last_runs()
    assert {agent: run.status for agent, run in runs.items()} == dict.fromkeys(AGENTS, "interrupted")


def once(tmp_path: Path, url: str) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_"))},
           "SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 'once.db'}", "ODOO_TIMEOUT": "600",
           "ODOO_URL": url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}
    return subprocess.Popen([sys.executable, "runner.py", "once", "approval_watcher"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_once_stopped_closes_its_run_as_interrupted_and_a_killed_ones_run_is_closed_at_the_next_start(tmp_path: Path) -> None:
    store = Store(Database(f"sqlite:///{tmp_path / 'once.db'}"))

    def running_runs() -> list:
        return [r for r in store.last_runs().values() if r.status == "running"]

    with black_hole() as url:
        process = once(tmp_path, url)
        wait_for("the scan started", running_runs)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        assert process.returncode != 0
        assert store.last_runs()["approval_watcher"].status == "interrupted"
        killed = once(tmp_path, url)
        wait_for("the next scan started", running_runs)
        killed.kill()  # kill -9: nothing of it runs to close its run
        killed.communicate()
        assert store.last_runs()["approval_watcher"].status == "running"
        nxt = once(tmp_path, url)
        try:
            wait_for("the left-behind run closed at the next start",
                     lambda: any(r.status == "interrupted" and r.replica.endswith(f":{killed.pid}")
                                 for r in runs_of(store)))
        finally:
            nxt.kill()
            nxt.communicate()


def runs_of(store: Store) -> list:
    with store.db.session() as session:
        return list(session.exec(select(AgentRun)))
