"""ORM methods over RPC: reading and paging, writing with the clock, validation errors, access, chatter notes."""
from __future__ import annotations

from datetime import timedelta

import odoorpc

from agents._core.odoo.sandbox import Sandbox

from .conftest import NOW, connect, post, rpc_error


def test_search_read_fields_limit_offset_order(odoo: odoorpc.ODOO) -> None:
    rows = odoo.execute_kw("purchase.order", "search_read", [[("state", "in", ["to approve", "purchase"])]], {
        "fields": ["name", "state", "partner_id", "user_id", "amount_total", "currency_id", "date_order",
                   "date_approve", "create_date", "write_date", "origin", "invoice_ids"],
        "limit": 3, "order": "id desc"})
    assert len(rows) == 3 and [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    first = rows[0]
    assert list(first) == ["id", "name", "state", "partner_id", "user_id", "amount_total", "currency_id",
                           "date_order", "date_approve", "create_date", "write_date", "origin", "invoice_ids"]
    assert isinstance(first["partner_id"], list) and isinstance(first["partner_id"][1], str)
    assert first["currency_id"] == [1, "USD"]
    assert first["origin"] is False and isinstance(first["invoice_ids"], list)
    assert len(first["create_date"]) == 19 and first["create_date"][10] == " "
    everything = odoo.execute_kw("purchase.order", "search", [[]], {"order": "amount_total desc, id"})
    page = odoo.execute_kw("purchase.order", "search", [[]], {"order": "amount_total desc, id", "offset": 5,
                                                              "limit": 5})
    assert page == everything[5:10]
    totals = [r["amount_total"] for r in odoo.execute_kw("purchase.order", "read", [everything, ["amount_total"]])]
    assert totals == sorted(totals, reverse=True)
    assert odoo.execute_kw("purchase.order", "search_count", [[("state", "=", "to approve")]]) == 8
    default = odoo.execute_kw("purchase.order", "search", [[]], {"limit": 3})
    assert default == sorted(default, reverse=True)  # Odoo's _order: priority desc, id desc


def test_read_of_a_missing_id_is_empty_and_write_is_missing_error(odoo: odoorpc.ODOO) -> None:
    assert odoo.execute_kw("purchase.order", "read", [[999999], ["name"]]) == []
    assert [r["id"] for r in odoo.execute_kw("purchase.order", "read", [[999999, 1], ["name"]])] == [1]
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "write", [[999999], {"origin": "x"}]))
    assert data == {
        "name": "odoo.exceptions.MissingError",
        "message": "Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)",
        "arguments": ["Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)"],
        "context": {}, "debug": data["debug"]}


def test_validation_errors_carry_odoos_names_and_texts(odoo: odoorpc.ODOO) -> None:
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "search_read", [[("no_such_field", "=", 1)]],
                                             {"limit": 1}))
    assert (data["name"], data["message"]) == (
        "builtins.ValueError", "Invalid field purchase.order.no_such_field in condition ('no_such_field', '=', 1)")
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": ["name", "x"]}))
    assert (data["name"], data["message"]) == ("builtins.ValueError", "Invalid field 'x' on 'purchase.order'")
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "write", [[1], {"state": "exploded"}]))
    assert (data["name"], data["message"]) == ("builtins.ValueError",
                                               "Wrong value for purchase.order.state: 'exploded'")
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "create", [{"origin": "no vendor"}]))
    assert data["name"] == "odoo.exceptions.ValidationError"
    assert data["message"].endswith("Model: Purchase Order (purchase.order)\nField: Vendor (partner_id)\n")
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "write", [[1], {"partner_id": 999999}]))
    assert data["name"] == "odoo.exceptions.ValidationError"
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "search", [[]], {"order": "nope desc"}))
    assert (data["name"], data["message"]) == ("builtins.ValueError", "Invalid field 'nope' on model 'purchase.order'")
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "search", [[]], {"order": "name; drop"}))
    assert data["name"] == "odoo.exceptions.UserError" and 'Invalid "order" specified (name; drop)' in data["message"]


