"""The gateway calls Sentinel makes, run against the sandbox (on JSON-RPC and on JSON-2) and, when configured, a real
Odoo 17, 18 or 19 (on the transport ODOO_TRANSPORT picks): same assertions, with what differs by version taken from the
gateway's version profile.

The real target needs ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD (or ODOO_API_KEY) in the shell, a user with
Settings rights (base.group_system), and SENTINEL_CONTRACT_WRITE=1 for the tests that write (they remove what they
write); SENTINEL_CONTRACT_LIMITED_USER/_PASSWORD name a user without Settings rights for the access tests.
Where the two targets differ, the assertion states what the real server does and the sandbox is fixed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agents._core import actions
from agents._core.actions import ActionOrder, execute, marker
from agents._core.business_hours import BusinessCalendar
from agents._core.decisions import _group_ids
from agents._core.odoo import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooGateway,
    OdooMissingError,
    OdooModuleMissing,
    OdooUnavailable,
    OdooValidationError,
)
from agents._core.odoo.values import m2o_id, parse_datetime
from agents._core.policy_loader import load_policy
from agents._core.preflight import skipped_rules
from agents._core.watcher import ScanContext
from agents.approval_watcher import WATCHER
from tests.contract.conftest import Target

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
POLICY = Path(__file__).resolve().parents[2] / "policies" / "approval_watcher.yaml"


# -- login ------------------------------------------------------------------------------------------------


def test_login_reaches_a_supported_odoo_as_the_configured_user(target: Target, gateway: OdooGateway) -> None:
    users = gateway.search_read("res.users", [("login", "=", target.user)], ["id", "login"], limit=1)
    assert [row["login"] for row in users] == [target.user]
    assert gateway.transport.server_version is not None
    assert gateway.profile.major in (17, 18, 19)
    assert gateway.profile.major == 19 or target.sandbox is None  # the sandbox is an Odoo 19
    assert gateway.stats.round_trips == 1  # the login itself is the transport's, not a counted call


# -- fields_get: the fields, types and states Sentinel relies on -------------------------------------------

# (model, field, type, relation); selections are checked separately.
FIELDS = [
    ("purchase.order", "name", "char", None),
    ("purchase.order", "state", "selection", None),
    ("purchase.order", "partner_id", "many2one", "res.partner"),
    ("purchase.order", "user_id", "many2one", "res.users"),
    ("purchase.order", "amount_total", "monetary", None),
    ("purchase.order", "date_approve", "datetime", None),
    ("purchase.order", "date_order", "datetime", None),
    ("purchase.order", "create_date", "datetime", None),
    ("purchase.order", "write_date", "datetime", None),
    ("mail.message", "model", "char", None),
    ("mail.message", "res_id", "many2one_reference", None),
    ("mail.message", "body", "html", None),
    ("mail.message", "date", "datetime", None),
    ("mail.message", "message_type", "selection", None),
    ("mail.message", "subtype_id", "many2one", "mail.message.subtype"),
    ("mail.message", "tracking_value_ids", "one2many", "mail.tracking.value"),
    ("mail.tracking.value", "mail_message_id", "many2one", "mail.message"),
    ("mail.activity", "res_model_id", "many2one", "ir.model"),
    ("mail.activity", "res_model", "char", None),
    ("mail.activity", "res_id", "many2one_reference", None),
    ("mail.activity", "activity_type_id", "many2one", "mail.activity.type"),
    ("mail.activity", "summary", "char", None),
    ("mail.activity", "note", "html", None),
    ("mail.activity", "date_deadline", "date", None),
    ("mail.activity", "user_id", "many2one", "res.users"),
    ("res.users", "login", "char", None),
    ("ir.model", "model", "char", None),
    ("ir.model.data", "module", "char", None),
    ("ir.model.data", "name", "char", None),
    ("ir.model.data", "model", "char", None),
    ("ir.model.data", "res_id", "many2one_reference", None),
]


@pytest.mark.parametrize(("model", "name", "kind", "relation"), FIELDS, ids=[f"{m}.{f}" for m, f, *_ in FIELDS])
def test_fields_get_has_the_field_with_its_type(
    gateway: OdooGateway, model: str, name: str, kind: str, relation: str | None
) -> None:
    field = gateway.fields_get(model).get(name)
    assert field is not None, f"{model} has no field {name}"
    assert field["type"] == kind
    assert field.get("relation") == relation


def test_the_profiles_fields_exist_with_their_types(gateway: OdooGateway) -> None:
    """Every field the version profile names exists on this server, with the type Sentinel reads it as."""
    profile = gateway.profile
    assert _kind(gateway, "res.users", profile.user_groups_field) == ("many2many", "res.groups")
    assert _kind(gateway, "mail.tracking.value", profile.tracking_field) == ("many2one", "ir.model.fields")
    assert _kind(gateway, "account.move", profile.review_flag.field) == ("boolean", None)
    expenses = profile.expense_queue.model
    assert _kind(gateway, expenses, "state") == ("selection", None)
    assert _kind(gateway, expenses, "employee_id") == ("many2one", "hr.employee")
    assert _kind(gateway, expenses, "total_amount") == ("monetary", None)
    if profile.major >= 19:
        assert _kind(gateway, "res.users", "group_ids") == ("many2many", "res.groups")  # only the groups given directly
        assert _kind(gateway, "hr.expense", "manager_id") == ("many2one", "res.users")


def _kind(gateway: OdooGateway, model: str, name: str) -> tuple[str, str | None]:
    field = gateway.fields_get(model).get(name)
    assert field is not None, f"{model} has no field {name}"
    return field["type"], field.get("relation")


def _selection(gateway: OdooGateway, model: str, name: str) -> list[str]:
    return [value for value, _label in gateway.fields_get(model)[name]["selection"]]


def test_purchase_order_states_are_the_profiles(gateway: OdooGateway) -> None:
    assert tuple(_selection(gateway, "purchase.order", "state")) == gateway.profile.purchase_states
    assert gateway.fields_get("purchase.order")["state"]["store"] is True


def test_expenses_wait_for_approval_where_the_profile_says(gateway: OdooGateway) -> None:
    queue = gateway.profile.expense_queue
    assert queue.submitted_state in _selection(gateway, queue.model, "state")
    if queue.model == "hr.expense":
        states = _selection(gateway, "hr.expense", "state")
        assert states == ["draft", "submitted", "approved", "posted", "in_payment", "paid", "refused"]
        with pytest.raises(OdooModuleMissing, match=r"model 'hr.expense.sheet' does not exist on this server"):
            gateway.require_models(["hr.expense.sheet"])  # Odoo 19 removed expense reports
    else:
        assert _selection(gateway, "hr.expense.sheet", "state") == ["draft", "submit", "approve", "post", "done", "cancel"]


def test_message_types_include_the_ones_sentinel_writes_and_reads(gateway: OdooGateway) -> None:
    types = _selection(gateway, "mail.message", "message_type")
    assert {"comment", "notification"} <= set(types)
    if gateway.profile.major >= 19:
        assert types[:5] == ["email", "comment", "email_outgoing", "notification", "auto_comment"]


def test_account_move_has_the_profiles_review_flag_and_not_the_other(gateway: OdooGateway) -> None:
    fields = gateway.fields_get("account.move")
    flag = gateway.profile.review_flag
    assert fields[flag.field]["type"] == "boolean"
    assert ({"checked", "to_check"} - {flag.field}).isdisjoint(fields)


def test_activity_state_is_computed_not_stored(gateway: OdooGateway) -> None:
    state = gateway.fields_get("mail.activity")["state"]
    assert state["store"] is False
    assert {"overdue", "today", "planned"} <= {value for value, _ in state["selection"]}


def test_the_user_groups_field_is_readable_with_implied_groups(target: Target, gateway: OdooGateway) -> None:
    """What decisions.authorize reads: `all_group_ids` (computed) on 19, `groups_id` (stored, implied included) before."""
    groups = gateway.profile.user_groups_field
    assert gateway.fields_get("res.users")[groups]["store"] is (groups == "groups_id")
    users = gateway.search_read("res.users", [("login", "=", target.user)], ["id", groups], limit=1)
    assert users and users[0][groups] and all(isinstance(g, int) for g in users[0][groups])
    internal = gateway.xmlid("base.group_user")
    assert internal in users[0][groups]


# -- search_read: fields, offset, limit, order, paging -----------------------------------------------------


def test_pages_cover_every_record_once_with_only_the_fields_asked(gateway: OdooGateway) -> None:
    total = gateway.search_count("purchase.order", [])
    assert total >= 5, "the target needs a few purchase orders (demo data)"
    everything = gateway.search_read("purchase.order", [], ["name", "state"], order="id")
    assert len(everything) == total
    assert all(set(row) == {"id", "name", "state"} for row in everything)
    ids = [row["id"] for row in everything]
    assert ids == sorted(ids) and len(set(ids)) == total

    before = gateway.stats.round_trips
    pages = list(gateway.pages("purchase.order", [], ["name", "state"], order="id", page_size=2))
    assert [row for page in pages for row in page] == everything
    assert all(len(page) <= 2 for page in pages)
    # One round trip per page: each asks for one row more, so a last full page needs no empty call after it.
    assert gateway.stats.round_trips - before == -(-total // 2)


def test_limit_and_descending_order_across_pages(gateway: OdooGateway) -> None:
    ids = [row["id"] for row in gateway.search_read("purchase.order", [], ["id"], order="id")]
    newest = gateway.search_read("purchase.order", [], ["name"], order="id desc", limit=3, page_size=2)
    assert [row["id"] for row in newest] == ids[::-1][:3]
    assert gateway.stats.calls[-2:] == [("purchase.order", "search_read")] * 2  # pages of 2, then 1


def test_order_by_a_value_then_id(gateway: OdooGateway) -> None:
    rows = gateway.search_read("purchase.order", [], ["amount_total"], order="amount_total desc, id")
    keys = [(-row["amount_total"], row["id"]) for row in rows]
    assert keys == sorted(keys)


def test_wire_values_are_odoos_many2one_pairs_false_and_utc_strings(gateway: OdooGateway) -> None:
    fields = ["name", "partner_id", "user_id", "amount_total", "date_order", "date_approve", "create_date", "state"]
    rows = gateway.search_read("purchase.order", [], fields, order="id")
    for row in rows:
        assert isinstance(row["partner_id"], list) and len(row["partner_id"]) == 2
        assert isinstance(row["partner_id"][0], int) and isinstance(row["partner_id"][1], str)
        assert row["user_id"] is False or (isinstance(row["user_id"], list) and isinstance(row["user_id"][0], int))
        assert isinstance(row["amount_total"], float)
        assert DATETIME.match(row["date_order"]) and DATETIME.match(row["create_date"])
        assert row["date_approve"] is False or DATETIME.match(row["date_approve"])
    expenses = gateway.search_read("hr.expense", [], ["employee_id", "total_amount", "date"], limit=5)
    for row in expenses:
        assert isinstance(row["employee_id"], list) and isinstance(row["total_amount"], float)
        assert row["date"] is False or DATE.match(row["date"])


def test_read_of_a_missing_id_is_an_empty_list(gateway: OdooGateway) -> None:
    assert gateway.read("purchase.order", [999_999_999], ["name"]) == []


def test_a_selection_value_no_record_has_matches_nothing(gateway: OdooGateway) -> None:
    assert gateway.search_read("purchase.order", [("state", "=", "no such state")], ["id"]) == []


# -- the stalled rule's state_change query -----------------------------------------------------------------


def _tracked_state_messages(gateway: OdooGateway, model: str) -> list[dict]:
    """Every message carrying a tracked change of `model`.state, found from the tracking side."""
    link = gateway.profile.tracking_field
    tracked = gateway.search_read(
        "mail.tracking.value", [(f"{link}.model", "=", model), (f"{link}.name", "=", "state")], ["mail_message_id"]
    )
    message_ids = sorted({m2o_id(row["mail_message_id"]) for row in tracked} - {None})
    return [m for m in gateway.read("mail.message", message_ids, ["model", "res_id", "date"]) if m["model"] == model]


def test_state_change_query_finds_exactly_the_tracked_changes(gateway: OdooGateway) -> None:
    """The dotted path through tracking_value_ids, limited to a page of ids: what approval_watcher sends."""
    ids = [row["id"] for row in gateway.search_read("purchase.order", [], ["id"], order="id")]
    expected = _tracked_state_messages(gateway, "purchase.order")
    path = f"tracking_value_ids.{gateway.profile.tracking_field}.name"
    domain = [("model", "=", "purchase.order"), ("res_id", "in", ids), (path, "=", "state")]
    found = gateway.search_read("mail.message", domain, ["res_id", "date"], order="id")
    assert {m["id"] for m in found} == {m["id"] for m in expected}
    assert all(set(m) == {"id", "res_id", "date"} and m["res_id"] in ids and DATETIME.match(m["date"]) for m in found)

    latest: dict[int, datetime] = {}
    for message in expected:
        at = parse_datetime(message["date"])
        assert at is not None
        latest[message["res_id"]] = max(at, latest.get(message["res_id"], at))
    assert gateway.last_changes("purchase.order", "state", ids) == latest  # what the stalled rule calls
    if not expected:
        pytest.skip("no tracked state change of a purchase order on this server yet: the query ran, but matched nothing")


def test_a_state_written_through_rpc_is_tracked_and_found(writable: Target, gateway: OdooGateway) -> None:
    """A write of the tracked state leaves one message with one tracking value, which the rule's query finds."""
    vendor = gateway.search_read("purchase.order", [], ["partner_id"], limit=1)[0]["partner_id"][0]
    order_id = gateway.create("purchase.order", {"partner_id": vendor, "origin": "sentinel contract test"})
    try:
        created_at = gateway.read("purchase.order", [order_id], ["create_date"])[0]["create_date"]
        assert gateway.last_changes("purchase.order", "state", [order_id]) == {}
        assert gateway.write("purchase.order", [order_id], {"state": "sent"}) is True
        domain = [("model", "=", "purchase.order"), ("res_id", "in", [order_id]),
                  (f"tracking_value_ids.{gateway.profile.tracking_field}.name", "=", "state")]
        found = gateway.search_read("mail.message", domain, ["res_id", "date", "message_type"], order="id")
        assert [(m["res_id"], m["message_type"]) for m in found] == [(order_id, "notification")]
        assert found[0]["date"] >= created_at
        values = gateway.search_read("mail.tracking.value", [("mail_message_id", "=", found[0]["id"])],
                                     ["old_value_char", "new_value_char"])
        assert [(v["old_value_char"], v["new_value_char"]) for v in values] == [("RFQ", "RFQ Sent")]
        assert gateway.last_changes("purchase.order", "state", [order_id]) == {order_id: parse_datetime(found[0]["date"])}
    finally:
        gateway.write("purchase.order", [order_id], {"state": "cancel"})
        gateway.transport.execute_kw("purchase.order", "unlink", [[order_id]], {})


