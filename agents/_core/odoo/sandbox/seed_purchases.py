"""Demo seed, part 2: purchase orders at every stage (the approval queue) and their receipts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import mail
from .seed_network import PRODUCTS, Demo

_CATALOGUE = {vendor: [code for code, *_, v in PRODUCTS if v == vendor] for *_, vendor in PRODUCTS}
_COST = {code: cost for code, _, _, _, cost, _ in PRODUCTS}

# Orders waiting for approval: vendor, clinic, lines, created (hours ago), [(state, hours ago)], last edit (hours ago).
# Ages of the last state change: 2h, 5h, 10h, 1d, 2d, 3d, 6d, 12d; two were created long before they were submitted.
TO_APPROVE: list[tuple[str, str, list[tuple[str, int]], float, list[tuple[str, float]], float | None]] = [
    ("Owens & Minor", "EGC", [("MSK-N95", 220), ("MSK-SURG", 60)], 2.2, [("to approve", 2)], None),
    ("Cardinal Surgical", "NSC", [("EPI-AUTO", 18), ("SAL-1000", 100)], 11, [("to approve", 10)], 1),
    ("BD Diagnostics", "RSC", [("TST-GLU", 300), ("TST-STREP", 20)], 26, [("to approve", 24)], None),
    ("MedLine Supply Co.", "NSC", [("GLV-NIT-M", 600), ("GLV-NIT-L", 200)], 73, [("to approve", 72)], None),
    ("Henry Schein Medical", "EGC", [("GAU-4X4", 300), ("BND-ADH", 400)], 146, [("to approve", 144)], 30),
    ("Cardinal Surgical", "RSC", [("SAL-500", 2000), ("SAL-1000", 400)], 290, [("to approve", 288)], None),
    ("BD Diagnostics", "EGC", [("SYR-3ML", 300), ("NDL-25G", 150)], 480, [("to approve", 5)], None),
    ("Owens & Minor", "NSC", [("SHARPS-2G", 400), ("MSK-N95", 120)], 1080,
     [("to approve", 600), ("draft", 480), ("to approve", 48)], None),
]
# Three orders by one buyer to one vendor, each just under the 5,000 approval threshold, within three days.
SPLIT = [("GLV-NIT-M", 560, 98), ("ALC-PREP", 1050, 74), ("GLV-NIT-L", 575, 50)]
# Routine confirmed orders: BD Diagnostics' history is small, so its 6,510 order in the queue stands out.
ROUTINE_VENDORS = ["BD Diagnostics"] * 4 + ["MedLine Supply Co."] * 2 + ["Cardinal Surgical"] * 3 \
    + ["Henry Schein Medical"] * 2 + ["Owens & Minor"] * 3
MANAGER_APPROVED = {6, 11}  # indexes into ROUTINE_VENDORS of orders big enough to need a manager
# Requests for quotation not yet confirmed: (final state, [(state, fraction of the order's age)])
OPEN_RFQS: list[tuple[str, list[tuple[str, float]]]] = [("draft", [])] * 5 + [
    ("sent", [("sent", 0.6)]), ("sent", [("sent", 0.3)]), ("sent", [("sent", 0.8)]), ("sent", [("sent", 0.2)]),
    ("sent", [("sent", 0.5)]), ("cancel", [("cancel", 0.5)]), ("cancel", [("cancel", 0.9)]),
    ("cancel", [("sent", 0.3), ("cancel", 0.7)]), ("cancel", [("cancel", 0.4)]),
]


@dataclass
class PlannedOrder:
    vendor: str
    clinic: str
    lines: list[tuple[str, int]]
    created: datetime
    id: int = 0  # known once the timeline has created it
    received_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def install(demo: Demo) -> list[PlannedOrder]:
    """Plan every order on the demo's timeline; returns the approval queue in TO_APPROVE order."""
    queue = []
    for vendor, clinic, lines, created, transitions, edited in TO_APPROVE:
        order = _plan_order(demo, vendor, clinic, lines, demo.ago(hours=created))
        buyer = demo.users[demo.buyers[clinic]]
        for state, hours in transitions:
            who = buyer if state == "to approve" else demo.users["dr.patel"]
            _plan_write(demo, order, {"state": state}, who, demo.ago(hours=hours))
            if state == "draft":
                _plan_note(demo, order, "Sent back: please split the N95 masks into their own order.", who,
                           demo.ago(hours=hours - 0.1))
        if edited is not None:
            _plan_write(demo, order, {"partner_ref": f"Q-{int(created * 7):04d}-R2"}, buyer, demo.ago(hours=edited))
        queue.append(order)
    _plan_note(demo, queue[3], "MedLine holds this glove price until Friday.", demo.users["nina.buyer"],
               demo.ago(hours=70))
    for code, qty, hours in SPLIT:
        order = _plan_order(demo, "MedLine Supply Co.", "NSC", [(code, qty)], demo.ago(hours=hours + 1))
        _plan_confirm(demo, order, demo.users["nina.buyer"], demo.ago(hours=hours))
    for index, vendor in enumerate(ROUTINE_VENDORS):
        _plan_routine(demo, index, vendor)
    _plan_open_rfqs(demo)
    return queue


