"""Fast bulk load of clinic supplies for benchmarks: products x warehouses of reorder rules, stock, use and receipts."""
from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

from .seed_base import ADMIN_UID
from .store import Store
from .values import format_datetime

DRIFTED_SHARE = 0.1  # vendors whose recent receipts take 1.8x their stated delay
RECEIPTS_PER_VENDOR = 6


def add_supply(store: Store, products: int, warehouses: int, *, vendors: int = 40, days: int = 28,
               moves_per_rule: float = 2.0) -> dict[str, int]:
    """Insert `products` products with a reorder rule, a quant and about `moves_per_rule` done use moves in each of
    `warehouses` new warehouses, plus vendors with receipt histories (a tenth drifted) and a few late receipts.

    The big tables are written straight in their final form (no per-record validation), with shared strings for
    dates and names, so 20,000 x 3 loads in seconds and stays lean. Returns how many rows each model received.
    """
    rng = random.Random(products * 7919 + warehouses)
    now = store.clock.now()
    stamps: dict[int, str] = {}

    def stamp(minutes_ago: int) -> str:
        if minutes_ago not in stamps:
            stamps[minutes_ago] = format_datetime(now - timedelta(minutes=minutes_ago))
        return stamps[minutes_ago]

    created = stamp(200 * 24 * 60)
    audit = {"create_date": created, "create_uid": ADMIN_UID, "write_date": created, "write_uid": ADMIN_UID}
    counts: dict[str, int] = {}

    def insert(model: str, row: dict[str, Any]) -> int:
        counts[model] = counts.get(model, 0) + 1
        return store.insert_raw(model, row | audit)

    clinics = [_warehouse(store, index) for index in range(warehouses)]
    delays = {store.create("res.partner", {"name": f"Bulk Vendor {v + 1:03d}", "is_company": True, "supplier_rank": 1},
                           uid=ADMIN_UID, log=False): rng.choice((2, 3, 4, 5, 6, 8, 10)) for v in range(vendors)}
    vendor_ids = list(delays)
    critical = store.create("product.category", {"name": "Critical"}, uid=ADMIN_UID)
    routine = store.create("product.category", {"name": "Consumables"}, uid=ADMIN_UID)
    customers = store.ref("stock.stock_location_customers")
    sold_by: dict[int, list[int]] = {v: [] for v in vendor_ids}
    window = days * 24 * 60
    for index in range(products):
        vendor = rng.choice(vendor_ids)
        price = round(rng.lognormvariate(2.3, 1.0), 2)
        product = insert("product.product", {
            "name": f"Bulk supply item {index + 1:05d}", "default_code": f"BLK-{index + 1:05d}", "type": "consu",
            "categ_id": critical if rng.random() < 0.05 else routine, "is_storable": True, "uom_id": 1, "active": True,
            "purchase_ok": True, "sale_ok": False, "standard_price": price, "list_price": price})
        sold_by[vendor].append(product)
        insert("product.supplierinfo", {"partner_id": vendor, "product_id": product, "sequence": 1, "min_qty": 1.0,
                                        "price": price, "currency_id": 1, "delay": delays[vendor], "company_id": 1})
        daily = rng.lognormvariate(-0.7, 1.1)  # most items slow movers, a few used by the dozen every day
        for warehouse, stock, out_type in clinics:
            low = max(1, math.ceil(daily * (delays[vendor] + 7)))
            on_hand = float(round(low * rng.lognormvariate(0.7, 0.55)))  # about 1 in 10 under its minimum
            insert("stock.warehouse.orderpoint", {
                "name": f"OP/B{counts.get('stock.warehouse.orderpoint', 0) + 1:07d}", "product_id": product,
                "warehouse_id": warehouse, "location_id": stock, "product_min_qty": float(low),
                "product_max_qty": float(low * 3), "qty_forecast": on_hand, "qty_on_hand": on_hand,
                "lead_days": float(delays[vendor]), "trigger": "auto", "active": True, "company_id": 1})
            if on_hand:
                insert("stock.quant", {"product_id": product, "location_id": stock, "quantity": on_hand,
                                       "reserved_quantity": 0.0, "in_date": created, "company_id": 1})
            moves = min(days, _poisson(rng, moves_per_rule))
            for _ in range(moves):
                quantity = float(max(1, round(daily * days / moves)))
                insert("stock.move", {
                    "reference": "BULK/CONS", "origin": "Patient care", "product_id": product, "product_uom": 1,
                    "product_uom_qty": quantity, "quantity": quantity, "location_id": stock, "location_dest_id": customers,
                    "picking_type_id": out_type, "warehouse_id": warehouse, "state": "done", "date": stamp(rng.randrange(window)),
                    "procure_method": "make_to_stock", "priority": "0", "company_id": 1})
    for position, vendor in enumerate(vendor_ids):
        if sold_by[vendor]:
            drift = 1.8 if position < max(1, round(vendors * DRIFTED_SHARE)) else 1.0
            _receipts(store, rng, vendor, delays[vendor], drift, sold_by[vendor], clinics, insert, stamp)
    return counts


