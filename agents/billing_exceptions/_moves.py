"""What the billing rules share: the moves a rule looks at, their amounts in company currency, and the finding."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from agents._core.odoo.gateway import Domain, Record
from agents._core.odoo.values import format_datetime, m2o_id, m2o_name, parse_datetime
from agents._core.privacy import MASK, shared_label
from agents._core.watcher import Evidence, Finding, ScanContext
from agents.billing_exceptions.policy import BillingExceptionsPolicy, MoveRule

MOVE = "account.move"
# Read by every rule whatever the policy shows: the name, the age, the money and its currency.
BASE_FIELDS = ("display_name", "create_date", "move_type", "state", "payment_state", "currency_id", "amount_total",
               "amount_residual")  # fmt: skip
_SIGNED = ("amount_total_signed", "amount_residual_signed")  # company currency (Odoo 13+); absent: the move's own amounts
_BAD_DATA = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError)
T = TypeVar("T")


def scope(ctx: ScanContext, rule: MoveRule, *, states: Iterable[str], extra: Domain = ()) -> Domain:
    """The moves a rule looks at: its types, states and payment states, its own filter; one record when re-verifying."""
    domain: Domain = [("move_type", "in", list(rule.move_types)), ("state", "in", list(states))]
    if rule.payment_states is not None:
        domain.append(("payment_state", "in", list(rule.payment_states)))
    domain += [*extra, *rule.domain]
    if ctx.only is not None:
        domain.insert(0, ("id", "=", ctx.only.res_id))
    return domain


def fields_for(ctx: ScanContext, rule: MoveRule, *needed: str) -> list[str]:
    available = ctx.gateway.fields_get(MOVE)
    signed = [f for f in _SIGNED if f in available]
    return sorted(set(BASE_FIELDS) | set(signed) | rule.fields_read() | set(needed))


def guarded(ctx: ScanContext, rule: MoveRule, rows: Iterable[Record], evaluate: Callable[[Record], T | None]) -> list[T]:
    """Evaluate each move on its own: odd data in one record is skipped with its reason, the run goes on."""
    results = []
    for row in rows:
        try:
            result = evaluate(row)
        except _BAD_DATA as exc:
            ctx.skip(MOVE, int(row.get("id") or 0), f"rule {rule.id}: unreadable data ({type(exc).__name__}: {exc})")
            continue
        if result is not None:
            results.append(result)
    return results


def shared(ctx: ScanContext, field: str, text: str) -> str:
    """Evidence quotes a record's value only if the policy shares that field: the same rule as for the record itself."""
    return text if field in ctx.policy.privacy.share else MASK


def entered_before(ctx: ScanContext, rule: MoveRule) -> Domain:
    """Business time never exceeds calendar time: a move entered more recently cannot have reached the first step."""
    return [("create_date", "<=", format_datetime(ctx.now - rule.ladder[0].after))]


def company_amount(row: Record, field: str) -> float:
    """An amount in company currency, unsigned: Odoo's *_signed field when the server has it."""
    signed = row.get(f"{field}_signed")
    if isinstance(signed, (int, float)) and not isinstance(signed, bool):
        return abs(float(signed))
    return abs(float(row.get(field) or 0.0))


def to_company(row: Record, amount: float) -> float:
    """An amount in the move's currency, converted at the move's own rate (total vs signed total)."""
    total = float(row.get("amount_total") or 0.0)
    return amount * company_amount(row, "amount_total") / total if total else amount


def money(amount: float, row: Record) -> str:
    currency = m2o_name(row.get("currency_id"))
    return f"{amount:,.2f} {currency}" if currency else f"{amount:,.2f}"


def entered(row: Record) -> datetime:
    created = parse_datetime(row.get("create_date"))
    if created is None:
        raise ValueError("no create_date")
    return created


def business_hours(duration: timedelta) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours:g} business hour{'' if hours == 1 else 's'}"


def calendar_days(duration: timedelta) -> str:
    days = duration.total_seconds() / 86400
    return f"{days:g} day{'' if days == 1 else 's'}"


def finding(
    ctx: ScanContext,
    rule: MoveRule,
    row: Record,
    *,
    age: timedelta,  # what the ladder's `after` is compared with
    unit: Callable[[timedelta], str],  # how a threshold reads: "16 business hours", "30 days"
    label: str,  # the first threshold's name: "overdue after"
    age_days: float,  # calendar age for ranking
    at_stake: float,  # company currency, for ranking
    headline: str,
    measured: dict[str, str],
    numbers: dict[str, float],
    related: dict[str, tuple[str, int]] | None = None,
    limits: dict[str, str] | None = None,  # the rule's other thresholds, e.g. its tolerance
) -> Finding | None:
    """A finding when `age` reaches a ladder step, ranked by amount at stake x age with the policy's weights."""
    step = rule.step_for(age)
    if step is None:
        return None
    thresholds = {**(limits or {}), label: unit(rule.ladder[0].after)}
    if step > 0:
        thresholds[f"step {step + 1} after"] = unit(rule.ladder[step].after)
    policy: BillingExceptionsPolicy = ctx.policy  # type: ignore[assignment]
    score = (1 + max(at_stake, 0.0)) ** policy.ranking.amount_weight * (1 + max(age_days, 0.0)) ** policy.ranking.age_weight
    return Finding(
        rule_id=rule.id,
        rule_type=rule.type,
        model=MOVE,
        res_id=int(row["id"]),
        name=str(row.get("display_name") or row.get("name") or f"{MOVE}#{row['id']}"),
        step=step,
        evidence=Evidence(headline, thresholds, measured, numbers, related=related or {}),
        record={f: row.get(f) for f in rule.fields},
        subject_user_id=m2o_id(row.get(rule.subject_field)) if rule.subject_field else None,
        score=round(score, 4),
    )


def describe(ctx: ScanContext, row: Record) -> str:
    """Another move as evidence names it: its number (if names are shared) and state, never its partner."""
    state = row.get("state")
    payment = row.get("payment_state")
    status = f"{state}, {payment}" if state == "posted" and payment else str(state)
    return f"{label(ctx, row)} ({status})"


def label(ctx: ScanContext, row: Record) -> str:
    """Another move's number if names are shared, else a neutral reference: the same rule as a proposal's label."""
    return shared_label(str(row.get("display_name") or row.get("name")), MOVE, int(row["id"]), ctx.policy.privacy.share)


def since_entered(ctx: ScanContext, row: Record) -> tuple[timedelta, float, datetime]:
    """Business time since the move was entered, calendar days since then, and the instant."""
    created = entered(row)
    return ctx.calendar.between(created, ctx.now), (ctx.now - created).total_seconds() / 86400, created
