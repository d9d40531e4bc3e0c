"""A ceiling on the size of one Odoo answer, for both transports: a runaway reply fails its call, not the process."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable
from http.client import HTTPResponse
from typing import Any

DEFAULT_MAX_RESPONSE_MB = 64.0
_CHUNK = 1 << 16


class ResponseTooLarge(Exception):
    """Raised while reading: the answer passed the ceiling (the transport turns it into an OdooProtocolError)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes")
        self.limit = limit


def mb_to_bytes(megabytes: float) -> int:
    return int(megabytes * 1024 * 1024)


def declared_too_large(headers: Any, limit: int) -> bool:
    """A Content-Length above the ceiling fails before a byte of the body is read."""
    declared = headers.get("Content-Length") if headers is not None else None
    return declared is not None and declared.strip().isdigit() and int(declared) > limit


def read_bounded(chunks: Iterable[bytes], limit: int) -> bytes:
    """Join the chunks of a body, raising as soon as they pass `limit` (a chunked body declares no length)."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(limit)
        parts.append(chunk)
    return b"".join(parts)


class _BoundedBody:
    """What odoorpc reads a JSON-RPC answer from: the response, but its read() stops at the ceiling."""

    def __init__(self, response: HTTPResponse, limit: int) -> None:
        self._response = response
        self._limit = limit

    def read(self, amt: int | None = None) -> bytes:
        if amt is not None:
            return self._response.read(amt)
        try:
            return read_bounded(iter(lambda: self._response.read(_CHUNK), b""), self._limit)
        except ResponseTooLarge:
            self._response.close()
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)


class BoundedResponses(urllib.request.BaseHandler):
    """A urllib handler for odoorpc's opener: answers above the ceiling raise ResponseTooLarge instead of filling memory."""

    handler_order = 1100  # after HTTPErrorProcessor (1000): error statuses are raised as before

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def http_response(self, request: urllib.request.Request, response: HTTPResponse) -> Any:
        if declared_too_large(response.headers, self.limit):
            response.close()
            raise ResponseTooLarge(self.limit)
        return _BoundedBody(response, self.limit)

    https_response = http_response
