"""The door in front of Bolt: bounded body, signature checked on the raw bytes, then the payload's shape; 4xx, never 500.

Bolt parses a body before it verifies it, so a malformed unsigned body reached its parser (and a 500 with a traceback);
its own mismatch log also carried the whole body. Here nothing is parsed before the signature holds, nothing of a body
is logged (only its size and the reason), and a signed payload whose fields have the wrong shape is a 400.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # Slack's interaction payloads are a few KiB; a modal with every field filled stays far below
_SLACK_ID = re.compile(r"^[UWB][A-Z0-9]{2,}$")
_LOG_EVERY = 10.0  # seconds: one line per reason at most this often, with a count of the rest (a flood stays small)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Screen:
    """ASGI middleware for POST /slack/events: hands Bolt only signed, well-formed requests (the body replayed)."""

    def __init__(self, app: App, verifier: SignatureVerifier) -> None:
        self.app = app
        self.verifier = verifier
        self._lock = threading.Lock()
        self._last_logged: dict[str, tuple[float, int]] = {}  # reason -> (when logged, refusals since)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        size = 0
        try:
            body, size = await _read(scope, receive)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not self.verifier.is_valid(body, headers.get("x-slack-request-timestamp"),
                                          headers.get("x-slack-signature")):
                raise Refused(401, "bad or missing signature")
            check(body, headers.get("content-type") or "")
        except Refused as refused:
            self._log(refused.reason, size)
            await _respond(send, refused.status, refused.reason)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()  # http.disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _log(self, reason: str, size: int) -> None:
        now = time.monotonic()
        with self._lock:
            last, since = self._last_logged.get(reason, (float("-inf"), 0))
            if now - last < _LOG_EVERY:
                self._last_logged[reason] = (last, since + 1)
                return
            self._last_logged[reason] = (now, 0)
        more = f"; {since} more like it since the last line" if since else ""
        log.warning("Slack request refused: %s (%d bytes)%s", reason, size, more)


async def _read(scope: Scope, receive: Receive) -> tuple[bytes, int]:
    """The body, or Refused(413) as soon as it is known to be too large (from Content-Length or while reading)."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise Refused(400, "Content-Length is not a number") from None
            if declared > MAX_BODY:
                raise Refused(413, f"body larger than {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise Refused(400, "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, f"body larger than {MAX_BODY} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks), size


def check(body: bytes, content_type: str) -> None:
    """Refused(400) unless the (signed) body parses as Slack sends it and the fields Sentinel reads have their shape."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if "application/json" in content_type:
        payload = _json_object(text, "body")
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        payload = _json_object(form["payload"], "payload") if "payload" in form else form
    problem = shape_problem(payload)
    if problem:
        raise Refused(400, problem)


def shape_problem(payload: dict[str, Any]) -> str | None:
    """What is wrong with the fields the listeners read, or None."""
    if "command" in payload:  # a slash command: flat form fields
        return None if _is_id(payload.get("user_id")) else "user_id is not a Slack user id"
    kind = payload.get("type")
    if not isinstance(kind, str):
        return "type is missing"
    if kind in ("url_verification", "ssl_check"):
        return None
    if kind == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event has the wrong shape"
        return None if "user" not in event or _is_id(event["user"]) else "event.user is not a Slack user id"
    user = payload.get("user")
    if not isinstance(user, dict) or not _is_id(user.get("id")):
        return "user has the wrong shape"
    for key in ("container", "channel", "message", "view"):
        if key in payload and payload[key] is not None and not isinstance(payload[key], dict):
            return f"{key} has the wrong shape"
    if isinstance(payload.get("view"), dict) and not isinstance(payload["view"].get("type"), str):
        return "view.type is missing"  # Bolt's own middleware reads it
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not all(
                isinstance(a, dict) and isinstance(a.get("action_id"), str) and isinstance(a.get("value", ""), str)
                for a in actions):
            return "actions have the wrong shape"
        if not isinstance(payload.get("trigger_id", ""), str):
            return "trigger_id has the wrong shape"
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view") or {}
        values = (view.get("state") or {}).get("values") if isinstance(view.get("state"), dict) else None
        if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
            return "view.state has the wrong shape"
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except (TypeError, ValueError):
            return "view.private_metadata is not JSON"
        if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
            return "view.private_metadata has the wrong shape"
    return None


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(_SLACK_ID.match(value))


async def _respond(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"error": reason}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
