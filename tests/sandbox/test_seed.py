"""The demo network: believable, deterministic, and holding the cases the three agents look for."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import odoorpc

from agents._core.odoo.sandbox import Sandbox, SandboxClock

from .conftest import NOW, connect


def _age_hours(stamp: str) -> float:
    when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return round((NOW - when).total_seconds() / 3600, 1)


def test_to_approve_orders_sit_at_several_ages(odoo: odoorpc.ODOO) -> None:
    orders = odoo.execute_kw("purchase.order", "search_read", [[("state", "=", "to approve")]],
                             {"fields": ["name", "create_date", "user_id", "amount_total", "partner_id"]})
    assert len(orders) == 8
    assert all(o["user_id"] and o["amount_total"] >= 5000 for o in orders)  # two-step approval at 5,000
    changes = odoo.execute_kw("mail.tracking.value", "search_read", [[
        ("mail_message_id.model", "=", "purchase.order"), ("field_id.name", "=", "state"),
        ("mail_message_id.res_id", "in", [o["id"] for o in orders])]],
        {"fields": ["create_date", "new_value_char", "mail_message_id"], "order": "id"})
    messages = {m["id"]: m["res_id"] for m in odoo.execute_kw(
        "mail.message", "read", [[c["mail_message_id"][0] for c in changes], ["res_id"]])}
    last_change = {}
    for change in changes:  # ids grow with time, so the last one per order is its latest state change
        last_change[messages[change["mail_message_id"][0]]] = change
    assert all(c["new_value_char"] == "To Approve" for c in last_change.values())
    ages = sorted(_age_hours(c["create_date"]) for c in last_change.values())
    assert ages == [2.0, 5.0, 10.0, 24.0, 48.0, 72.0, 144.0, 288.0]
    created = {o["id"]: _age_hours(o["create_date"]) for o in orders}
    assert sum(created[rid] - _age_hours(c["create_date"]) > 24 * 7 for rid, c in last_change.items()) == 2


def test_the_demo_network_is_all_there(odoo: odoorpc.ODOO) -> None:
    company = odoo.execute_kw("res.company", "read", [[1], ["name", "po_double_validation",
                                                            "po_double_validation_amount"]])[0]
    assert company == {"id": 1, "name": "Harbor Health Partners", "po_double_validation": "two_step",
                       "po_double_validation_amount": 5000.0}
    warehouses = odoo.execute_kw("stock.warehouse", "search_read", [[]], {"fields": ["name", "code"]})
    assert [(w["name"], w["code"]) for w in warehouses] == [
        ("Northside Clinic", "NSC"), ("Riverside Clinic", "RSC"), ("Eastgate Clinic", "EGC")]
    tags = lambda tag: odoo.execute_kw("res.partner", "search_count", [[("category_id.name", "=", tag)]])
    assert (tags("Vendor"), tags("Patient"), tags("Payer")) == (5, 6, 4)
    logins = {u["login"] for u in odoo.execute_kw("res.users", "search_read", [[]], {"fields": ["login"]})}
    assert {"admin", "nina.buyer", "omar.buyer", "dr.patel", "grace.finance", "auditor"} <= logins
    states = Counter(r["state"] for r in odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": ["state"]}))
    assert states == {"purchase": 33, "to approve": 8, "draft": 6, "sent": 5, "cancel": 4}
    expenses = Counter(r["state"] for r in odoo.execute_kw("hr.expense", "search_read", [[]], {"fields": ["state"]}))
    assert expenses["submitted"] == 5 and sum(expenses.values()) == 12


def test_billing_and_supply_cases_are_seeded(odoo: odoorpc.ODOO) -> None:
    today = NOW.date().isoformat()
    overdue = odoo.execute_kw("account.move", "search_count", [[
        ("move_type", "in", ["in_invoice", "out_invoice"]), ("state", "=", "posted"),
        ("payment_state", "in", ["not_paid", "partial"]), ("invoice_date_due", "<", today)]])
    assert overdue >= 3
    duplicate = odoo.execute_kw("account.move", "search_read", [[("ref", "=", "HS-88412")]],
                                {"fields": ["state", "duplicated_ref_ids"]})
    assert len(duplicate) == 2 and all(len(d["duplicated_ref_ids"]) == 1 for d in duplicate)
    assert odoo.execute_kw("account.move", "search_count", [[("state", "=", "posted"), ("checked", "=", False)]]) >= 1
    without_pdf = odoo.execute_kw("account.move", "search_read", [[("move_type", "=", "in_invoice"),
                                                                   ("state", "=", "posted")]],
                                  {"fields": ["message_attachment_count"]})
    assert any(b["message_attachment_count"] == 0 for b in without_pdf)
    below = odoo.execute_kw("stock.warehouse.orderpoint", "search_read", [[]],
                            {"fields": ["product_id", "warehouse_id", "product_min_qty", "qty_forecast", "lead_days"]})
    assert sum(o["qty_forecast"] < o["product_min_qty"] for o in below) == 8
    consumed = odoo.execute_kw("stock.move", "search_count", [[("state", "=", "done"),
                                                               ("location_dest_id.usage", "=", "customer")]])
    late = odoo.execute_kw("stock.picking", "search_count", [[("picking_type_code", "=", "incoming"),
                                                              ("state", "not in", ["done", "cancel"]),
                                                              ("scheduled_date", "<", "2026-11-25 15:00:00")]])
    assert consumed > 100 and late >= 1
    activities = Counter(a["state"] for a in odoo.execute_kw("mail.activity", "search_read", [[]],
                                                             {"fields": ["state"]}))
    assert set(activities) == {"overdue", "today", "planned"}


def test_the_seed_is_deterministic_for_a_clock_and_moves_with_it() -> None:
    def snapshot(now: datetime) -> list[dict]:
        sb = Sandbox(clock=SandboxClock(now=now))
        return (sb.env("purchase.order").search_read([], ["name", "state", "amount_total", "create_date"])
                + sb.env("mail.tracking.value").search_read([], ["new_value_char", "create_date"]))
    assert snapshot(NOW) == snapshot(NOW)
    later = snapshot(NOW + timedelta(days=1))
    assert [r.get("amount_total") for r in later] == [r.get("amount_total") for r in snapshot(NOW)]
    assert later[0]["create_date"] != snapshot(NOW)[0]["create_date"]


def test_ids_grow_with_time_like_a_real_database(sandbox: Sandbox) -> None:
    for model in ("purchase.order", "mail.message", "account.move", "stock.picking"):
        rows = sandbox.env(model).search_read([], ["create_date"], order="id")
        stamps = [r["create_date"] for r in rows if r["create_date"] > "2026-01-01"]
        assert stamps == sorted(stamps), model


def test_every_seeded_user_can_log_in_with_their_login_as_password(sandbox: Sandbox) -> None:
    odoo = connect(sandbox, "grace.finance", "grace.finance")
    assert odoo.env.user.name == "Grace Okoye"
    employees = odoo.execute_kw("hr.employee", "search_read", [[("user_id.login", "=", "nina.buyer")]],
                                {"fields": ["parent_id", "expense_manager_id"]})
    assert employees[0]["parent_id"][1] == "Dr. Anika Patel"
    assert employees[0]["expense_manager_id"][1] == "Dr. Anika Patel"
