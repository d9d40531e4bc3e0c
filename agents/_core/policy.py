"""The policy models every agent shares: strict shape, cross-field checks, and the loader's public names."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import AfterValidator, Field, field_validator, model_validator

from agents._core import messages as m
from agents._core.durations import MAX_DAYS, Duration, format_duration, parse_duration
from agents._core.odoo_versions import VersionRange
from agents._core.policy_domain import OdooDomain
from agents._core.policy_errors import PolicyError, PolicyProblem, Problems, invalid, quote
from agents._core.policy_loader import LoadedPolicy, load_policy
from agents._core.policy_sections import (
    Approvers, BusinessHours, Digest, Limits, Privacy, Schedule, SlackSettings, Strict, yaml_example,
)  # fmt: skip
from agents._core.policy_types import AgentName, FieldName, ModelName, RuleId

__all__ = [
    "ACTION_TYPES", "ActionSpec", "AgentPolicy", "Approvers", "BusinessHours", "Digest", "Duration", "FieldName", "FlagForReviewSpec", "LadderStep",
    "Limits", "LoadedPolicy", "ModelName", "OdooDomain", "PolicyError", "PolicyProblem", "PostNoteSpec", "Privacy",
    "ReassignSpec", "RuleBase", "Schedule", "ScheduleActivitySpec", "SlackSettings", "format_duration", "load_policy",
    "CreateRfqSpec", "UpdateReorderMinSpec",
    "parse_duration", "union_tags", "yaml_example",
]  # fmt: skip


_LOGIN = r"login:\S+"
_GROUP = r"group:[a-z0-9_]+\.[A-Za-z0-9_]+"  # an XML id: <module>.<name>
_ASSIGNEE = re.compile(rf"subject|{_LOGIN}|{_GROUP}|field:[a-z_][a-z0-9_]*")
_PERSON = re.compile(rf"{_LOGIN}|{_GROUP}")


def _assignee(value: str) -> str:
    if not _ASSIGNEE.fullmatch(value):
        raise invalid(m.POLICY_NOT_ASSIGNEE, value=quote(value))
    return value


# Who an action is for: `subject` (the rule's subject_field) | `login:<odoo login>` | `group:<XML id of an Odoo group>`
# (one active user of it, see agents/_core/assignees.py) | `field:<res.users field of the record>`.
AssignTo = Annotated[str, AfterValidator(_assignee)]


class PostNoteSpec(Strict):
    type: Literal["post_note"] = "post_note"


class ScheduleActivitySpec(Strict):
    type: Literal["schedule_activity"] = "schedule_activity"
    assign_to: AssignTo = "subject"
    deadline_days: int = Field(1, ge=1, le=MAX_DAYS)
    max_deadline_days: int = Field(1, ge=1, le=MAX_DAYS)  # a drafter may pick a deadline up to this; defaults to deadline_days
    summary: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _max_defaults_to_deadline(cls, data: Any) -> Any:
        if isinstance(data, dict) and "max_deadline_days" not in data and isinstance(data.get("deadline_days"), int):
            return {**data, "max_deadline_days": data["deadline_days"]}
        return data

    @model_validator(mode="after")
    def _bounds(self) -> ScheduleActivitySpec:
        if self.max_deadline_days < self.deadline_days:
            raise invalid(
                m.POLICY_DEADLINE_BOUNDS, at=("max_deadline_days",), maximum=self.max_deadline_days, days=self.deadline_days
            )
        return self


class ReassignSpec(Strict):
    type: Literal["reassign"] = "reassign"
    field: FieldName = "user_id"
    assign_to: AssignTo = Field(json_schema_extra=yaml_example("assign_to: group:account.group_account_manager"))


class FlagForReviewSpec(Strict):
    """Mark the record for review in Odoo (a journal entry: `checked` false on 18+, `to_check` on <=17) with a note."""

    type: Literal["flag_for_review"] = "flag_for_review"


def _person_ref(value: str) -> str:
    if not _PERSON.fullmatch(value):
        raise invalid(m.POLICY_NOT_PERSON_REF, value=quote(value))
    return value


PersonRef = Annotated[str, AfterValidator(_person_ref)]  # `login:<odoo login>` | `group:<XML id of an Odoo group>`


class CreateRfqSpec(Strict):
    """A draft request for quotation to the product's main vendor, for the quantity the finding computed."""

    type: Literal["create_rfq"] = "create_rfq"


