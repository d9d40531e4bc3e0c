"""`duplicate_bill`: the same vendor and reference (ignoring case, spaces, punctuation), or the same total nearby."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import m2o_id, parse_date
from agents._core.watcher import Finding, ScanContext
from agents.billing_exceptions import _moves as mv
from agents.billing_exceptions.policy import DuplicateBillRule

_NOT_ALNUM = re.compile(r"[\W_]+")
SUSPECT_FIELDS = ("commercial_partner_id", "partner_id", "ref", "invoice_date", "date")
# What is read of every other bill of the suspects' vendors: just enough to match them (names come later, for the few).
MATCH_FIELDS = ["commercial_partner_id", "ref", "invoice_date", "date", "state", "payment_state", "currency_id", "amount_total"]
_MATCH_PAGE = 10_000  # small rows: fewer, larger pages


def normalized_reference(ref: object) -> str:
    """A vendor reference as compared: case, spaces and punctuation ignored ("INV-001 /A" = "inv001a")."""
    return _NOT_ALNUM.sub("", str(ref).casefold()) if ref else ""


def duplicate_bill(ctx: ScanContext, rule: DuplicateBillRule) -> list[Finding]:
    """An open bill that repeats another non-cancelled bill of the same vendor: same reference, or same total nearby."""
    fields = mv.fields_for(ctx, rule, *SUSPECT_FIELDS)
    domain = mv.scope(ctx, rule, states=rule.states, extra=mv.entered_before(ctx, rule))
    suspects = [row for page in ctx.gateway.pages(mv.MOVE, domain, fields) for row in page]
    if not suspects:
        return []
    others = _other_bills(ctx, rule, suspects)
    by_ref: dict[tuple[int, str], list[Record]] = defaultdict(list)
    by_amount: dict[tuple[int, int, float], list[Record]] = defaultdict(list)
    for other in others:
        vendor = _vendor(other)
        if vendor is None:
            continue
        if rule.match_reference and (ref := normalized_reference(other.get("ref"))):
            by_ref[(vendor, ref)].append(other)
        if rule.same_amount_within is not None and float(other.get("amount_total") or 0.0) > 0:
            by_amount[_amount_key(vendor, other)].append(other)
    matches = {m.row["id"]: m for m in mv.guarded(ctx, rule, suspects, lambda row: _duplicate(ctx, rule, row, by_ref, by_amount))}
    originals = sorted({m.original["id"] for m in matches.values()})
    names = {r["id"]: r["display_name"] for r in ctx.gateway.read(mv.MOVE, originals, ["display_name"])} if originals else {}
    return mv.guarded(ctx, rule, [row for row in suspects if row["id"] in matches],
                      lambda row: _duplicate_finding(ctx, rule, matches[row["id"]], names))


@dataclass(frozen=True)
class _Match:
    row: Record  # the suspected duplicate
    original: Record
    apart: int | None  # days between bill dates, for a match on the amount
    matched_ref: bool


def _other_bills(ctx: ScanContext, rule: DuplicateBillRule, suspects: list[Record]) -> list[Record]:
    """Non-cancelled bills of the suspects' vendors within the lookback, in any payment state: a paid original counts."""
    vendors = sorted({vendor for row in suspects if (vendor := _vendor(row)) is not None})
    if not vendors:
        return []
    dates = [d for row in suspects if (d := _bill_date(row)) is not None]
    since = (min(dates) if dates else ctx.now.date()) - rule.lookback
    domain = [("move_type", "in", list(rule.move_types)), ("state", "!=", "cancel"), ("commercial_partner_id", "in", vendors),
              "|", ("invoice_date", "=", False), ("invoice_date", ">=", since.isoformat())]  # fmt: skip
    return [row for page in ctx.gateway.pages(mv.MOVE, domain, MATCH_FIELDS, page_size=_MATCH_PAGE) for row in page]


