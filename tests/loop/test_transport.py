"""ODOO_TRANSPORT end to end: with an API key on Odoo 19 every agent's scan speaks JSON-2 only (no /jsonrpc request,
no login), JSON-RPC stays the way without a key or when asked for, and a bad value is one clear line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents._core.odoo import versions
from agents._core.odoo.sandbox import Sandbox
from runner import build_engine
from tests.loop.conftest import settings_for

AGENTS = ("approval_watcher", "billing_exceptions", "supply_watcher")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _forget_versions() -> Iterator[None]:
    versions._known.clear()
    yield
    versions._known.clear()


def _scan_all(sandbox: Sandbox, tmp_path: Path, **settings: object) -> None:
    engine = build_engine(settings_for(sandbox, tmp_path / "s.db", **settings), clock=sandbox.clock.now, model=None)
    sandbox.requests.clear()
    for agent in AGENTS:
        report = engine.run_once(agent)
        assert report.ok, report.error


def test_with_an_api_key_a_scan_of_every_agent_makes_no_jsonrpc_request(sandbox: Sandbox, tmp_path: Path) -> None:
    _scan_all(sandbox, tmp_path, ODOO_PASSWORD=None, ODOO_API_KEY="admin")
    paths = set(sandbox.requests)
    assert paths and all(path.startswith("/json/2/") or path == "/web/version" for path in paths), sorted(paths)
    assert sandbox.requests["/web/version"] <= 1  # the version is asked once per process, not per gateway


def test_without_an_api_key_or_when_told_the_scan_speaks_json_rpc(sandbox: Sandbox, tmp_path: Path) -> None:
    _scan_all(sandbox, tmp_path)  # a password only: auto keeps JSON-RPC
    assert sandbox.requests["/jsonrpc"] > 0 and not any(p.startswith("/json/2/") for p in sandbox.requests)
    _scan_all(sandbox, tmp_path, ODOO_API_KEY="admin", ODOO_TRANSPORT="jsonrpc")
    assert sandbox.requests["/jsonrpc"] > 0 and not any(p.startswith("/json/2/") for p in sandbox.requests)


def test_a_connection_can_choose_its_own_transport(sandbox: Sandbox, tmp_path: Path) -> None:
    connections = {"default": {"url": sandbox.url, "db": "sandbox", "user": "admin", "api_key": "admin",
                               "transport": "jsonrpc"}}
    _scan_all(sandbox, tmp_path, ODOO_URL=None, ODOO_API_KEY="admin", ODOO_TRANSPORT="json2",
              ODOO_CONNECTIONS=connections)
    assert sandbox.requests["/jsonrpc"] > 0 and not any(p.startswith("/json/2/") for p in sandbox.requests)


@pytest.mark.parametrize(("env", "line"), [
    ({"ODOO_TRANSPORT": "xmlrpc"}, "ODOO_TRANSPORT: 'xmlrpc' is not an Odoo transport (use auto, json2 or jsonrpc)"),
    ({"ODOO_TRANSPORT": "json2"},
     "Odoo connection 'default': ODOO_TRANSPORT=json2 needs an API key (set ODOO_API_KEY, or api_key in ODOO_CONNECTIONS)"),
    ({"ODOO_CONNECTIONS": '{"c2": {"url": "http://x", "db": "d", "user": "u", "password": "p", "transport": "soap"}}'},
     "ODOO_CONNECTIONS: c2.transport: 'soap' is not an Odoo transport (use auto, json2 or jsonrpc) (each connection "
     "takes url, db, user, password or api_key, timeout, transport)"),
])
def test_a_bad_transport_setting_is_one_line_and_exit_78(tmp_path: Path, env: dict[str, str], line: str) -> None:
    base = {"PATH": "/usr/bin:/bin", "SENTINEL_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
            "ODOO_URL": "http://127.0.0.1:9", "ODOO_DB": "d", "ODOO_USER": "u", "ODOO_PASSWORD": "p"}
    done = subprocess.run([sys.executable, "runner.py", "once", "approval_watcher", "--dry-run"], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 78  # a configuration mistake (sysexits EX_CONFIG): fix it, a restart will not help
    assert done.stderr == line + "\n"
    assert done.stdout == ""
