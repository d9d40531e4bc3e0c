"""Migrations: Alembic builds the schema the models describe, idempotently, on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text
from sqlmodel import SQLModel

from state import Database, Store

TABLES = {"proposal", "audit_event", "agent_run", "snooze", "policy_version", "outbox_message", "flag", "queue_snapshot",
          "run_slot", "replica_policy", "replica_heartbeat"}


def test_migrate_twice_is_a_no_op(db_url: str) -> None:
    with Database(db_url) as db:
        db.migrate()
        Store(db).set_flag("paused", "true")
        db.migrate()
        assert TABLES <= set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0006"]
        assert Store(db).get_flag("paused") == "true"
    with Database(db_url) as again:
        again.migrate()


def test_migrated_schema_matches_the_models(db: Database) -> None:
    # Only the state tables: other packages may register SQLModel tables of their own.
    ours = MetaData()
    for table in TABLES:
        SQLModel.metadata.tables[table].to_metadata(ours)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, ours) == []


def test_sqlite_file_is_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.db"
    with Database(f"sqlite:///{path}") as db:
        db.migrate()
        assert not db.is_postgres
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_urls_are_normalized_or_refused() -> None:
    db = Database("postgresql://postgres@127.0.0.1:5432/test")
    assert db.is_postgres and db.url.startswith("postgresql+psycopg://")
    db.close()
    with pytest.raises(ValueError, match="unsupported database URL"):
        Database("mysql://root@localhost/sentinel")
