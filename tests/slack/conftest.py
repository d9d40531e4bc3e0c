"""Slack fixtures: the local Slack Web API, the engine on the sandbox Odoo, the real endpoint, signed requests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from slack_sdk.signature import SignatureVerifier

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.server import SlackService, start
from runner import build_engine
from tests.loop.conftest import NOW, marked_writes, sandbox, settings_for  # noqa: F401 - sandbox is a fixture
from agents._core.slack.fake_api import BOT_TOKEN, TEAM, FakeSlack

SECRET = "0123456789abcdef0123456789abcdef"  # this app's signing secret in the tests
CHANNEL = "#clinic-approvals"
GRACE = "U0GRACE01"  # grace.finance: Odoo purchase manager, an approver through odoo_groups
PATEL = "U0PATEL01"  # dr.patel: another purchase manager
NINA = "U0NINA001"  # nina.buyer: a buyer, not an approver
STRANGER = "U0STRANGE"  # a Slack user with no Odoo account
TOM = "U0TOMTECH"  # tom.tech: not an approver in Odoo, but in the Slack group below
GROUP = "S0APPROVE"
USERS = {
    GRACE: "grace.finance@harborhealth.example",
    PATEL: "Dr.Patel@HarborHealth.example",  # case differs from Odoo's: the match ignores case
    NINA: "nina.buyer@harborhealth.example",
    TOM: "tom.tech@harborhealth.example",
    STRANGER: "someone@elsewhere.example",
}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(users=dict(USERS), groups={GROUP: [TOM]}) as fake:
        yield fake


def slack_settings(sandbox: Sandbox, db_path: Path, fake: FakeSlack, **extra: object):  # noqa: ANN201 - Settings
    values: dict[str, object] = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url}
    return settings_for(sandbox, db_path, **{**values, **extra})


@pytest.fixture
def slack_engine(sandbox: Sandbox, tmp_path: Path, fake_slack: FakeSlack) -> Engine:
    return build_engine(slack_settings(sandbox, tmp_path / "sentinel.db", fake_slack), clock=sandbox.clock.now, model=None)


@pytest.fixture
def service(slack_engine: Engine) -> Iterator[SlackService]:
    running = start(slack_engine, host="127.0.0.1", port=0, per_channel=0.0)
    yield running
    running.stop()


# -- signed requests -------------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def signed_headers(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """What Slack sends: v0 signature over 'v0:<timestamp>:<body>' (slack-sdk computes it, as Slack does)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or ""}


def post(url: str, body: str, headers: dict[str, str]) -> Reply:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a loopback test URL
            return Reply(response.status, response.read().decode(), time.perf_counter() - started)
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read().decode(), time.perf_counter() - started)


def click(service: SlackService, payload: dict[str, Any], **signing: Any) -> Reply:
    body = form(payload)
    return post(service.url + "/slack/events", body, signed_headers(body, **signing))


def form(payload: dict[str, Any]) -> str:
    return "payload=" + quote(json.dumps(payload))


def block_action(proposal_id: str, action_id: str, user: str, *, channel: str, ts: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it for a button in a channel message."""
    return {
        "type": "block_actions", "team": {"id": TEAM, "domain": "sentinel-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0SENTINEL",
        "token": "legacy-verification-token", "trigger_id": f"{int(time.time())}.1.{proposal_id}",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": CHANNEL.lstrip("#")},
        "message": {"type": "message", "ts": ts, "text": "Sentinel proposes"},
        "response_url": "https://hooks.slack.com/actions/T0SENTINEL/1/x",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "sentinel.decide", "value": proposal_id,
                     "action_ts": f"{time.time():.6f}"}],
    }


def view_submission(view: dict[str, Any], user: str, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A view_submission of a modal Sentinel opened (`view` as sent to views.open), with the given input values."""
    return {
        "type": "view_submission", "team": {"id": TEAM, "domain": "sentinel-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0SENTINEL",
        "token": "legacy-verification-token", "trigger_id": "1.2.3",
        "view": {**view, "id": "V0MODAL", "team_id": TEAM, "state": {"values": values}},
    }


def wait_until(condition, timeout: float = 10.0, what: str = "condition") -> None:  # noqa: ANN001 - returns bool
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)
