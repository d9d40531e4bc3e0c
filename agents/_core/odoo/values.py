"""Decoding Odoo's wire values: many2one pairs, False for empty, UTC datetimes as strings."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


def parse_datetime(value: Any) -> datetime | None:
    """'YYYY-MM-DD HH:MM:SS' (UTC, as Odoo sends it) -> aware datetime; False/None -> None."""
    if not value:
        return None
    return datetime.fromisoformat(str(value)[:19]).replace(tzinfo=timezone.utc)  # ten times faster than strptime


def parse_date(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def date_start(value: Any, tz: ZoneInfo) -> datetime | None:
    """A date field read as the start of that day in the business timezone."""
    day = parse_date(value)
    return None if day is None else datetime.combine(day, time(0), tzinfo=tz)


def format_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime(ODOO_DATETIME)


def m2o_id(value: Any) -> int | None:
    """[id, display_name] -> id; False -> None."""
    if isinstance(value, (list, tuple)) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def m2o_name(value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and len(value) > 1:
        return str(value[1])
    return None


def display(value: Any) -> str:
    """A wire value as a person reads it: many2one by name, empty as an em dash."""
    if value is False or value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], int):
        return str(value[1])
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
