"""/healthz tells the truth: 503 with the reason when the database or Odoo goes away or every recent run of an agent
failed, 200 again within one tick of its return; Odoo probes are cached; replicas on different policies are flagged."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from agents._core.health import HealthCheck
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.server import start_ops
from runner import build_engine
from state.replicas import record_heartbeat
from tests.core.tcp_proxy import TcpProxy
from tests.loop.conftest import sandbox, settings_for  # noqa: F401 - the sandbox fixture
from tests.pg import fresh_schema, postgres_url_or_skip

TICK = 1.0  # SENTINEL_HOUSEKEEPING_SECONDS in these tests: the scheduler's shortest tick


def healthz(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def within(seconds: float, check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds}s: {what}"
        time.sleep(0.05)


def test_503_when_the_database_or_odoo_goes_away_and_200_when_back(tmp_path: Path) -> None:
    postgres = postgres_url_or_skip()
    with fresh_schema(postgres) as url, Sandbox(seed=True) as sandbox:
        real = make_url(url)
        proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432))
        via_proxy = real.set(port=proxy.start()).render_as_string(hide_password=False)
        settings = settings_for(sandbox, tmp_path / "unused.db", SENTINEL_DATABASE_URL=via_proxy,
                                SENTINEL_HEALTH_CACHE_SECONDS=TICK / 4, SENTINEL_HOUSEKEEPING_SECONDS=TICK)
        engine = build_engine(settings, model=None)
        ops = start_ops(engine, port=0)
        try:
            assert ops.url.startswith("http://127.0.0.1:")  # loopback unless `run --host` says otherwise
            status, body = healthz(ops.url)
            assert (status, body["ok"], body["problems"]) == (200, True, [])
            assert body["database"] == {"ok": True, "error": None} and body["odoo"]["default"]["ok"] is True

            proxy.cut()  # the database goes away
            within(TICK, lambda: healthz(ops.url)[0] == 503, "503 once the database is gone")
            status, body = healthz(ops.url)
            assert body["ok"] is False and body["database"]["ok"] is False
            assert body["problems"][0].startswith(f"state database: cannot reach the state database {real.drivername}")
            proxy.start()  # and comes back, on the same port
            within(TICK, lambda: healthz(ops.url)[0] == 200, "200 once the database is back")

            port = sandbox.port
            sandbox.stop()  # Odoo goes away
            within(TICK, lambda: healthz(ops.url)[0] == 503, "503 once Odoo is gone")
            assert healthz(ops.url)[1]["problems"] == [
                f"Odoo connection 'default' unreachable: [Errno 111] Connection refused"]
            sandbox.start(port=port)
            within(TICK, lambda: healthz(ops.url)[0] == 200, "200 once Odoo is back")
        finally:
            ops.stop()
            proxy.cut()
            engine.services.store.db.close()


def test_503_when_every_recent_run_of_an_agent_failed(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sandbox, tmp_path / "runs.db", SENTINEL_HEALTH_FAILED_RUNS=3,
                            SENTINEL_HEALTH_CACHE_SECONDS=0)
    engine = build_engine(settings, clock=sandbox.clock.now, model=None)
    check = HealthCheck(engine.services, probe=lambda connection: None)  # Odoo "reachable": the runs alone decide
    assert engine.run_once("approval_watcher").ok
    real = engine.services.gateway_factory
    engine.services.gateway_factory = lambda name: (_ for _ in ()).throw(_refused(name))
    for count in (1, 2):
        assert not engine.run_once("approval_watcher").ok
        assert check.report()[0] == 200, f"{count} failed run(s) after a good one is not yet 'every recent run'"
    assert not engine.run_once("approval_watcher").ok
    status, body = check.report()
    assert status == 503
    assert body["problems"] == ["approval_watcher: its last 3 run(s) failed (last error: Odoo connection 'default': "
                                "cannot reach it: refused)"]
    assert body["agents"]["approval_watcher"]["last_run"]["status"] == "failed"
    engine.services.gateway_factory = real
    assert engine.run_once("approval_watcher").ok
    assert check.report()[0] == 200


def _refused(name: str) -> Exception:
    from agents._core.odoo.errors import OdooUnavailable

    return OdooUnavailable(name, "cannot reach it: refused")


def test_odoo_is_probed_once_per_cache_period(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sandbox, tmp_path / "cache.db", SENTINEL_HEALTH_CACHE_SECONDS=15)
    engine = build_engine(settings, clock=sandbox.clock.now, model=None)
    probes: list[str] = []
    now = [100.0]
    check = HealthCheck(engine.services, probe=lambda c: probes.append(c.url), monotonic=lambda: now[0])
    for _ in range(50):  # a prober hammering /healthz
        assert check.report()[0] == 200
    assert probes == [sandbox.url]
    now[0] += 15
    check.report()
    assert len(probes) == 2


def test_replicas_on_different_policies_are_flagged(sandbox: Sandbox, tmp_path: Path) -> None:
    engine = build_engine(settings_for(sandbox, tmp_path / "replicas.db"), clock=sandbox.clock.now, model=None)
    check = HealthCheck(engine.services, probe=lambda c: None)
    mine = engine.services.policies.loaded["approval_watcher"].sha256
    record_heartbeat(engine.services.store.db, "host-b:42", {"approval_watcher": mine}, at=sandbox.clock.now())
    status, body = check.report()
    assert status == 200 and body["warnings"] == [] and body["policies"]["approval_watcher"]["agree"] is True
    record_heartbeat(engine.services.store.db, "host-c:7", {"approval_watcher": "f" * 64}, at=sandbox.clock.now())
    status, body = check.report()
    assert status == 200  # the replica still works; the operator is told to copy the file
    assert body["policies"]["approval_watcher"]["agree"] is False
    assert body["policies"]["approval_watcher"]["replicas"]["host-c:7"] == "f" * 64
    assert len(body["warnings"]) == 1 and body["warnings"][0].startswith("approval_watcher: replicas run different")
    assert "host-c:7 has ffffffffffff" in body["warnings"][0]
