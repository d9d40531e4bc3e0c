"""Tiny local HTTP servers for transport tests: a scripted answer per path, and what the client sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (status, headers, body chunks): a body without Content-Length is sent until the connection closes.
Answer = tuple[int, dict[str, str], Iterator[bytes] | bytes]
VERSION_17 = {"jsonrpc": "2.0", "id": 1, "result": {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""]}}


def json_answer(status: int, payload: Any) -> Answer:
    body = json.dumps(payload).encode()
    return status, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body


@contextmanager
def serving(answer: Callable[[str, str], Answer]) -> Iterator[tuple[str, list[tuple[str, str, int]]]]:
    """Yields the base URL and the requests seen as (verb, path, client port)."""
    seen: list[tuple[str, str, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, verb: str) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((verb, self.path, self.client_address[1]))
            status, headers, body = answer(verb, self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                for chunk in [body] if isinstance(body, bytes) else body:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what a size limit does

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
