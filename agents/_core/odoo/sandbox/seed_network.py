"""Demo seed, part 1: the outpatient network (people, clinics, vendors, payers, patients, products, stock rules)."""
from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from .seed_base import ADMIN_UID, add_user
from .store import Store

BUYER_GROUPS = ["base.group_user", "purchase.group_purchase_user", "stock.group_stock_user"]
STAFF_GROUPS = ["base.group_user"]
# login, name, groups, job title, clinic code (None: network-wide)
USERS = [
    ("nina.buyer", "Nina Alvarez", BUYER_GROUPS, "Buyer, Northside Clinic", "NSC"),
    ("omar.buyer", "Omar Haddad", BUYER_GROUPS, "Buyer, Riverside Clinic", "RSC"),
    ("lucy.buyer", "Lucy Chen", BUYER_GROUPS, "Buyer, Eastgate Clinic", "EGC"),
    ("dr.patel", "Dr. Anika Patel", ["base.group_user", "purchase.group_purchase_manager", "stock.group_stock_user",
                                     "hr_expense.group_hr_expense_team_approver"], "Clinic Director", None),
    ("grace.finance", "Grace Okoye", ["base.group_user", "purchase.group_purchase_manager",
                                      "account.group_account_manager", "hr_expense.group_hr_expense_manager"],
     "Finance Manager", None),
    ("sam.nurse", "Sam Brooks", STAFF_GROUPS, "Registered Nurse, Northside Clinic", "NSC"),
    ("rita.nurse", "Rita Gomez", STAFF_GROUPS, "Nurse Practitioner, Riverside Clinic", "RSC"),
    ("tom.tech", "Tom Becker", STAFF_GROUPS, "Lab Technician, Eastgate Clinic", "EGC"),
    ("auditor", "Casey Morgan", ["base.group_user", "account.group_account_readonly"], "Internal Auditor", None),
]
CLINICS = [("Northside Clinic", "NSC"), ("Riverside Clinic", "RSC"), ("Eastgate Clinic", "EGC")]
# name, e-mail domain, city, lead time in days
VENDORS = [
    ("MedLine Supply Co.", "medline.example", "Northfield", 3),
    ("Cardinal Surgical", "cardinalsurgical.example", "Dublin", 5),
    ("BD Diagnostics", "bd-diagnostics.example", "Franklin Lakes", 4),
    ("Henry Schein Medical", "henryschein.example", "Melville", 2),
    ("Owens & Minor", "owens-minor.example", "Mechanicsville", 6),
]
PAYERS = ["BlueCross Harbor", "Medicare Part B (Noridian)", "Aetna Health", "UnitedHealthcare"]
PATIENTS = ["Avery Thompson", "Jordan Rivera", "Priya Nair", "Samuel Okafor", "Lena Fischer", "Marcus Bell"]
# code, name, category, unit, cost, vendor
PRODUCTS = [
    ("GLV-NIT-M", "Nitrile Exam Gloves, Medium (box of 100)", "PPE", "Box", 8.50, "MedLine Supply Co."),
    ("GLV-NIT-L", "Nitrile Exam Gloves, Large (box of 100)", "PPE", "Box", 8.50, "MedLine Supply Co."),
    ("MSK-N95", "N95 Respirator Masks (box of 20)", "PPE", "Box", 24.00, "Owens & Minor"),
    ("MSK-SURG", "Surgical Masks, Level 2 (box of 50)", "PPE", "Box", 9.75, "Owens & Minor"),
    ("SAL-500", "Sodium Chloride 0.9% IV Solution, 500 mL", "Critical", "Units", 2.10, "Cardinal Surgical"),
    ("SAL-1000", "Sodium Chloride 0.9% IV Solution, 1000 mL", "Critical", "Units", 3.40, "Cardinal Surgical"),
    ("EPI-AUTO", "Epinephrine Auto-Injector 0.3 mg", "Critical", "Units", 310.00, "Cardinal Surgical"),
    ("SYR-3ML", "Syringe 3 mL Luer-Lock (box of 100)", "Consumables", "Box", 14.20, "BD Diagnostics"),
    ("NDL-25G", "Hypodermic Needle 25G x 1in (box of 100)", "Consumables", "Box", 11.80, "BD Diagnostics"),
    ("TST-GLU", "Blood Glucose Test Strips (vial of 50)", "Critical", "Units", 18.90, "BD Diagnostics"),
    ("TST-STREP", "Rapid Strep A Test Kit (25 tests)", "Critical", "Units", 42.00, "BD Diagnostics"),
    ("GAU-4X4", "Sterile Gauze Sponges 4x4in (pack of 200)", "Consumables", "Pack", 12.40, "Henry Schein Medical"),
    ("BND-ADH", "Adhesive Bandages, Assorted (box of 100)", "Consumables", "Box", 5.25, "Henry Schein Medical"),
    ("ALC-PREP", "Alcohol Prep Pads (box of 200)", "Consumables", "Box", 4.60, "MedLine Supply Co."),
    ("SHARPS-2G", "Sharps Container, 2 Gallon", "Consumables", "Units", 6.80, "Owens & Minor"),
]
EXPENSE_PRODUCTS = [("EXP-MILE", "Mileage", 0.67), ("EXP-MEAL", "Meals", 0.0), ("EXP-TRVL", "Travel & Lodging", 0.0),
                    ("EXP-CME", "Training & CME", 0.0), ("EXP-OFF", "Office Supplies", 0.0)]
