"""The proof's fault proxy does what its table claims: each fault reaches (or spares) the upstream as named."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from proof.proxy import FaultProxy

CALL = {"jsonrpc": "2.0", "method": "call", "params": {"model": "mail.message", "method": "message_post", "args": []}}


class Upstream:
    """A JSON-RPC endpoint that records when each request arrived."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream.arrived.append(time.monotonic())
                body = b'{"jsonrpc": "2.0", "result": 7}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def pair() -> Iterator[tuple[Upstream, FaultProxy]]:
    upstream = Upstream()
    proxy = FaultProxy(upstream.url, slow_by=1.5)
    proxy.start()
    yield upstream, proxy
    proxy.stop()
    upstream.server.shutdown()


def call(proxy: FaultProxy, timeout: float = 1.0) -> Any:
    request = urllib.request.Request(proxy.url + "/web/dataset/call_kw", data=json.dumps(CALL).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["result"]


def test_passes_and_labels_each_call(pair) -> None:  # noqa: ANN001
    upstream, proxy = pair
    assert call(proxy) == 7
    assert [s.label for s in proxy.seen] == ["mail.message.message_post"]
    assert len(upstream.arrived) == 1


@pytest.mark.parametrize(("fate", "reaches"), [("drop_request", 0), ("drop_answer", 1), ("hang", 0), ("refuse", 0)])
def test_a_fault_fails_the_call_and_reaches_odoo_or_not(pair, fate: str, reaches: int) -> None:  # noqa: ANN001
    upstream, proxy = pair
    proxy.trigger(0, fate, window=1.0)  # type: ignore[arg-type]
    with pytest.raises((urllib.error.URLError, ConnectionError, TimeoutError)):
        call(proxy)
    assert len(upstream.arrived) == reaches
    proxy.clear()
    time.sleep(1.2)
    assert call(proxy) == 7  # the fault is over


def test_slow_lands_the_write_after_the_client_gave_up(pair) -> None:  # noqa: ANN001
    upstream, proxy = pair
    proxy.trigger(0, "slow")
    sent = time.monotonic()
    with pytest.raises((urllib.error.URLError, TimeoutError)):
        call(proxy, timeout=0.5)
    assert upstream.arrived == []
    time.sleep(1.5)
    assert len(upstream.arrived) == 1 and upstream.arrived[0] - sent >= 1.5


def test_kill_hooks_run_before_forwarding_or_after_the_answer(pair) -> None:  # noqa: ANN001
    upstream, proxy = pair
    seen: list[int] = []
    proxy.trigger(0, "kill_before", hook=lambda _: seen.append(len(upstream.arrived)))
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(proxy)
    proxy.trigger(0, "kill_after", hook=lambda _: seen.append(len(upstream.arrived)))
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(proxy)
    assert seen == [0, 1]
