"""The JSON-2 transport: named arguments per method, Odoo 19's error bodies typed like JSON-RPC's, transient retries,
one reused connection, and a clear refusal from a server older than 19."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agents._core.odoo import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooGateway,
    OdooMissingError,
    OdooModuleMissing,
    OdooProtocolError,
    OdooUnavailable,
    OdooValidationError,
    open_gateway,
)
from agents._core.odoo import versions
from agents._core.odoo.json2 import named_arguments
from agents._core.odoo.sandbox import Sandbox
from tests.odoo._servers import VERSION_17, json_answer, serving


@pytest.fixture(autouse=True)
def _forget_versions() -> Iterator[None]:
    versions._known.clear()  # each test's server is new, even where an old port comes back
    yield
    versions._known.clear()


@pytest.mark.parametrize(("method", "args", "kwargs", "body"), [
    ("search_read", [[("state", "=", "purchase")]], {"fields": ["name"], "offset": 0, "limit": 3, "order": "id"},
     {"domain": [("state", "=", "purchase")], "fields": ["name"], "offset": 0, "limit": 3, "order": "id"}),
    ("read", [[1, 2], ["name"]], {}, {"ids": [1, 2], "fields": ["name"]}),
    ("search_count", [[]], {}, {"domain": []}),
    ("fields_get", [], {"attributes": ["type"]}, {"attributes": ["type"]}),
    ("create", [{"name": "x"}], {"context": {"default_res_model": "purchase.order"}},
     {"vals_list": {"name": "x"}, "context": {"default_res_model": "purchase.order"}}),
    ("write", [[7], {"origin": "x"}], {}, {"ids": [7], "vals": {"origin": "x"}}),
    ("unlink", [[7]], {}, {"ids": [7]}),
    ("message_post", [[7]], {"body": "b", "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
     {"ids": [7], "body": "b", "message_type": "comment", "subtype_xmlid": "mail.mt_note"}),
    ("check_object_reference", ["mail", "mail_activity_data_todo"], {}, {"module": "mail", "xml_id": "mail_activity_data_todo"}),
    ("check_access_rights", ["write"], {"raise_exception": False}, {"operation": "write", "raise_exception": False}),
])
def test_each_method_the_gateway_calls_gets_odoos_parameter_names(method: str, args: list, kwargs: dict, body: dict) -> None:
    assert named_arguments("purchase.order", method, args, kwargs) == body


def test_a_method_without_known_parameter_names_fails_loudly_instead_of_guessing() -> None:
    with pytest.raises(ValueError, match=r"JSON-2 needs the parameter names of purchase.order.button_confirm"):
        named_arguments("purchase.order", "button_confirm", [[1]], {})
    with pytest.raises(ValueError, match=r"domain given both by position and by name"):
        named_arguments("purchase.order", "search_count", [[]], {"domain": []})
    assert named_arguments("purchase.order", "button_confirm", [], {"ids": [1]}) == {"ids": [1]}  # named: as is


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=True) as sb:
        yield sb


def _json2(sandbox: Sandbox, key: str = "admin", db: str = "sandbox") -> OdooGateway:
    assert sandbox.url is not None
    gateway = open_gateway("clinic", sandbox.url, db, "admin", key, transport="json2", api_key=key, timeout=10)
    gateway._backoff = 0
    return gateway


# What Odoo 19 answers (see wire samples and the contract suite), and the type the gateway raises for it.
ERRORS: list[tuple[str, Callable[[OdooGateway], Any], type[OdooError], str]] = [
    ("401 wrong key", lambda g: g.search_count("res.partner", []), OdooAuthError,
     "API key refused on database 'sandbox' (check ODOO_API_KEY: a key of an active user of that database)"),
    ("404 unknown model", lambda g: g.search_count("no.such.model", []), OdooModuleMissing,
     "the model 'no.such.model' does not exist"),
    ("404 unknown method", lambda g: g._call("res.partner", "no_such_method", [], {}, retry=True), OdooError,
     "The method 'res.partner.no_such_method' does not exist"),
    ("404 missing record", lambda g: g.write("purchase.order", [999_999], {"origin": "x"}), OdooMissingError,
     "Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)"),
    ("403 private method", lambda g: g._call("res.partner", "_private", [], {}, retry=True), OdooAccessError,
     "Private methods (such as 'res.partner._private') cannot be called remotely."),
    ("422 arguments", lambda g: g._call("res.partner", "write", [], {"ids": [1]}, retry=True), OdooError,
     "missing a required argument: 'vals'"),
    ("500 value error", lambda g: g.search_count("purchase.order", [("no_such_field", "=", 1)]), OdooValidationError,
     "Invalid field purchase.order.no_such_field in condition ('no_such_field', '=', 1)"),
]


@pytest.mark.parametrize(("case", "call", "kind", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_json2_errors_are_typed_like_json_rpcs_and_not_retried(
    sandbox: Sandbox, case: str, call: Callable[[OdooGateway], Any], kind: type[OdooError], message: str
) -> None:
    gateway = _json2(sandbox, key="wrong-key" if case.startswith("401") else "admin")
    with pytest.raises(OdooError) as caught:
        call(gateway)
    assert type(caught.value) is kind
    assert caught.value.message == message
    assert gateway.stats.round_trips == 1
    assert "wrong-key" not in str(caught.value)


def test_an_unknown_database_is_named_with_the_fix(sandbox: Sandbox) -> None:
    with pytest.raises(OdooAuthError, match=r"no database 'nope' on http://127.0.0.1:\d+ \(check ODOO_DB\)"):
        _json2(sandbox, db="nope").search_count("res.partner", [])


def test_records_come_back_as_ids_and_the_gateway_unwraps_them(sandbox: Sandbox) -> None:
    gateway = _json2(sandbox)
    assert gateway.transport.execute_kw("res.partner", "create", [{"name": "JSON-2 vendor"}], {}) == [
        gateway.search_read("res.partner", [("name", "=", "JSON-2 vendor")], ["id"])[0]["id"]]
    partner = gateway.create("res.partner", {"name": "JSON-2 vendor 2"})
    assert isinstance(partner, int)
    order = gateway.search_read("purchase.order", [], ["id"], limit=1)[0]["id"]
    note = gateway.message_post("purchase.order", order, "a note")
    assert gateway.read("mail.message", [note], ["res_id"]) == [{"id": note, "res_id": order}]


def test_a_503_is_retried_then_unavailable_and_calls_share_one_connection() -> None:
    def answer(verb: str, path: str):  # noqa: ANN202
        if path == "/web/version":
            return json_answer(200, {"version": "19.0", "version_info": [19, 0, 0, "final", 0, ""]})
        if path.endswith("search_count"):
            return json_answer(200, 4)
        return json_answer(503, {"name": "werkzeug.exceptions.ServiceUnavailable", "message": "busy"})

    with serving(answer) as (url, seen):
        gateway = open_gateway("clinic", url, "db", "u", "k", transport="json2", api_key="k", timeout=5)
        gateway._backoff = 0
        assert [gateway.search_count("purchase.order", []) for _ in range(3)] == [4, 4, 4]
        with pytest.raises(OdooUnavailable, match=r"Odoo connection 'clinic': HTTP 503 from http://127.0.0.1:\d+"):
            gateway.search_read("purchase.order", [], ["name"])
        assert [path for _, path, _ in seen].count("/json/2/purchase.order/search_read") == 3  # tenacity: 3 attempts
        assert len({port for _, _, port in seen}) == 1  # one kept-alive connection for every request


def test_json2_forced_on_an_odoo_17_says_why_and_what_to_set() -> None:
    def answer(verb: str, path: str):  # noqa: ANN202
        if path == "/web/webclient/version_info":
            return json_answer(200, VERSION_17)
        return 404, {"Content-Type": "text/html", "Content-Length": "9"}, b"not found"

    with serving(answer) as (url, seen):
        gateway = open_gateway("clinic", url, "db", "u", "k", transport="json2", api_key="k", timeout=5)
        with pytest.raises(OdooProtocolError) as caught:
            gateway.search_count("purchase.order", [])
        assert caught.value.message == (
            f"{url} runs Odoo 17.0, which has no JSON-2 (19+ only): set ODOO_TRANSPORT=auto or jsonrpc")
        assert not any(path.startswith("/json/2/") for _, path, _ in seen)


def test_auto_speaks_json_rpc_to_an_odoo_17_even_with_an_api_key() -> None:
    def answer(verb: str, path: str):  # noqa: ANN202
        if path == "/web/webclient/version_info":
            return json_answer(200, VERSION_17)
        return 404, {"Content-Type": "text/html", "Content-Length": "9"}, b"not found"

    with serving(answer) as (url, seen):
        gateway = open_gateway("clinic", url, "db", "u", "k", transport="auto", api_key="k", timeout=5)
        with pytest.raises(OdooError):
            gateway.search_count("purchase.order", [])  # this stub has no JSON-RPC login: what matters is the path
        paths = [path for _, path, _ in seen]
        assert paths[0] == "/web/version" and paths[-1] == "/jsonrpc"  # odoorpc logs in over JSON-RPC
        assert not any(path.startswith("/json/2/") for path in paths)


def test_an_html_page_with_status_200_is_not_taken_for_a_result() -> None:
    def answer(verb: str, path: str):  # noqa: ANN202
        if path == "/web/version":
            return json_answer(200, {"version": "19.0", "version_info": [19, 0, 0, "final", 0, ""]})
        return 200, {"Content-Type": "text/html", "Content-Length": "15"}, b"<p>sign in</p>\n"

    with serving(answer) as (url, _seen):
        gateway = open_gateway("clinic", url, "db", "u", "k", transport="json2", api_key="k", timeout=5)
        with pytest.raises(OdooProtocolError, match=r"HTTP 200 from http://127.0.0.1:\d+ is not an Odoo JSON-2 answer"):
            gateway.search_count("purchase.order", [])