def test_approval_watcher_detects_on_the_target_with_the_shipped_policy(target: Target, gateway: OdooGateway) -> None:
    policy = load_policy(POLICY, WATCHER.policy_model, connections={"default"}).policy
    other_versions = skipped_rules(policy.rules, gateway.server_version())  # odoo_version: e.g. the <=18 expense rule
    for rule in policy.rules:
        if rule.id not in other_versions:
            gateway.require_models(sorted(WATCHER.models(rule)))
    ctx = ScanContext(gateway, policy, target.now(), BusinessCalendar.from_policy(policy.business_hours),
                      disabled=other_versions)
    findings = list(WATCHER.detect(ctx))
    stalled = [rule for rule in policy.rules if rule.type == "stalled" and rule.id not in other_versions]
    for rule in stalled:
        waiting = {row["id"] for row in gateway.search_read(rule.model, list(rule.domain), ["id"])}
        assert {f.res_id for f in findings if f.rule_id == rule.id} <= waiting
    # Batched: per stalled rule one page of records and one chatter query, never a call per record.
    assert gateway.stats.calls.count(("mail.message", "search_read")) <= len(stalled)


def test_the_state_change_query_needs_settings_rights(gateway: OdooGateway, limited: OdooGateway) -> None:
    """mail.message.tracking_value_ids is groups="base.group_system": a non-Settings user cannot search through it."""
    ids = [row["id"] for row in gateway.search_read("purchase.order", [], ["id"], order="id")]
    limited.require_models(["purchase.order", "mail.message", "mail.tracking.value"])  # fields_get is open to all
    assert limited.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "in", ids)], ["res_id"])
    with pytest.raises(OdooAccessError) as caught:
        limited.last_changes("purchase.order", "state", ids)
    # Each version words the refusal its own way (17 names the field, 18 the tracking model, 19 the field again).
    opening = {
        17: "The requested operation can not be completed due to security restrictions.\n\nDocument type: Message "
            "(mail.message)\nOperation: read",
        18: "You are not allowed to access 'Mail Tracking Value' (mail.tracking.value) records.",
    }.get(limited.profile.major, 'You do not have enough rights to access the field "tracking_value_ids" on Message '
                                 "(mail.message). Please contact your system administrator.\n\nOperation: read")
    assert caught.value.message.startswith(opening)
    assert caught.value.message.endswith("give the Sentinel user that right, or use age_source: write_date)")
    with pytest.raises(OdooAccessError) as tracking:
        limited.search_read("mail.tracking.value", [], ["id"], limit=1)
    settings_group = "Role / Administrator" if limited.profile.major >= 19 else "Administration/Settings"
    assert tracking.value.message == (
        "You are not allowed to access 'Mail Tracking Value' (mail.tracking.value) records.\n\n"
        f"This operation is allowed for the following groups:\n\t- {settings_group}\n\n"
        "Contact your administrator to request access if necessary."
    )


