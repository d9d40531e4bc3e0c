"""Serving Slack: POST /slack/events and GET /healthz through uvicorn (ASGI), or Socket Mode with an app token."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.signature import Clock

from agents._core import messages as m
from agents._core.engine import Engine
from agents._core.health import HealthCheck
from agents._core.metrics import CONTENT_TYPE, Metrics
from agents._core.slack.app import AckFirst, SlackEdge, web_client
from agents._core.slack.connection import SlackConnection
from agents._core.slack.inbound import Screen
from agents._core.slack.outbox import OutboxWorker
from state import Proposal

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Routes:
    """The ASGI app: /healthz here, everything else to Bolt's ASGI handler (which verifies and dispatches)."""

    def __init__(self, bolt: SlackRequestHandler | Screen | None, health: Callable[[], tuple[int, dict[str, Any]]],
                 gate: AckFirst | None = None, metrics: Metrics | None = None) -> None:
        self.bolt = bolt
        self.health = health
        self.gate = gate or AckFirst()
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == HEALTH_PATH and scope["method"] in ("GET", "HEAD"):
            status, body = await asyncio.to_thread(self.health)  # probes the database and Odoo: off the event loop
            await _respond(send, status, json.dumps(body).encode(), "application/json")
        elif (scope["type"] == "http" and scope["path"] == METRICS_PATH and scope["method"] in ("GET", "HEAD")
              and self.metrics is not None):
            body = await asyncio.to_thread(self.metrics.render)  # reads state: off the event loop, so acks stay fast
            await _respond(send, 200, body, CONTENT_TYPE)
        elif scope["type"] == "http" and self.bolt is not None:
            self.gate.request_started()
            try:
                await self.bolt(scope, receive, send)
            finally:
                self.gate.request_finished()
        elif scope["type"] == "http":
            await _respond(send, 404, b"Not Found", "text/plain")


@dataclass
class SlackService:
    """What `run` starts and stops: the HTTP server (or Socket Mode), the decision workers, the outbox worker."""

    edge: SlackEdge
    outbox: OutboxWorker
    connection: SlackConnection
    url: str
    mode: str
    _server: uvicorn.Server
    _thread: threading.Thread
    _socket_mode: SocketModeHandler | None = None
    _stopped: bool = field(default=False)

    def deliver(self) -> int:
        return self.outbox.deliver()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._socket_mode is not None:
            self._socket_mode.close()
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self.connection.stop()
        self.edge.drain()
        self.edge.close()
        self.outbox.stop()


def start(engine: Engine, *, host: str = "127.0.0.1", port: int = 3000, per_channel: float = 1.0,
          clock: Clock | None = None, on_refused: Callable[[str], None] | None = None,
          retry_max: float = 60.0) -> SlackService:
    """Start everything Slack needs; the caller stops it. SLACK_APP_TOKEN set: Socket Mode (and /healthz on HTTP).

    Slack unreachable: everything starts degraded and catches up when Slack answers. A refused token raises ValueError
    at start, and calls `on_refused` (one line) if it happens later."""
    services = engine.services
    settings = services.settings
    client = web_client(settings)
    connections = settings.connections()

    def odoo_url(proposal: Proposal) -> str | None:
        conn = connections.get(proposal.connection)
        return conn.url if conn else None

    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if app_token is None and secret is None:
        raise ValueError(m.SLACK_SERVICE_MISCONFIGURED.format(missing="SLACK_SIGNING_SECRET"))
    connection = SlackConnection(client, on_refused=on_refused or (lambda line: log.error(line)), max_wait=retry_max)
    if connection.check() == "refused":
        raise ValueError(m.SLACK_TOKEN_REFUSED.format(error=connection.reason))
    outbox = OutboxWorker(services.store, client, odoo_url=odoo_url, paused=services.paused,
                          audit=services.audit.append, per_channel=per_channel, report=connection.report)
    edge = SlackEdge(engine, client, signing_secret=secret, outbox=outbox, clock=clock, connection=connection,
                     odoo_url=odoo_url)
    socket_mode = SocketModeHandler(edge.app, app_token) if app_token else None
    bolt = None if socket_mode else Screen(SlackRequestHandler(edge.app, path=EVENTS_PATH), edge.verifier)
    mode = "socket" if socket_mode else "http"
    checker = HealthCheck(services)
    routes = Routes(bolt, lambda: checker.report(slack=connection.state, slack_mode=mode), edge.gate, Metrics(services))
    server, thread, url = _serve(routes, host, port)
    connection.when_ok(outbox.kick)  # what waited goes out as soon as Slack answers again
    if socket_mode is not None:
        _connect_when_ok(socket_mode, connection)
    connection.start()
    outbox.start(every=settings.housekeeping_seconds)
    log.info("Slack %s: %s", "Socket Mode" if socket_mode else f"events at {url}{EVENTS_PATH}", f"health at {url}{HEALTH_PATH}")
    return SlackService(edge, outbox, connection, url, mode, server, thread, socket_mode)


def _connect_when_ok(socket_mode: SocketModeHandler, connection: SlackConnection) -> None:
    """Socket Mode needs Slack to open its WebSocket: now if Slack answers, else the first time it does (the client
    reconnects by itself after that)."""
    done = threading.Event()

    def connect() -> None:
        if done.is_set():
            return
        try:
            socket_mode.connect()
            done.set()
        except Exception as exc:  # noqa: BLE001 - tried again the next time Slack answers
            log.warning("Socket Mode could not connect (%s); trying again when Slack answers", exc)

    connection.when_ok(connect)
    if connection.state == "ok":
        connect()


@dataclass
class OpsService:
    """Without Slack: GET /healthz and GET /metrics only."""

    url: str
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


def start_ops(engine: Engine, *, host: str = "127.0.0.1", port: int = 3000) -> OpsService:
    """Serve /healthz and /metrics when Slack is not configured (the console delivers the outbox then)."""
    checker = HealthCheck(engine.services)
    routes = Routes(None, lambda: checker.report(slack="off"), metrics=Metrics(engine.services))
    server, thread, url = _serve(routes, host, port)
    log.info("health at %s%s, metrics at %s%s", url, HEALTH_PATH, url, METRICS_PATH)
    return OpsService(url, server, thread)


def _serve(app: Routes, host: str, port: int) -> tuple[uvicorn.Server, threading.Thread, str]:
    """uvicorn in a thread on a socket bound here (port 0 picks a free one); returns once it accepts connections."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # log_config=None: uvicorn's loggers go through the root handler (JSON lines under `run`), not a format of their own.
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=5,
                            log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="slack-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the Slack endpoint could not start on {host}:{port}")
        time.sleep(0.01)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = "127.0.0.1" if bound_host in ("0.0.0.0", "::") else bound_host  # noqa: S104
    return server, thread, f"http://{shown}:{bound_port}"


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
