"""The state database could not be opened or written: one line saying which database, why, and what to check."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

_FIX = "check SENTINEL_DATABASE_URL, e.g. postgresql://sentinel@127.0.0.1:5432/sentinel or sqlite:///var/lib/sentinel/sentinel.db"


class StateUnavailable(Exception):
    """The state database cannot be used: unreachable, missing, or not writable. The message is for the operator."""

    def __init__(self, message: str, *, unwritable: bool = False) -> None:
        super().__init__(message)
        self.unwritable = unwritable  # True: the database or its folder cannot be created or written here (not an outage)


def describe_url(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


@contextmanager
def translated(url: URL) -> Iterator[None]:
    """Turns the driver's and the file system's errors into StateUnavailable; anything else passes through."""
    try:
        yield
    except StateUnavailable:
        raise
    except (OperationalError, DBAPIError) as exc:
        raise _from_driver(url, exc.orig if exc.orig is not None else exc) from exc
    except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
        raise _from_driver(url, exc) from exc
    except OSError as exc:
        raise _from_os(url, exc) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):  # the checkpointer's pool talks to psycopg directly
            raise _from_driver(url, exc) from exc
        raise


def folder_problem(folder: str, exc: OSError) -> StateUnavailable:
    if isinstance(exc, (FileExistsError, NotADirectoryError)) or exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return StateUnavailable(f"cannot create the state folder {folder}: a file is in the way "
                                f"(move that file away, or point SENTINEL_DATABASE_URL elsewhere)", unwritable=True)
    return StateUnavailable(f"cannot create the state folder {folder}: {exc.strerror or exc} "
                            f"(let this user write there, or point SENTINEL_DATABASE_URL elsewhere)", unwritable=True)


def _from_os(url: URL, exc: OSError) -> StateUnavailable:
    return StateUnavailable(f"cannot use the state database {describe_url(url)}: {exc.strerror or exc} ({_FIX})",
                            unwritable=exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS))


def _from_driver(url: URL, orig: BaseException) -> StateUnavailable:
    reason = _first_line(str(orig))
    where = describe_url(url)
    if url.get_backend_name() == "sqlite":
        if "readonly" in reason or "unable to open" in reason:
            return StateUnavailable(f"cannot write the state database {where}: {reason} "
                                    f"(let this user write to its folder, or point SENTINEL_DATABASE_URL elsewhere)",
                                    unwritable=True)
        return StateUnavailable(f"cannot use the state database {where}: {reason} ({_FIX})")
    return StateUnavailable(f"cannot reach the state database {where}: {reason} ({_FIX})")


def _first_line(text: str) -> str:
    """Drivers put the useful part first; psycopg adds hints and SQLAlchemy a background link on later lines."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), text.strip())
    return line.removeprefix("connection failed: ").rstrip(".")
