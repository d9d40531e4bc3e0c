"""Fast bulk load of purchase orders (with their state-change tracking) for benchmarks at 100k scale."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Mapping

from .errors import OdooValueError
from .models.purchase import PO_STATES
from .store import Store
from .values import format_datetime

DEFAULT_MIX = {"draft": 0.2, "sent": 0.1, "to approve": 0.1, "purchase": 0.55, "cancel": 0.05}
_LABELS = dict(PO_STATES)
_INVOICE_STATUS = {"purchase": "to invoice"}


def add_purchase_orders(store: Store, n: int, *, state_mix: Mapping[str, float] | None = None) -> None:
    """Insert `n` orders straight into the tables: rows are built in their final form, skipping
    per-record validation, so 100k orders load in seconds and stay small in memory."""
    mix = dict(state_mix or DEFAULT_MIX)
    unknown = set(mix) - set(_LABELS)
    if unknown or not mix or any(w < 0 for w in mix.values()):
        raise OdooValueError(f"Wrong value for purchase.order.state mix: {state_mix!r}")
    rng = random.Random(n)
    now = store.clock.now()
    vendors = [rid for rid, p in store.rows("res.partner").items() if p.get("supplier_rank")] or [1]
    buyers = [uid for uid, u in store.rows("res.users").items() if u.get("active", True)]
    field_id = store.field_ids[("purchase.order", "state")]
    subtypes = {state: store.ref(xml) for state, xml in (
        ("to approve", "purchase.mt_rfq_confirmed"), ("purchase", "purchase.mt_rfq_approved"),
        ("sent", "purchase.mt_rfq_sent"), ("cancel", "mail.mt_note"))}
    authors = {uid: store.rows("res.users")[uid].get("partner_id", False) for uid in buyers}
    stamps: dict[int, str] = {}  # one string per distinct minute: most orders share them

    def stamp(minutes_ago: int) -> str:
        if minutes_ago not in stamps:
            stamps[minutes_ago] = format_datetime(now - timedelta(minutes=minutes_ago))
        return stamps[minutes_ago]

    states = rng.choices(list(mix), weights=list(mix.values()), k=n)
    for state in states:
        created = rng.randrange(60, 365 * 24 * 60)
        changed = rng.randrange(0, created)
        buyer = rng.choice(buyers)
        total = round(rng.lognormvariate(7.3, 0.9), 2)
        row = {
            "name": store.next_sequence("purchase.order", "P{:05d}"), "state": state,
            "partner_id": rng.choice(vendors), "user_id": buyer, "company_id": 1, "currency_id": 1,
            "priority": "0", "date_order": stamp(created), "amount_untaxed": total, "amount_total": total,
            "invoice_status": _INVOICE_STATUS.get(state, "no"),
            "create_date": stamp(created), "create_uid": buyer,
            "write_date": stamp(changed if state != "draft" else created), "write_uid": buyer,
        }
        if state == "purchase":
            row["date_approve"] = stamp(changed)
        order_id = store.insert_raw("purchase.order", row)
        if state == "draft":
            continue
        message_id = store.insert_raw("mail.message", {
            "model": "purchase.order", "res_id": order_id, "body": "", "message_type": "notification",
            "subtype_id": subtypes.get(state, 2), "date": stamp(changed), "author_id": authors[buyer],
            "create_date": stamp(changed), "create_uid": buyer, "write_date": stamp(changed), "write_uid": buyer,
        })
        store.insert_raw("mail.tracking.value", {
            "field_id": field_id, "old_value_char": "RFQ", "new_value_char": _LABELS[state],
            "mail_message_id": message_id, "create_date": stamp(changed), "create_uid": buyer,
            "write_date": stamp(changed), "write_uid": buyer,
        })
