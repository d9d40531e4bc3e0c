"""`--json` output for the commands that list or show something: one JSON document on stdout, stable keys."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from typing import Any

import typer
from pydantic import BaseModel


def plain(value: Any) -> Any:  # noqa: ANN401 - any report object in, JSON-ready values out
    """Dataclasses, pydantic/SQLModel rows, datetimes and durations as plain JSON values."""
    if isinstance(value, BaseModel):
        return plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")}
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else ":".join(map(str, k)) if isinstance(k, tuple) else str(k)): plain(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def echo(value: Any) -> None:  # noqa: ANN401
    typer.echo(json.dumps(plain(value), indent=2))


JSON_OPTION = typer.Option("--json", help="Machine-readable output (one JSON document).")
