"""Fixtures for the state tests: every test runs on SQLite (a temp file) and on PostgreSQL (a throwaway schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from state import Audit, Database, Store
from tests.pg import fresh_schema, postgres_url_or_skip


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'sentinel.db'}"
        return
    with fresh_schema(postgres_url_or_skip()) as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def store(db: Database) -> Store:
    return Store(db)


@pytest.fixture
def audit(db: Database) -> Audit:
    return Audit(db)
