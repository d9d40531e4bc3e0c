"""Durations as policies write them ("90m", "16h", "2d", "1w", "1h30m") and back to that text."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

from agents._core import messages as m
from agents._core.policy_errors import invalid, quote

_UNITS = (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
# Units largest first, each at most once: "1h30m" reads unambiguously, "30m1h" is more likely a slip.
_PATTERN = re.compile("".join(rf"(?:(\d+){unit})?" for unit, _ in _UNITS))
# Far beyond any escalation or look-back, and far inside what dates can hold: `now + duration` never overflows.
MAX_DURATION = timedelta(days=3650)
MAX_DAYS = 365  # a count of days a policy gives (deadline_days, safety_days): a year ahead is already a mistake


def parse_duration(text: str) -> timedelta:
    """Parse "16h" into 16 hours; a ValueError carries the text an admin should see."""
    match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
    if not text or match is None:
        problem, fix = m.POLICY_NOT_DURATION.format(value=quote(text))
        raise ValueError(f"{problem} ({fix})")
    seconds = sum(int(n) * size for n, (_, size) in zip(match.groups(), _UNITS) if n is not None)
    if seconds > MAX_DURATION.total_seconds():  # checked on the integer: timedelta itself overflows on 99999999999d
        raise DurationTooLong(text)
    return timedelta(seconds=seconds)


class DurationTooLong(ValueError):
    def __init__(self, text: str) -> None:
        problem, fix = m.POLICY_DURATION_TOO_LONG.format(value=quote(text), maximum=format_duration(MAX_DURATION))
        super().__init__(f"{problem} ({fix})")
        self.text = text


def format_duration(td: timedelta) -> str:
    """Write 16 hours as "16h": the inverse of parse_duration.

    Weeks and days only when exact: in business time "1d16h" would read like calendar days, "40h" does not.
    """
    if td < timedelta(0):
        problem, fix = m.POLICY_DURATION_NEGATIVE.format(value=str(td))
        raise ValueError(f"{problem} ({fix})")
    seconds = int(td.total_seconds())
    for unit, size in _UNITS[:2]:
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    parts = []
    for unit, size in _UNITS[2:]:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0m"


def _validate(value: object) -> timedelta:
    if isinstance(value, timedelta):  # built in code, not read from YAML
        return value
    # A bare number is refused on purpose: 16 could mean seconds, minutes or hours.
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except DurationTooLong:
            raise invalid(m.POLICY_DURATION_TOO_LONG, value=quote(value), maximum=format_duration(MAX_DURATION)) from None
        except ValueError:  # not a duration at all, or digits beyond what int() reads
            pass
    raise invalid(m.POLICY_NOT_DURATION, value=quote(value))


Duration = Annotated[
    timedelta,
    PlainValidator(_validate),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _PATTERN.pattern, "examples": ["90m", "16h", "2d", "1h30m"]}),
]