def _warehouse(store: Store, index: int) -> tuple[int, int, int]:
    code = f"B{index + 1:02d}"
    warehouse = store.create("stock.warehouse", {"name": f"Bulk Clinic {index + 1}", "code": code}, uid=ADMIN_UID)
    view = store.create("stock.location", {"name": code, "usage": "view", "warehouse_id": warehouse}, uid=ADMIN_UID)
    stock = store.create("stock.location", {"name": "Stock", "location_id": view, "usage": "internal",
                                            "warehouse_id": warehouse}, uid=ADMIN_UID)
    types = [store.create("stock.picking.type", {
        "name": name, "code": code_, "sequence_code": seq, "warehouse_id": warehouse,
        "default_location_src_id": src, "default_location_dest_id": dest}, uid=ADMIN_UID)
        for name, code_, seq, src, dest in (
            ("Receipts", "incoming", "IN", store.ref("stock.stock_location_suppliers"), stock),
            ("Delivery Orders", "outgoing", "OUT", stock, store.ref("stock.stock_location_customers")))]
    store.write("stock.warehouse", [warehouse], {"lot_stock_id": stock, "view_location_id": view,
                                                 "in_type_id": types[0], "out_type_id": types[1]}, uid=ADMIN_UID)
    return warehouse, stock, types[1]


def _receipts(store: Store, rng: random.Random, vendor: int, delay: int, drift: float, products: list[int],
              clinics: list[tuple[int, int, int]], insert, stamp) -> None:  # noqa: ANN001 - the loader's helpers
    """Past orders from one vendor, each received after its stated delay (x drift), and one still open, late."""
    suppliers = store.ref("stock.stock_location_suppliers")
    for number in range(RECEIPTS_PER_VENDOR + 1):
        warehouse, stock, _ = clinics[number % len(clinics)]
        in_type = store.row("stock.warehouse", warehouse)["in_type_id"]
        product = rng.choice(products)
        approved = (RECEIPTS_PER_VENDOR + 1 - number) * 20 * 24 * 60 + rng.randrange(600)
        done = approved - round(delay * drift * 24 * 60 * rng.uniform(0.9, 1.1))
        late = number == RECEIPTS_PER_VENDOR  # the last one: confirmed a while ago, never received
        if late:
            approved, done = (delay + 3) * 24 * 60, 0
        order = insert("purchase.order", {
            "name": store.next_sequence("purchase.order", "P{:05d}"), "state": "purchase", "partner_id": vendor,
            "user_id": ADMIN_UID, "company_id": 1, "currency_id": 1, "priority": "0", "date_order": stamp(approved + 60),
            "date_approve": stamp(approved), "picking_type_id": in_type, "amount_untaxed": 500.0, "amount_total": 500.0,
            "invoice_status": "to invoice", "receipt_status": "pending" if late else "full"})
        line = insert("purchase.order.line", {
            "order_id": order, "name": "Bulk supply", "sequence": 10, "product_id": product, "product_qty": 50.0,
            "product_uom_qty": 50.0, "product_uom_id": 1, "price_unit": 10.0, "price_subtotal": 500.0,
            "price_total": 500.0, "qty_received": 0.0 if late else 50.0, "partner_id": vendor, "company_id": 1})
        scheduled = stamp(approved - delay * 24 * 60)
        picking = insert("stock.picking", {
            "name": store.next_sequence("bulk-receipt", "BLK/IN/{:06d}"), "partner_id": vendor, "picking_type_id": in_type,
            "location_id": suppliers, "location_dest_id": stock, "scheduled_date": scheduled, "move_type": "direct",
            "state": "assigned" if late else "done", "date_done": False if late else stamp(done), "priority": "0",
            "user_id": ADMIN_UID, "company_id": 1})
        insert("stock.move", {
            "reference": "BULK/IN", "product_id": product, "product_uom": 1, "product_uom_qty": 50.0,
            "quantity": 0.0 if late else 50.0, "location_id": suppliers, "location_dest_id": stock, "picking_id": picking,
            "picking_type_id": in_type, "purchase_line_id": line, "warehouse_id": warehouse,
            "state": "assigned" if late else "done", "date": scheduled if late else stamp(done),
            "procure_method": "make_to_stock", "priority": "0", "company_id": 1})
        store.set_raw("purchase.order", order, {"picking_ids": (picking,)})


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
