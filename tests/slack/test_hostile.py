"""Hostile input at the real endpoint: signature before parsing, a bounded body, 4xx never 500, bodies never logged."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.fake_api import FakeSlack
from agents._core.slack.inbound import MAX_BODY
from agents._core.slack.server import SlackService
from tests.slack.conftest import GRACE, SECRET, block_action, form, marked_writes, view_submission

MARK = "FUZZ-BODY-MARK"  # in every body: it must never reach the log


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def signed_bytes(body: bytes) -> dict[str, str]:
    """Signed over the exact bytes, as Slack signs (slack-sdk's helper wants UTF-8 text)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (ConnectionError, urllib.error.URLError):
        return 413  # the server answered 413 and closed before the client finished sending a huge body


def malformed_payloads(click: dict) -> list[object]:
    """Signed, but the fields the listeners read have the wrong shape (or the payload is not an object)."""
    wrong_user: list[object] = ["U0GRACE01", ["U0GRACE01"], 7, None, {"id": 7}, {"id": "not an id"}, {}]
    cases: list[object] = [{**click, "user": u} for u in wrong_user]
    cases += [{**click, "actions": a} for a in ([], "approve", [1], [{"value": "x"}], [{"action_id": 5}])]
    cases += [{**click, key: "text"} for key in ("container", "channel", "message")]
    cases += [{**click, "type": None}, [click], "text", 12, {"type": "view_submission", "user": {"id": GRACE}}]
    view = {"callback_id": "sentinel.reject", "private_metadata": "{not json"}
    cases += [view_submission(view, GRACE, {}), view_submission({**view, "private_metadata": "[1]"}, GRACE, {}),
              {**view_submission({"callback_id": "sentinel.reject"}, GRACE, {}), "view": {"state": []}}]
    cases += [{"type": "event_callback", "event": "x"}, {"type": "event_callback", "event": {"type": "x", "user": 1}}]
    return cases


def bodies(click: dict, rng: random.Random) -> list[tuple[bytes, str, bool]]:
    """(body, content type, signed) for about 1,100 hostile requests."""
    form_type = "application/x-www-form-urlencoded"
    fixed: list[tuple[bytes, str]] = [
        (b"payload=%7B", form_type), (b"payload=%7B&m=" + MARK.encode(), form_type),
        (b"\xff\xfe\xfd" + MARK.encode(), form_type), (b"payload=" + quote("\udcff", errors="surrogatepass").encode(), form_type),
        (b"payload=%FF%FE" + MARK.encode(), form_type), (b"{" + MARK.encode(), "application/json"),
        (b"[1, 2]", "application/json"), (b"", form_type), (b"payload=", form_type),
    ]
    out: list[tuple[bytes, str, bool]] = []
    for body, kind in fixed:
        out += [(body, kind, False), (body, kind, True)]
    for payload in malformed_payloads(click):
        body = ("payload=" + quote(json.dumps(payload)) + "&m=" + MARK).encode()
        out += [(body, form_type, False), (body, form_type, True)]
    out.append((form(click).encode(), form_type, False))  # a well-formed click, unsigned
    while len(out) < 1100:
        size = rng.choice([1, 16, 200, 3000])
        noise = bytes(rng.getrandbits(8) for _ in range(size)) + MARK.encode()
        prefix = rng.choice([b"", b"payload=", b"payload=%7B%22user%22%3A", b"command=%2Fsentinel&user_id="])
        out.append((prefix + noise, rng.choice([form_type, "application/json", "text/plain"]), rng.random() < 0.3))
    return out


def test_a_thousand_hostile_requests_get_4xx_change_nothing_and_keep_the_log_small(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox,
        log_text: io.StringIO) -> None:
    assert slack_engine.run_once("approval_watcher").ok
    service.deliver()
    store = slack_engine.services.store
    proposal = next(p for p in store.list_proposals(status="pending") if p.slack_ts)
    click = block_action(proposal.id, "sentinel.approve", GRACE, channel=proposal.slack_channel, ts=proposal.slack_ts)
    before = ([(p.id, p.status, p.version) for p in store.list_proposals()], len(store.pending_outbox()),
              len(slack_engine.services.audit.events(proposal.id)), len(fake_slack.calls))
    log_before = len(log_text.getvalue())
    url = service.url + "/slack/events"
    cases = bodies(click, random.Random(11))

    def send(case: tuple[bytes, str, bool]) -> tuple[int, bool, bytes]:
        body, kind, signed = case
        headers = signed_bytes(body) if signed else {}
        return raw_post(url, body, {**headers, "Content-Type": kind}), signed, body

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, cases))
    huge = [raw_post(url, b"payload=" + b"A" * (MAX_BODY + 1), {"Content-Type": "application/x-www-form-urlencoded"})
            for _ in range(3)]
    service.edge.drain()
    statuses = [status for status, _, _ in results]
    assert len(results) >= 1000 and 500 not in statuses
    assert set(statuses) <= {400, 401}, sorted(set(statuses))
    assert all(status == 401 for status, signed, _ in results if not signed)
    assert all(status == 400 for status, signed, _ in results if signed), [
        b[:80] for s, signed, b in results if signed and s != 400]
    assert huge == [413, 413, 413]
    after = ([(p.id, p.status, p.version) for p in store.list_proposals()], len(store.pending_outbox()),
             len(slack_engine.services.audit.events(proposal.id)), len(fake_slack.calls))
    assert after == before  # no decision, no outbox row, no audit event, no Slack call
    assert marked_writes(sandbox, proposal.id) == []
    grown = log_text.getvalue()[log_before:]
    assert MARK not in grown and "AAAA" not in grown and "Traceback" not in grown
    assert len(grown) < 4000, grown  # one line per reason at most every ten seconds: bounded, whatever the flood
    assert "(2" in grown or "bytes)" in grown  # the size is what is logged


