"""Demo seed, part 3: expenses in review, vendor bills and payer invoices with their exceptions, activities."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .seed_network import Demo
from .seed_purchases import PlannedOrder

# employee login, description, category, amount, expense date (days ago), [(state, hours ago, by)], receipt?
EXPENSES: list[tuple[str, str, str, float, int, list[tuple[str, float, str]], bool]] = [
    ("sam.nurse", "Home visits, mileage (126 mi)", "EXP-MILE", 84.42, 2, [("submitted", 4, "sam.nurse")], True),
    ("rita.nurse", "Team lunch, flu clinic Saturday", "EXP-MEAL", 46.80, 3, [("submitted", 26, "rita.nurse")], True),
    ("tom.tech", "Phlebotomy recertification course", "EXP-CME", 450.00, 8, [("submitted", 74, "tom.tech")], True),
    ("nina.buyer", "Vendor site visit, MedLine (hotel + rail)", "EXP-TRVL", 612.35, 12,
     [("submitted", 122, "nina.buyer")], True),
    ("omar.buyer", "Label printer ribbons", "EXP-OFF", 129.99, 16, [("submitted", 218, "omar.buyer")], False),
    ("sam.nurse", "Coffee for night shift", "EXP-MEAL", 23.10, 1, [], False),
    ("lucy.buyer", "Courier run to Eastgate, mileage", "EXP-MILE", 31.49, 2, [], False),
    ("tom.tech", "Specimen cooler", "EXP-OFF", 64.00, 4, [], True),
    ("rita.nurse", "CME conference registration", "EXP-CME", 395.00, 30,
     [("submitted", 600, "rita.nurse"), ("approved", 560, "dr.patel")], True),
    ("lucy.buyer", "Supplier fair, parking and mileage", "EXP-TRVL", 58.20, 21,
     [("submitted", 480, "lucy.buyer"), ("approved", 430, "dr.patel")], True),
    ("omar.buyer", "Shipping of urgent samples", "EXP-OFF", 88.75, 45,
     [("submitted", 1050, "omar.buyer"), ("approved", 1000, "dr.patel"), ("paid", 800, "grace.finance")], True),
    ("nina.buyer", "Personal phone bill", "EXP-OFF", 74.30, 25,
     [("submitted", 560, "nina.buyer"), ("refused", 540, "dr.patel")], False),
]
# What happens to the bills of recently received orders, oldest receipt first.
BILL_PLANS: list[dict[str, Any]] = [
    {"payment_state": "paid", "paid": 1.0}, {"payment_state": "paid", "paid": 1.0},
    {"payment_state": "paid", "paid": 1.0}, {"due_days": 14},  # past due by a few days, unpaid
    {"payment_state": "partial", "paid": 0.4}, {"markup": 1.12, "pdf": False},  # 12% above its purchase order
    {"checked": False},  # flagged for review
    {},
]
# partner group, name, label, amount, invoice date (days ago), terms (days), payment state, fraction paid, post
INVOICES = [
    ("payers", "BlueCross Harbor", "Claims batch 2611-A (38 visits, CPT 99213/99214)", 2350.00, 70, 30,
     "not_paid", 0.0, True),
    ("payers", "Medicare Part B (Noridian)", "Claims batch 2611-B (22 visits)", 1120.00, 40, 30, "paid", 1.0, True),
    ("payers", "Aetna Health", "Claims batch 2611-C (14 visits)", 860.00, 20, 30, "partial", 0.55, True),
    ("payers", "UnitedHealthcare", "Claims batch 2611-D (31 visits)", 2080.00, 42, 30, "not_paid", 0.0, True),
    ("patients", "Avery Thompson", "Self-pay balance, visit of the 3rd", 145.00, 20, 15, "not_paid", 0.0, True),
    ("patients", "Priya Nair", "Self-pay balance, lab panel", 95.00, 3, 15, "not_paid", 0.0, False),
]


def install(demo: Demo, queue: list[PlannedOrder]) -> None:
    for login, name, category, amount, days, steps, receipt in EXPENSES:
        _plan_expense(demo, login, name, category, amount, days, steps, receipt)
    _plan_vendor_bills(demo)
    for group, name, label, amount, days, terms, payment_state, paid, post in INVOICES:
        partner = getattr(demo, group)[name]
        lines = [(False, label, 1.0, amount)]
        _plan_move(demo, "out_invoice", None, partner=partner, ref=False, when=demo.ago(days=days), due_days=terms,
                   lines=lines, post=post, payment_state=payment_state, paid=paid, pdf=False)
    _plan_activities(demo, queue)


def _plan_expense(demo: Demo, login: str, name: str, category: str, amount: float, days: int,
                  steps: list[tuple[str, float, str]], receipt: bool) -> None:
    uid = demo.users[login]
    created = min(demo.ago(days=days) + timedelta(hours=18), demo.ago(hours=5))
    state: dict[str, int] = {}

    def create() -> None:
        state["id"] = demo.create("hr.expense", {
            "name": name, "employee_id": demo.employees[login], "product_id": demo.products[category],
            "total_amount": amount, "date": demo.ago(days=days).date().isoformat(),
            "quantity": 126.0 if "126 mi" in name else 1.0}, uid=uid, at=created)
        if receipt:
            demo.create("ir.attachment", {"name": f"receipt-{state['id']:03d}.jpg", "res_model": "hr.expense",
                                          "res_id": state["id"], "mimetype": "image/jpeg", "file_size": 184_322},
                        uid=uid, at=created)

    demo.later(created, create)
    for new_state, hours, by in steps:
        demo.later(demo.ago(hours=hours), _expense_step(demo, state, new_state, demo.users[by], demo.ago(hours=hours)))


def _expense_step(demo: Demo, expense: dict[str, int], state: str, uid: int, when: datetime):
    def step() -> None:
        vals: dict[str, Any] = {"state": state}
        if state in ("approved", "refused"):
            vals |= {"approval_state": state, "approval_date": demo.store.now_str(when)}
        demo.write("hr.expense", expense["id"], vals, uid=uid, at=when)
    return step


def _plan_vendor_bills(demo: Demo) -> None:
    # The most recent receipts get bills; the older of those are settled, the newer carry the exceptions.
    received = sorted(demo.received, key=lambda order: order.received_at or demo.now)[-len(BILL_PLANS):]
    for index, (order, plan) in enumerate(zip(received, BILL_PLANS)):
        assert order.received_at is not None
        when = min(order.received_at + timedelta(days=1 + index % 3), demo.ago(hours=6))
        plan = dict(plan)
        _plan_move(demo, "in_invoice", order, partner=demo.vendors[order.vendor],
                   ref=f"{order.vendor.split()[0][:3].upper()}-{48120 + index * 37}", when=when,
                   due_days=plan.pop("due_days", 30), lines=None, **plan)
    schein, owens = demo.vendors["Henry Schein Medical"], demo.vendors["Owens & Minor"]
    supplies = [(False, "Exam room restock, assorted consumables", 1.0, 1284.60)]
    _plan_move(demo, "in_invoice", None, partner=schein, ref="HS-88412", when=demo.ago(days=9), due_days=30,
               lines=supplies)
    # The same invoice keyed in again a week later: same vendor and reference, left in draft.
    _plan_move(demo, "in_invoice", None, partner=schein, ref="HS-88412", when=demo.ago(days=2), due_days=30,
               lines=supplies, post=False, pdf=False)
    _plan_move(demo, "in_invoice", None, partner=owens, ref="OM-2291-17", when=demo.ago(days=75), due_days=30,
               lines=[(False, "Sharps disposal service, quarterly", 1.0, 1940.00)])  # 45 days past due
    _plan_move(demo, "in_invoice", None, partner=owens, ref="OM-2318-02", when=demo.ago(days=18), due_days=30,
               lines=[(False, "Biohazard bins, replacement", 6.0, 84.50)], post=False)  # a draft for 18 days


def _plan_move(demo: Demo, move_type: str, order: PlannedOrder | None, *, partner: int, ref: Any, when: datetime,
               due_days: int, lines: list[tuple[Any, str, float, float]] | None, post: bool = True,
               payment_state: str = "not_paid", paid: float = 0.0, checked: bool = True, pdf: bool = True,
               markup: float = 1.0) -> None:
    """A bill or invoice on its date: created, its PDF attached, posted, and later (partly) paid."""
    store = demo.store
    uid = demo.users["grace.finance"]
    move: dict[str, int] = {}

    def create() -> None:
        po = store.row("purchase.order", order.id) if order else None
        items = lines if lines is not None else _po_lines(demo, order.id, markup) if order else []
        move["id"] = demo.create("account.move", {
            "move_type": move_type, "partner_id": partner, "ref": ref, "invoice_origin": po["name"] if po else False,
            "invoice_date": when.date().isoformat(), "date": when.date().isoformat(),
            "invoice_date_due": (when + timedelta(days=due_days)).date().isoformat(), "invoice_user_id": uid,
            "invoice_line_ids": [(0, 0, {"purchase_line_id": line_id, "name": label, "quantity": qty,
                                         "price_unit": price}) for line_id, label, qty, price in items],
        }, uid=uid, at=when)
        if pdf:
            demo.create("ir.attachment", {"name": f"{ref}.pdf", "res_model": "account.move", "res_id": move["id"],
                                          "mimetype": "application/pdf", "file_size": 96_512}, uid=uid, at=when)
        if post:
            with store.backdate(when):
                store.registry["account.move"].methods["action_post"](store, [move["id"]], uid)
            store.set_raw("account.move", move["id"], {"checked": checked})
        if po:
            store.set_raw("purchase.order", po["id"], {"invoice_ids": (*po.get("invoice_ids", ()), move["id"]),
                                                       "invoice_status": "invoiced"})
            for line_id, _, qty, _ in items:
                store.set_raw("purchase.order.line", line_id, {"qty_invoiced": qty})

    demo.later(when, create)
    if payment_state != "not_paid":
        paid_at = min(when + timedelta(days=due_days * 0.8), demo.ago(hours=3))
        demo.later(paid_at, lambda: _pay(demo, move["id"], payment_state, paid, uid, paid_at))


def _pay(demo: Demo, move: int, payment_state: str, paid: float, uid: int, when: datetime) -> None:
    demo.write("account.move", move, {"payment_state": payment_state}, uid=uid, at=when)
    total = demo.store.row("account.move", move)["amount_total"]
    demo.store.set_raw("account.move", move, {"amount_residual": round(total * (1 - paid), 2)})


def _po_lines(demo: Demo, order_id: int, markup: float) -> list[tuple[Any, str, float, float]]:
    lines = demo.store.rows("purchase.order.line")
    return [(i, lines[i]["name"], lines[i]["product_qty"], round(lines[i]["price_unit"] * markup, 2))
            for i in demo.store.inverse("purchase.order.line", "order_id")[order_id]]


def _plan_activities(demo: Demo, queue: list[PlannedOrder]) -> None:
    store = demo.store
    # model, record (resolved when the step runs), type, summary, due (days from now), assignee
    plan: list[tuple[str, Any, str, str, int, str]] = [
        ("purchase.order", lambda: queue[5].id, "todo", "Approve saline restock for Riverside", -8, "dr.patel"),
        ("purchase.order", lambda: queue[7].id, "todo", "Review N95 order before approval", 2, "dr.patel"),
        ("purchase.order", lambda: queue[3].id, "email", "Confirm glove pricing with MedLine", 0, "nina.buyer"),
        ("account.move", lambda: _bill_by_ref(demo, "HS-88412"), "todo", "Check for a duplicate of HS-88412", 1,
         "grace.finance"),
        ("account.move", lambda: _bill_by_ref(demo, "OM-2291-17"), "email", "Chase Owens & Minor statement", -20,
         "grace.finance"),
    ]
    for model, record, kind, summary, due, login in plan:
        when = demo.ago(days=max(1, -due + 2))
        demo.later(when, lambda model=model, record=record, kind=kind, summary=summary, due=due, login=login,
                   when=when: demo.create("mail.activity", {
                       "res_model": model, "res_id": record(), "summary": summary, "user_id": demo.users[login],
                       "activity_type_id": store.ref(f"mail.mail_activity_data_{kind}"),
                       "date_deadline": (demo.now + timedelta(days=due)).date().isoformat()},
                       uid=demo.users["admin"], at=when))


def _bill_by_ref(demo: Demo, ref: str) -> int:
    return min(rid for rid, row in demo.store.rows("account.move").items() if row.get("ref") == ref)