# clinic, product, min, max, on hand, daily use; the unusual rows are the supply watcher's cases
ORDERPOINTS = [
    ("NSC", "GLV-NIT-M", 30, 80, 18, 3.0),   # below min, but an open RFQ already covers it
    ("NSC", "EPI-AUTO", 4, 10, 3, 0.15),    # below min, nothing ordered: critical
    ("NSC", "SAL-500", 40, 120, 64, 4.0),
    ("NSC", "SYR-3ML", 10, 30, 17, 0.6),
    ("NSC", "MSK-N95", 8, 24, 12, 0.4),
    ("NSC", "GAU-4X4", 10, 30, 15, 0.5),
    ("RSC", "SAL-500", 40, 120, 12, 3.5),    # below min, nothing ordered
    ("RSC", "GLV-NIT-L", 20, 60, 34, 1.6),
    ("RSC", "TST-GLU", 15, 45, 26, 1.2),
    ("RSC", "BND-ADH", 10, 30, 21, 0.5),
    ("RSC", "NDL-25G", 8, 24, 14, 0.4),
    ("EGC", "TST-STREP", 5, 25, 8, 2.0),     # above min, but 4 days of cover against a 4-day lead time
    ("EGC", "MSK-N95", 8, 24, 0, 0.6),       # stocked out
    ("EGC", "ALC-PREP", 10, 40, 22, 0.8),
    ("EGC", "SHARPS-2G", 6, 18, 11, 0.3),
    ("EGC", "SAL-1000", 20, 60, 35, 1.1),
]


