"""Odoo domain semantics over the wire: prefix operators, every comparison operator, nulls, paths, hierarchies."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import odoorpc
import pytest

from agents._core.odoo.sandbox import Sandbox, SandboxClock

from .conftest import NOW, connect, rpc_error


@pytest.fixture(scope="module")
def tiny() -> Iterator[tuple[Sandbox, odoorpc.ODOO, dict[str, int]]]:
    """Base data plus a handful of partners and orders whose every value the golden cases below rely on."""
    sb = Sandbox(clock=SandboxClock(now=NOW), seed=False)
    env = sb.env
    tag = {name: env("res.partner.category").create({"name": name}) for name in ("Vendor", "Payer")}
    ids = {
        "acme": env("res.partner").create({"name": "Acme Medical", "is_company": True,
                                           "category_id": [tag["Vendor"]], "email": "sales@acme.example"}),
        "beta": env("res.partner").create({"name": "Beta Health", "is_company": True,
                                           "category_id": [(6, 0, [tag["Vendor"], tag["Payer"]])]}),
        "gamma": env("res.partner").create({"name": "Gamma Clinic", "is_company": True}),
        "zeta": env("res.partner").create({"name": "Zeta Archived", "is_company": True, "active": False}),
    } | tag
    ids["jo"] = env("res.partner").create({"name": "Jo Smith", "parent_id": ids["acme"]})
    orders = [  # partner, state, date_order, origin, lines (qty, unit price)
        ("acme", "draft", "2026-11-01 10:00:00", "OP/00001", [(10, 10.0)]),
        ("beta", "to approve", "2026-11-20 08:00:00", False, [(100, 50.0)]),
        ("gamma", "purchase", "2026-11-25 00:00:00", False, [(1, 250.5)]),
        ("jo", "cancel", "2026-11-26 12:30:00", "Phone order", [(60, 1.0), (2, 20.0)]),
    ]
    for partner, state, date_order, origin, lines in orders:
        env("purchase.order").create({
            "partner_id": ids[partner], "state": state, "date_order": date_order, "origin": origin,
            "order_line": [(0, 0, {"name": f"line {q}", "product_qty": q, "price_unit": p}) for q, p in lines]})
    sb.start()
    try:
        yield sb, connect(sb), ids
    finally:
        sb.stop()


def names(odoo: odoorpc.ODOO, model: str, domain: list[Any], **kwargs: Any) -> list[str]:
    return [r["name"] for r in odoo.execute_kw(model, "search_read", [domain], {"fields": ["name"], "order": "name",
                                                                               **kwargs})]


# P00001 acme draft 100.0 | P00002 beta to approve 5000.0 | P00003 gamma purchase 250.5 | P00004 jo cancel 100.0
ORDER_CASES: list[tuple[list[Any], list[str]]] = [
    ([], ["P00001", "P00002", "P00003", "P00004"]),
    ([("state", "=", "draft")], ["P00001"]),
    ([("state", "!=", "draft")], ["P00002", "P00003", "P00004"]),
    ([("state", "in", ["draft", "cancel"])], ["P00001", "P00004"]),
    ([("state", "not in", ["draft", "cancel"])], ["P00002", "P00003"]),
    ([("state", "=", ["draft", "purchase"])], ["P00001", "P00003"]),  # a list after = means in
    (["|", ("state", "=", "draft"), ("state", "=", "cancel")], ["P00001", "P00004"]),
    (["&", ("amount_total", ">=", 100), ("amount_total", "<=", 250.5)], ["P00001", "P00003", "P00004"]),
    (["!", ("state", "=", "draft")], ["P00002", "P00003", "P00004"]),
    (["!", "|", ("state", "=", "draft"), ("amount_total", ">", 1000)], ["P00003", "P00004"]),
    (["|", "&", ("state", "=", "draft"), ("origin", "!=", False), ("amount_total", "=", 5000)], ["P00001", "P00002"]),
    ([("state", "!=", "cancel"), "|", ("amount_total", "<", 200), ("amount_total", ">", 1000)],
     ["P00001", "P00002"]),  # implicit & between the leaf and the | expression
    ([("amount_total", ">", 100)], ["P00002", "P00003"]),
    ([("amount_total", "<", 100.01)], ["P00001", "P00004"]),
    ([("origin", "=", False)], ["P00002", "P00003"]),
    ([("origin", "!=", False)], ["P00001", "P00004"]),
    ([("origin", "in", ["OP/00001", False])], ["P00001", "P00002", "P00003"]),
    ([("origin", "not in", ["OP/00001"])], ["P00002", "P00003", "P00004"]),  # nulls are "not in"
    ([("origin", "=?", False)], ["P00001", "P00002", "P00003", "P00004"]),
    ([("origin", "like", "OP/")], ["P00001"]),
    ([("origin", "like", "op/")], []),
    ([("origin", "ilike", "op/")], ["P00001"]),
    ([("origin", "not like", "OP/")], ["P00002", "P00003", "P00004"]),
    ([("origin", "not ilike", "phone")], ["P00001", "P00002", "P00003"]),
    ([("origin", "ilike", "")], ["P00001", "P00002", "P00003", "P00004"]),
    ([("origin", "=like", "OP/%")], ["P00001"]),
    ([("origin", "=like", "op/%")], []),
    ([("origin", "=ilike", "op/_0001")], ["P00001"]),
    ([("name", "like", "P0000_")], ["P00001", "P00002", "P00003", "P00004"]),
    ([("date_order", ">=", "2026-11-20")], ["P00002", "P00003", "P00004"]),
    ([("date_order", ">", "2026-11-20")], ["P00003", "P00004"]),  # a bare day covers the whole day
    ([("date_order", "<=", "2026-11-20")], ["P00001", "P00002"]),
    ([("date_order", "<", "2026-11-25 00:00:01")], ["P00001", "P00002", "P00003"]),
    ([("date_order", "=", "2026-11-25 00:00:00")], ["P00003"]),
    ([("date_order", "=", "2026-11-25")], ["P00003"]),
    ([("id", "in", [1, 3])], ["P00001", "P00003"]),
    ([("id", "=", 2)], ["P00002"]),
    ([("id", "not in", [1, 2, 3])], ["P00004"]),
    ([(1, "=", 1)], ["P00001", "P00002", "P00003", "P00004"]),
    ([(0, "=", 1)], []),
    ([("id", "in", [])], []),
    ([("id", "not in", [])], ["P00001", "P00002", "P00003", "P00004"]),
    ([("partner_id", "ilike", "acme")], ["P00001", "P00004"]),  # "Acme Medical, Jo Smith" too
    ([("partner_id", "=", "Beta Health")], ["P00002"]),
    ([("partner_id", "in", ["Beta Health", "Gamma Clinic"])], ["P00002", "P00003"]),
    ([("partner_id", "not ilike", "health")], ["P00001", "P00003", "P00004"]),
    ([("partner_id", "!=", False)], ["P00001", "P00002", "P00003", "P00004"]),
    ([("partner_id.name", "=", "Gamma Clinic")], ["P00003"]),
    ([("partner_id.parent_id.name", "=", "Acme Medical")], ["P00004"]),
    ([("partner_id.category_id.name", "=", "Payer")], ["P00002"]),
    ([("partner_id.category_id", "=", False)], ["P00003", "P00004"]),
    ([("partner_id.email", "!=", False)], ["P00001"]),
    ([("order_line.product_qty", ">", 50)], ["P00002", "P00004"]),
    ([("order_line.price_subtotal", "=", 40.0)], ["P00004"]),
    ([("order_line", "any", [("price_unit", ">", 40)])], ["P00002", "P00003"]),
    ([("order_line", "not any", [("price_unit", ">", 40)])], ["P00001", "P00004"]),
    ([("order_line", "=", False)], []),
    ([("order_line", "!=", False)], ["P00001", "P00002", "P00003", "P00004"]),
    ([("order_line.name", "=", "line 2"), ("order_line.name", "=", "line 60")], ["P00004"]),
    ([("message_ids.body", "ilike", "created")], ["P00001", "P00002", "P00003", "P00004"]),
]


@pytest.mark.parametrize(("domain", "expected"), ORDER_CASES, ids=[repr(c[0]) for c in ORDER_CASES])
def test_purchase_order_domains(tiny: tuple[Sandbox, odoorpc.ODOO, dict[str, int]], domain: list[Any],
                                expected: list[str]) -> None:
    _, odoo, _ = tiny
    assert names(odoo, "purchase.order", domain) == expected


def test_many2one_and_x2many_by_id(tiny: tuple[Sandbox, odoorpc.ODOO, dict[str, int]]) -> None:
    _, odoo, ids = tiny
    assert names(odoo, "purchase.order", [("partner_id", "=", ids["acme"])]) == ["P00001"]
    assert names(odoo, "purchase.order", [("partner_id", "in", [ids["beta"], ids["gamma"]])]) == ["P00002", "P00003"]
    assert names(odoo, "purchase.order", [("partner_id", "not in", [ids["acme"]])]) == ["P00002", "P00003", "P00004"]
    assert names(odoo, "purchase.order", [("partner_id", "child_of", ids["acme"])]) == ["P00001", "P00004"]
    assert names(odoo, "purchase.order", [("partner_id", "child_of", "Acme Medical")]) == ["P00001", "P00004"]
    partners = "res.partner"
    assert names(odoo, partners, [("category_id", "in", [ids["Vendor"]])]) == ["Acme Medical", "Beta Health"]
    assert names(odoo, partners, [("category_id", "=", ids["Payer"])]) == ["Beta Health"]
    assert names(odoo, partners, [("category_id", "not in", [ids["Payer"]]), ("id", ">", 3)]) == [
        "Acme Medical", "Gamma Clinic", "Jo Smith"]
    assert names(odoo, partners, [("category_id", "=", False), ("id", ">", 3)]) == ["Gamma Clinic", "Jo Smith"]
    assert names(odoo, partners, [("category_id", "ilike", "pay")]) == ["Beta Health"]
    assert names(odoo, partners, [("id", "child_of", ids["acme"])]) == ["Acme Medical", "Jo Smith"]
    assert names(odoo, partners, [("id", "parent_of", ids["jo"])]) == ["Acme Medical", "Jo Smith"]
    assert names(odoo, "res.partner.category", [("partner_ids.name", "=", "Acme Medical")]) == ["Vendor"]


def test_archived_records_need_active_test_off(tiny: tuple[Sandbox, odoorpc.ODOO, dict[str, int]]) -> None:
    _, odoo, _ = tiny
    assert "Zeta Archived" not in names(odoo, "res.partner", [])
    assert names(odoo, "res.partner", [("active", "=", False), ("is_company", "=", True)]) == ["Zeta Archived"]
    assert "Zeta Archived" in names(odoo, "res.partner", [], context={"active_test": False})
    assert odoo.execute_kw("res.partner", "search_count", [[("name", "ilike", "zeta")]]) == 0


def test_paths_through_chatter_like_the_gateway_reads_state_changes(
        tiny: tuple[Sandbox, odoorpc.ODOO, dict[str, int]]) -> None:
    sb, odoo, _ = tiny
    found = odoo.execute_kw("mail.message", "search_read", [[("model", "=", "purchase.order"),
                                                             ("message_type", "=", "notification")]],
                            {"fields": ["res_id"]})
    assert sorted(r["res_id"] for r in found) == [1, 2, 3, 4]
    assert odoo.execute_kw("mail.tracking.value", "search_count",
                           [[("mail_message_id.model", "=", "purchase.order"), ("field_id.name", "=", "state")]]) == 0


MALFORMED: list[tuple[list[Any], str, str]] = [
    (["&", ("state", "=", "draft")], "builtins.ValueError",
     "Domain() malformed domain ['&', ['state', '=', 'draft']]"),
    (["|"], "builtins.ValueError", "Domain() malformed domain ['|']"),
    (["x"], "builtins.ValueError", "Domain() invalid item in domain: 'x'"),
    ([("state", "=")], "builtins.ValueError", "Domain() invalid item in domain: ['state', '=']"),
    ([("state", "bogus", 1)], "builtins.ValueError", "Invalid operator in condition ('state', 'bogus', 1)"),
    ([("no_such_field", "=", 1)], "builtins.ValueError",
     "Invalid field purchase.order.no_such_field in condition ('no_such_field', '=', 1)"),
    ([("partner_id.nope", "=", 1)], "builtins.ValueError",
     "Invalid field res.partner.nope in condition ('nope', '=', 1)"),
    ([("state", "any", [])], "builtins.ValueError",
     "Cannot use 'any' with non-relational fields in condition ('state', 'any', [])"),
    ([("partner_id", "<", "Acme")], "builtins.TypeError",
     "Inequality not supported for relational field using a string in condition ('partner_id', '<', 'Acme')"),
]


@pytest.mark.parametrize(("domain", "name", "message"), MALFORMED, ids=[m[2][:40] for m in MALFORMED])
def test_malformed_domains_fail_like_odoo(tiny: tuple[Sandbox, odoorpc.ODOO, dict[str, int]], domain: list[Any],
                                          name: str, message: str) -> None:
    _, odoo, _ = tiny
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "search_read", [domain], {"limit": 1}))
    assert (data["name"], data["message"]) == (name, message)