def test_fields_get_matches_the_sample(odoo: odoorpc.ODOO) -> None:
    got = odoo.execute_kw("purchase.order", "fields_get", [["state", "partner_id", "date_approve", "amount_total"]],
                          {"attributes": ["type", "string", "selection", "relation", "store"]})
    assert got == {
        "date_approve": {"store": True, "string": "Confirmation Date", "type": "datetime"},
        "partner_id": {"relation": "res.partner", "store": True, "string": "Vendor", "type": "many2one"},
        "state": {"selection": [["draft", "RFQ"], ["sent", "RFQ Sent"], ["to approve", "To Approve"],
                                ["purchase", "Purchase Order"], ["cancel", "Cancelled"]],
                  "store": True, "string": "Status", "type": "selection"},
        "amount_total": {"store": True, "string": "Total", "type": "monetary"},
    }
    expense = odoo.execute_kw("hr.expense", "fields_get", [["state"]], {"attributes": ["selection"]})
    assert [k for k, _ in expense["state"]["selection"]] == [
        "draft", "submitted", "approved", "posted", "in_payment", "paid", "refused"]
    orderpoint = odoo.execute_kw("stock.warehouse.orderpoint", "fields_get", [], {"attributes": ["store"]})
    assert orderpoint["qty_forecast"] == {"store": False} and orderpoint["product_min_qty"] == {"store": True}
    account = odoo.execute_kw("account.move", "fields_get", [], {"attributes": ["type"]})
    assert account["checked"] == {"type": "boolean"} and "to_check" not in account


def test_create_and_write_keep_log_fields_from_the_clock(sandbox: Sandbox) -> None:
    odoo = connect(sandbox, "nina.buyer", "nina.buyer")
    vendor = odoo.execute_kw("res.partner", "search", [[("name", "=", "MedLine Supply Co.")]])[0]
    order = odoo.execute_kw("purchase.order", "create", [{"partner_id": vendor, "order_line": [
        (0, 0, {"name": "Gloves", "product_qty": 10, "price_unit": 8.5})]}])
    fields = ["create_date", "write_date", "create_uid", "write_uid", "user_id", "amount_total", "order_line"]
    row = odoo.execute_kw("purchase.order", "read", [[order], fields])[0]
    assert row["create_date"] == row["write_date"] == "2026-11-25 15:00:00"
    assert row["create_uid"] == row["write_uid"] == row["user_id"] == [3, "Nina Alvarez"]
    assert row["amount_total"] == 85.0 and len(row["order_line"]) == 1
    sandbox.clock.advance(timedelta(hours=2, minutes=30))
    admin = connect(sandbox)
    assert admin.execute_kw("purchase.order", "write", [[order], {"origin": "OP/00009"}]) is True
    row = admin.execute_kw("purchase.order", "read", [[order], fields])[0]
    assert (row["create_date"], row["write_date"]) == ("2026-11-25 15:00:00", "2026-11-25 17:30:00")
    assert row["write_uid"] == [2, "Mitchell Admin"]
    ids = admin.execute_kw("res.partner.category", "create", [[{"name": "A"}, {"name": "B"}]])
    assert len(ids) == 2 and admin.execute_kw("res.partner.category", "unlink", [ids]) is True
    assert admin.execute_kw("res.partner.category", "read", [ids, ["name"]]) == []


def test_x2many_commands_and_recomputed_totals(odoo: odoorpc.ODOO) -> None:
    order = odoo.execute_kw("purchase.order", "create", [{"partner_id": 1, "order_line": [
        (0, 0, {"name": "A", "product_qty": 2, "price_unit": 10}), (0, 0, {"name": "B", "product_qty": 1,
                                                                            "price_unit": 5})]}])
    lines = odoo.execute_kw("purchase.order", "read", [[order], ["order_line"]])[0]["order_line"]
    odoo.execute_kw("purchase.order", "write", [[order], {"order_line": [(1, lines[0], {"product_qty": 3}),
                                                                          (2, lines[1])]}])
    row = odoo.execute_kw("purchase.order", "read", [[order], ["order_line", "amount_total"]])[0]
    assert row == {"id": order, "order_line": [lines[0]], "amount_total": 30.0}
    partner = odoo.execute_kw("res.partner", "create", [{"name": "Tagged", "category_id": [(6, 0, [1, 2])]}])
    odoo.execute_kw("res.partner", "write", [[partner], {"category_id": [(3, 1), (4, 3)]}])
    assert odoo.execute_kw("res.partner", "read", [[partner], ["category_id"]])[0]["category_id"] == [2, 3]


def test_name_search_and_display_names(odoo: odoorpc.ODOO) -> None:
    found = odoo.execute_kw("res.partner", "name_search", ["schein"])
    assert [name for _, name in found] == ["Henry Schein Medical"]
    product = odoo.execute_kw("product.product", "search_read", [[("default_code", "=", "SAL-500")]],
                              {"fields": ["display_name", "categ_id"]})[0]
    assert product["display_name"] == "[SAL-500] Sodium Chloride 0.9% IV Solution, 500 mL"
    assert product["categ_id"][1] == "Medical Supplies / Critical"
    location = odoo.execute_kw("stock.warehouse", "search_read", [[("code", "=", "RSC")]], {"fields": ["lot_stock_id"]})
    assert location[0]["lot_stock_id"][1] == "RSC/Stock"


