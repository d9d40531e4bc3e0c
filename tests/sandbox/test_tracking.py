"""Chatter tracking: a state change leaves a message and a tracking value exactly as Odoo 19 records them."""
from __future__ import annotations

from datetime import timedelta

import odoorpc

from agents._core.odoo.sandbox import Sandbox

from .conftest import connect

TRACKING_FIELDS = ["field_id", "old_value_char", "new_value_char", "create_date", "mail_message_id"]
MESSAGE_FIELDS = ["model", "res_id", "body", "message_type", "subtype_id", "date", "author_id", "tracking_value_ids"]


def test_a_state_write_is_tracked_like_the_sample(bare: Sandbox) -> None:
    odoo = connect(bare)
    order = odoo.execute_kw("purchase.order", "create", [{"partner_id": 1}])
    bare.clock.advance(timedelta(minutes=5))
    odoo.execute_kw("purchase.order", "write", [[order], {"state": "to approve"}])
    tracking = odoo.execute_kw("mail.tracking.value", "search_read", [[
        ("mail_message_id.model", "=", "purchase.order"), ("field_id.name", "=", "state")]],
        {"fields": TRACKING_FIELDS, "limit": 2, "order": "id desc"})
    field_id = tracking[0]["field_id"][0]
    message_id = tracking[0]["mail_message_id"][0]
    assert tracking == [{"id": tracking[0]["id"], "field_id": [field_id, "Status (Purchase Order)"],
                         "old_value_char": "RFQ", "new_value_char": "To Approve",
                         "create_date": "2026-11-25 15:05:00", "mail_message_id": [message_id, False]}]
    messages = odoo.execute_kw("mail.message", "search_read", [[("model", "=", "purchase.order")]],
                               {"fields": MESSAGE_FIELDS, "limit": 2, "order": "id desc"})
    author = [3, "Harbor Health Partners, Mitchell Admin"]
    assert messages == [
        {"id": message_id, "model": "purchase.order", "res_id": order, "body": "", "message_type": "notification",
         "subtype_id": [messages[0]["subtype_id"][0], "RFQ Confirmed"], "date": "2026-11-25 15:05:00",
         "author_id": author, "tracking_value_ids": [tracking[0]["id"]]},
        {"id": messages[1]["id"], "model": "purchase.order", "res_id": order, "body": "<p>Purchase Order created</p>",
         "message_type": "notification", "subtype_id": [2, "Note"], "date": "2026-11-25 15:00:00",
         "author_id": author, "tracking_value_ids": []},
    ]
    field = odoo.execute_kw("ir.model.fields", "read", [[field_id], ["name", "model", "ttype"]])[0]
    assert (field["name"], field["model"], field["ttype"]) == ("state", "purchase.order", "selection")


def test_writes_that_change_nothing_tracked_leave_no_message(bare: Sandbox) -> None:
    odoo = connect(bare)
    order = odoo.execute_kw("purchase.order", "create", [{"partner_id": 1}])
    before = odoo.execute_kw("mail.message", "search_count", [[("res_id", "=", order)]])
    odoo.execute_kw("purchase.order", "write", [[order], {"origin": "x", "state": "draft"}])
    assert odoo.execute_kw("mail.message", "search_count", [[("res_id", "=", order)]]) == before


def test_buyer_reassignment_is_tracked_with_names_and_ids(bare: Sandbox) -> None:
    odoo = connect(bare)
    order = odoo.execute_kw("purchase.order", "create", [{"partner_id": 1, "user_id": False}])
    odoo.execute_kw("purchase.order", "write", [[order], {"user_id": 2}])
    value = odoo.execute_kw("mail.tracking.value", "search_read", [[("field_id.name", "=", "user_id")]],
                            {"fields": ["old_value_char", "new_value_char", "old_value_integer", "new_value_integer"]})
    assert [{k: v for k, v in value[0].items() if k != "id"}] == [
        {"old_value_char": False, "new_value_char": "Mitchell Admin", "old_value_integer": 0, "new_value_integer": 2}]


def test_expense_and_bill_states_are_tracked_with_their_labels(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    expense = odoo.execute_kw("hr.expense", "search", [[("state", "=", "submitted")]], {"limit": 1})
    odoo.execute_kw("hr.expense", "action_approve", [expense])
    changes = odoo.execute_kw("mail.tracking.value", "search_read", [[
        ("mail_message_id.model", "=", "hr.expense"), ("mail_message_id.res_id", "=", expense[0]),
        ("field_id.name", "=", "state")]], {"fields": ["old_value_char", "new_value_char"], "order": "id"})
    assert [(c["old_value_char"], c["new_value_char"]) for c in changes] == [
        ("Draft", "Submitted"), ("Submitted", "Approved")]
    bill = odoo.execute_kw("account.move", "search_read", [[("move_type", "=", "in_invoice"), ("state", "=", "draft"),
                                                            ("ref", "=", "OM-2318-02")]], {"fields": ["name"]})[0]
    assert bill["name"] == "/"
    numbered = odoo.execute_kw("account.move", "search_count", [[("name", "=like", "BILL/2026/11/%")]])
    odoo.execute_kw("account.move", "action_post", [[bill["id"]]])
    posted = odoo.execute_kw("account.move", "read", [[bill["id"]], ["name", "state"]])[0]
    assert posted["state"] == "posted" and posted["name"] == f"BILL/2026/11/{numbered + 1:04d}"  # the month's next number


def test_two_step_approval_needs_a_purchase_manager(sandbox: Sandbox) -> None:
    buyer = connect(sandbox, "omar.buyer", "omar.buyer")
    vendor = buyer.execute_kw("res.partner", "search", [[("name", "=", "Cardinal Surgical")]])[0]
    small = buyer.execute_kw("purchase.order", "create", [{"partner_id": vendor, "order_line": [
        (0, 0, {"name": "Saline", "product_qty": 100, "price_unit": 2.1})]}])
    big = buyer.execute_kw("purchase.order", "create", [{"partner_id": vendor, "order_line": [
        (0, 0, {"name": "Epinephrine", "product_qty": 20, "price_unit": 310.0})]}])
    buyer.execute_kw("purchase.order", "button_confirm", [[small, big]])
    state = lambda odoo, rid: odoo.execute_kw("purchase.order", "read", [[rid], ["state", "date_approve"]])[0]
    assert state(buyer, small) == {"id": small, "state": "purchase", "date_approve": "2026-11-25 15:00:00"}
    assert state(buyer, big) == {"id": big, "state": "to approve", "date_approve": False}
    buyer.execute_kw("purchase.order", "button_approve", [[big]])
    assert state(buyer, big)["state"] == "to approve"  # not a manager: Odoo silently skips it
    director = connect(sandbox, "dr.patel", "dr.patel")
    director.execute_kw("purchase.order", "button_approve", [[big]])
    assert state(director, big)["state"] == "purchase"
    admin = connect(sandbox)  # tracking values are for Settings users only, as in Odoo 19
    changes = admin.execute_kw("mail.tracking.value", "search_read", [[("mail_message_id.res_id", "=", big),
                                                                       ("mail_message_id.model", "=", "purchase.order")]],
                               {"fields": ["new_value_char"], "order": "id"})
    assert [c["new_value_char"] for c in changes] == ["To Approve", "Purchase Order"]
