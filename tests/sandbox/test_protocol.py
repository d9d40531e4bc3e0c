"""The wire protocol, as odoorpc and a raw HTTP client see it: envelopes, login, errors, call counting."""
from __future__ import annotations

import json
import urllib.request

import odoorpc
import pytest

from agents._core.odoo.sandbox import Sandbox, SandboxClock

from .conftest import connect, jsonrpc, post, rpc_error

VERSION = {"server_version": "19.0", "server_version_info": [19, 0, 0, "final", 0, ""],
           "server_serie": "19.0", "protocol_version": 1}


def test_version_info_is_what_odoorpc_reads_in_its_constructor(bare: Sandbox) -> None:
    status, body = post(bare, "/web/webclient/version_info", {"jsonrpc": "2.0", "method": "call", "params": {},
                                                              "id": 1})
    assert (status, body) == (200, {"jsonrpc": "2.0", "id": 1, "result": VERSION})
    assert jsonrpc(bare, "common", "version") == {"jsonrpc": "2.0", "id": 7, "result": VERSION}
    assert jsonrpc(bare, "db", "list")["result"] == ["sandbox"]


def test_login_returns_the_uid_or_false(bare: Sandbox) -> None:
    assert jsonrpc(bare, "common", "login", "sandbox", "admin", "admin") == {"jsonrpc": "2.0", "id": 7, "result": 2}
    assert jsonrpc(bare, "common", "login", "sandbox", "admin", "wrong")["result"] is False
    assert jsonrpc(bare, "common", "authenticate", "sandbox", "admin", "admin", {})["result"] == 2


def test_odoorpc_logs_in_and_reads_the_user_context(bare: Sandbox) -> None:
    odoo = connect(bare)
    assert odoo.version == "19.0"
    assert odoo.env.context == {"lang": "en_US", "tz": "America/New_York", "uid": 2}
    assert odoo.env.user.name == "Mitchell Admin"
    assert odoo.env.user.company_id.name == "Harbor Health Partners"
    assert odoo.env.ref("purchase.group_purchase_manager").full_name == "Purchase / Administrator"
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        connect(bare, password="nope")


def test_a_wrong_password_on_an_object_call_is_access_denied(bare: Sandbox) -> None:
    body = jsonrpc(bare, "object", "execute_kw", "sandbox", 2, "wrong", "res.partner", "search_count", [[]])
    assert body["id"] == 7 and "result" not in body
    error = body["error"]
    assert (error["code"], error["message"]) == (0, "Odoo Server Error")
    data = error["data"]
    assert {k: data[k] for k in ("name", "message", "arguments", "context")} == {
        "name": "odoo.exceptions.AccessDenied", "message": "Access Denied", "arguments": ["Access Denied"],
        "context": {}}
    assert data["debug"].startswith("Traceback (most recent call last):")
    assert data["debug"].endswith("odoo.exceptions.AccessDenied: Access Denied")


def test_an_unknown_database_is_refused(bare: Sandbox) -> None:
    body = jsonrpc(bare, "object", "execute_kw", "nope", 2, "admin", "res.partner", "search_count", [[]])
    assert body["error"]["data"]["message"].endswith('database "nope" does not exist')


def test_unknown_model_method_and_private_method(odoo: odoorpc.ODOO) -> None:
    data = rpc_error(lambda: odoo.execute_kw("no.such.model", "search_read", [[]], {"limit": 1}))
    assert (data["name"], data["message"], data["arguments"]) == (
        "odoo.exceptions.UserError", "Object no.such.model doesn't exist", ["Object no.such.model doesn't exist"])
    data = rpc_error(lambda: odoo.execute_kw("hr.expense.sheet", "search", [[]]))
    assert data["message"] == "Object hr.expense.sheet doesn't exist"
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "explode", [[1]]))
    assert (data["name"], data["message"]) == (
        "builtins.AttributeError", "The method 'purchase.order.explode' does not exist")
    data = rpc_error(lambda: odoo.execute_kw("purchase.order", "_compute_amount", [[1]]))
    assert (data["name"], data["message"]) == (
        "odoo.exceptions.AccessError",
        "Private methods (such as 'purchase.order._compute_amount') cannot be called remotely.")


def test_execute_passes_positional_arguments(odoo: odoorpc.ODOO) -> None:
    assert odoo.execute("res.users", "read", [2], ["login"]) == [{"id": 2, "login": "admin"}]
    data = rpc_error(lambda: odoo.execute_kw("res.partner", "search", [[]], {"bogus": 1}))
    assert data["name"] == "builtins.TypeError"


def test_rpc_calls_counts_object_calls_only(sandbox: Sandbox) -> None:
    odoo = connect(sandbox)  # version_info, login, context_get: one object call
    start = sandbox.rpc_calls
    assert start == 1
    odoo.execute_kw("purchase.order", "search_read", [[("state", "=", "to approve")]], {"fields": ["name"]})
    odoo.execute_kw("purchase.order", "search_count", [[]])
    jsonrpc(sandbox, "common", "version")
    assert sandbox.rpc_calls == start + 2
    sandbox.env("purchase.order").search([])  # direct access is not an RPC
    assert sandbox.rpc_calls == start + 2


def test_json2_uses_a_bearer_key_and_answers_plain_json(sandbox: Sandbox) -> None:
    headers = {"Authorization": "bearer admin", "X-Odoo-Database": "sandbox"}
    status, body = post(sandbox, "/json/2/purchase.order/search_read",
                        {"domain": [["state", "=", "to approve"]], "fields": ["name", "state"], "limit": 2,
                         "order": "id"}, headers)
    assert status == 200
    assert [r["state"] for r in body] == ["to approve", "to approve"] and set(body[0]) == {"id", "name", "state"}
    status, body = post(sandbox, "/json/2/purchase.order/read", {"ids": [body[0]["id"]], "fields": ["name"]}, headers)
    assert status == 200 and len(body) == 1
    status, body = post(sandbox, "/json/2/purchase.order/search_count", {"domain": []},
                        {"Authorization": "bearer wrong", "X-Odoo-Database": "sandbox"})
    assert status == 401
    assert (body["name"], body["message"], body["arguments"]) == (
        "werkzeug.exceptions.Unauthorized", "Invalid apikey", ["Invalid apikey", 401])
    status, body = post(sandbox, "/json/2/purchase.order/search_read", {"domain": [["no_such_field", "=", 1]]},
                        headers)
    assert status == 500
    assert (body["name"], body["message"]) == (
        "builtins.ValueError", "Invalid field purchase.order.no_such_field in condition ('no_such_field', '=', 1)")
    status, body = post(sandbox, "/json/2/no.such.model/search", {}, headers)
    assert status == 404 and body["message"] == "the model 'no.such.model' does not exist"


def test_health_endpoint_and_unknown_paths(bare: Sandbox) -> None:
    with urllib.request.urlopen(f"{bare.url}/web/health", timeout=5) as response:
        assert json.loads(response.read()) == {"status": "pass"}
    status, _ = post(bare, "/web/nothing", {})
    assert status == 404


def test_start_stop_and_context_manager(clock: SandboxClock) -> None:
    sb = Sandbox(clock=clock, seed=False)
    url = sb.start(port=0)
    assert url == sb.url == f"http://127.0.0.1:{sb.port}"
    with pytest.raises(RuntimeError):
        sb.start()
    sb.stop()
    sb.stop()  # idempotent
    assert sb.db_name == "sandbox"