def test_message_post_stores_escaped_html(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    text = "Reminder <b>urgent</b> & overdue [sentinel:p-1]\nsecond line"
    [message] = odoo.execute_kw("purchase.order", "message_post", [[1]], {
        "body": text, "message_type": "comment", "subtype_xmlid": "mail.mt_note"})
    row = odoo.execute_kw("mail.message", "read", [[message], ["body", "model", "res_id", "message_type",
                                                               "subtype_id", "author_id", "date"]])[0]
    assert row["body"] == "<p>Reminder &lt;b&gt;urgent&lt;/b&gt; &amp; overdue [sentinel:p-1]\nsecond line</p>"
    assert (row["model"], row["res_id"], row["message_type"], row["subtype_id"]) == (
        "purchase.order", 1, "comment", [2, "Note"])
    assert row["author_id"][1] == "Harbor Health Partners, Mitchell Admin" and row["date"] == "2026-11-25 15:00:00"
    assert odoo.execute_kw("mail.message", "search_count", [[("body", "ilike", "[sentinel:p-1]")]]) == 1
    [direct] = sandbox.env("purchase.order").message_post(2, body="direct note")
    assert sandbox.env("mail.message").read([direct], ["body", "message_type"])[0] == {
        "id": direct, "body": "<p>direct note</p>", "message_type": "comment"}
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "message_post", [[1, 2]], {"body": "x"}))
    assert (data["name"], data["message"]) == ("builtins.ValueError", "Expected singleton: purchase.order(1, 2)")


def test_the_auditor_reads_but_cannot_change_anything(sandbox: Sandbox) -> None:
    auditor = connect(sandbox, "auditor", "auditor")
    assert auditor.execute_kw("purchase.order", "search_count", [[]]) == 56
    data = rpc_error(lambda: auditor.execute_kw("purchase.order", "write", [[1], {"origin": "x"}]))
    assert (data["name"], data["message"]) == (
        "odoo.exceptions.AccessError",
        "You are not allowed to modify 'Purchase Order' (purchase.order) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Purchase / User\n\n"
        "Contact your administrator to request access if necessary.")
    for method, args in [("create", [{"partner_id": 1}]), ("unlink", [[1]]), ("message_post", [[1]]),
                         ("button_approve", [[1]])]:
        assert rpc_error(lambda: auditor.execute_kw("purchase.order", method, args))["name"] == \
            "odoo.exceptions.AccessError"
    data = rpc_error(lambda: auditor.execute_kw("res.company", "write", [[1], {"po_double_validation": "one_step"}]))
    assert "'Companies' (res.company)" in data["message"] and "\t- Access Rights" in data["message"]


