"""Bolt wiring: the bot's Web API client, request verification over raw bytes, the ack-first gate, the Bolt app."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier

from agents._core.settings import Settings


def web_client(settings: Settings) -> WebClient:
    """The bot's Web API client: SLACK_API_URL as base, and Retry-After honoured on 429 (slack-sdk's handler)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client = WebClient(token=token, base_url=base_url, timeout=10)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


class Verifier(SignatureVerifier):
    def is_valid(self, body: str | bytes, timestamp: str | None, signature: str | None) -> bool:
        # slack-sdk raises on a timestamp that is not a number, which Bolt turns into a 500: it is a bad request (401).
        if timestamp is not None and not timestamp.strip().lstrip("-").isdigit():
            return False
        return super().is_valid(body, timestamp, signature)

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        # Over the raw bytes, as Slack signs them: slack-sdk decodes bytes as UTF-8 first, which raises on a body
        # that is not UTF-8 (a 500 where a 401 belongs).
        if timestamp is None:
            return None
        raw = body.encode() if isinstance(body, str) else body or b""
        digest = hmac.new(self.signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
        return f"v0={digest.hexdigest()}"


class _Verification(RequestVerification):
    """Bolt's own request verification (signature v0, five-minute window), with the clock made injectable."""

    def __init__(self, signing_secret: str, clock: Clock) -> None:
        super().__init__(signing_secret)
        self._clocked = Verifier(signing_secret, clock=clock)

    @property
    def verifier(self) -> SignatureVerifier:
        return self._clocked


class AckFirst:
    """Decision work waits while Slack requests are being acknowledged. In one Python process (one GIL) a decision in
    progress slows every ack of a burst of clicks; Slack wants the acks fast, while a decision can start a few
    milliseconds later. So work starts once no request has been in flight for `quiet` seconds, or after `patience`."""

    def __init__(self, *, quiet: float = 0.005, patience: float = 0.25) -> None:
        self.quiet = quiet
        self.patience = patience
        self._cond = threading.Condition()
        self._in_flight = 0
        self._last = float("-inf")

    def request_started(self) -> None:
        with self._cond:
            self._in_flight += 1

    def request_finished(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._last = time.monotonic()
            self._cond.notify_all()

    def wait(self) -> None:
        deadline = time.monotonic() + self.patience
        with self._cond:
            while (now := time.monotonic()) < deadline:
                calm = now - self._last
                if self._in_flight == 0 and calm >= self.quiet:
                    return
                self._cond.wait(min(deadline - now, self.quiet - calm if self._in_flight == 0 else deadline - now))


def bolt_app(client: WebClient, signing_secret: str, clock: Clock, identity: Callable[[], dict[str, Any]]) -> App:
    """Bolt without its own auth.test: at start it would stop `run` when Slack is unreachable, and later it would ask
    Slack on the request path. The token and the bot's identity come from here (SlackConnection learns the identity)."""
    token = client.token

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        known = identity()
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id or known.get("team_id"), bot_token=token,
                               bot_user_id=known.get("user_id"), bot_id=known.get("bot_id"), user_id=user_id)

    tokenless = WebClient(base_url=client.base_url, timeout=client.timeout)  # Bolt's own; the token comes per request
    return App(client=tokenless, authorize=authorize, signing_secret=signing_secret, process_before_response=True,
               request_verification_enabled=False, before_authorize=_Verification(signing_secret, clock),
               ignoring_self_events_enabled=True, url_verification_enabled=True)