def test_signed_payloads_sentinel_cannot_act_on_get_no_500_and_change_nothing(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    assert slack_engine.run_once("approval_watcher").ok
    service.deliver()
    store = slack_engine.services.store
    proposal = next(p for p in store.list_proposals(status="pending") if p.slack_ts)
    click = block_action(proposal.id, "sentinel.approve", GRACE, channel=proposal.slack_channel, ts=proposal.slack_ts)
    no_value = {**click, "actions": [{"type": "button", "action_id": "sentinel.approve", "block_id": "b"}]}
    no_trigger = {k: v for k, v in block_action(proposal.id, "sentinel.reject", GRACE, channel=proposal.slack_channel,
                                                ts=proposal.slack_ts).items() if k != "trigger_id"}
    reason = {"reason": {"reason": {"type": "plain_text_input", "value": "why not"}}}
    odd_state = {"reason": {"reason": "text"}, "duration": {"duration": {"selected_option": "1d"}}}
    cases = [
        no_value, no_trigger,
        view_submission({"callback_id": "sentinel.reject", "private_metadata": "{}"}, GRACE, reason),
        view_submission({"callback_id": "sentinel.snooze"}, GRACE, reason),
        view_submission({"callback_id": "sentinel.reject", "private_metadata": json.dumps(
            {"proposal_id": proposal.id, "channel": proposal.slack_channel, "ts": proposal.slack_ts})}, GRACE, odd_state),
        view_submission({"callback_id": "sentinel.snooze", "private_metadata": json.dumps(
            {"proposal_id": proposal.id, "channel": proposal.slack_channel, "ts": proposal.slack_ts})}, GRACE, odd_state),
    ]
    for payload in cases:
        body = ("payload=" + quote(json.dumps(payload))).encode()
        assert raw_post(service.url + "/slack/events", body,
                        {**signed_bytes(body), "Content-Type": "application/x-www-form-urlencoded"}) in (200, 400)
    service.edge.drain()
    after = store.get(proposal.id)
    assert after.status == "pending" and after.version == proposal.version
    assert fake_slack.of("chat.update") == []