class UpdateReorderMinSpec(Strict):
    """Raise a reorder rule's minimum to the value the finding computed, never above max_factor x the current one."""

    type: Literal["update_reorder_min"] = "update_reorder_min"
    max_factor: float = Field(1.5, ge=1.1, le=10)  # the new minimum is at most this times the current one
    # People told with a to-do activity on the product, e.g. procurement and finance.
    notify: list[PersonRef] = Field([], json_schema_extra=yaml_example("notify: [group:purchase.group_purchase_manager]"))
    deadline_days: int = Field(2, ge=1, le=MAX_DAYS)


# A new action is one class here plus one member of this union.
ActionSpec = Annotated[
    PostNoteSpec | ScheduleActivitySpec | ReassignSpec | FlagForReviewSpec | CreateRfqSpec | UpdateReorderMinSpec,
    Field(discriminator="type"),
]


def union_tags(spec: object) -> tuple[str, ...]:
    """The `type` values of a discriminated union of models (or of a single model), in declaration order."""
    members = get_args(spec)[0] if get_origin(spec) is Annotated else spec
    classes = get_args(members) or (members,)
    return tuple(tag for cls in classes for tag in get_args(cls.model_fields["type"].annotation))


ACTION_TYPES: tuple[str, ...] = union_tags(ActionSpec)


class LadderStep(Strict):
    after: Duration = Field(json_schema_extra=yaml_example("after: 16h"))
    actions: list[ActionSpec] = Field(min_length=1, json_schema_extra=yaml_example("actions: [{type: post_note}]"))
    approvers: Approvers | None = None  # who may decide at this step; slack.approvers when absent

    @field_validator("approvers")
    @classmethod
    def _not_empty(cls, approvers: Approvers | None) -> Approvers | None:
        if approvers is not None and approvers.is_empty():
            raise invalid(m.POLICY_STEP_APPROVERS_EMPTY)
        return approvers


class RuleBase(Strict):
    """What every rule type has; a rule type adds its parameters and says which fields it reads."""

    id: RuleId = Field(json_schema_extra=yaml_example("id: po_waiting_approval"))
    type: str
    # The res.users field naming the person an item is about: four-eyes, and `assign_to: subject`.
    subject_field: FieldName | None = None
    # The Odoo versions the rule applies to (">=19", "<19"): elsewhere it is skipped, with the reason in the run log.
    odoo_version: VersionRange | None = Field(None, json_schema_extra=yaml_example('odoo_version: ">=19"'))
    ladder: list[LadderStep] = Field(min_length=1, json_schema_extra=yaml_example("ladder: [{after: 16h, actions: [{type: post_note}]}]"))

    def fields_read(self) -> set[str]:
        """Every field the rule reads from Odoo: only these can be shared, shown or assigned from."""
        return {self.subject_field} if self.subject_field else set()

    def step_for(self, age: timedelta) -> int | None:
        """The highest ladder step an item of this age has reached, or None below the first."""
        reached = [i for i, step in enumerate(self.ladder) if step.after <= age]
        return reached[-1] if reached else None

    @field_validator("ladder")
    @classmethod
    def _ladder_climbs(cls, ladder: list[LadderStep]) -> list[LadderStep]:
        problems = Problems()
        for j in range(1, len(ladder)):
            if ladder[j].after <= ladder[j - 1].after:
                problems.add(
                    m.POLICY_LADDER_ORDER, at=(j, "after"),
                    value=quote(format_duration(ladder[j].after)), before=format_duration(ladder[j - 1].after),
                )  # fmt: skip
        problems.raise_any()
        return ladder

    @model_validator(mode="after")
    def _assignees_are_read(self) -> RuleBase:
        problems = Problems()
        read = self.fields_read()
        for j, step in enumerate(self.ladder):
            for k, action in enumerate(step.actions):
                assign_to = getattr(action, "assign_to", None)
                at = ("ladder", j, "actions", k, "assign_to")
                if assign_to == "subject" and not self.subject_field:
                    problems.add(m.POLICY_ASSIGNEE_NO_SUBJECT, at=at)
                elif assign_to and assign_to.startswith("field:") and assign_to[6:] not in read:
                    problems.add(m.POLICY_ASSIGNEE_UNREAD, at=at, value=quote(assign_to), field=assign_to[6:])
        problems.raise_any()
        return self


