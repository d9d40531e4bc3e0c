"""supply_watcher's policy: four rule types over reorder rules and receipts, and which products are critical."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from agents._core import messages as m
from agents._core.durations import MAX_DAYS, format_duration
from agents._core.policy import AgentPolicy, Duration, OdooDomain, RuleBase, union_tags, yaml_example
from agents._core.policy_errors import Problems, invalid, quote
from agents._core.policy_sections import Strict

Usage = Literal["customer", "production", "inventory"]  # where consumed stock goes (stock.location usage)
DEFAULT_USAGES: list[Usage] = ["customer", "production"]

# What a finding on a reorder rule shows (privacy.share picks among these). vendor_id is the product's main vendor.
REORDER_FACTS = ("name", "product_id", "warehouse_id", "product_min_qty", "product_max_qty", "qty_forecast", "vendor_id")
RECEIPT_FACTS = ("name", "partner_id", "origin", "scheduled_date", "user_id", "picking_type_id")


class Critical(Strict):
    """Products that rank first: by category (its sub-categories count too) or by product tag, by name."""

    categories: list[str] = Field([], json_schema_extra=yaml_example("categories: [Critical]"))
    tags: list[str] = Field([], json_schema_extra=yaml_example('tags: ["Crash cart"]'))


class _SupplyRule(RuleBase):
    allowed_actions: ClassVar[tuple[str, ...]]
    target: ClassVar[str]  # what the actions run on, for the error message

    @model_validator(mode="after")
    def _actions_fit_the_record(self) -> _SupplyRule:
        problems = Problems()
        for j, step in enumerate(self.ladder):
            for k, action in enumerate(step.actions):
                if action.type not in self.allowed_actions:
                    problems.add(
                        m.POLICY_ACTION_NOT_FOR_RULE, at=("ladder", j, "actions", k, "type"), value=quote(action.type),
                        target=self.target, choices=", ".join(self.allowed_actions),
                    )  # fmt: skip
        problems.raise_any()
        return self


class _ReorderRule(_SupplyRule):
    """Watches reorder rules (stock.warehouse.orderpoint): one finding per product and warehouse."""

    # A reorder rule has no chatter in Odoo: notes and activities go through the two replenishment actions.
    allowed_actions: ClassVar[tuple[str, ...]] = ("create_rfq", "update_reorder_min")
    target: ClassVar[str] = "a reorder rule (stock.warehouse.orderpoint, which has no chatter)"
    domain: OdooDomain = Field([], json_schema_extra=yaml_example('domain: [["warehouse_id.code", "=", "NSC"]]'))

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(REORDER_FACTS)


def _whole_days(value: timedelta) -> timedelta:
    if value < timedelta(days=1) or value % timedelta(days=1):
        raise invalid(m.POLICY_NOT_WHOLE_DAYS, value=quote(format_duration(value)))
    return value


def _one_step(rule: RuleBase) -> None:
    if len(rule.ladder) != 1 or rule.ladder[0].after != timedelta(0):
        raise invalid(m.POLICY_ONE_STEP_ONLY, at=("ladder",), rule_type=rule.type)


class BelowMinRule(_ReorderRule):
    """A reorder rule whose forecast is under its minimum, with no open RFQ or purchase order for it."""

    type: Literal["below_min"] = "below_min"

    @model_validator(mode="after")
    def _single_step(self) -> BelowMinRule:
        _one_step(self)
        return self


class _ConsumptionRule(_ReorderRule):
    window: Duration = Field(timedelta(days=28), json_schema_extra=yaml_example("window: 28d"))  # whole days of use
    safety_days: int = Field(2, ge=0, le=MAX_DAYS)
    consumption_to: list[Usage] = Field(DEFAULT_USAGES, min_length=1)  # done moves from stock to these count as use

    @field_validator("window")
    @classmethod
    def _window_in_days(cls, window: timedelta) -> timedelta:
        return _whole_days(window)


class StockoutEtaRule(_ConsumptionRule):
    """Days of cover (available on hand / daily use) shorter than the main vendor's lead time plus safety days.

    The ladder's `after` counts calendar time since the last safe order date (stock-out date - lead time - safety
    days): `after: 0h` flags as soon as the cover is short, `after: 2d` once ordering is two days overdue.
    """

    type: Literal["stockout_eta"] = "stockout_eta"
    skip_if_ordered: bool = True  # an open RFQ or purchase order for the product and warehouse is the remedy already


class LeadTimeDriftRule(_ConsumptionRule):
    """The main vendor's last receipts took longer than its stated delay: raise the reorder point to cover it."""

    type: Literal["lead_time_drift"] = "lead_time_drift"
    last_receipts: int = Field(5, ge=1)
    min_receipts: int = Field(3, ge=1)
    exceeds_by_percent: int = Field(50, ge=1)
    lookback: Duration = Field(timedelta(days=365), json_schema_extra=yaml_example("lookback: 365d"))

    @model_validator(mode="after")
    def _checks(self) -> LeadTimeDriftRule:
        _one_step(self)
        if self.min_receipts > self.last_receipts:
            raise invalid(m.POLICY_MORE_THAN, at=("min_receipts",), value=quote(self.min_receipts), other="last_receipts",
                          limit=self.last_receipts)
        return self


class LateReceiptRule(_SupplyRule):
    """Incoming transfers not done past their scheduled date; `after` counts business hours since that date."""

    allowed_actions: ClassVar[tuple[str, ...]] = ("post_note", "schedule_activity", "reassign")
    target: ClassVar[str] = "a receipt (stock.picking)"
    type: Literal["late_receipt"] = "late_receipt"
    domain: OdooDomain = Field([], json_schema_extra=yaml_example('domain: [["partner_id.name", "ilike", "Cardinal"]]'))

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(RECEIPT_FACTS)


RuleSpec = Annotated[BelowMinRule | StockoutEtaRule | LateReceiptRule | LeadTimeDriftRule, Field(discriminator="type")]
ReorderRule = BelowMinRule | StockoutEtaRule | LeadTimeDriftRule


class SupplyWatcherPolicy(AgentPolicy):
    critical: Critical = Critical()
    rules: list[RuleSpec] = Field(json_schema_extra=yaml_example("rules: [{id: below_minimum, type: below_min, ...}]"))


POLICY_MODEL = SupplyWatcherPolicy
RULE_TYPES: tuple[str, ...] = union_tags(RuleSpec)
