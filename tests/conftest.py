"""Test-wide guards: no model requests, no network beyond loopback."""

from __future__ import annotations

import ipaddress
import socket

import pydantic_ai.models
import pytest

pydantic_ai.models.ALLOW_MODEL_REQUESTS = False

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address) -> None:  # noqa: ANN001 - whatever socket.connect takes
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ConnectionRefusedError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, never from the developer's shell or .env."""
    for name in ("SENTINEL_DATABASE_URL", "SENTINEL_MODEL", "ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD",
                 "ODOO_API_KEY", "ODOO_CONNECTIONS", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
                 "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
