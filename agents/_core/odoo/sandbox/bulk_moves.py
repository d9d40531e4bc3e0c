"""Fast bulk load of a year of journal entries for benchmarks: bills, claims and patient invoices with their exceptions."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from .seed_base import ADMIN_UID
from .store import Store
from .values import format_datetime

# move type, weight; then the state and payment mixes of the posted ones
TYPES = (("in_invoice", 0.55), ("out_invoice", 0.40), ("in_refund", 0.03), ("out_refund", 0.02))
STATES = (("posted", 0.91), ("draft", 0.06), ("cancel", 0.03))  # drafts older than a month are rare: see DRAFT_DAYS
DRAFT_DAYS = 30
PAYMENTS = (("paid", 0.75), ("not_paid", 0.17), ("partial", 0.06), ("in_payment", 0.02))  # moves of the last 6 weeks
SETTLED = (("paid", 0.975), ("not_paid", 0.015), ("partial", 0.008), ("in_payment", 0.002))  # older: nearly all paid
PO_SHARE = 0.25  # vendor bills created from a purchase order line
OVERBILLED = 0.02  # of those, billed 5-20% above the order
DUPLICATED = 0.003  # vendor bills keyed twice (the same reference and total, a few days later)
NO_DOCUMENT = 0.05  # vendor bills without their PDF
UNCHECKED = 0.03  # posted moves not reviewed
FOREIGN = 0.02  # moves in euros
NO_DUE_DATE = 0.01


def add_moves(store: Store, n: int, *, vendors: int = 60, customers: int = 400) -> dict[str, int]:
    """Insert `n` moves of the last year, each with one line; a quarter of the bills with their purchase order line.

    Rows are written straight in their final form (no per-record validation, shared date strings), so 50,000 moves
    load in seconds and stay lean. The mix is healthy (mostly paid on time) with a few of each billing exception;
    half of the customers are patients (tagged Patient). Returns how many rows each model received.
    """
    rng = random.Random(n * 104729 + vendors)
    now = store.clock.now()
    stamps: dict[int, str] = {}
    days: dict[int, str] = {}

    def stamp(minutes_ago: int) -> str:
        if minutes_ago not in stamps:
            stamps[minutes_ago] = format_datetime(now - timedelta(minutes=minutes_ago))
        return stamps[minutes_ago]

    def day(days_ago: int) -> str:
        if days_ago not in days:
            days[days_ago] = (now - timedelta(days=days_ago)).date().isoformat()
        return days[days_ago]

    counts: dict[str, int] = {}

    def insert(model: str, row: dict[str, Any], at: str) -> int:
        counts[model] = counts.get(model, 0) + 1
        return store.insert_raw(model, row | {"create_date": at, "create_uid": ADMIN_UID, "write_date": at,
                                              "write_uid": ADMIN_UID})

    vendor_ids, customer_ids = _partners(store, vendors, customers)
    euro = _currency(store, "EUR", "€")
    journals = {row.get("type"): rid for rid, row in store.rows("account.journal").items()}
    users = [uid for uid, u in store.rows("res.users").items() if u.get("active", True) and not u.get("share")] or [ADMIN_UID]
    types = rng.choices([t for t, _ in TYPES], weights=[w for _, w in TYPES], k=n)
    keyed: list[tuple[int, str, float, int]] = []  # recent vendor bills: (vendor, ref, total, days ago), to key again
    for index, move_type in enumerate(types):
        bill = move_type.startswith("in_")
        partner = rng.choice(vendor_ids if bill else customer_ids)
        age = rng.randrange(0, 365)
        total = round(rng.lognormvariate(6.5, 1.1), 2)
        ref: Any = f"V{partner}-{index + 1:07d}" if bill else False
        if move_type == "in_invoice" and keyed and rng.random() < DUPLICATED:
            partner, ref, total, original_age = rng.choice(keyed)
            age = max(0, original_age - rng.randrange(1, 5))
        state = _pick(rng, STATES)
        if state == "draft" and age > DRAFT_DAYS and rng.random() < 0.9:
            state = "posted"  # most drafts get posted within weeks; the rest are the forgotten ones
        payment = _pick(rng, PAYMENTS if age < 42 else SETTLED) if state == "posted" else "not_paid"
        currency, rate = (euro, 0.92) if rng.random() < FOREIGN else (1, 1.0)
        entered = stamp(age * 24 * 60 - rng.randrange(0, 12 * 60) if age else rng.randrange(30, 600))
        residual = 0.0 if payment in ("paid", "in_payment") else round(total * rng.uniform(0.2, 0.8), 2) if payment == "partial" else total
        move = insert("account.move", {
            "name": f"{'BILL' if bill else 'INV'}/{index + 1:07d}" if state == "posted" else "/", "ref": ref,
            "move_type": move_type, "state": state, "payment_state": payment, "partner_id": partner,
            "commercial_partner_id": partner, "invoice_date": day(age), "date": day(age),
            "invoice_date_due": day(age - 30) if rng.random() >= NO_DUE_DATE else False,
            "journal_id": journals.get("purchase" if bill else "sale", False), "currency_id": currency,
            "invoice_currency_rate": rate, "company_id": 1, "amount_untaxed": total, "amount_tax": 0.0,
            "amount_total": total, "amount_residual": residual, "checked": state == "posted" and rng.random() >= UNCHECKED,
            "auto_post": "no", "invoice_user_id": rng.choice(users),
        }, entered)
        if move_type == "in_invoice" and state != "cancel" and age < 60:
            keyed.append((partner, ref, total, age))
        po_line: Any = False
        quantity, unit = 1.0, total
        if move_type == "in_invoice" and rng.random() < PO_SHARE:
            quantity = float(rng.randrange(1, 200))
            unit = round(total / quantity, 2)
            ordered_unit = round(unit / rng.uniform(1.05, 1.2), 2) if rng.random() < OVERBILLED else unit
            po_line = _purchase_line(insert, store, partner, move, quantity, ordered_unit, stamp((age + 7) * 24 * 60))
        insert("account.move.line", {
            "move_id": move, "name": "Supplies" if bill else "Services", "quantity": quantity, "price_unit": unit,
            "price_subtotal": round(quantity * unit, 2), "price_total": round(quantity * unit, 2), "partner_id": partner,
            "purchase_line_id": po_line, "display_type": "product", "date": day(age), "company_id": 1, "currency_id": currency,
        }, entered)
        if bill and rng.random() >= NO_DOCUMENT:
            insert("ir.attachment", {"name": f"{ref or move}.pdf", "res_model": "account.move", "res_id": move,
                                     "type": "binary", "mimetype": "application/pdf", "file_size": 90_112}, entered)
    return counts


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]


def _purchase_line(insert: Any, store: Store, vendor: int, move: int, quantity: float, unit: float, at: str) -> int:
    order = insert("purchase.order", {
        "name": store.next_sequence("purchase.order", "P{:05d}"), "state": "purchase", "partner_id": vendor,
        "user_id": ADMIN_UID, "company_id": 1, "currency_id": 1, "date_order": at, "date_approve": at, "priority": "0",
        "amount_untaxed": round(quantity * unit, 2), "amount_total": round(quantity * unit, 2),
        "invoice_status": "invoiced", "invoice_ids": (move,)}, at)
    return insert("purchase.order.line", {
        "order_id": order, "name": "Supplies", "product_qty": quantity, "product_uom_qty": quantity,
        "qty_received": quantity, "qty_invoiced": quantity, "price_unit": unit, "price_subtotal": round(quantity * unit, 2),
        "price_total": round(quantity * unit, 2), "partner_id": vendor, "company_id": 1, "product_uom_id": 1}, at)


def _partners(store: Store, vendors: int, customers: int) -> tuple[list[int], list[int]]:
    """Bulk vendors, payers and patients (half of the customers, tagged Patient), created the ordinary way: few rows."""
    patient = next((rid for rid, t in store.rows("res.partner.category").items() if t.get("name") == "Patient"), None)
    if patient is None:
        patient = store.create("res.partner.category", {"name": "Patient"}, uid=ADMIN_UID, log=False)
    vendor_ids = [store.create("res.partner", {"name": f"Bulk Supplier {v + 1:03d}", "is_company": True, "supplier_rank": 1},
                               uid=ADMIN_UID, log=False) for v in range(vendors)]
    customer_ids = [store.create("res.partner", {"name": f"Bulk Payer {c + 1:04d}", "is_company": True, "customer_rank": 1}
                                 if c % 2 else {"name": f"Bulk Patient {c + 1:04d}", "customer_rank": 1,
                                                "category_id": [patient]}, uid=ADMIN_UID, log=False)
                    for c in range(customers)]
    return vendor_ids, customer_ids


def _currency(store: Store, name: str, symbol: str) -> int:
    found = next((rid for rid, c in store.rows("res.currency").items() if c.get("name") == name), None)
    return found or store.create("res.currency", {"name": name, "symbol": symbol}, uid=ADMIN_UID, log=False)