def _plan_order(demo: Demo, vendor: str, clinic: str, lines: list[tuple[str, int]], created: datetime,
                **vals: Any) -> PlannedOrder:
    order = PlannedOrder(vendor, clinic, lines, created, extra=vals)

    def create() -> None:
        buyer = demo.users[demo.buyers[clinic]]
        planned = demo.store.now_str(created + timedelta(days=demo.vendor_delay[demo.vendors[vendor]]))
        order.id = demo.create("purchase.order", {
            "partner_id": demo.vendors[vendor], "user_id": buyer, "picking_type_id": demo.clinics[clinic]["in"],
            "date_order": demo.store.now_str(created), "date_planned": planned,
            "order_line": [(0, 0, {"product_id": demo.products[code], "product_qty": qty, "price_unit": _COST[code],
                                   "date_planned": planned}) for code, qty in lines],
            **vals,
        }, uid=buyer, at=created)

    demo.later(created, create)
    return order


def _plan_write(demo: Demo, order: PlannedOrder, vals: dict[str, Any], uid: int, when: datetime) -> None:
    demo.later(when, lambda: demo.write("purchase.order", order.id, vals, uid=uid, at=when))


def _plan_note(demo: Demo, order: PlannedOrder, text: str, uid: int, when: datetime) -> None:
    demo.later(when, lambda: mail.message_post(demo.store, demo.store.registry["purchase.order"], order.id, uid=uid,
                                               body=text, message_type="comment", at=when))


def _plan_confirm(demo: Demo, order: PlannedOrder, uid: int, when: datetime) -> None:
    _plan_write(demo, order, {"state": "purchase", "date_approve": demo.store.now_str(when),
                              "invoice_status": "to invoice"}, uid, when)
    _plan_receipt(demo, order, when)


def _plan_routine(demo: Demo, index: int, vendor: str) -> None:
    rng = demo.rng
    clinic = rng.choice(["NSC", "RSC", "EGC"])
    budget = rng.uniform(5200, 8000) if index in MANAGER_APPROVED else (
        rng.uniform(900, 2000) if vendor == "BD Diagnostics" else rng.uniform(600, 4200))
    codes = rng.sample(_CATALOGUE[vendor], k=min(len(_CATALOGUE[vendor]), rng.randint(1, 3)))
    lines = [(code, max(1, round(budget / len(codes) / _COST[code]))) for code in codes]
    created = demo.ago(days=rng.uniform(6, 120))
    order = _plan_order(demo, vendor, clinic, lines, created)
    approver = demo.users[demo.buyers[clinic]]
    approved = created + timedelta(hours=rng.uniform(2, 30))
    if index in MANAGER_APPROVED:
        _plan_write(demo, order, {"state": "to approve"}, approver, approved)
        approved += timedelta(hours=rng.uniform(4, 40))
        approver = demo.users[rng.choice(["dr.patel", "grace.finance"])]
    _plan_confirm(demo, order, approver, approved)