def test_activity_state_follows_the_clock(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    activity = odoo.execute_kw("mail.activity", "create", [{
        "res_model_id": odoo.env.ref("purchase.model_purchase_order").id, "res_id": 1,
        "summary": "Call the vendor", "date_deadline": "2026-11-27", "user_id": 2}])
    read = lambda: odoo.execute_kw("mail.activity", "read", [[activity], ["state", "res_model", "res_name"]])[0]
    assert read() == {"id": activity, "state": "planned", "res_model": "purchase.order", "res_name": "P00001"}
    sandbox.clock.advance(timedelta(days=2))
    assert read()["state"] == "today"
    sandbox.clock.advance(timedelta(days=1))
    assert read()["state"] == "overdue"
    scheduled = odoo.execute_kw("purchase.order", "activity_schedule", [[2]], {
        "act_type_xmlid": "mail.mail_activity_data_todo", "summary": "Approve", "note": "Please <approve>",
        "user_id": 6})
    row = odoo.execute_kw("mail.activity", "read", [scheduled, ["activity_type_id", "note", "user_id",
                                                                "date_deadline"]])[0]
    assert row["activity_type_id"] == [4, "To-Do"] and row["note"] == "<p>Please &lt;approve&gt;</p>"
    assert row["user_id"] == [6, "Dr. Anika Patel"] and row["date_deadline"] == "2026-11-28"


def test_group_lookups_the_gateway_uses(odoo: odoorpc.ODOO) -> None:
    group = odoo.execute_kw("ir.model.data", "check_object_reference", ["purchase", "group_purchase_manager"])
    assert group[0] == "res.groups"
    managers = odoo.execute_kw("res.users", "search_read", [[("all_group_ids", "in", [group[1]])]],
                               {"fields": ["login"], "order": "login"})
    assert [u["login"] for u in managers] == ["admin", "dr.patel", "grace.finance"]
    assert odoo.execute_kw("res.users", "has_group", [[3], "purchase.group_purchase_user"]) is True
    assert odoo.execute_kw("res.users", "has_group", [[3], "purchase.group_purchase_manager"]) is False


def test_direct_access_matches_rpc(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    domain = [("state", "=", "to approve")]
    fields = ["name", "partner_id", "create_date"]
    assert sandbox.env("purchase.order").search_read(domain, fields) == odoo.execute_kw(
        "purchase.order", "search_read", [domain], {"fields": fields})
    assert sandbox.env("purchase.order").search(domain, limit=2) == odoo.execute_kw(
        "purchase.order", "search", [domain], {"limit": 2})
    new = sandbox.env("res.partner.category").create({"name": "Direct"})
    assert sandbox.env("res.partner.category").write([new], {"name": "Renamed"}) is True
    assert sandbox.env("res.partner.category").read([new], ["name", "create_date"]) == [
        {"id": new, "name": "Renamed", "create_date": NOW.strftime("%Y-%m-%d %H:%M:%S")}]


def test_a_user_created_over_rpc_can_log_in(sandbox: Sandbox, odoo: odoorpc.ODOO) -> None:
    group = odoo.env.ref("purchase.group_purchase_user").id
    uid = odoo.execute_kw("res.users", "create", [{"login": "new.buyer", "name": "New Buyer", "password": "s3cret",
                                                   "group_ids": [(6, 0, [group])]}])
    row = odoo.execute_kw("res.users", "read", [[uid], ["password", "partner_id", "share", "all_group_ids"]])[0]
    assert row["password"] is False and row["partner_id"][1] == "Harbor Health Partners, New Buyer"
    assert row["share"] is False and group in row["all_group_ids"]
    assert connect(sandbox, "new.buyer", "s3cret").env.uid == uid


def test_a_failing_multi_record_write_changes_nothing(odoo: odoorpc.ODOO) -> None:
    before = odoo.execute_kw("purchase.order", "read", [[1, 2], ["origin"]])
    rpc_error(lambda: odoo.execute_kw("purchase.order", "write", [[1, 2, 999999], {"origin": "changed"}]))
    rpc_error(lambda: odoo.execute_kw("purchase.order", "write", [[1, 2], {"origin": "x", "state": "nope"}]))
    assert odoo.execute_kw("purchase.order", "read", [[1, 2], ["origin"]]) == before


def test_order_puts_nulls_where_postgres_does(odoo: odoorpc.ODOO) -> None:
    asc = odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": ["date_approve"], "order": "date_approve"})
    desc = odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": ["date_approve"],
                                                                   "order": "date_approve desc"})
    assert asc[-1]["date_approve"] is False and asc[0]["date_approve"]
    assert desc[0]["date_approve"] is False and desc[-1]["date_approve"]
    first = odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": ["date_approve"],
                                                                    "order": "date_approve asc nulls first"})
    assert first[0]["date_approve"] is False
    by_vendor = odoo.execute_kw("purchase.order", "search_read", [[]], {"fields": ["partner_id"],
                                                                        "order": "partner_id, id"})
    names = [r["partner_id"][1] for r in by_vendor]
    assert names == sorted(names, key=str.lower)


def test_json2_writes_and_creates_with_odoo_argument_names(sandbox: Sandbox) -> None:
    headers = {"Authorization": "bearer admin", "X-Odoo-Database": "sandbox"}
    status, ids = post(sandbox, "/json/2/res.partner.category/create", {"vals_list": [{"name": "J2"}]}, headers)
    assert status == 200 and len(ids) == 1
    status, result = post(sandbox, "/json/2/res.partner.category/write", {"ids": ids, "vals": {"name": "J2b"}},
                          headers)
    assert (status, result) == (200, True)
    status, body = post(sandbox, "/json/2/purchase.order/write", {"ids": [999999], "vals": {"origin": "x"}}, headers)
    assert status == 404 and body["name"] == "odoo.exceptions.MissingError"
    auditor = {"Authorization": "bearer auditor", "X-Odoo-Database": "sandbox"}
    status, body = post(sandbox, "/json/2/res.partner.category/unlink", {"ids": ids}, auditor)
    assert status == 403 and body["name"] == "odoo.exceptions.AccessError"
