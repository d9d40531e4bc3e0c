"""`po_mismatch`: a bill's lines against their purchase order lines, ordered and received, beyond a tolerance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import m2o_id, m2o_name
from agents._core.watcher import Finding, ScanContext
from agents.billing_exceptions import _moves as mv
from agents.billing_exceptions.policy import PoMismatchRule

LINE = "account.move.line"
PO_LINE = "purchase.order.line"
_EPSILON = 1e-6
_SHOWN_LINES = 4  # lines over, in the evidence; the numbers count all of them


@dataclass
class _Billed:
    """One purchase order line as billed up to and including one bill (refunds subtract)."""

    quantity: float = 0.0
    amount: float = 0.0
    currencies: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _BillLine:
    move_id: int
    refund: bool
    quantity: float
    amount: float
    currency: int


def po_mismatch(ctx: ScanContext, rule: PoMismatchRule) -> list[Finding]:
    """Bills whose lines, with the bills entered before them, bill more than the order line ordered or received."""
    domain = mv.scope(ctx, rule, states=rule.states, extra=mv.entered_before(ctx, rule))
    findings = []
    for page in ctx.gateway.pages(mv.MOVE, domain, mv.fields_for(ctx, rule)):
        own = ctx.gateway.search_read(
            LINE, [("move_id", "in", [row["id"] for row in page]), ("purchase_line_id", "!=", False)],
            ["move_id", "purchase_line_id"],
        )  # fmt: skip
        po_line_ids = sorted({pid for line in own if (pid := m2o_id(line["purchase_line_id"])) is not None})
        po_lines = {row["id"]: row for row in ctx.gateway.read(PO_LINE, po_line_ids, [
            "order_id", "name", "product_qty", "qty_received", "price_unit", "price_subtotal", "discount", "currency_id"])}
        billed = _bill_lines(ctx, po_line_ids)
        by_move: dict[int, list[int]] = defaultdict(list)
        for line in own:
            by_move[m2o_id(line["move_id"]) or 0].append(m2o_id(line["purchase_line_id"]) or 0)
        findings += mv.guarded(ctx, rule, page, lambda row: _mismatch(ctx, rule, row, by_move.get(row["id"], []), po_lines, billed))
    return findings


def _bill_lines(ctx: ScanContext, po_line_ids: list[int]) -> dict[int, list[_BillLine]]:
    """Every non-cancelled vendor bill and refund line of these order lines, by order line: two batched reads."""
    fields = ["move_id", "purchase_line_id", "quantity", "price_subtotal", "currency_id"]
    lines: dict[int, list[_BillLine]] = defaultdict(list)
    for kind in ("in_invoice", "in_refund") if po_line_ids else ():
        domain = [("purchase_line_id", "in", po_line_ids), ("parent_state", "!=", "cancel"), ("move_id.move_type", "=", kind)]
        for line in ctx.gateway.search_read(LINE, domain, fields):
            lines[m2o_id(line["purchase_line_id"]) or 0].append(_BillLine(
                m2o_id(line["move_id"]) or 0, kind == "in_refund", float(line.get("quantity") or 0.0),
                float(line.get("price_subtotal") or 0.0), m2o_id(line.get("currency_id")) or 0))
    return lines


def _billed_through(move_id: int, lines: list[_BillLine]) -> _Billed:
    """Billed on an order line by this bill and the bills entered before it (ids grow with time), less every refund.

    A later bill is not counted against this one; a vendor credit note is, whenever it came: it corrects the excess.
    """
    counted = [line for line in lines if line.refund or line.move_id <= move_id]
    return _Billed(
        quantity=sum(-line.quantity if line.refund else line.quantity for line in counted),
        amount=sum(-line.amount if line.refund else line.amount for line in counted),
        currencies=frozenset(line.currency for line in counted),
    )


def _mismatch(ctx: ScanContext, rule: PoMismatchRule, row: Record, po_line_ids: list[int],
              po_lines: dict[int, Record], billed: dict[int, list[_BillLine]]) -> Finding | None:  # fmt: skip
    if not po_line_ids:
        return None  # not billed from a purchase order: nothing to match
    over: list[tuple[Record, _Billed, float]] = []
    orders: set[str] = set()
    for po_line_id in sorted(set(po_line_ids)):
        po_line = po_lines.get(po_line_id)
        if po_line is None:
            ctx.skip(mv.MOVE, row["id"], f"rule {rule.id}: purchase order line {po_line_id} cannot be read; that line was not compared")
            continue
        through = _billed_through(row["id"], billed.get(po_line_id, []))
        excess = _excess(ctx, rule, row, po_line, through)
        if excess is not None:
            over.append((po_line, through, excess))
            orders.add(m2o_name(po_line.get("order_id")) or "?")
    if not over:
        return None
    age, age_days, _ = mv.since_entered(ctx, row)
    excess_total = sum(excess for _, _, excess in over)
    measured = {_line_label(po_line): _side_by_side(ctx, row, po_line, through) for po_line, through, _ in over[:_SHOWN_LINES]}
    if len(over) > _SHOWN_LINES:
        measured["more lines over"] = str(len(over) - _SHOWN_LINES)
    order_names = ", ".join(sorted(orders))
    limits = {"tolerance": f"{rule.tolerance_percent:g}% or {rule.tolerance_amount:,.2f} (the larger)",
              "billed over": " or ".join(rule.billed_over)}  # fmt: skip
    return mv.finding(
        ctx, rule, row, age=age, unit=mv.business_hours, label="escalated after", age_days=age_days,
        at_stake=mv.to_company(row, excess_total), limits=limits,
        headline=f"billed {mv.shared(ctx, 'amount_total', mv.money(excess_total, row))} above purchase order {order_names}",
        measured=measured, numbers={"excess_amount": round(excess_total, 2), "lines_over": len(over)},
    )


def _excess(ctx: ScanContext, rule: PoMismatchRule, row: Record, po_line: Record, through: _Billed) -> float | None:
    """How much this line bills beyond the order line, in the bill's currency; None when within tolerance."""
    ordered_qty = float(po_line.get("product_qty") or 0.0)
    received_qty = float(po_line.get("qty_received") or 0.0)
    net_unit = _net_unit(po_line)
    references = {"ordered": ordered_qty, "received": received_qty}
    currencies = through.currencies | {m2o_id(row.get("currency_id")) or 0}
    same_currency = currencies <= {m2o_id(po_line.get("currency_id")) or 0}
    if "amount" in rule.compare and not same_currency:
        also = ", quantities were" if "quantity" in rule.compare else ""
        ctx.skip(mv.MOVE, row["id"], f"rule {rule.id}: bill and purchase order {m2o_name(po_line.get('order_id'))} are in "
                                     f"different currencies, so amounts were not compared{also}")  # fmt: skip
    billed_unit = through.amount / through.quantity if through.quantity else 0.0
    worst = 0.0
    for name in rule.billed_over:
        reference = references[name]
        if "quantity" in rule.compare:
            extra = through.quantity - reference
            if extra > reference * rule.tolerance_percent / 100 + _EPSILON:
                worst = max(worst, extra * billed_unit if billed_unit > 0 else extra * net_unit)
        if "amount" in rule.compare and same_currency:
            extra = through.amount - reference * net_unit
            if extra > max(reference * net_unit * rule.tolerance_percent / 100, rule.tolerance_amount) + 0.005:
                worst = max(worst, extra)
    return worst if worst > 0 else None


def _net_unit(po_line: Record) -> float:
    quantity = float(po_line.get("product_qty") or 0.0)
    if quantity and po_line.get("price_subtotal") is not None:
        return float(po_line["price_subtotal"]) / quantity
    return float(po_line.get("price_unit") or 0.0) * (1 - float(po_line.get("discount") or 0.0) / 100)


def _line_label(po_line: Record) -> str:
    name = " ".join(str(po_line.get("name") or f"line {po_line['id']}").split())
    return name if len(name) <= 48 else name[:47] + "…"


def _side_by_side(ctx: ScanContext, row: Record, po_line: Record, through: _Billed) -> str:
    unit = _net_unit(po_line)
    ordered, received = float(po_line.get("product_qty") or 0.0), float(po_line.get("qty_received") or 0.0)
    quantities = f"ordered {ordered:g} · received {received:g} · billed {through.quantity:g}"
    amounts = (f"{mv.money(ordered * unit, row)} ordered · {mv.money(received * unit, row)} received · "
               f"{mv.money(through.amount, row)} billed")  # fmt: skip
    return f"{quantities} | {mv.shared(ctx, 'amount_total', amounts)}"
