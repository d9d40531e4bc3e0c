"""Fixtures for the sandbox Odoo tests: a fixed clock, served sandboxes and a logged-in odoorpc client."""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import odoorpc
import pytest

from agents._core.odoo.sandbox import Sandbox, SandboxClock

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(now=NOW)


@pytest.fixture
def sandbox(clock: SandboxClock) -> Iterator[Sandbox]:
    """The seeded demo network, served on a free port."""
    with Sandbox(clock=clock, seed=True) as sb:
        yield sb


@pytest.fixture
def bare(clock: SandboxClock) -> Iterator[Sandbox]:
    """Base data only, served on a free port."""
    with Sandbox(clock=clock, seed=False) as sb:
        yield sb


def connect(sb: Sandbox, login: str = "admin", password: str = "admin") -> odoorpc.ODOO:
    assert sb.port is not None
    odoo = odoorpc.ODOO("127.0.0.1", port=sb.port, timeout=10)
    odoo.login(sb.db_name, login, password)
    return odoo


@pytest.fixture
def odoo(sandbox: Sandbox) -> odoorpc.ODOO:
    return connect(sandbox)


def post(sb: Sandbox, path: str, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """A raw HTTP POST, to check payloads byte for byte without a client in between."""
    request = urllib.request.Request(f"{sb.url}{path}", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def jsonrpc(sb: Sandbox, service: str, method: str, *args: Any) -> dict[str, Any]:
    status, body = post(sb, "/jsonrpc", {"jsonrpc": "2.0", "method": "call", "id": 7,
                                         "params": {"service": service, "method": method, "args": list(args)}})
    assert status == 200
    return body


def rpc_error(call: Callable[[], Any]) -> dict[str, Any]:
    """The `error.data` of a failing odoorpc call."""
    with pytest.raises(odoorpc.error.RPCError) as caught:
        call()
    return caught.value.info["data"]