def _plan_receipt(demo: Demo, order: PlannedOrder, approved: datetime) -> None:
    """The incoming transfer of a confirmed order; done once the vendor's lead time has passed."""
    rng = demo.rng
    delay = demo.vendor_delay[demo.vendors[order.vendor]]
    # Cardinal has been slow lately (lead time drift); Owens & Minor has a backorder on recent orders.
    recent = approved > demo.ago(days=30)
    slip = rng.uniform(3, 5) if order.vendor == "Cardinal Surgical" and recent else rng.uniform(-0.5, 1)
    done_at = approved + timedelta(days=delay + slip)
    backordered = order.vendor == "Owens & Minor" and approved > demo.ago(days=14)
    if not backordered and done_at < demo.ago(hours=12):
        order.received_at = done_at
        demo.received.append(order)
    demo.later(approved, lambda: _create_receipt(demo, order, approved, delay))


def _create_receipt(demo: Demo, order: PlannedOrder, approved: datetime, delay: int) -> None:
    store = demo.store
    po = store.row("purchase.order", order.id)
    stock, suppliers = demo.clinics[order.clinic]["stock"], store.ref("stock.stock_location_suppliers")
    scheduled = store.now_str(approved + timedelta(days=delay))
    lines = [store.row("purchase.order.line", i) for i in store.inverse("purchase.order.line", "order_id")[order.id]]
    picking = demo.create("stock.picking", {
        "origin": po["name"], "partner_id": po["partner_id"], "picking_type_id": po["picking_type_id"],
        "location_id": suppliers, "location_dest_id": stock, "scheduled_date": scheduled, "state": "assigned",
        "user_id": po["user_id"],
    }, uid=po["user_id"], at=approved)
    name = store.row("stock.picking", picking)["name"]
    moves = [demo.create("stock.move", {
        "reference": name, "origin": po["name"], "picking_id": picking, "product_id": line["product_id"],
        "product_uom_qty": line["product_qty"], "location_id": suppliers, "location_dest_id": stock,
        "picking_type_id": po["picking_type_id"], "purchase_line_id": line["id"], "state": "assigned",
        "warehouse_id": demo.clinics[order.clinic]["warehouse"], "partner_id": po["partner_id"],
        "price_unit": line["price_unit"], "date": scheduled}, uid=po["user_id"], at=approved) for line in lines]
    store.set_raw("purchase.order", order.id, {"picking_ids": (picking,), "receipt_status": "pending"})
    if order.received_at is not None:
        demo.later(order.received_at, lambda: _validate_receipt(demo, order, picking, moves, lines))


def _validate_receipt(demo: Demo, order: PlannedOrder, picking: int, moves: list[int], lines: list[dict[str, Any]]) -> None:
    store, when = demo.store, order.received_at
    assert when is not None
    uid = store.row("purchase.order", order.id)["user_id"]
    stamp = store.now_str(when)
    for move, line in zip(moves, lines):
        demo.write("stock.move", move, {"state": "done", "date": stamp, "quantity": line["product_qty"]}, uid=uid,
                   at=when)
        store.set_raw("purchase.order.line", line["id"], {"qty_received": line["product_qty"]})
    demo.write("stock.picking", picking, {"state": "done", "date_done": stamp}, uid=uid, at=when)
    store.set_raw("purchase.order", order.id, {"receipt_status": "full", "effective_date": stamp})


def _plan_open_rfqs(demo: Demo) -> None:
    rng = demo.rng
    gloves = demo.store.row("stock.warehouse.orderpoint", demo.orderpoints[("NSC", "GLV-NIT-M")])
    _plan_order(demo, "MedLine Supply Co.", "NSC", [("GLV-NIT-M", 62)], demo.ago(hours=20), origin=gloves["name"])
    for _, steps in OPEN_RFQS:
        vendor = rng.choice(sorted(_CATALOGUE))
        clinic = rng.choice(["NSC", "RSC", "EGC"])
        code = rng.choice(_CATALOGUE[vendor])
        age = rng.uniform(1, 25)
        order = _plan_order(demo, vendor, clinic, [(code, max(1, round(rng.uniform(300, 2500) / _COST[code])))],
                            demo.ago(days=age))
        for state, fraction in steps:
            _plan_write(demo, order, {"state": state}, demo.users[demo.buyers[clinic]],
                        demo.ago(days=age * (1 - fraction)))
