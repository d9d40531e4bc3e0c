"""Whether Slack answers with this token: ok, degraded (unreachable: everything else goes on) or refused (stop `run`).

auth.test at start, then again with backoff while degraded; the outbox reports what its deliveries meet, so an outage
that starts later is noticed, and a delivery that goes through again ends it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from agents._core import messages as m

log = logging.getLogger(__name__)

State = Literal["ok", "degraded", "refused"]
# The token itself is refused: retrying cannot help, a person must fix the configuration.
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                     "no_permission", "team_access_not_granted"})
UNREACHABLE = "unreachable"  # what the outbox reports for a network error (no answer from Slack at all)
# Slack's side is failing (a 429 is not among them: Slack answered, and Retry-After is honoured).
_SLACK_SIDE = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout", UNREACHABLE})


def http_status(state: str) -> int:
    """/healthz's HTTP status for Slack's state: 200 when Slack answers (or is not used), 503 while degraded, so a
    probe sees the difference without parsing; Sentinel itself keeps running (use it for alerts and readiness, not to
    restart the process: a restart does not bring Slack back)."""
    return 503 if state in ("degraded", "refused") else 200


class SlackConnection:
    def __init__(self, client: WebClient, *, on_refused: Callable[[str], None], first_wait: float = 1.0,
                 max_wait: float = 60.0) -> None:
        self.client = client
        self.on_refused = on_refused
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.state: State = "degraded"
        self.identity: dict[str, Any] = {}  # auth.test's answer: team_id, user_id (the bot user), bot_id
        self.reason = "not checked yet"
        self._on_ok: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> State:
        """auth.test now; the state it leads to."""
        try:
            response = self.client.auth_test()
        except SlackApiError as exc:
            self.report(str(exc.response.get("error") or exc))
        except Exception as exc:  # noqa: BLE001 - no answer at all (refused, DNS, timeout): Slack is unreachable
            self.report(UNREACHABLE, detail=f"{type(exc).__name__}: {exc}")
        else:
            self.identity = {k: response.get(k) for k in ("team_id", "user_id", "bot_id")}
            self.report(None)
        return self.state

    def report(self, error: str | None, *, detail: str | None = None) -> None:
        """What a call to Slack met: None (it answered), an error code, or UNREACHABLE."""
        if error is not None and error not in REFUSED and error not in _SLACK_SIDE:
            return  # about one request (a channel, a message), not the connection
        new: State = "ok" if error is None else "refused" if error in REFUSED else "degraded"
        with self._lock:
            old, self.state = self.state, new if self.state != "refused" else "refused"
            self.reason = detail or error or "answering"
        if old == self.state:
            return
        if self.state == "refused":
            self.on_refused(m.SLACK_TOKEN_REFUSED.format(error=error))
        elif self.state == "degraded":
            log.warning(m.SLACK_DEGRADED.format(reason=self.reason))
            self._wake.set()
        else:
            log.info("Slack answers again")
            for callback in list(self._on_ok):
                callback()

    def when_ok(self, callback: Callable[[], None]) -> None:
        """Called each time Slack answers again after being degraded (deliver what waited, connect Socket Mode)."""
        self._on_ok.append(callback)

    def start(self) -> None:
        """While degraded, auth.test again after 1, 2, 4 … up to `max_wait` seconds."""
        def loop() -> None:
            wait = self.first_wait
            while not self._stop.is_set():
                if self.state != "degraded":
                    wait = self.first_wait
                    self._wake.wait()
                    self._wake.clear()
                    continue
                if self._stop.wait(wait):
                    break
                if self.check() == "degraded":
                    wait = min(wait * 2, self.max_wait)

        self._thread = threading.Thread(target=loop, name="slack-connection", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
