"""An HTTP proxy in front of the sandbox Odoo that injects the faults a real network and a busy Odoo produce.

A fault targets the next call(s) of one ORM method (JSON-RPC execute_kw, optionally on one model), after letting
`skip` such calls through:
  refuse       close the connection without forwarding: nothing reaches Odoo
  delay        hold the request for `seconds`, then forward it: it lands after the client has given up
  drop_answer  forward the request, let Odoo do it, and close the connection instead of answering
  odoo_error   answer with an Odoo exception (name, message) in the wire format, without forwarding
`down` refuses every request while set. Every fault applied is counted in `applied`.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

Kind = Literal["refuse", "delay", "drop_answer", "odoo_error"]


@dataclass
class Fault:
    kind: Kind
    method: str
    model: str | None = None
    times: int = 1
    skip: int = 0
    seconds: float = 0.0
    error: tuple[str, str] = ("odoo.exceptions.AccessError", "")

    def matches(self, model: str | None, method: str | None) -> bool:
        return self.times > 0 and method == self.method and self.model in (None, model)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self._upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.down = False
        self.applied: list[tuple[Kind, str | None, str | None]] = []  # (fault, model, method)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take(self, model: str | None, method: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(model, method):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    self.applied.append((fault.kind, model, method))
                    return fault
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy.down:
                    self.close_connection = True
                    return
                model, method = _orm_call(body)
                fault = proxy._take(model, method)
                kind = fault.kind if fault else None
                if kind == "refuse":
                    self.close_connection = True
                    return
                if kind == "odoo_error":
                    name, message = fault.error
                    error = {"code": 0, "message": "Odoo Server Error",
                             "data": {"name": name, "message": message, "arguments": [message], "context": {}}}
                    self._answer(200, json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode(), {})
                    return
                if kind == "delay":
                    time.sleep(fault.seconds)
                status, data, headers = self._forward(body)
                if kind == "drop_answer":
                    self.close_connection = True
                    return
                try:
                    self._answer(status, data, headers)
                except OSError:
                    pass  # the client gave up (it timed out while the request was held)

            def _forward(self, body: bytes) -> tuple[int, bytes, dict[str, str]]:
                connection = http.client.HTTPConnection(*proxy._upstream, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    connection.request("POST", self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    return response.status, response.read(), {k: v for k, v in response.getheaders()
                                                                if k.lower() in ("content-type", "set-cookie")}
                finally:
                    connection.close()

            def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if not any(key.lower() == "content-type" for key in headers):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _orm_call(body: bytes) -> tuple[str | None, str | None]:
    """(model, method) of a JSON-RPC execute_kw: args are [db, uid, password, model, method, args, kwargs]."""
    try:
        params = json.loads(body or b"{}").get("params") or {}
        args = params.get("args") or []
        if params.get("method") in ("execute", "execute_kw") and len(args) >= 5:
            return str(args[3]), str(args[4])
    except (ValueError, AttributeError):
        pass
    return None, None
