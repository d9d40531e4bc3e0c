"""approval_watcher's policy: its rule types (`stalled` for now) on top of the shared policy models."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from agents._core import messages as m
from agents._core.policy import AgentPolicy, FieldName, ModelName, OdooDomain, RuleBase, union_tags, yaml_example
from agents._core.policy_errors import Problems, invalid, quote

_AGE_SOURCE = re.compile(r"state_change|create_date|write_date|field:[a-z_][a-z0-9_]*")


def _age_source(value: str) -> str:
    if not _AGE_SOURCE.fullmatch(value):
        raise invalid(m.POLICY_AGE_SOURCE, value=quote(value))
    return value


class StalledRule(RuleBase):
    """Items of `model` matching `domain` that have waited longer than a ladder step, in business hours."""

    type: Literal["stalled"] = "stalled"
    model: ModelName = Field(json_schema_extra=yaml_example("model: purchase.order"))
    domain: OdooDomain = Field(json_schema_extra=yaml_example('domain: [["state", "=", "to approve"]]'))
    # state_change (mail tracking of state_field) | create_date | write_date | field:<date or datetime field>
    age_source: Annotated[str, AfterValidator(_age_source)] = Field(json_schema_extra=yaml_example("age_source: state_change"))
    state_field: FieldName = "state"
    fields: list[FieldName] = Field(min_length=1, json_schema_extra=yaml_example("fields: [name, partner_id, amount_total, user_id, state]"))

    @field_validator("fields")
    @classmethod
    def _each_field_once(cls, fields: list[str]) -> list[str]:
        problems = Problems()
        for i, name in enumerate(fields):
            if name in fields[:i]:
                problems.add(m.POLICY_REPEATED, at=(i,), value=quote(name))
        problems.raise_any()
        return fields

    def age_field(self) -> str:
        """The field the age is measured from (for state_change, the state field's tracking)."""
        if self.age_source == "state_change":
            return self.state_field
        return self.age_source.removeprefix("field:")

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(self.fields) | {self.age_field()}


# A new rule type is one class above plus one member here, e.g. StalledRule | SplitPurchaseRule.
RuleSpec = Annotated[StalledRule, Field(discriminator="type")]


class ApprovalWatcherPolicy(AgentPolicy):
    rules: list[RuleSpec] = Field(json_schema_extra=yaml_example("rules: [{id: po_waiting_approval, type: stalled, ...}]"))


POLICY_MODEL = ApprovalWatcherPolicy
RULE_TYPES: tuple[str, ...] = union_tags(RuleSpec)
