"""The plain sections of a policy (schedule, business hours, Slack, limits, privacy); rules build on them in policy.py."""

from __future__ import annotations

import re
import string
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from agents._core import messages as m
from agents._core.durations import Duration, format_duration
from agents._core.policy_errors import Problems, each_once, invalid, quote
from agents._core.policy_types import (
    CronExpression, FieldName, OdooLogin, PolicyDate, SlackChannel, SlackGroupId, SlackUserId, Timezone, XmlId,
)  # fmt: skip


def yaml_example(text: str) -> dict[str, Any]:
    """How a key is written; the loader shows it in the fix of a "missing" or "wrong type" problem."""
    return {"yaml_example": text}


class Strict(BaseModel):
    """Unknown keys are errors, not silently ignored: a typo must not quietly turn a check off.

    strict: no guessing between types either ("yes" is text in YAML 1.2, not true; "20" is text, not 20).
    allow_inf_nan=False: YAML's .inf and .nan are numbers to Python, and pass `gt=0` (.inf) or every bound test (.nan).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Schedule(Strict):
    every: Duration | None = None
    cron: CronExpression | None = None

    @field_validator("every")
    @classmethod
    def _not_too_often(cls, every: timedelta | None) -> timedelta | None:
        if every is not None and every < timedelta(minutes=1):
            raise invalid(m.POLICY_EVERY_TOO_SHORT, value=quote(format_duration(every)))
        return every

    @model_validator(mode="after")
    def _exactly_one(self) -> Schedule:
        if self.every is not None and self.cron is not None:
            raise invalid(m.POLICY_SCHEDULE_BOTH)
        if self.every is None and self.cron is None:
            raise invalid(m.POLICY_SCHEDULE_NEITHER)
        return self


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HOURS = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


def _clock(hour: str, minute: str) -> tuple[int, int] | None:
    h, mi = int(hour), int(minute)
    return (h, mi) if (h < 24 and mi < 60) or (h, mi) == (24, 0) else None


def _hours(value: str) -> str:
    match = _HOURS.fullmatch(value)
    start = _clock(match[1], match[2]) if match else None
    end = _clock(match[3], match[4]) if match else None
    if start is None or end is None or start == (24, 0):
        raise invalid(m.POLICY_NOT_HOURS, value=quote(value))
    if start >= end:
        raise invalid(m.POLICY_HOURS_ORDER, value=quote(value))
    return value


class BusinessHours(Strict):
    timezone: Timezone = Field(json_schema_extra=yaml_example("timezone: America/New_York"))
    days: list[Weekday] = Field(min_length=1, json_schema_extra=yaml_example("days: [mon, tue, wed, thu, fri]"))
    hours: Annotated[str, AfterValidator(_hours)] = Field(json_schema_extra=yaml_example('hours: "08:00-18:00"'))
    holidays: list[PolicyDate] = []

    @field_validator("days")
    @classmethod
    def _each_day_once(cls, days: list[str]) -> list[str]:
        return each_once(days)

    @property
    def start(self) -> time:
        return time(int(self.hours[0:2]), int(self.hours[3:5]))

    @property
    def end(self) -> time:
        """Closing time; "24:00" is the end of the day."""
        hour, minute = int(self.hours[6:8]), int(self.hours[9:11])
        return time.max if hour == 24 else time(hour, minute)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _time_of_day(value: str) -> str:
    if not _TIME_OF_DAY.fullmatch(value):
        raise invalid(m.POLICY_NOT_TIME_OF_DAY, value=quote(value))
    return value


class Digest(Strict):
    """The daily digest to the agent's Slack channel, sent at `at` in business_hours.timezone."""

    at: Annotated[str, AfterValidator(_time_of_day)] = Field(json_schema_extra=yaml_example('at: "08:30"'))

    @property
    def time(self) -> time:
        return time(int(self.at[:2]), int(self.at[3:]))


class Approvers(Strict):
    slack_users: list[SlackUserId] = []
    slack_groups: list[SlackGroupId] = []
    odoo_groups: list[XmlId] = []
    odoo_users: list[OdooLogin] = []

    def is_empty(self) -> bool:
        return not (self.slack_users or self.slack_groups or self.odoo_groups or self.odoo_users)


class SlackSettings(Strict):
    channel: SlackChannel = Field(json_schema_extra=yaml_example('channel: "#clinic-approvals"'))
    approvers: Approvers = Field(json_schema_extra=yaml_example("approvers: {odoo_groups: [purchase.group_purchase_manager]}"))
    four_eyes: bool = True  # the requester/responsible of an item may not approve its escalation


class Limits(Strict):
    per_run: int = Field(20, ge=1)
    per_day: int = Field(200, ge=1)
    cooldown: Duration = timedelta(hours=24)
    proposal_ttl: Duration = timedelta(hours=24)

    @field_validator("proposal_ttl")
    @classmethod
    def _ttl_positive(cls, ttl: timedelta) -> timedelta:
        # A zero ttl would expire every proposal before anyone could answer it.
        if ttl <= timedelta(0):
            raise invalid(m.POLICY_TOO_SMALL, value=quote(format_duration(ttl)), minimum="1m")
        return ttl


def _pseudonym_template(value: str) -> str:
    try:
        placeholders = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError:  # an unbalanced brace
        placeholders = []
    if placeholders != ["id"]:
        raise invalid(m.POLICY_PSEUDONYM_TEMPLATE, value=quote(value))
    return value


class Pseudonym(Strict):
    """A shared many2one to res.partner, shown as `show_as` when the partner (or its company) carries one of the tags."""

    field: FieldName = Field(json_schema_extra=yaml_example("field: partner_id"))
    # res.partner tags (Contacts > Tags, res.partner.category) by name; a tag's sub-tags count too
    when_partner_tags: list[str] = Field(min_length=1, json_schema_extra=yaml_example("when_partner_tags: [Patient]"))
    show_as: Annotated[str, AfterValidator(_pseudonym_template)] = Field(json_schema_extra=yaml_example('show_as: "patient #{id}"'))


class Privacy(Strict):
    share: list[FieldName] = []  # fields that may leave Odoo (Slack, LLM); AgentPolicy checks a rule reads each
    pseudonymize: list[Pseudonym] = []  # shared fields that name people: shown under a pseudonym, never by name

    @field_validator("share")
    @classmethod
    def _each_field_once(cls, share: list[str]) -> list[str]:
        return each_once(share)

    @model_validator(mode="after")
    def _pseudonyms_are_shared(self) -> Privacy:
        problems = Problems()
        seen: list[str] = []
        for i, entry in enumerate(self.pseudonymize):
            if entry.field in seen:
                problems.add(m.POLICY_REPEATED, at=("pseudonymize", i, "field"), value=quote(entry.field))
            elif entry.field not in self.share:
                problems.add(m.POLICY_PSEUDONYM_NOT_SHARED, at=("pseudonymize", i, "field"), value=quote(entry.field))
            seen.append(entry.field)
        problems.raise_any()
        return self