@pytest.mark.parametrize(("model", "description"), [("ir.model.data", "Model Data"), ("ir.model", "Models")])
def test_xml_id_and_model_lookups_need_access_rights(limited: OdooGateway, model: str, description: str) -> None:
    with pytest.raises(OdooAccessError) as caught:
        limited.search_read(model, [("id", "=", 1)], ["id"], limit=1)
    group = "Access Rights" if limited.profile.major >= 19 else "Administration/Access Rights"
    assert caught.value.message == (
        f"You are not allowed to access '{description}' ({model}) records.\n\n"
        f"This operation is allowed for the following groups:\n\t- {group}\n\n"
        "Contact your administrator to request access if necessary."
    )


def test_check_object_reference_resolves_an_xml_id_for_any_user(gateway: OdooGateway, limited: OdooGateway) -> None:
    """The way to an XML id that needs no Access Rights (Odoo runs it as superuser)."""
    expected = gateway.search_read(
        "ir.model.data", [("module", "=", "purchase"), ("name", "=", "group_purchase_manager")], ["res_id"], limit=1
    )[0]["res_id"]
    found = limited.transport.execute_kw(
        "ir.model.data", "check_object_reference", ["purchase", "group_purchase_manager"], {}
    )
    assert found == ["res.groups", expected]


