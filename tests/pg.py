"""PostgreSQL for tests: the test server's URL or a visible skip (a failure when CI=true), and throwaway schemas."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
URL_ENV = "SENTINEL_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@cache
def _unreachable(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(_libpq(url), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else error!r}"
    return None


def postgres_url_or_skip() -> str:
    """The SQLAlchemy URL of the test PostgreSQL ($SENTINEL_TEST_POSTGRES_URL or the local default).

    When the server is down the calling test is skipped, with the reason shown; under CI=true it fails instead,
    so a CI run cannot go green without having exercised PostgreSQL.
    """
    url = os.environ.get(URL_ENV, DEFAULT_URL)
    problem = _unreachable(url)
    if problem is not None:
        message = f"PostgreSQL at {make_url(url).render_as_string(hide_password=True)} is unreachable ({problem})"
        if _in_ci():
            pytest.fail(f"{message}; CI=true requires it (set {URL_ENV} or start the server)", pytrace=False)
        pytest.skip(f"{message}; set {URL_ENV} or start the server to run the PostgreSQL variant")
    return url


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema and all in it are dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(_libpq(url), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
