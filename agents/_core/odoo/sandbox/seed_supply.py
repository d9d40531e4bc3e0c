"""Demo seed, part 3: the clinics' supply history (daily use with a weekly rhythm, receipts, drifting vendors)."""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .seed_base import add_user
from .seed_network import ORDERPOINTS, PRODUCTS, Demo
from .seed_purchases import PlannedOrder, _create_receipt, _plan_order, _plan_write

SEED = 20261126  # its own streams: the other seed parts draw the same numbers with or without this one
CLINIC_TZ = ZoneInfo("America/New_York")
HISTORY_DAYS = 120
# Outpatient clinics: busy Mondays, quiet weekends (urgent care only). Mean 1.0 over a week.
WEEKDAY = [1.30, 1.20, 1.20, 1.15, 1.05, 0.35, 0.15]
WEEKDAY = [w * 7 / sum(WEEKDAY) for w in WEEKDAY]
DISPERSION = 4.0  # gamma shape of the day-to-day noise: daily use varies by about half its mean
# Respiratory season: these ramp up towards today (factor 1.0 now, lower back in summer).
SEASONAL = {"MSK-N95": 0.55, "MSK-SURG": 0.6, "TST-STREP": 0.5, "FLU-AG": 0.35, "GWN-ISO": 0.7}

# code, name, category, unit, cost, vendor (None: no vendor price list yet), tags
EXTRA_PRODUCTS: list[tuple[str, str, str, str, float, str | None, tuple[str, ...]]] = [
    ("IVS-PRIM", "IV Administration Set, Primary, 15 drops/mL", "Critical", "Units", 3.90, "Cardinal Surgical",
     ("Crash cart",)),
    ("LID-1PCT", "Lidocaine HCl 1% Injection, 20 mL vial", "Consumables", "Units", 2.85, "Henry Schein Medical",
     ("Crash cart",)),
    ("GWN-ISO", "Isolation Gowns, Level 2 (case of 50)", "PPE", "Case", 38.00, "Owens & Minor", ()),
    ("SAN-HAND", "Hand Sanitizer Gel 70%, 500 mL", "Consumables", "Units", 4.20, "MedLine Supply Co.", ()),
    ("FLU-AG", "Influenza A+B Antigen Test (25 tests)", "Critical", "Units", 210.00, "Henry Schein Medical", ()),
    ("TBL-PAPER", "Exam Table Paper, 21in x 225ft", "Consumables", "Units", 5.10, None, ()),
]
TAGGED = {"EPI-AUTO": ("Crash cart",)}
# clinic, product, min, max, on hand, daily use
EXTRA_ORDERPOINTS = [
    ("NSC", "IVS-PRIM", 20, 60, 26, 2.2),   # Cardinal's drift: ~9 days of real lead time + 2 safety need ~24, not 20
    ("RSC", "IVS-PRIM", 20, 60, 41, 1.4),   # the same drift, but at this use 20 still covers it
    ("NSC", "LID-1PCT", 12, 36, 7, 0.9),    # below min, nothing ordered; on the crash cart
    ("EGC", "GWN-ISO", 4, 12, 3, 0.5),      # below min, nothing ordered; 5 days of cover, 6-day lead time
    ("RSC", "SAN-HAND", 10, 30, 6, 1.8),    # below min, and 3 days of cover against a 3-day lead time
    ("EGC", "FLU-AG", 3, 10, 5, 0.6),       # flu season: 8 days of cover, 2-day lead time
    ("NSC", "TBL-PAPER", 6, 20, 9, 1.0),    # no vendor price list: the lead time is unknown
]
ARCHIVED = ("MSK-SURG-OLD", "Surgical Masks, Level 1 (discontinued)", "PPE", "Box", 7.10, "Owens & Minor")

