"""Fixtures for the whole loop: the sandbox Odoo over HTTP with a controllable clock, and an engine on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox, SandboxClock
from agents._core.settings import Settings
from runner import build_engine

# A Wednesday, 10:00 in New York (the shipped policy's business hours): the seed has items at every age.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(clock=SandboxClock(now=NOW), seed=True) as sb:
        yield sb


def settings_for(sandbox: Sandbox, db_path: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "SENTINEL_DATABASE_URL": f"sqlite:///{db_path}",
        "SENTINEL_POLICY_DIR": "policies",
        "ODOO_URL": sandbox.url,
        "ODOO_DB": "sandbox",
        "ODOO_USER": "admin",
        "ODOO_PASSWORD": "admin",
        "ODOO_CONNECTIONS": {},
        "SENTINEL_MODEL": None,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def engine(sandbox: Sandbox, tmp_path: Path) -> Engine:
    return build_engine(settings_for(sandbox, tmp_path / "sentinel.db"), clock=sandbox.clock.now, model=None)


def marked_writes(sandbox: Sandbox, proposal_id: str) -> list[dict]:
    """Everything in the sandbox that carries the proposal's marker: notes and activities."""
    mark = f"[sentinel:{proposal_id}]"
    notes = sandbox.env("mail.message").search_read([("body", "ilike", mark)], ["model", "res_id"])
    activities = sandbox.env("mail.activity").search_read([("note", "ilike", mark)], ["res_model", "res_id"])
    return notes + activities