# -- ir.model.data / ir.model lookups ----------------------------------------------------------------------


def test_the_purchase_manager_group_resolves_and_admin_holds_it(target: Target, gateway: OdooGateway) -> None:
    rows = gateway.search_read(
        "ir.model.data", [("module", "=", "purchase"), ("name", "=", "group_purchase_manager")], ["res_id", "model"],
        limit=1,
    )
    assert [row["model"] for row in rows] == ["res.groups"]
    manager = rows[0]["res_id"]
    assert gateway.read("res.groups", [manager], ["id"]) == [{"id": manager}]
    # decisions.authorize's query: several XML ids at once, ORed.
    user_group = gateway.search_read(
        "ir.model.data", [("module", "=", "purchase"), ("name", "=", "group_purchase_user")], ["res_id"], limit=1
    )[0]["res_id"]
    assert _group_ids(gateway, ["purchase.group_purchase_manager", "purchase.group_purchase_user"]) == {manager, user_group}
    assert _group_ids(gateway, ["purchase.no_such_group"]) == set()
    groups = gateway.profile.user_groups_field
    admins = gateway.search_read("res.users", [("login", "=", "admin")], [groups], limit=1)
    if target.user == "admin":
        assert {manager, user_group} <= set(admins[0][groups])  # implied groups are included


