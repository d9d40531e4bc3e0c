"""Contract targets: the bundled sandbox always, a real Odoo when ODOO_URL & co. are set in the shell."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

import pytest

from agents._core.odoo import OdooGateway, TransportChoice, open_gateway
from agents._core.odoo.json2 import Json2Transport
from agents._core.odoo.sandbox import Sandbox

# Read at import: tests/conftest.py removes these variables from the environment of every test.
REAL_URL = os.environ.get("ODOO_URL", "")
REAL_DB = os.environ.get("ODOO_DB", "")
REAL_USER = os.environ.get("ODOO_USER", "")
REAL_SECRET = os.environ.get("ODOO_PASSWORD") or os.environ.get("ODOO_API_KEY") or ""
REAL_API_KEY = os.environ.get("ODOO_API_KEY") or None
REAL_TRANSPORT = os.environ.get("ODOO_TRANSPORT", "auto").strip().lower()
REAL_CONFIGURED = bool(REAL_URL and REAL_DB and REAL_USER and REAL_SECRET)
REAL_WRITABLE = os.environ.get("SENTINEL_CONTRACT_WRITE") == "1"
# Optional: an internal user without Settings or Access Rights (a purchase manager, say): what such a user may not do.
REAL_LIMITED_USER = os.environ.get("SENTINEL_CONTRACT_LIMITED_USER", "")
REAL_LIMITED_PASSWORD = os.environ.get("SENTINEL_CONTRACT_LIMITED_PASSWORD", "")

REAL_MISSING = (
    "set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD (or ODOO_API_KEY) to run the contract tests against a real Odoo"
)
NO_LIMITED_USER = (
    "set SENTINEL_CONTRACT_LIMITED_USER and SENTINEL_CONTRACT_LIMITED_PASSWORD (an internal user without Settings rights)"
    " to check what such a user may not do on the real Odoo"
)
READ_ONLY = (
    "read-only target: set SENTINEL_CONTRACT_WRITE=1 to let the contract tests write to the real Odoo"
    " (what they write is removed)"
)


def _addresses(url: str) -> frozenset[str]:
    """The addresses of the real server's host, resolved now, before the test-wide network guard is in place."""
    host = urlsplit(url).hostname if url else None
    if not host:
        return frozenset()
    try:
        return frozenset(str(info[4][0]) for info in socket.getaddrinfo(host, None))
    except OSError:
        return frozenset()


_REAL_ADDRESSES = _addresses(REAL_URL) if REAL_CONFIGURED else frozenset()
_real_connect = socket.socket.connect


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Overrides the test-wide guard: loopback, plus the one Odoo server the developer named in ODOO_URL."""

    def connect(self: socket.socket, address) -> None:  # noqa: ANN001 - whatever socket.connect takes
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                allowed = host == "localhost" or ipaddress.ip_address(host).is_loopback or host in _REAL_ADDRESSES
            except ValueError:
                allowed = False
            if not allowed:
                raise ConnectionRefusedError(f"contract tests may reach only loopback and ODOO_URL's host ({host})")
        return _real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@dataclass(frozen=True)
class Target:
    """One Odoo the same assertions run against."""

    name: str  # "sandbox" or "real"
    url: str
    db: str
    user: str
    secret: str
    writable: bool
    limited: tuple[str, str] | None = None  # (login, password) of a user without Settings rights, if known
    sandbox: Sandbox | None = None
    transport: TransportChoice = "jsonrpc"
    api_key: str | None = None  # what JSON-2 sends; the sandbox takes a user's password as their key

    def gateway(self, *, user: str | None = None, secret: str | None = None, db: str | None = None) -> OdooGateway:
        """`secret` replaces the password and, on JSON-2, the API key: a wrong one must be refused either way."""
        key = self.api_key if secret is None else secret
        gateway = open_gateway("contract", self.url, db or self.db, user or self.user,
                               self.secret if secret is None else secret, timeout=60, transport=self.transport,
                               api_key=key)
        gateway._backoff = 0  # a transient failure is still retried, without the wait
        return gateway

    @property
    def json2(self) -> bool:
        """Whether this target's gateways speak JSON-2 (with `auto`, the server's version decided)."""
        transport = self.gateway().transport
        return isinstance(getattr(transport, "chosen", transport), Json2Transport)

    def now(self) -> datetime:
        return self.sandbox.clock.now() if self.sandbox is not None else datetime.now(timezone.utc)

    def today(self) -> date:
        """The acting user's today, as Odoo counts an activity's deadline: the sandbox clock, or this machine's."""
        return self.sandbox.clock.now().date() if self.sandbox is not None else date.today()


@pytest.fixture(
    scope="module",
    params=["sandbox-jsonrpc", "sandbox-json2",
            pytest.param("real", marks=pytest.mark.skipif(not REAL_CONFIGURED, reason=REAL_MISSING))],
)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The same calls on each transport: the sandbox speaks both; a real server the one ODOO_TRANSPORT picks."""
    if request.param == "real":
        limited = (REAL_LIMITED_USER, REAL_LIMITED_PASSWORD) if REAL_LIMITED_USER and REAL_LIMITED_PASSWORD else None
        yield Target("real", REAL_URL, REAL_DB, REAL_USER, REAL_SECRET, REAL_WRITABLE, limited,
                     transport=REAL_TRANSPORT, api_key=REAL_API_KEY)  # type: ignore[arg-type]
        return
    transport = "json2" if request.param.endswith("json2") else "jsonrpc"
    with Sandbox(seed=True) as sandbox:
        assert sandbox.url is not None
        # dr.patel: a purchase manager (an approver), not a Settings user.
        yield Target("sandbox", sandbox.url, sandbox.db_name, "admin", "admin", True, ("dr.patel", "dr.patel"), sandbox,
                     transport=transport, api_key="admin" if transport == "json2" else None)


@pytest.fixture
def gateway(target: Target) -> OdooGateway:
    """A fresh gateway per test, so its round-trip counts are the test's own."""
    return target.gateway()


@pytest.fixture
def limited(target: Target) -> OdooGateway:
    """A gateway logged in as a user without Settings or Access Rights."""
    if target.limited is None:
        pytest.skip(NO_LIMITED_USER)
    login, password = target.limited
    return target.gateway(user=login, secret=password)


@pytest.fixture
def writable(target: Target) -> Target:
    if not target.writable:
        pytest.skip(READ_ONLY)
    return target