# Receipt history per vendor: (orders, days back of the oldest, days late of older orders, of the last five).
# Cardinal and Henry Schein have drifted (slower lately); MedLine delivers on time. BD Diagnostics and Owens & Minor
# get none: their short order histories are the approval watcher's cases (an outlier needs a history to stand out of).
RECEIPTS = {
    "MedLine Supply Co.": (4, 150, (-0.4, 0.6), (-0.4, 0.6)),
    "Cardinal Surgical": (6, 165, (-0.3, 0.8), (3.4, 4.6)),
    "Henry Schein Medical": (6, 160, (-0.2, 0.5), (1.6, 2.6)),
}


def install(demo: Demo) -> None:
    # Procurement lead: told (with finance) when a vendor's lead time drifts and a reorder point goes up.
    demo.users["pat.procurement"] = add_user(demo.store, "pat.procurement", "Pat Quinn", [
        "base.group_user", "purchase.group_purchase_user", "stock.group_stock_manager"], at=demo.ago(days=300))
    _products(demo)
    _orderpoints(demo)
    # Two streams: the daily draws depend on where weekends fall, the orders must not.
    _consumption(demo, random.Random(SEED))
    _receipt_history(demo, random.Random(SEED + 1))


def _products(demo: Demo) -> None:
    store = demo.store
    categories = {row["name"]: rid for rid, row in store.rows("product.category").items()}
    units = {row["name"]: rid for rid, row in store.rows("uom.uom").items()}
    tags = {name: demo.create("product.tag", {"name": name, "color": 1}) for name in ("Crash cart",)}
    for code, name, category, unit, cost, vendor, tagged in EXTRA_PRODUCTS:
        demo.products[code] = demo.create("product.product", {
            "name": name, "default_code": code, "categ_id": categories[category], "uom_id": units[unit],
            "type": "consu", "is_storable": True, "standard_price": cost, "list_price": round(cost * 1.4, 2),
            "sale_ok": False, "product_tag_ids": [tags[t] for t in tagged]})
        if vendor is not None:
            vendor_id = demo.vendors[vendor]
            demo.create("product.supplierinfo", {
                "partner_id": vendor_id, "product_id": demo.products[code], "price": cost, "min_qty": 1,
                "delay": demo.vendor_delay[vendor_id], "product_code": f"{vendor.split()[0][:3].upper()}-{code}"})
    for code, tagged in TAGGED.items():
        demo.write("product.product", demo.products[code], {"product_tag_ids": [tags[t] for t in tagged]})
    code, name, category, unit, cost, vendor = ARCHIVED
    demo.products[code] = demo.create("product.product", {
        "name": name, "default_code": code, "categ_id": categories[category], "uom_id": units[unit], "type": "consu",
        "is_storable": True, "standard_price": cost, "sale_ok": False})
    demo.create("product.supplierinfo", {"partner_id": demo.vendors[vendor], "product_id": demo.products[code],
                                         "price": cost, "delay": demo.vendor_delay[demo.vendors[vendor]]})


def _orderpoints(demo: Demo) -> None:
    sellers: dict[int, dict] = {}
    for row in demo.store.rows("product.supplierinfo").values():
        sellers.setdefault(row["product_id"], row)
    rows = [*EXTRA_ORDERPOINTS, ("EGC", ARCHIVED[0], 5, 15, 2, 0.0)]
    for clinic, code, low, high, on_hand, _ in rows:
        product, location = demo.products[code], demo.clinics[clinic]["stock"]
        seller = sellers.get(product)
        demo.orderpoints[(clinic, code)] = demo.create("stock.warehouse.orderpoint", {
            "product_id": product, "warehouse_id": demo.clinics[clinic]["warehouse"], "location_id": location,
            "product_min_qty": low, "product_max_qty": high, "qty_on_hand": on_hand, "qty_forecast": on_hand,
            "lead_days": float(seller["delay"]) if seller else 0.0, "trigger": "auto"})
        demo.create("stock.quant", {"product_id": product, "location_id": location, "quantity": on_hand,
                                    "in_date": demo.store.now_str(demo.ago(days=9))})
    # Discontinued after its rule was set up: Odoo keeps the rule, the product is archived.
    demo.write("product.product", demo.products[ARCHIVED[0]], {"active": False}, at=demo.ago(days=40))