def test_xml_ids_resolve(gateway: OdooGateway) -> None:
    todo = gateway.xmlid(actions.TODO_ACTIVITY_XMLID)
    assert gateway.read("mail.activity.type", [todo], ["name"])[0]["name"] == "To-Do"
    assert gateway.xmlid("purchase.no_such_thing") is None


def test_xml_ids_resolve_for_a_user_without_access_rights(gateway: OdooGateway, limited: OdooGateway) -> None:
    assert limited.xmlid(actions.TODO_ACTIVITY_XMLID) == gateway.xmlid(actions.TODO_ACTIVITY_XMLID)
    assert limited.xmlid("purchase.group_purchase_manager") == gateway.xmlid("purchase.group_purchase_manager")


# -- error mapping -----------------------------------------------------------------------------------------


def test_an_unknown_model_is_a_missing_module(target: Target, gateway: OdooGateway) -> None:
    with pytest.raises(OdooModuleMissing) as caught:
        gateway.search_read("no.such.model", [], ["id"], limit=1)
    if target.json2:  # HTTP 404
        assert (caught.value.odoo_name, caught.value.message) == (
            "werkzeug.exceptions.NotFound", "the model 'no.such.model' does not exist")
    else:
        assert (caught.value.odoo_name, caught.value.message) == (
            "odoo.exceptions.UserError", "Object no.such.model doesn't exist")
    with pytest.raises(OdooModuleMissing, match=r"model 'no.such.model' does not exist on this server \(install"):
        gateway.require_models(["purchase.order", "no.such.model"])