class AgentPolicy(Strict):
    """One agent's policy file; each agent subclasses it to narrow `rules` to its own rule types."""

    agent: AgentName = Field(json_schema_extra=yaml_example("agent: approval_watcher"))
    mode: Literal["shadow", "live"] = "shadow"  # shadow: detect and record only
    schedule: Schedule = Field(json_schema_extra=yaml_example("schedule: {every: 15m}"))
    odoo: str = "default"  # a connection name; the loader checks it against the settings
    business_hours: BusinessHours = Field(json_schema_extra=yaml_example("business_hours: {timezone: America/New_York, ...}"))
    slack: SlackSettings = Field(json_schema_extra=yaml_example('slack: {channel: "#clinic-approvals", approvers: {...}}'))
    limits: Limits = Limits()
    privacy: Privacy = Privacy()
    digest: Digest | None = None  # the daily digest to slack.channel; none when absent (`runner.py digest` still works)
    rules: list[RuleBase] = Field(json_schema_extra=yaml_example("rules: [{id: po_waiting_approval, type: stalled, ...}]"))

    @model_validator(mode="after")
    def _cross_checks(self) -> AgentPolicy:
        problems = Problems()
        if not self.rules:
            problems.add(m.POLICY_EMPTY_LIST, at=("rules",))
        self._unique_rule_ids(problems)
        if self.mode == "live":
            self._someone_may_approve(problems)
        self._shared_fields_are_read(problems)
        problems.raise_any()
        return self

    def _unique_rule_ids(self, problems: Problems) -> None:
        first: dict[str, int] = {}
        for i, rule in enumerate(self.rules):
            if rule.id in first:
                problems.add(m.POLICY_DUPLICATE_RULE, at=("rules", i, "id"), value=quote(rule.id), first=f"rules[{first[rule.id]}]")
            first.setdefault(rule.id, i)

    def _someone_may_approve(self, problems: Problems) -> None:
        if not self.slack.approvers.is_empty():
            return
        steps = [(i, j) for i, rule in enumerate(self.rules) for j in range(len(rule.ladder))]
        uncovered = [(i, j) for i, j in steps if self.rules[i].ladder[j].approvers is None]
        if len(uncovered) == len(steps):  # nobody at all: one problem, where the fix goes
            problems.add(m.POLICY_LIVE_NO_APPROVERS, at=("slack", "approvers"))
            return
        for i, j in uncovered:
            problems.add(m.POLICY_LIVE_STEP_NO_APPROVERS, at=("rules", i, "ladder", j))

    def _shared_fields_are_read(self, problems: Problems) -> None:
        read: set[str] = set().union(*(rule.fields_read() for rule in self.rules))
        for k, name in enumerate(self.privacy.share):
            if name in read:
                continue
            guess = difflib.get_close_matches(name, sorted(read), n=1)
            if guess:
                problems.add(m.POLICY_SHARE_UNREAD_GUESS, at=("privacy", "share", k), value=quote(name), guess=quote(guess[0]))
            else:
                problems.add(m.POLICY_SHARE_UNREAD, at=("privacy", "share", k), value=quote(name))
