"""ODOO_MAX_RESPONSE_MB: an Odoo answer above the ceiling fails its call with a clear error, on both transports,
whether the server declares the length or streams without one, and the process never holds the whole answer."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from agents._core.odoo import OdooProtocolError, open_gateway
from agents._core.odoo import versions
from tests.odoo._servers import json_answer, serving

MB = 1024 * 1024
HUGE = 256 * MB  # what a runaway search_read can send; the client must stop long before


@pytest.fixture(autouse=True)
def _forget_versions() -> Iterator[None]:
    versions._known.clear()
    yield
    versions._known.clear()


def _huge_body(declared: bool):  # noqa: ANN202 - an Answer
    def chunks() -> Iterator[bytes]:
        yield b'{"jsonrpc": "2.0", "id": 1, "result": ["'
        block = b"x" * MB
        for _ in range(HUGE // MB):
            yield block
        yield b'"]}'

    headers = {"Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(HUGE + 45)
    return 200, headers, chunks()


def _odoo(answer_call):  # noqa: ANN001, ANN202
    """Odoo 19 up to the login (what odoorpc and JSON-2 ask first), then `answer_call` for the gateway's call."""
    logged_in = []

    def answer(verb: str, path: str):  # noqa: ANN202
        if path == "/web/version":
            return json_answer(200, {"version": "19.0", "version_info": [19, 0, 0, "final", 0, ""]})
        if path == "/web/webclient/version_info":
            return json_answer(200, {"jsonrpc": "2.0", "id": 1, "result": {"server_version": "19.0"}})
        if path == "/web/session/authenticate":
            return json_answer(200, {"jsonrpc": "2.0", "id": 1, "result": {"uid": 2, "user_context": {}}})
        if path == "/jsonrpc" and len(logged_in) < 2:  # odoorpc's common.login, then its context_get
            logged_in.append(True)
            result = 2 if len(logged_in) == 1 else {"lang": "en_US", "tz": "UTC"}
            return json_answer(200, {"jsonrpc": "2.0", "id": 1, "result": result})
        return answer_call(path)

    return serving(answer)


def _server(declared: bool):  # noqa: ANN202
    return _odoo(lambda path: _huge_body(declared))


@pytest.mark.parametrize("transport", ["json2", "jsonrpc"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_an_answer_above_the_ceiling_fails_the_call_not_the_process(transport: str, declared: bool) -> None:
    with _server(declared) as (url, _seen):
        gateway = open_gateway("clinic", url, "db", "admin", "k", transport=transport, api_key="k", timeout=30,
                               max_response_mb=2)
        tracemalloc.start()
        try:
            with pytest.raises(OdooProtocolError) as caught:
                gateway.search_read("purchase.order", [], ["name"])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.message.startswith("the answer from ") and url.removeprefix("http://") in caught.value.message
    assert caught.value.message.endswith(
        "is larger than 2 MB, so it was dropped: ask for fewer records or fields, or raise ODOO_MAX_RESPONSE_MB")
    assert peak < 16 * MB  # a few chunks of the answer, never the 256 MB of it
    assert gateway.stats.round_trips == 1  # not a transient failure: never retried


@pytest.mark.parametrize("transport", ["json2", "jsonrpc"])
def test_an_answer_below_the_ceiling_passes(transport: str) -> None:
    rows = [{"id": i, "name": "P%05d" % i} for i in range(5000)]  # about 150 kB

    def answer(path: str):  # noqa: ANN202
        return json_answer(200, rows if path.startswith("/json/2/") else {"jsonrpc": "2.0", "id": 1, "result": rows})

    with _odoo(answer) as (url, _seen):
        gateway = open_gateway("clinic", url, "db", "admin", "k", transport=transport, api_key="k", timeout=30,
                               max_response_mb=1)
        assert gateway.search_read("purchase.order", [], ["name"], limit=5000, page_size=5000) == rows