def test_an_unknown_field_in_a_domain_is_a_validation_error_with_odoos_message(gateway: OdooGateway) -> None:
    with pytest.raises(OdooValidationError) as caught:
        gateway.search_read("purchase.order", [("no_such_field", "=", 1)], ["id"], limit=1)
    part = "condition" if gateway.profile.major >= 19 else "leaf"  # Odoo 19 rewrote domains
    assert caught.value.message == f"Invalid field purchase.order.no_such_field in {part} ('no_such_field', '=', 1)"
    assert caught.value.odoo_name == "builtins.ValueError"


def test_an_unknown_field_to_read_is_a_validation_error_with_odoos_message(gateway: OdooGateway) -> None:
    with pytest.raises(OdooValidationError) as caught:
        gateway.search_read("purchase.order", [], ["name", "no_such_field"], limit=1)
    model = "'purchase.order'" if gateway.profile.major >= 19 else "model 'purchase.order'"
    assert caught.value.message == f"Invalid field 'no_such_field' on {model}"


def test_a_bad_order_is_a_validation_error_with_odoos_message(gateway: OdooGateway) -> None:
    with pytest.raises(OdooValidationError) as unknown:
        gateway.search_read("purchase.order", [], ["id"], order="nope desc", limit=1)
    assert (unknown.value.odoo_name, unknown.value.message) == (
        "builtins.ValueError", "Invalid field 'nope' on model 'purchase.order'")
    if gateway.profile.major >= 18:  # Odoo 17 ignores an order by a field it cannot sort on
        with pytest.raises(OdooValidationError) as computed:
            gateway.search_read("purchase.order", [], ["id"], order="order_line", limit=1)
        assert computed.value.message == "Cannot convert purchase.order.order_line to SQL because it is not stored"
    with pytest.raises(OdooValidationError) as syntax:
        gateway.search_read("purchase.order", [], ["id"], order="name; drop", limit=1)
    assert syntax.value.odoo_name == "odoo.exceptions.UserError"
    assert syntax.value.message.startswith('Invalid "order" specified (name; drop). A valid "order" specification is')


def test_a_wrong_password_is_an_auth_error_that_does_not_echo_it(target: Target) -> None:
    gateway = target.gateway(secret="not-the-password-Zq9")
    with pytest.raises(OdooAuthError) as caught:
        gateway.search_count("res.users", [])
    if target.json2:  # HTTP 401
        assert caught.value.message.startswith(f"API key refused on database '{target.db}' (check ODOO_API_KEY")
    else:
        assert f"login refused for user '{target.user}' on database '{target.db}'" in caught.value.message
    assert "not-the-password-Zq9" not in str(caught.value)
    assert gateway.stats.round_trips == 1  # not retried


def test_an_unknown_database_is_an_error_naming_it_and_is_not_retried(target: Target) -> None:
    gateway = target.gateway(db="sentinel_no_such_db")
    with pytest.raises(OdooError) as caught:
        gateway.search_count("res.users", [])
    assert not isinstance(caught.value, OdooUnavailable)
    if target.json2:  # Odoo finds no database to route to: an HTML 404
        assert isinstance(caught.value, OdooAuthError)
        assert caught.value.message == f"no database 'sentinel_no_such_db' on {target.url} (check ODOO_DB)"
    else:
        assert caught.value.odoo_name == "psycopg2.OperationalError"
        assert 'database "sentinel_no_such_db" does not exist' in caught.value.message
    assert gateway.stats.round_trips == 1


