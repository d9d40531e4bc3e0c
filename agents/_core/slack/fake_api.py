"""A local Slack Web API for tests, the benchmark and users' own tests: answers what Sentinel calls, records every call,
fails on demand. `from agents._core.slack.fake_api import FakeSlack`; `with FakeSlack() as slack:` then SLACK_API_URL=slack.url."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

BOT_TOKEN = "xoxb-sentinel-test"
TEAM = "T0SENTINEL"
BOT_USER = "U0SENTBOT"
CALLS_PATH = "/_calls"  # GET: every call so far as JSON (?method=chat.update for one method)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float  # time.monotonic() when it arrived
    status: int = 200
    wall: float = field(default_factory=time.time)  # epoch seconds: comparable with another process's clock


@dataclass
class _Fault:
    method: str | None  # None: any method
    remaining: int
    status: int
    retry_after: int | None = None


@dataclass
class FakeSlack:
    """Users are Slack ids -> e-mail; groups are user-group ids -> member ids. `down()` refuses connections until
    `up()`; `fail(n)` answers HTTP 500 n times; `rate_limit(n, retry_after)` answers 429 with Retry-After n times."""

    users: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    _faults: list[_Fault] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: int = 0
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (channel id, ts) -> as it stands

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                fake._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def down(self) -> None:
        """Connection refused from now on (the port stays ours: `up()` listens on it again)."""
        self.stop()

    def up(self) -> None:
        if self._server is None:
            self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        """A response_url (as Slack puts in interactions and slash commands) that lands here as a call `response/<name>`."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- programming faults and reading what happened ----------------------------------------------------------

    def fail(self, times: int, *, method: str | None = None, status: int = 500) -> None:
        with self._lock:
            self._faults.append(_Fault(method, times, status))

    def rate_limit(self, times: int, *, retry_after: int, method: str | None = None) -> None:
        with self._lock:
            self._faults.append(_Fault(method, times, 429, retry_after))

    def of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def channel_id(self, name: str) -> str:
        if not name.startswith("#"):
            return name
        return "C" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()

    # -- the API ---------------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        if parsed.path == CALLS_PATH:  # the log, for a benchmark in another process (not a Slack method)
            wanted = dict(parse_qsl(parsed.query)).get("method")
            with self._lock:
                log = [{"method": c.method, "channel": c.args.get("channel"), "ts": c.args.get("ts"),
                        "text": c.args.get("text"), "wall": c.wall, "status": c.status}
                       for c in self.calls if wanted in (None, c.method)]
            self._reply(request, 200, {"ok": True, "calls": log})
            return
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        args: dict[str, Any] = dict(parse_qsl(parsed.query))
        if raw:
            if "json" in (request.headers.get("Content-Type") or ""):
                args.update(json.loads(raw))
            else:
                args.update(parse_qsl(raw.decode(errors="replace")))  # an upload/ body is binary (a PNG)
        for key in ("blocks", "view", "attachments"):  # form-encoded JSON arrives as text
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") or args.get("token")
        method = parsed.path.removeprefix("/api/").strip("/")
        call = Call(method, args, token, time.monotonic())
        with self._lock:
            self.calls.append(call)
            fault = next((f for f in self._faults if f.remaining > 0 and f.method in (None, method)), None)
            if fault is not None:
                fault.remaining -= 1
                call.status = fault.status
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            error = "ratelimited" if fault.status == 429 else "internal_error"
            self._reply(request, fault.status, {"ok": False, "error": error}, headers)
            return
        if method.startswith(("upload/", "response/")):  # a file's bytes; a message sent to a response_url
            self._reply(request, 200, None, {}, text="OK")
            return
        if token != BOT_TOKEN:
            self._reply(request, 200, {"ok": False, "error": "invalid_auth"})
            return
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        body = answer(args) if answer else {"ok": False, "error": "unknown_method"}
        self._reply(request, 200, body)

    def _reply(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any] | None,
               headers: dict[str, str] | None = None, *, text: str | None = None) -> None:
        data = (text if text is not None else json.dumps(body)).encode()
        request.send_response(status)
        request.send_header("Content-Type", "text/plain" if text is not None else "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1764082800.{self._ts:06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://sentinel-test.slack.com/", "team": "Sentinel Test", "user": "sentinel",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0SENTBOT", "is_enterprise_install": False}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - Slack's method name
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        with self._lock:
            self.messages[(self.channel_id(str(args["channel"])), ts)] = args
        return {"ok": True, "channel": self.channel_id(str(args["channel"])), "ts": ts,
                "message": {"type": "message", "text": args.get("text", ""), "ts": ts, "bot_id": "B0SENTBOT"}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        with self._lock:
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[key] = args
        return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text", "")}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view") or {}
        if not args.get("user_id") or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks") or []) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        return {"ok": True, "view": {"id": "V0HOME" + str(args["user_id"]), **view}}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": "V0" + self._next_ts().replace(".", ""), **(args.get("view") or {})}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": user, "team_id": TEAM, "name": user.lower(), "deleted": False,
                                     "is_bot": False, "profile": {"email": self.users[user]}}}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup", ""))
        if group not in self.groups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.groups[group])}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        file_id = "F0" + self._next_ts().replace(".", "")
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/api/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}

    def _files_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "file": {"id": "F0" + self._next_ts().replace(".", "")}}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "file": {"id": args.get("file")}}
