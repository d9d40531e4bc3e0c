"""How the version is learned: login-free, never through /jsonrpc, remembered, and failures typed for the retry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agents._core.odoo import OdooProtocolError, OdooUnavailable
from agents._core.odoo import versions
from tests.odoo._servers import VERSION_17, json_answer, serving


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    versions._known.clear()
    yield
    versions._known.clear()


def test_odoo_19_answers_get_web_version_and_it_is_asked_once() -> None:
    with serving(lambda verb, path: json_answer(200, {"version": "19.0", "version_info": [19, 0]})) as (url, seen):
        assert versions.probe("c", url, timeout=5) == "19.0"
        assert versions.probe("c", url + "/", timeout=5) == "19.0"
        assert [(verb, path) for verb, path, _ in seen] == [("GET", "/web/version")]


def test_before_19_the_version_comes_from_version_info_not_jsonrpc() -> None:
    def answer(verb: str, path: str):  # noqa: ANN202
        return json_answer(200, VERSION_17) if path == "/web/webclient/version_info" else json_answer(404, {})

    with serving(answer) as (url, seen):
        assert versions.probe("c", url, timeout=5) == "17.0"
        assert [path for _, path, _ in seen] == ["/web/version", "/web/webclient/version_info"]


def test_a_busy_proxy_is_transient_and_a_stranger_is_not_odoo() -> None:
    with serving(lambda verb, path: json_answer(503, {})) as (url, _):
        with pytest.raises(OdooUnavailable, match="HTTP 503"):
            versions.probe("c", url, timeout=5)
    with serving(lambda verb, path: json_answer(403, {})) as (url, _):
        with pytest.raises(OdooProtocolError, match=r"did not tell its version \(HTTP 403, then 403\): is this an Odoo"):
            versions.probe("c", url, timeout=5)
    assert versions.known(url) is None