def _consumption(demo: Demo, rng: random.Random) -> None:
    """One done move per clinic, product and day over HISTORY_DAYS: weekly rhythm, season, noisy days."""
    today = demo.now.astimezone(CLINIC_TZ).date()
    for clinic, code, _, _, _, daily in [*ORDERPOINTS, *EXTRA_ORDERPOINTS]:
        start = SEASONAL.get(code, 1.0)
        for back in range(HISTORY_DAYS, 0, -1):
            day = today - timedelta(days=back)
            season = start + (1.0 - start) * (HISTORY_DAYS - back) / HISTORY_DAYS
            mean = daily * WEEKDAY[day.weekday()] * season * rng.gammavariate(DISPERSION, 1 / DISPERSION)
            qty = _poisson(rng, mean)
            if qty:
                local = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=CLINIC_TZ)
                when = local.astimezone(demo.now.tzinfo)
                demo.later(when, _consume(demo, clinic, code, qty, when))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _consume(demo: Demo, clinic: str, code: str, qty: int, when: datetime):  # noqa: ANN202 - a seeding step
    def create() -> None:
        ids, product = demo.clinics[clinic], demo.products[code]
        demo.create("stock.move", {
            "reference": f"{clinic}/CONS/{when:%y%m%d}", "origin": "Patient care", "product_id": product,
            "product_uom": demo.store.row("product.product", product)["uom_id"],
            "product_uom_qty": qty, "quantity": qty, "location_id": ids["stock"],
            "location_dest_id": demo.store.ref("stock.stock_location_customers"), "picking_type_id": ids["out"],
            "warehouse_id": ids["warehouse"], "state": "done", "date": demo.store.now_str(when),
        }, uid=demo.users[demo.buyers[clinic]], at=when)
    return create


def _receipt_history(demo: Demo, rng: random.Random) -> None:
    """Routine replenishment orders and their receipts; the last five of a vendor show its current lead time."""
    catalogue = {vendor: [p[0] for p in PRODUCTS if p[-1] == vendor] for vendor in RECEIPTS}
    costs = {p[0]: p[4] for p in PRODUCTS}
    for vendor, (count, oldest, early_slip, recent_slip) in RECEIPTS.items():
        delay = demo.vendor_delay[demo.vendors[vendor]]
        for index in range(count):
            created = demo.ago(days=oldest - index * (oldest - 12) / (count - 1), hours=rng.uniform(0, 6))
            clinic = ("NSC", "RSC", "EGC")[index % 3]
            codes = rng.sample(catalogue[vendor], k=min(2, len(catalogue[vendor])))
            budget = rng.uniform(900, 4900)  # under the 5,000 two-step approval amount
            lines = [(code, max(1, round(budget / len(codes) / costs[code]))) for code in codes]
            order = _plan_order(demo, vendor, clinic, lines, created)
            approved = created + timedelta(hours=rng.uniform(1, 20))
            slip = rng.uniform(*(recent_slip if index >= count - 5 else early_slip))
            received = approved + timedelta(days=delay + slip)
            _confirm(demo, order, clinic, approved, received if received < demo.ago(hours=6) else None, delay)


def _confirm(demo: Demo, order: PlannedOrder, clinic: str, approved: datetime, received: datetime | None,
             delay: int) -> None:
    _plan_write(demo, order, {"state": "purchase", "date_approve": demo.store.now_str(approved),
                              "invoice_status": "to invoice"}, demo.users[demo.buyers[clinic]], approved)
    order.received_at = received
    demo.later(approved, lambda: _create_receipt(demo, order, approved, delay))
