"""Demo seed, billing volume: months of healthy claims, patient balances and service bills, plus the odd exceptions.

seed_finance holds the billing cases tied to purchase orders; this adds what a revenue cycle looks like around them:
most moves are paid on time, a few patient and payer balances age past 30/60/90 days, one bill is keyed twice with a
slightly different reference, one is in euros, one has no vendor yet, one was posted without a due date.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .seed_network import Demo

# payer, monthly claim batch amount: billed on the 5th-ish of each month, paid within terms
CLAIM_BATCHES = [("BlueCross Harbor", 2210.0), ("Medicare Part B (Noridian)", 1180.0), ("Aetna Health", 905.0),
                 ("UnitedHealthcare", 1960.0)]
# vendor, service, monthly amount: recurring bills, the same total every month (a duplicate check's near miss)
SERVICES = [("Owens & Minor", "Medical waste pickup, monthly", 420.0),
            ("Henry Schein Medical", "Autoclave maintenance contract, monthly", 315.0)]
# patient, label, amount, invoice date (days ago), terms (days), payment state, fraction paid
PATIENT_BALANCES = [
    ("Jordan Rivera", "Self-pay balance, physical therapy (6 visits)", 380.0, 63, 15, "not_paid", 0.0),  # 48 days late
    ("Samuel Okafor", "Self-pay balance, imaging", 1240.0, 110, 15, "partial", 0.25),                  # 95 days late
    ("Lena Fischer", "Copay balance, specialist visit", 60.0, 27, 15, "not_paid", 0.0),                 # 12 days late
    ("Marcus Bell", "Self-pay balance, lab panel", 210.0, 40, 15, "paid", 1.0),
    ("Avery Thompson", "Copay balance, urgent care", 45.0, 80, 15, "paid", 1.0),
    ("Jordan Rivera", "Copay balance, follow-up", 35.0, 140, 15, "paid", 1.0),
    ("Lena Fischer", "Self-pay balance, vaccination", 95.0, 120, 15, "paid", 1.0),
]
MONTHS = 5  # the network itself is set up 180 days back: everything here is younger, so ids grow with dates


def install(demo: Demo) -> None:
    euro = demo.create("res.currency", {"name": "EUR", "full_name": "Euro", "symbol": "€", "position": "after"},
                       at=demo.ago(days=300))
    for month in range(1, MONTHS + 1):
        for index, (payer, amount) in enumerate(CLAIM_BATCHES):
            when = demo.ago(days=30 * month + 3 + index)
            _move(demo, "out_invoice", demo.payers[payer], when=when, terms=30, pdf=False, payment_state="paid",
                  paid=1.0, lines=[(f"Claims batch {when:%y%m}-{index + 1} ({12 + 7 * index} visits)", 1.0, amount)])
        for vendor, label, amount in SERVICES:
            when = demo.ago(days=30 * month + 1)
            _move(demo, "in_invoice", demo.vendors[vendor], when=when, terms=30, payment_state="paid", paid=1.0,
                  ref=f"{vendor.split()[0][:2].upper()}-SVC-{when:%y%m}", lines=[(label, 1.0, amount)])
    for patient, label, amount, days, terms, payment_state, paid in PATIENT_BALANCES:
        _move(demo, "out_invoice", demo.patients[patient], when=demo.ago(days=days), terms=terms, pdf=False,
              payment_state=payment_state, paid=paid, lines=[(label, 1.0, amount)])
    _exceptions(demo, euro)


def _exceptions(demo: Demo, euro: int) -> None:
    vendors, payers = demo.vendors, demo.payers
    # A payer batch 65 days past due, partly paid: the second aging bucket.
    _move(demo, "out_invoice", payers["Aetna Health"], when=demo.ago(days=95), terms=30, pdf=False,
          payment_state="partial", paid=0.3, lines=[("Claims batch 2608-R (resubmitted, 19 visits)", 1.0, 1365.0)])
    # The same Cardinal invoice keyed twice, the reference typed differently: caught by vendor + amount + date.
    supplies = [("IV start kits and tubing sets", 40.0, 23.85)]
    _move(demo, "in_invoice", vendors["Cardinal Surgical"], when=demo.ago(days=11), terms=30, ref="CS-55102",
          payment_state="paid", paid=1.0, lines=supplies)
    _move(demo, "in_invoice", vendors["Cardinal Surgical"], when=demo.ago(days=8), terms=30, ref="55102",
          lines=supplies)
    # Imported test kits billed in euros, two weeks past due.
    _move(demo, "in_invoice", vendors["BD Diagnostics"], when=demo.ago(days=45), terms=30, ref="BDE-2026-0917",
          currency=euro, rate=0.92, lines=[("Rapid influenza A/B test kits (EU lot)", 12.0, 88.0)])
    # Posted without a due date (payment terms missing): the overdue rule cannot judge it and says so.
    _move(demo, "in_invoice", vendors["Owens & Minor"], when=demo.ago(days=50), terms=None, ref="OM-FRT-0311",
          lines=[("Freight surcharge, October deliveries", 1.0, 86.4)])
    # A bill created from the vendor-bills e-mail alias: the PDF is there, the vendor not yet, still in draft.
    _move(demo, "in_invoice", None, when=demo.ago(days=7), terms=30, ref=False, post=False,
          lines=[("Scanned invoice, vendor to be identified", 1.0, 642.0)])


def _move(demo: Demo, move_type: str, partner: int | None, *, when: datetime, terms: int | None,
          lines: list[tuple[str, float, float]], ref: Any = False, post: bool = True, pdf: bool = True,
          payment_state: str = "not_paid", paid: float = 0.0, currency: int = 1, rate: float = 1.0) -> None:
    """A move on its date: entered, its document attached, posted and reviewed, later (partly) paid."""
    store = demo.store
    uid = demo.users["grace.finance"]
    move: dict[str, int] = {}

    def create() -> None:
        move["id"] = demo.create("account.move", {
            "move_type": move_type, "partner_id": partner or False, "ref": ref, "currency_id": currency,
            "invoice_currency_rate": rate, "invoice_date": when.date().isoformat(), "date": when.date().isoformat(),
            "invoice_date_due": (when + timedelta(days=terms)).date().isoformat() if terms is not None else False,
            "invoice_user_id": uid,
            "invoice_line_ids": [(0, 0, {"name": label, "quantity": qty, "price_unit": price, "currency_id": currency})
                                 for label, qty, price in lines],
        }, uid=uid, at=when)
        if pdf:
            demo.create("ir.attachment", {"name": f"{ref or 'scan-' + str(move['id'])}.pdf", "res_model": "account.move",
                                          "res_id": move["id"], "mimetype": "application/pdf", "file_size": 88_064},
                        uid=uid, at=when)
        if post:
            with store.backdate(when):
                store.registry["account.move"].methods["action_post"](store, [move["id"]], uid)
            store.set_raw("account.move", move["id"], {"checked": True})

    demo.later(when, create)
    if payment_state != "not_paid":
        paid_at = min(when + timedelta(days=(terms or 30) * 0.8), demo.ago(hours=3))

        def pay() -> None:
            demo.write("account.move", move["id"], {"payment_state": payment_state}, uid=uid, at=paid_at)
            total = store.row("account.move", move["id"])["amount_total"]
            store.set_raw("account.move", move["id"], {"amount_residual": round(total * (1 - paid), 2)})

        demo.later(paid_at, pay)
