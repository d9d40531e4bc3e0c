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
from agents._core.metrics import CONTENT_TYPE, Metrics
from agents._core.slack.app import AckFirst, SlackEdge, web_client
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

    def __init__(self, bolt: SlackRequestHandler | None, health: Callable[[], dict[str, Any]],
                 gate: AckFirst | None = None, metrics: Metrics | None = None) -> None:
        self.bolt = bolt
        self.health = health
        self.gate = gate or AckFirst()
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == HEALTH_PATH and scope["method"] in ("GET", "HEAD"):
            report = self.health()
            await _respond(send, 200 if report["ok"] else 503, json.dumps(report).encode(), "application/json")
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
        self.edge.drain()
        self.edge.close()
        self.outbox.stop()


def start(engine: Engine, *, host: str = "0.0.0.0", port: int = 3000, per_channel: float = 1.0,  # noqa: S104 - Slack must reach it
          clock: Clock | None = None) -> SlackService:
    """Start everything Slack needs; the caller stops it. SLACK_APP_TOKEN set: Socket Mode (and /healthz on HTTP)."""
    services = engine.services
    settings = services.settings
    client = web_client(settings)
    connections = settings.connections()

    def odoo_url(proposal: Proposal) -> str | None:
        conn = connections.get(proposal.connection)
        return conn.url if conn else None

    outbox = OutboxWorker(services.store, client, odoo_url=odoo_url, paused=services.paused,
                          audit=services.audit.append, per_channel=per_channel)
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if app_token is None and secret is None:
        raise ValueError(m.SLACK_SERVICE_MISCONFIGURED.format(missing="SLACK_SIGNING_SECRET"))
    edge = SlackEdge(engine, client, signing_secret=secret, outbox=outbox, clock=clock)
    socket_mode = SocketModeHandler(edge.app, app_token) if app_token else None
    bolt = None if socket_mode else SlackRequestHandler(edge.app, path=EVENTS_PATH)
    mode = "socket" if socket_mode else "http"
    routes = Routes(bolt, lambda: health(engine, mode), edge.gate, Metrics(services))
    server, thread, url = _serve(routes, host, port)
    if socket_mode is not None:
        socket_mode.connect()
    outbox.start(every=settings.housekeeping_seconds)
    log.info("Slack %s: %s", "Socket Mode" if socket_mode else f"events at {url}{EVENTS_PATH}", f"health at {url}{HEALTH_PATH}")
    return SlackService(edge, outbox, url, mode, server, thread, socket_mode)


@dataclass
class OpsService:
    """Without Slack: GET /healthz and GET /metrics only."""

    url: str
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


def start_ops(engine: Engine, *, host: str = "0.0.0.0", port: int = 3000) -> OpsService:  # noqa: S104
    """Serve /healthz and /metrics when Slack is not configured (the console delivers the outbox then)."""
    routes = Routes(None, lambda: health(engine, "off"), metrics=Metrics(engine.services))
    server, thread, url = _serve(routes, host, port)
    log.info("health at %s%s, metrics at %s%s", url, HEALTH_PATH, url, METRICS_PATH)
    return OpsService(url, server, thread)


def health(engine: Engine, mode: str) -> dict[str, Any]:
    store = engine.services.store
    runs = {
        agent: {"status": run.status, "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None, "error": run.error}
        for agent, run in store.last_runs().items()
    }
    stuck = engine.services.jobs.stuck()  # a job running far past its usual time: ok is false (503) until it ends
    return {"ok": not stuck, "stuck_jobs": stuck, "paused": engine.services.paused(), "slack": mode,
            "outbox_pending": len(store.pending_outbox()), "agents": {agent: runs.get(agent) for agent in engine.services.agents},
            "jobs": engine.services.jobs.report()}


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
