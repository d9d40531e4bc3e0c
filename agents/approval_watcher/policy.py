"""approval_watcher's policy: its rule types (stalled, split_purchase, amount_outlier) on the shared policy models."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from agents._core import messages as m
from agents._core.policy import (
    AgentPolicy, Duration, FieldName, ModelName, OdooDomain, RuleBase, union_tags, yaml_example,
)  # fmt: skip
from agents._core.policy_errors import each_once, invalid, quote

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
        return each_once(fields)

    def age_field(self) -> str:
        """The field the age is measured from (for state_change, the state field's tracking)."""
        if self.age_source == "state_change":
            return self.state_field
        return self.age_source.removeprefix("field:")

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(self.fields) | {self.age_field()}


class _AmountRule(RuleBase):
    """What the anomaly rules share: which orders they look at, their amount and date, what they show."""

    model: ModelName = "purchase.order"
    domain: OdooDomain = Field(json_schema_extra=yaml_example('domain: [["state", "in", ["to approve", "purchase"]]]'))
    amount_field: FieldName = "amount_total"
    date_field: FieldName = "date_order"
    fields: list[FieldName] = Field(min_length=1, json_schema_extra=yaml_example("fields: [name, partner_id, amount_total, user_id]"))

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(self.fields) | {self.amount_field, self.date_field}


class SplitPurchaseRule(_AmountRule):
    """Several orders by one requester or to one vendor, each just under the approval amount, adding up past it."""

    type: Literal["split_purchase"] = "split_purchase"
    group_by: list[FieldName] = Field(default=["user_id", "partner_id"], min_length=1)  # each is a way to split
    approval_amount: float = Field(gt=0, json_schema_extra=yaml_example("approval_amount: 5000"))
    just_under: float = Field(default=0.25, gt=0, lt=1)  # "just under" = within this fraction below the amount
    window: Duration = Field(json_schema_extra=yaml_example("window: 7d"))  # calendar time between first and last order
    min_orders: int = Field(default=2, ge=2)

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(self.group_by)


class AmountOutlierRule(_AmountRule):
    """An order far above its vendor's history, by a robust z-score (median and MAD) on the last orders."""

    type: Literal["amount_outlier"] = "amount_outlier"
    history_domain: OdooDomain = Field(json_schema_extra=yaml_example('history_domain: [["state", "=", "purchase"]]'))
    group_by: FieldName = "partner_id"
    history: int = Field(default=20, ge=3)  # how many past orders of the vendor count
    min_history: int = Field(default=5, ge=3)  # fewer past orders: no verdict (skipped with the reason)
    z_threshold: float = Field(default=3.5, gt=0)  # Iglewicz and Hoaglin's cut-off for modified z-scores

    def fields_read(self) -> set[str]:
        return super().fields_read() | {self.group_by}


# A new rule type is one class above plus one member here.
RuleSpec = Annotated[StalledRule | SplitPurchaseRule | AmountOutlierRule, Field(discriminator="type")]


class ApprovalWatcherPolicy(AgentPolicy):
    rules: list[RuleSpec] = Field(json_schema_extra=yaml_example("rules: [{id: po_waiting_approval, type: stalled, ...}]"))


POLICY_MODEL = ApprovalWatcherPolicy
RULE_TYPES: tuple[str, ...] = union_tags(RuleSpec)
