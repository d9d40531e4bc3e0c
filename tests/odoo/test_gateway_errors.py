"""The gateway retries transient failures only, and surfaces Odoo's errors typed, with the server's message."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents._core.odoo import (
    OdooAccessError,
    OdooAuthError,
    OdooGateway,
    OdooMissingError,
    OdooModuleMissing,
    OdooUnavailable,
    OdooValidationError,
    open_gateway,
)
from agents._core.odoo.errors import from_server_error


class FlakyTransport:
    """Fails with the given errors first, then answers; counts calls."""

    connection = "test"
    server_version = "19.0"

    def __init__(self, *errors: Exception, answer=None) -> None:  # noqa: ANN001
        self.errors = list(errors)
        self.answer = answer if answer is not None else []
        self.calls = 0
        self.resets = 0

    def execute_kw(self, model, method, args, kwargs):  # noqa: ANN001, ANN201
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.answer

    def version(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.server_version

    def reset(self) -> None:
        self.resets += 1


def test_a_read_is_retried_on_transient_failures_then_succeeds() -> None:
    transport = FlakyTransport(OdooUnavailable("test", "HTTP 503"), OdooUnavailable("test", "timeout"), answer=[{"id": 1}])
    gateway = OdooGateway(transport, backoff=0)
    assert gateway.search_read("purchase.order", [], ["name"]) == [{"id": 1}]
    assert transport.calls == 3
    assert transport.resets == 2


def test_the_version_behind_the_profile_is_asked_once_and_retried_like_a_read() -> None:
    transport = FlakyTransport(OdooUnavailable("test", "timeout"))
    gateway = OdooGateway(transport, backoff=0)
    assert gateway.profile.series == (19, 0) and gateway.profile is gateway.profile
    assert (transport.calls, transport.resets) == (2, 1)


def test_a_read_gives_up_after_three_attempts_naming_the_connection() -> None:
    transport = FlakyTransport(*[OdooUnavailable("test", "HTTP 502") for _ in range(5)])
    with pytest.raises(OdooUnavailable, match="Odoo connection 'test': HTTP 502"):
        OdooGateway(transport, backoff=0).search_count("purchase.order", [])
    assert transport.calls == 3


@pytest.mark.parametrize("error", [OdooAccessError("test", "no"), OdooValidationError("test", "bad"), OdooAuthError("test", "x")])
def test_access_validation_and_auth_errors_are_never_retried(error: Exception) -> None:
    transport = FlakyTransport(error)
    with pytest.raises(type(error)):
        OdooGateway(transport, backoff=0).search_read("purchase.order", [], ["name"])
    assert transport.calls == 1


def test_writes_are_not_retried_by_the_gateway() -> None:
    transport = FlakyTransport(OdooUnavailable("test", "timeout"), answer=7)
    with pytest.raises(OdooUnavailable):
        OdooGateway(transport, backoff=0).create("mail.activity", {})
    assert transport.calls == 1


def test_pages_make_one_round_trip_per_page() -> None:
    class Paged(FlakyTransport):
        def execute_kw(self, model, method, args, kwargs):  # noqa: ANN001, ANN201
            self.calls += 1
            start, size = kwargs["offset"], kwargs["limit"]
            return [{"id": i} for i in range(start, min(start + size, 2500))]

    transport = Paged()
    rows = OdooGateway(transport).search_read("purchase.order", [], ["id"], page_size=1000)
    assert len(rows) == 2500
    assert transport.calls == 3


@pytest.mark.parametrize(
    ("name", "message", "expected"),
    [
        ("odoo.exceptions.AccessError", "You are not allowed to modify 'Companies'", OdooAccessError),
        ("odoo.exceptions.MissingError", "Record does not exist or has been deleted.", OdooMissingError),
        ("builtins.ValueError", "Invalid field purchase.order.no_such_field", OdooValidationError),
        ("odoo.exceptions.AccessDenied", "Access Denied", OdooAuthError),
        ("odoo.exceptions.UserError", "Object no.such.model doesn't exist", OdooModuleMissing),
    ],
)
def test_server_errors_map_to_typed_exceptions_carrying_the_message(name: str, message: str, expected: type) -> None:
    error = from_server_error("clinic", {"code": 0, "message": "Odoo Server Error", "data": {"name": name, "message": message}})
    assert type(error) is expected
    assert error.message == message
    assert str(error) == f"Odoo connection 'clinic': {message}"


def _serve(status: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"server_version": "19.0"}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_503_from_a_proxy_is_transient_and_names_the_connection() -> None:
    server = _serve(503)
    try:
        gateway = open_gateway("clinic", f"http://127.0.0.1:{server.server_port}", "db", "u", "secret-pw", timeout=2)
        gateway._backoff = 0
        with pytest.raises(OdooUnavailable, match=r"Odoo connection 'clinic': HTTP 503") as caught:
            gateway.search_count("purchase.order", [])
        assert "secret-pw" not in str(caught.value)
    finally:
        server.shutdown()


def test_an_unreachable_server_is_unavailable_with_host_and_port() -> None:
    server = _serve(200)
    port = server.server_port
    server.shutdown()
    server.server_close()
    gateway = open_gateway("clinic", f"http://127.0.0.1:{port}", "db", "u", "pw", timeout=2)
    gateway._backoff = 0
    with pytest.raises(OdooUnavailable, match=rf"Odoo connection 'clinic': cannot reach 127.0.0.1:{port}"):
        gateway.search_count("purchase.order", [])