@dataclass
class Demo:
    """Ids of the seeded records, by the names the later seed stages use."""

    store: Store
    now: datetime
    rng: random.Random
    users: dict[str, int] = field(default_factory=dict)
    employees: dict[str, int] = field(default_factory=dict)
    vendors: dict[str, int] = field(default_factory=dict)
    vendor_delay: dict[int, int] = field(default_factory=dict)
    payers: dict[str, int] = field(default_factory=dict)
    patients: dict[str, int] = field(default_factory=dict)
    clinics: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> warehouse, stock, in, out
    products: dict[str, int] = field(default_factory=dict)
    orderpoints: dict[tuple[str, str], int] = field(default_factory=dict)
    buyers: dict[str, str] = field(default_factory=dict)  # clinic code -> buyer login
    received: list[Any] = field(default_factory=list)  # planned orders whose receipt is done, for billing
    _events: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    _count: int = 0

    def later(self, when: datetime, action: Callable[[], None]) -> None:
        """Schedule a seeding step at its business time; `run` replays them in time order so that ids grow
        with dates, as they do in a real database."""
        self._count += 1
        heapq.heappush(self._events, (when, self._count, action))

    def run(self) -> None:
        while self._events:  # steps may schedule later steps
            heapq.heappop(self._events)[2]()

    def ago(self, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def create(self, model: str, vals: dict[str, Any], *, uid: int = ADMIN_UID, at: datetime | None = None,
               log: bool = True) -> int:
        return self.store.create(model, vals, uid=uid, at=at or self.ago(days=180), log=log)

    def write(self, model: str, rid: int, vals: dict[str, Any], *, uid: int = ADMIN_UID,
              at: datetime | None = None) -> None:
        self.store.write(model, [rid], vals, uid=uid, at=at)


def install(demo: Demo) -> None:
    store = demo.store
    store.write("res.company", [1], {"po_double_validation": "two_step", "po_double_validation_amount": 5000.0},
                uid=ADMIN_UID, at=demo.ago(days=200))
    tags = {name: demo.create("res.partner.category", {"name": name, "color": color})
            for name, color in (("Vendor", 4), ("Patient", 2), ("Payer", 10))}
    _people(demo)
    for name, domain, city, delay in VENDORS:
        pid = demo.create("res.partner", {
            "name": name, "is_company": True, "supplier_rank": 1, "category_id": [tags["Vendor"]],
            "email": f"orders@{domain}", "city": city, "website": f"https://{domain}"})
        demo.vendors[name], demo.vendor_delay[pid] = pid, delay
    for name in PAYERS:
        demo.payers[name] = demo.create("res.partner", {
            "name": name, "is_company": True, "customer_rank": 1, "category_id": [tags["Payer"]],
            "email": f"claims@{name.split()[0].lower()}.example"})
    for index, name in enumerate(PATIENTS):
        first = name.split()[0].lower()
        demo.patients[name] = demo.create("res.partner", {
            "name": name, "customer_rank": 1, "category_id": [tags["Patient"]], "ref": f"MRN-{100231 + index * 37}",
            "email": f"{first}.{name.split()[1].lower()}@mail.example", "phone": f"+1 503 555 01{10 + index}"})
    _clinics(demo)
    _products(demo)
    _stock_rules(demo)


def _people(demo: Demo) -> None:
    demo.users["admin"] = ADMIN_UID
    for login, name, groups, _, clinic in USERS:
        demo.users[login] = add_user(demo.store, login, name, groups, at=demo.ago(days=300))
        if clinic and login.endswith(".buyer"):
            demo.buyers[clinic] = login
    demo.store.readonly_uids.add(demo.users["auditor"])
    titles = {login: title for login, _, _, title, _ in USERS} | {"admin": "Chief Operating Officer"}
    names = {login: name for login, name, *_ in USERS} | {"admin": "Mitchell Admin"}
    managers = {"admin": None, "dr.patel": "admin", "grace.finance": "admin", "auditor": "grace.finance"}
    for login in ["admin", "dr.patel", "grace.finance", *[u[0] for u in USERS if u[0] not in managers], "auditor"]:
        boss = managers.get(login, "dr.patel")
        demo.employees[login] = demo.create("hr.employee", {
            "name": names[login], "user_id": demo.users[login], "job_title": titles[login],
            "work_email": f"{login}@harborhealth.example",
            "parent_id": demo.employees[boss] if boss else False,
            "expense_manager_id": demo.users[boss] if boss else False})


def _clinics(demo: Demo) -> None:
    vendors = demo.store.ref("stock.stock_location_suppliers")
    customers = demo.store.ref("stock.stock_location_customers")
    for name, code in CLINICS:
        view = demo.create("stock.location", {"name": code, "usage": "view"})
        stock = demo.create("stock.location", {"name": "Stock", "location_id": view, "usage": "internal"})
        warehouse = demo.create("stock.warehouse", {"name": name, "code": code, "lot_stock_id": stock,
                                                    "view_location_id": view, "partner_id": 1})
        for loc in (view, stock):
            demo.store.set_raw("stock.location", loc, {"warehouse_id": warehouse})
        receipts = demo.create("stock.picking.type", {
            "name": "Receipts", "code": "incoming", "sequence_code": "IN", "warehouse_id": warehouse,
            "default_location_src_id": vendors, "default_location_dest_id": stock})
        deliveries = demo.create("stock.picking.type", {
            "name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT", "warehouse_id": warehouse,
            "default_location_src_id": stock, "default_location_dest_id": customers})
        demo.write("stock.warehouse", warehouse, {"in_type_id": receipts, "out_type_id": deliveries},
                   at=demo.ago(days=180))
        demo.clinics[code] = {"warehouse": warehouse, "stock": stock, "in": receipts, "out": deliveries}


def _products(demo: Demo) -> None:
    root = demo.create("product.category", {"name": "Medical Supplies"})
    categories = {name: demo.create("product.category", {"name": name, "parent_id": root})
                  for name in ("Critical", "Consumables", "PPE")}
    expenses = demo.create("product.category", {"name": "Expenses"})
    units = {row["name"]: rid for rid, row in demo.store.rows("uom.uom").items()}
    for code, name, category, unit, cost, vendor in PRODUCTS:
        pid = demo.create("product.product", {
            "name": name, "default_code": code, "categ_id": categories[category], "uom_id": units[unit],
            "type": "consu", "is_storable": True, "standard_price": cost, "list_price": round(cost * 1.4, 2),
            "sale_ok": False})
        demo.products[code] = pid
        vendor_id = demo.vendors[vendor]
        demo.create("product.supplierinfo", {
            "partner_id": vendor_id, "product_id": pid, "price": cost, "min_qty": 1,
            "delay": demo.vendor_delay[vendor_id], "product_code": f"{vendor.split()[0][:3].upper()}-{code}"})
    # A pricier second source for the critical lines, as clinics keep one.
    for code, vendor, markup, delay in (("SAL-500", "Henry Schein Medical", 1.18, 2),
                                        ("EPI-AUTO", "Henry Schein Medical", 1.09, 3)):
        cost = demo.store.row("product.product", demo.products[code])["standard_price"]
        demo.create("product.supplierinfo", {"partner_id": demo.vendors[vendor], "product_id": demo.products[code],
                                             "price": round(cost * markup, 2), "delay": delay, "sequence": 2})
    for code, name, cost in EXPENSE_PRODUCTS:
        demo.products[code] = demo.create("product.product", {
            "name": name, "default_code": code, "categ_id": expenses, "type": "service", "can_be_expensed": True,
            "standard_price": cost, "purchase_ok": False, "sale_ok": False})


def _stock_rules(demo: Demo) -> None:
    supplierinfo = {row["product_id"]: rid for rid, row in demo.store.rows("product.supplierinfo").items()
                    if row.get("sequence", 1) == 1}
    for clinic, code, low, high, on_hand, _ in ORDERPOINTS:
        product = demo.products[code]
        seller = demo.store.row("product.supplierinfo", supplierinfo[product])
        location = demo.clinics[clinic]["stock"]
        demo.orderpoints[(clinic, code)] = demo.create("stock.warehouse.orderpoint", {
            "product_id": product, "warehouse_id": demo.clinics[clinic]["warehouse"], "location_id": location,
            "product_min_qty": low, "product_max_qty": high, "qty_on_hand": on_hand, "qty_forecast": on_hand,
            "lead_days": float(seller["delay"]), "supplier_id": supplierinfo[product], "trigger": "auto"})
        if on_hand:
            demo.create("stock.quant", {"product_id": product, "location_id": location, "quantity": on_hand,
                                        "in_date": demo.store.now_str(demo.ago(days=20))})