def _duplicate(ctx: ScanContext, rule: DuplicateBillRule, row: Record, by_ref: dict[tuple[int, str], list[Record]],
               by_amount: dict[tuple[int, int, float], list[Record]]) -> _Match | None:  # fmt: skip
    vendor = _vendor(row)
    if vendor is None:
        ctx.skip(mv.MOVE, row["id"], f"rule {rule.id}: no vendor, so it cannot be compared with other bills")
        return None

    def counts(other: Record) -> bool:
        # Of two open bills the later one is the duplicate (ids grow with time); a paid original always counts.
        return other["id"] != row["id"] and (other["id"] < row["id"] or not _open(rule, other))

    ref = normalized_reference(row.get("ref")) if rule.match_reference else ""
    same_ref = [o for o in by_ref.get((vendor, ref), []) if counts(o)] if ref else []
    day = _bill_date(row)
    same_amount: list[tuple[Record, int]] = []
    if rule.same_amount_within is not None and day is not None and float(row.get("amount_total") or 0.0) > 0:
        window = rule.same_amount_within.total_seconds() / 86400
        for other in by_amount.get(_amount_key(vendor, row), []):
            other_day = _bill_date(other)
            if counts(other) and other_day is not None and abs((other_day - day).days) <= window:
                same_amount.append((other, abs((other_day - day).days)))
    if not same_ref and not same_amount:
        return None
    original, apart = (min(same_ref, key=lambda o: o["id"]), None) if same_ref else min(same_amount, key=lambda p: (p[1], p[0]["id"]))
    return _Match(row, original, apart, matched_ref=bool(same_ref))


def _duplicate_finding(ctx: ScanContext, rule: DuplicateBillRule, match: _Match, names: dict[int, str]) -> Finding | None:
    row, apart, matched_ref = match.row, match.apart, match.matched_ref
    original = {**match.original, "display_name": names.get(match.original["id"]) or f"{mv.MOVE} #{match.original['id']}"}
    age, age_days, _ = mv.since_entered(ctx, row)
    name = mv.label(ctx, original)
    total = float(row.get("amount_total") or 0.0)
    numbers: dict[str, float] = {"amount": round(mv.company_amount(row, "amount_total"), 2)}
    if matched_ref:
        headline = f"same vendor and reference as {name}"
        matched_on = "vendor and reference (ignoring case, spaces and punctuation)"
    else:
        assert apart is not None and rule.same_amount_within is not None
        headline = f"same vendor and amount as {name}, {apart} days apart"
        matched_on = f"vendor, amount and bill dates within {mv.calendar_days(rule.same_amount_within)}"
        numbers["days_apart"] = apart
    both_totals = f"{mv.money(total, row)} / {mv.money(float(original.get('amount_total') or 0), original)}"
    measured = {
        "duplicate of": mv.describe(ctx, original),
        "matched on": matched_on,
        "reference": mv.shared(ctx, "ref", f"{row.get('ref') or '—'} / {original.get('ref') or '—'}"),
        "amount": mv.shared(ctx, "amount_total", both_totals),
        "bill dates": f"{_bill_date(row) or '—'} / {_bill_date(original) or '—'}",
    }
    return mv.finding(
        ctx, rule, row, age=age, unit=mv.business_hours, label="escalated after", age_days=age_days,
        at_stake=mv.company_amount(row, "amount_total"), headline=headline, measured=measured, numbers=numbers,
        related={"original": (mv.MOVE, int(original["id"]))},
    )


def _open(rule: DuplicateBillRule, row: Record) -> bool:
    """Whether a bill could itself be the suspect: judged from its own fields, so a re-verification agrees with a scan."""
    return row.get("state") in rule.states and (rule.payment_states is None or row.get("payment_state") in rule.payment_states)


def _vendor(row: Record) -> int | None:
    return m2o_id(row.get("commercial_partner_id")) or m2o_id(row.get("partner_id"))


def _bill_date(row: Record) -> date | None:
    return parse_date(row.get("invoice_date")) or parse_date(row.get("date"))


def _amount_key(vendor: int, row: Record) -> tuple[int, int, float]:
    return vendor, m2o_id(row.get("currency_id")) or 0, round(float(row.get("amount_total") or 0.0), 2)
