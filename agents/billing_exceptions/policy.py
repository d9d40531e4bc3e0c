"""billing_exceptions' policy: six rule types over account.move, and how findings are ranked."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator

from agents._core.policy import AgentPolicy, Duration, FieldName, OdooDomain, RuleBase, union_tags, yaml_example
from agents._core.policy_errors import each_once
from agents._core.policy_sections import Strict

MoveType = Literal["out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt", "entry"]
PaymentState = Literal["not_paid", "in_payment", "paid", "partial", "reversed", "blocked", "invoicing_legacy"]
OpenState = Literal["draft", "posted"]

BILLS: list[MoveType] = ["in_invoice", "in_refund"]
UNPAID: list[PaymentState] = ["not_paid", "partial"]
SHOWN = ["name", "partner_id", "move_type", "amount_total", "amount_residual", "currency_id", "invoice_date",
         "invoice_date_due", "invoice_user_id", "state"]  # fmt: skip



class MoveRule(RuleBase):
    """What every billing rule shares: which journal entries it looks at, and what a proposal shows of them."""

    move_types: list[MoveType] = Field(min_length=1)
    payment_states: list[PaymentState] | None = None  # None: any payment state
    domain: OdooDomain = []  # an extra filter, e.g. [["company_id", "=", 1]] or [["journal_id.code", "=", "BILL"]]
    fields: list[FieldName] = Field(list(SHOWN), min_length=1)  # read from Odoo and shown (name first)
    subject_field: FieldName | None = "invoice_user_id"  # the responsible accountant (four-eyes, `assign_to: subject`)

    @field_validator("fields", "move_types", "payment_states", "states", "billed_over", "compare", check_fields=False)
    @classmethod
    def _listed_once(cls, values: list[str] | None) -> list[str] | None:
        return values if values is None else each_once(values)

    def fields_read(self) -> set[str]:
        return super().fields_read() | set(self.fields)


class OverdueRule(MoveRule):
    """Posted invoices and bills, unpaid or partly paid, past their due date. `after` = calendar days past due."""

    type: Literal["overdue"] = "overdue"
    move_types: list[MoveType] = Field(["out_invoice", "in_invoice"], min_length=1)
    payment_states: list[PaymentState] | None = Field(list(UNPAID), min_length=1)
    min_amount_due: float = Field(0.01, ge=0)  # in company currency: a balance below this is not chased


class DraftAgingRule(MoveRule):
    """Vendor bills left in draft. `after` = business hours since the bill was entered."""

    type: Literal["draft_aging"] = "draft_aging"
    move_types: list[MoveType] = Field(list(BILLS), min_length=1)


class PoMismatchRule(MoveRule):
    """Bill lines above their purchase order line. `after` = business hours since the bill was entered."""

    type: Literal["po_mismatch"] = "po_mismatch"
    move_types: list[MoveType] = Field(["in_invoice"], min_length=1)
    states: list[OpenState] = Field(["draft", "posted"], min_length=1)
    payment_states: list[PaymentState] | None = Field(list(UNPAID), min_length=1)
    billed_over: list[Literal["ordered", "received"]] = Field(["ordered", "received"], min_length=1)
    compare: list[Literal["quantity", "amount"]] = Field(["quantity", "amount"], min_length=1)
    # An excess within either tolerance is accepted (the larger wins): 2% of 50.00 is 1.00, so amount 5.00 lets 4.00 pass.
    tolerance_percent: float = Field(0.0, ge=0)
    tolerance_amount: float = Field(0.0, ge=0)  # in the bill's currency; quantities use the percentage only


class DuplicateBillRule(MoveRule):
    """The same vendor and reference, or the same vendor, amount and nearby date. `after` = business hours since entered."""

    type: Literal["duplicate_bill"] = "duplicate_bill"
    move_types: list[MoveType] = Field(["in_invoice"], min_length=1)
    states: list[OpenState] = Field(["draft", "posted"], min_length=1)  # of the suspected duplicate; the original may be paid
    payment_states: list[PaymentState] | None = Field(list(UNPAID), min_length=1)
    match_reference: bool = True  # references compared ignoring case, spaces and punctuation
    same_amount_within: Duration | None = timedelta(days=7)  # bill dates this close with the same total; null: off
    lookback: Duration = timedelta(days=365)  # how far back an original is looked for (by bill date)


class MissingDocumentRule(MoveRule):
    """Vendor bills with no attachment (no PDF or scan of the vendor's invoice). `after` = business hours since entered."""

    type: Literal["missing_document"] = "missing_document"
    move_types: list[MoveType] = Field(list(BILLS), min_length=1)
    states: list[OpenState] = Field(["draft", "posted"], min_length=1)
    payment_states: list[PaymentState] | None = Field(list(UNPAID), min_length=1)


class FlaggedRule(MoveRule):
    """Posted moves marked for review (`checked` false on Odoo 18+, `to_check` on <=17). `after` = business hours since entered."""

    type: Literal["flagged"] = "flagged"
    move_types: list[MoveType] = Field(["in_invoice", "in_refund", "out_invoice", "out_refund"], min_length=1)


BillingRule = OverdueRule | DraftAgingRule | PoMismatchRule | DuplicateBillRule | MissingDocumentRule | FlaggedRule
# A new rule type is one class above plus one member here.
RuleSpec = Annotated[BillingRule, Field(discriminator="type")]


class Ranking(Strict):
    """score = (1 + amount at stake) ^ amount_weight x (1 + age in days) ^ age_weight; a weight of 0 ignores that factor."""

    amount_weight: float = Field(1.0, ge=0, le=4)
    age_weight: float = Field(1.0, ge=0, le=4)


class BillingExceptionsPolicy(AgentPolicy):
    ranking: Ranking = Ranking()
    rules: list[RuleSpec] = Field(json_schema_extra=yaml_example("rules: [{id: overdue_invoices, type: overdue, ...}]"))


POLICY_MODEL = BillingExceptionsPolicy
RULE_TYPES: tuple[str, ...] = union_tags(RuleSpec)