def test_a_write_to_a_missing_id_is_a_missing_error(writable: Target, gateway: OdooGateway) -> None:
    uid = gateway.search_read("res.users", [("login", "=", writable.user)], ["id"], limit=1)[0]["id"]
    with pytest.raises(OdooMissingError) as caught:
        gateway.write("purchase.order", [999_999_999], {"origin": "x"})
    assert caught.value.message == (
        f"Record does not exist or has been deleted.\n(Record: purchase.order(999999999,), User: {uid})"
    )


def test_a_bad_selection_value_on_write_is_a_validation_error(writable: Target, gateway: OdooGateway) -> None:
    order_id = gateway.search_read("purchase.order", [], ["id"], order="id", limit=1)[0]["id"]
    with pytest.raises(OdooValidationError) as caught:
        gateway.write("purchase.order", [order_id], {"state": "exploded"})
    assert caught.value.message == "Wrong value for purchase.order.state: 'exploded'"


# -- the actions' writes -----------------------------------------------------------------------------------


@pytest.fixture
def order(gateway: OdooGateway) -> dict:
    """A purchase order with a buyer: what the actions write on."""
    rows = gateway.search_read("purchase.order", [("user_id", "!=", False)], ["id", "user_id"], order="id", limit=1)
    assert rows, "the target needs a purchase order with a buyer (demo data)"
    return rows[0]


@pytest.fixture
def proposal_id(writable: Target, gateway: OdooGateway) -> Iterator[str]:
    """A fresh proposal id; whatever carries its marker is removed afterwards, so a real server keeps no trace."""
    pid = f"TEST-{uuid.uuid4().hex[:12]}"
    yield pid
    mark = marker(pid)
    activities = gateway.search_read("mail.activity", [("note", "ilike", mark)], ["id"])
    if activities:
        gateway.transport.execute_kw("mail.activity", "unlink", [[a["id"] for a in activities]], {})
    messages = gateway.search_read("mail.message", [("body", "ilike", mark)], ["id"])
    if messages:
        gateway.transport.execute_kw("mail.message", "unlink", [[m["id"] for m in messages]], {})


def test_message_post_answers_as_the_profile_says(
    target: Target, gateway: OdooGateway, order: dict, proposal_id: str
) -> None:
    """Odoo 19 returns the new mail.message record, which RPC and JSON-2 send as its ids; up to 18 JSON-RPC answers
    the id itself. The gateway (through the profile) unwraps either."""
    posted = gateway.transport.execute_kw("purchase.order", "message_post", [[order["id"]]], {
        "body": f"raw {marker(proposal_id)}", "message_type": "comment", "subtype_xmlid": "mail.mt_note"})
    if gateway.profile.major >= 19 or target.json2:
        assert isinstance(posted, list) and len(posted) == 1 and isinstance(posted[0], int)
        message_id = posted[0]
    else:
        assert isinstance(posted, int) and not isinstance(posted, bool)
        message_id = posted
    assert gateway.profile.message_id("contract", posted) == message_id
    assert gateway.search_read("mail.message", [("body", "ilike", marker(proposal_id))], ["id"]) == [{"id": message_id}]


def test_message_post_is_an_internal_note_found_by_its_marker(gateway: OdooGateway, order: dict, proposal_id: str) -> None:
    mark = marker(proposal_id)
    body = f"Waiting 41.5 business hours & more <b>{mark}</b>\nline 2"
    message_id = gateway.message_post("purchase.order", order["id"], body)
    assert isinstance(message_id, int)
    found = gateway.search_read("mail.message", [("body", "ilike", mark)], ["model", "res_id", "message_type",
                                                                            "subtype_id", "body", "date"])
    assert [m["id"] for m in found] == [message_id]
    note_subtype = gateway.search_read("ir.model.data", [("module", "=", "mail"), ("name", "=", "mt_note")], ["res_id"])
    message = found[0]
    assert (message["model"], message["res_id"], message["message_type"]) == ("purchase.order", order["id"], "comment")
    assert m2o_id(message["subtype_id"]) == note_subtype[0]["res_id"]
    # A plain-text body is text, not markup: Odoo escapes it (the marker still matches with ilike).
    assert message["body"] == f"<p>Waiting 41.5 business hours &amp; more &lt;b&gt;{mark}&lt;/b&gt;\nline 2</p>"


