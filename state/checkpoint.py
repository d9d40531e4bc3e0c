"""Opens the LangGraph checkpointer that lives in the same database as the state tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.engine import URL


def open_checkpointer(url: URL) -> tuple[BaseCheckpointSaver[str], Callable[[], None]]:
    """Returns the saver and the function that releases its connections."""
    if url.get_backend_name() == "sqlite":
        return _sqlite(url)
    return _postgres(url)


def _sqlite(url: URL) -> tuple[BaseCheckpointSaver[str], Callable[[], None]]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    from state.db import SQLITE_BUSY_TIMEOUT_S

    path = url.database or ""
    if path in ("", ":memory:") or path.startswith("file::memory:"):
        raise ValueError(
            "the checkpointer needs a SQLite file (sqlite:///path/file.db): an in-memory database would be "
            "a second, separate database that forgets every waiting proposal on restart"
        )
    # SqliteSaver serializes its own use of the connection with a lock, so sharing it across threads is safe.
    connection = sqlite3.connect(path, check_same_thread=False, timeout=SQLITE_BUSY_TIMEOUT_S)
    connection.execute("PRAGMA journal_mode=WAL")
    saver = SqliteSaver(connection)
    saver.setup()
    return saver, connection.close


def _postgres(url: URL) -> tuple[BaseCheckpointSaver[str], Callable[[], None]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    # libpq spelling of the same URL (query options such as search_path carry over).
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    # PostgresSaver requires autocommit and dict rows; prepare_threshold=0 keeps it safe behind pgbouncer.
    pool: ConnectionPool = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=8,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=True,
        name="sentinel-checkpoints",
    )
    try:
        saver = PostgresSaver(pool)
        saver.setup()
    except BaseException:
        pool.close()
        raise
    return saver, pool.close
