"""The Database handle: one engine per URL, SQLite/PostgreSQL setup, migrations and the shared checkpointer."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlmodel import Session

from state import _json
from state.errors import folder_problem, translated

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
# Serializes schema set-up (migrate() and the checkpointer's own setup()) across replicas that start at the same moment.
# Not the key earlier versions waited on with pg_advisory_xact_lock: such a blocked waiter (an older replica still
# starting) would hold a snapshot that the CREATE INDEX CONCURRENTLY under this lock waits for: a deadlock.
_SETUP_LOCK_KEY = int.from_bytes(hashlib.sha256(b"sentinel.state.setup").digest()[:8], "big", signed=True)
_SETUP_POLL_S = 0.1
_WRITE = "sentinel_write"


def _normalize_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        # psycopg 3 is the driver this product ships; SQLAlchemy would otherwise look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(
            f"unsupported database URL {parsed.render_as_string()!r}: use sqlite:///path/file.db "
            "or postgresql+psycopg://user@host:5432/dbname"
        )
    return parsed


def _is_sqlite_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or (url.database or "").startswith("file::memory:")


class Database:
    """One database (SQLite file or PostgreSQL) holding the state tables and the LangGraph checkpoints."""

    def __init__(self, url: str) -> None:
        self._url = _normalize_url(url)
        self.url = self._url.render_as_string(hide_password=False)
        self.is_postgres = self._url.get_backend_name() == "postgresql"
        self.engine = self._create_engine()
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        self._lock = threading.Lock()
        self._checkpointer: BaseCheckpointSaver[str] | None = None
        self._close_checkpointer: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"Database({self._url.render_as_string(hide_password=True)!r})"

    def _create_engine(self) -> Engine:
        if self.is_postgres:
            return create_engine(self._url, json_serializer=_json.dumps, pool_pre_ping=True)
        if _is_sqlite_memory(self._url):
            # One shared connection, else every pooled connection would see its own empty database; so an
            # in-memory Database is for single-threaded tools and tests, and has no checkpointer.
            engine = create_engine(
                self._url,
                json_serializer=_json.dumps,
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
        else:
            folder = Path(self._url.database or "").expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise folder_problem(str(folder), exc) from exc
            engine = create_engine(
                self._url,
                json_serializer=_json.dumps,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                pool_size=10,
                max_overflow=20,
            )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    @contextmanager
    def session(self, *, write: bool = False, snapshot: bool = False) -> Iterator[Session]:
        """A session inside one transaction, committed on normal exit and rolled back on error.

        write: on SQLite, take the write lock up front (BEGIN IMMEDIATE) so a read-then-write never fails
        on lock upgrade; snapshot: on PostgreSQL, every statement sees the same snapshot (REPEATABLE READ).
        """
        engine = self._write_engine if write else self.engine
        if snapshot and self.is_postgres:
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session

    def insert(self, table: Table | type) -> Insert:
        """A dialect INSERT, so callers can use on_conflict_do_nothing/do_update on both backends."""
        dialect_insert = postgresql.insert if self.is_postgres else sqlite.insert
        return dialect_insert(table)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision; a no-op when it is already there."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with translated(self._url), self.setting_up(), self._write_engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def setting_up(self) -> Iterator[None]:
        """Hold the schema set-up lock (PostgreSQL: a session advisory lock on its own connection) for the block.

        Alembic's upgrade and LangGraph's PostgresSaver.setup() both read "which migrations ran" and then create and
        record the missing ones: two processes doing that at once on an empty database collide (UniqueViolation on
        checkpoint_migrations_pkey). Under this one lock the second waits, then finds everything done.
        """
        if not self.is_postgres:
            yield
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Polled, not waited for: PostgresSaver.setup() creates indexes CONCURRENTLY, which waits for every
            # statement running in the database, a blocked pg_advisory_lock() included: that would be a deadlock.
            while not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _SETUP_LOCK_KEY}).scalar():
                time.sleep(_SETUP_POLL_S)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _SETUP_LOCK_KEY})

    @contextmanager
    def exclusive(self, key: str) -> Iterator[bool]:
        """Yield True if this process holds `key` exclusively for the block (a PostgreSQL session advisory lock,
        so replicas never scan the same agent at once); False if another holds it. SQLite: one process, True."""
        if not self.is_postgres:
            yield True
            return
        lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        with self.engine.connect() as connection:
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}).scalar())
            try:
                yield held
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                connection.commit()

    def checkpointer(self) -> BaseCheckpointSaver[str]:
        """The LangGraph checkpointer stored in this same database, created once per Database."""
        with self._lock:
            if self._checkpointer is None:
                from state.checkpoint import open_checkpointer

                with translated(self._url), self.setting_up():
                    self._checkpointer, self._close_checkpointer = open_checkpointer(self._url)
            return self._checkpointer

    def ping(self) -> None:
        """One round trip; raises StateUnavailable with the reason when the database cannot answer (health checks)."""
        with translated(self._url), self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        with self._lock:
            if self._close_checkpointer is not None:
                self._close_checkpointer()
            self._checkpointer = self._close_checkpointer = None
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own implicit BEGIN would come too late to choose IMMEDIATE; _sqlite_on_begin emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, so threads can share the file
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    write = bool(connection.get_execution_options().get(_WRITE, False))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