def test_post_note_action_writes_once(target: Target, gateway: OdooGateway, order: dict, proposal_id: str) -> None:
    text = "Waiting for approval for 41.5 business hours"
    note = ActionOrder(proposal_id, "post_note", "purchase.order", order["id"], text, {})
    first = execute(gateway, note, today=target.today())
    again = execute(gateway, note, today=target.today())
    assert first.done and not again.done
    assert again.odoo_ids == first.odoo_ids
    found = gateway.search_read(
        "mail.message",
        [("model", "=", "purchase.order"), ("res_id", "=", order["id"]), ("body", "ilike", marker(proposal_id))],
        ["body"],
    )
    assert [m["id"] for m in found] == [first.odoo_ids["mail.message"]]
    assert found[0]["body"] == f"<p>Waiting for approval for 41.5 business hours {marker(proposal_id)}</p>"


def test_schedule_activity_action_creates_a_todo_found_by_its_marker(
    target: Target, gateway: OdooGateway, order: dict, proposal_id: str
) -> None:
    today = target.today()
    args = {"assign_to": f"login:{target.user}", "deadline_days": 2, "summary": "Sentinel contract test"}
    activity = ActionOrder(proposal_id, "schedule_activity", "purchase.order", order["id"], "Please approve P & Q", args)
    first = execute(gateway, activity, today=today)
    again = execute(gateway, activity, today=today)
    assert first.done and not again.done and again.odoo_ids == first.odoo_ids
    mark = marker(proposal_id)
    found = gateway.search_read(
        "mail.activity",
        [("res_model", "=", "purchase.order"), ("res_id", "=", order["id"]), ("note", "ilike", mark)],
        ["res_model", "res_model_id", "res_id", "activity_type_id", "summary", "note", "date_deadline", "user_id", "state"],
    )
    assert [a["id"] for a in found] == [first.odoo_ids["mail.activity"]]
    row = found[0]
    uid = gateway.search_read("res.users", [("login", "=", target.user)], ["id"], limit=1)[0]["id"]
    assert (row["res_model"], row["res_id"], m2o_id(row["user_id"])) == ("purchase.order", order["id"], uid)
    model_id = gateway.search_read("ir.model", [("model", "=", "purchase.order")], ["id"], limit=1)[0]["id"]
    assert m2o_id(row["res_model_id"]) == model_id  # set by Odoo from the context's default_res_model
    assert row["activity_type_id"] == [gateway.xmlid(actions.TODO_ACTIVITY_XMLID), "To-Do"]
    assert row["summary"] == "Sentinel contract test"
    assert row["date_deadline"] == (today + timedelta(days=2)).isoformat()
    assert row["state"] == "planned"
    assert row["note"] == f"<p>Please approve P &amp; Q {mark}</p>"


def test_reassign_to_the_current_buyer_writes_only_a_note(target: Target, gateway: OdooGateway, order: dict,
                                                          proposal_id: str) -> None:
    before = gateway.read("purchase.order", [order["id"]], ["user_id", "write_date"])[0]
    reassign = ActionOrder(proposal_id, "reassign", "purchase.order", order["id"], "Reassigned by Sentinel",
                           {"field": "user_id", "assign_to": "field:user_id"})
    result = execute(gateway, reassign, today=target.today())
    assert result.odoo_ids["res.users"] == m2o_id(order["user_id"])
    after = gateway.read("purchase.order", [order["id"]], ["user_id"])[0]
    assert after["user_id"] == before["user_id"]
    assert gateway.search_count("mail.message", [("body", "ilike", marker(proposal_id))]) == 1


def test_an_activity_created_without_user_id_is_unassigned(target: Target, gateway: OdooGateway, order: dict,
                                                            proposal_id: str) -> None:
    """Odoo 19's mail.activity.user_id has no default (17 and 18 give the creator): schedule_activity must always name
    the assignee."""
    activity_id = gateway.create("mail.activity", {
        "res_id": order["id"], "activity_type_id": gateway.xmlid(actions.TODO_ACTIVITY_XMLID),
        "note": f"<p>unassigned {marker(proposal_id)}</p>", "date_deadline": "2030-01-01",
    }, context={"default_res_model": "purchase.order"})
    assignee = gateway.read("mail.activity", [activity_id], ["user_id"])[0]["user_id"]
    if gateway.profile.major >= 19:
        assert assignee is False
    else:
        uid = gateway.search_read("res.users", [("login", "=", target.user)], ["id"], limit=1)[0]["id"]
        assert m2o_id(assignee) == uid
