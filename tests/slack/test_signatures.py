"""Request verification at the real endpoint: Bolt's v0 signature check and five-minute window; 401 changes nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from slack_sdk.signature import Clock, SignatureVerifier

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.server import SlackService, start
from runner import build_engine
from tests.slack.conftest import (
    GRACE,
    NINA,
    block_action,
    form,
    marked_writes,
    post,
    signed_headers,
    slack_settings,
)
from agents._core.slack.fake_api import FakeSlack

# Slack's worked example from "Verifying requests from Slack" (a slash command request, signed at 1531420618).
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXAMPLE_TIMESTAMP = 1531420618
EXAMPLE_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
EXAMPLE_HEADERS = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": str(EXAMPLE_TIMESTAMP), "X-Slack-Signature": EXAMPLE_SIGNATURE}


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


def test_slacks_worked_example_verifies_with_a_fixed_clock() -> None:
    verifier = SignatureVerifier(EXAMPLE_SECRET, clock=FixedClock(EXAMPLE_TIMESTAMP))
    assert verifier.generate_signature(timestamp=str(EXAMPLE_TIMESTAMP), body=EXAMPLE_BODY) == EXAMPLE_SIGNATURE
    assert verifier.is_valid(EXAMPLE_BODY, str(EXAMPLE_TIMESTAMP), EXAMPLE_SIGNATURE)
    assert not verifier.is_valid(EXAMPLE_BODY.replace("roadrunner", "coyote"), str(EXAMPLE_TIMESTAMP), EXAMPLE_SIGNATURE)
    late = SignatureVerifier(EXAMPLE_SECRET, clock=FixedClock(EXAMPLE_TIMESTAMP + 5 * 60 + 1))
    assert not late.is_valid(EXAMPLE_BODY, str(EXAMPLE_TIMESTAMP), EXAMPLE_SIGNATURE)  # a replay after five minutes


def test_slacks_worked_example_passes_the_real_endpoint_with_a_fixed_clock(
        sandbox: Sandbox, tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = slack_settings(sandbox, tmp_path / "s.db", fake_slack, SLACK_SIGNING_SECRET=EXAMPLE_SECRET)
    engine = build_engine(settings, clock=sandbox.clock.now, model=None)
    clock = FixedClock(EXAMPLE_TIMESTAMP + 299)
    service = start(engine, host="127.0.0.1", port=0, per_channel=0.0, clock=clock)
    try:
        url = service.url + "/slack/events"
        verified = post(url, EXAMPLE_BODY, EXAMPLE_HEADERS)
        assert verified.status == 404, verified  # past verification; Sentinel has no /webhook-collect command
        tampered = post(url, EXAMPLE_BODY.replace("text=", "text=approve"), EXAMPLE_HEADERS)
        assert tampered.status == 401, tampered
        clock.at = EXAMPLE_TIMESTAMP + 301
        assert post(url, EXAMPLE_BODY, EXAMPLE_HEADERS).status == 401  # the same request, replayed too late
    finally:
        service.stop()


def _posted(engine: Engine, service: SlackService):  # noqa: ANN202 - Proposal
    assert engine.run_once("approval_watcher").ok
    service.deliver()
    proposal = next(p for p in engine.services.store.list_proposals(status="pending") if p.slack_ts)
    return proposal


@pytest.mark.parametrize("case", ["forged", "replayed", "tampered", "unsigned", "bad_timestamp"])
def test_bad_requests_get_401_and_change_nothing(case: str, slack_engine: Engine, service: SlackService,
                                                 fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = _posted(slack_engine, service)
    click = block_action(proposal.id, "sentinel.approve", GRACE, channel=proposal.slack_channel, ts=proposal.slack_ts)
    body = form(click)
    if case == "forged":
        headers = signed_headers(body, secret="not-the-signing-secret-of-this-app")
    elif case == "replayed":
        headers = signed_headers(body, timestamp=int(time.time()) - 6 * 60)  # correctly signed, six minutes old
    elif case == "tampered":
        headers = signed_headers(form(block_action(proposal.id, "sentinel.approve", NINA,
                                                   channel=proposal.slack_channel, ts=proposal.slack_ts)))
    elif case == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        headers = {**signed_headers(body), "X-Slack-Request-Timestamp": "yesterday"}
    calls_before = len(fake_slack.calls)
    reply = post(service.url + "/slack/events", body, headers)
    service.edge.drain()
    assert reply.status == 401, reply
    after = slack_engine.services.store.get(proposal.id)
    assert after.status == "pending" and after.decided_by is None and after.version == proposal.version
    assert [e.kind for e in slack_engine.services.audit.events(proposal.id)] == ["proposal.created"]
    assert fake_slack.calls[calls_before:] == []  # no users.info, no ephemeral, no update: nothing was looked at
    assert marked_writes(sandbox, proposal.id) == []
