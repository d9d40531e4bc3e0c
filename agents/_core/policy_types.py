"""Small validated values of policies (names, ids, dates, time zones, cron), each refusing bad input with its fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, PlainSerializer, PlainValidator, WithJsonSchema

from agents._core import messages as m
from agents._core.messages import PolicyMessage
from agents._core.policy_errors import invalid, quote


def _matching(pattern: str, message: PolicyMessage, **values: str) -> Callable[[str], str]:
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise invalid(message, value=quote(value), **values)
        return value

    return check


FieldName = Annotated[str, AfterValidator(_matching(r"[a-z_][a-z0-9_]*", m.POLICY_NOT_FIELD))]
ModelName = Annotated[str, AfterValidator(_matching(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", m.POLICY_NOT_MODEL))]
XmlId = Annotated[str, AfterValidator(_matching(r"[a-z0-9_]+\.[A-Za-z0-9_]+", m.POLICY_NOT_XML_ID))]
OdooLogin = Annotated[str, AfterValidator(_matching(r"\S+", m.POLICY_NOT_LOGIN))]
# Slack ids, not names: names change and are not unique, ids are what Slack sends back with a click.
SlackUserId = Annotated[str, AfterValidator(_matching(r"[UW][A-Z0-9]{2,}", m.POLICY_NOT_SLACK_USER))]
SlackGroupId = Annotated[str, AfterValidator(_matching(r"S[A-Z0-9]{2,}", m.POLICY_NOT_SLACK_GROUP))]
SlackChannel = Annotated[str, AfterValidator(_matching(r"#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,}", m.POLICY_NOT_CHANNEL))]
RuleId = Annotated[str, AfterValidator(_matching(r"[a-z0-9_]+", m.POLICY_NOT_SLUG, what="rule id", example="po_waiting_approval"))]
AgentName = Annotated[str, AfterValidator(_matching(r"[a-z0-9_]+", m.POLICY_NOT_SLUG, what="agent name", example="approval_watcher"))]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # 2026-02-30: the right shape, not a day
    raise invalid(m.POLICY_NOT_DATE, value=quote(value))


PolicyDate = Annotated[
    date,
    PlainValidator(_date),
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
        return value
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    names = {name.lower(): name for name in available_timezones()}
    guess = difflib.get_close_matches(value.lower().replace(" ", "_"), names, n=1, cutoff=0.8)
    if guess:
        raise invalid(m.POLICY_NOT_TIMEZONE_GUESS, value=quote(value), guess=quote(names[guess[0]]))
    raise invalid(m.POLICY_NOT_TIMEZONE, value=quote(value))


Timezone = Annotated[str, AfterValidator(_timezone)]

def _cron(value: str) -> str:
    """Five crontab fields that both croniter (previews, backtests) and APScheduler 3 (the scheduler) accept."""
    from apscheduler.triggers.cron import CronTrigger
    from croniter import croniter

    fields = value.split()
    if len(fields) != 5:
        raise invalid(m.POLICY_CRON_FIELDS, value=quote(value), count=len(fields))
    if _numeric_weekday(fields[4]):
        raise invalid(m.POLICY_CRON_WEEKDAY_NUMBER, value=quote(fields[4]))
    try:
        CronTrigger.from_crontab(value, timezone="UTC")  # first: its messages name the bad field
        croniter(value)
    except (ValueError, KeyError) as exc:
        reason = str(exc).replace(f"[{value}] ", "").removeprefix("Error validating expression ")
        raise invalid(m.POLICY_CRON_BAD, value=quote(value), reason=reason) from None
    return value


def _numeric_weekday(field: str) -> bool:
    """True when the weekday field counts days by number (`1-5`, `*/2`), which schedulers disagree on.

    APScheduler 3's from_crontab counts 0 as Monday and cron as Sunday (apscheduler#286, kept for
    compatibility in 3.x); day names, and steps over named ranges, mean the same to both.
    """
    for part in field.split(","):
        base, _, step = part.partition("/")
        if any(char.isdigit() for char in base) or (step and base == "*"):
            return True
    return False


CronExpression = Annotated[str, AfterValidator(_cron)]
