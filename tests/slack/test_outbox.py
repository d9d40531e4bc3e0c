"""Delivery to Slack: every proposal once and in order, Retry-After honoured, Slack down for a while loses nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from agents._core.decisions import Actor, decide, sweep_expired
from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.app import web_client
from agents._core.slack.outbox import OutboxWorker
from agents._core.slack.fake_api import FakeSlack

GRACE = Actor("odoo", "grace.finance")


def worker(engine: Engine, *, per_channel: float = 0.0, attempts: int = 2) -> OutboxWorker:
    services = engine.services
    return OutboxWorker(services.store, web_client(services.settings), odoo_url=lambda p: "http://odoo.example",
                        paused=services.paused, audit=services.audit.append, per_channel=per_channel,
                        attempts=attempts, retry_wait=0.01)


def scanned(engine: Engine) -> list[str]:
    """Proposal ids in the order their messages were queued."""
    report = engine.run_once("approval_watcher")
    assert report.ok and report.proposal_ids, report.error
    return [m.proposal_id for m in engine.services.store.pending_outbox()]


def posted_ids(fake: FakeSlack) -> list[str]:
    return [_proposal_id(c.args) for c in fake.of("chat.postMessage")]


def _proposal_id(args: dict) -> str:
    context = next(b for b in args["blocks"] if b["type"] == "context" and "approval_watcher" in json.dumps(b))
    return context["elements"][0]["text"].split(" ")[0]


def test_every_proposal_is_posted_once_in_order_and_its_channel_and_ts_stored(
        slack_engine: Engine, fake_slack: FakeSlack) -> None:
    order = scanned(slack_engine)
    outbox = worker(slack_engine)
    assert outbox.deliver() == len(order)
    assert posted_ids(fake_slack) == order
    assert {c.args["channel"] for c in fake_slack.of("chat.postMessage")} == {"#clinic-approvals"}
    store = slack_engine.services.store
    for call, proposal_id in zip(fake_slack.of("chat.postMessage"), order):
        proposal = store.get(proposal_id)
        assert proposal.slack_channel == fake_slack.channel_id("#clinic-approvals") and proposal.slack_ts
        assert call.token == "xoxb-sentinel-test"
    assert outbox.deliver() == 0 and len(fake_slack.of("chat.postMessage")) == len(order)  # once


def test_a_429_is_retried_after_its_retry_after(slack_engine: Engine, fake_slack: FakeSlack) -> None:
    order = scanned(slack_engine)
    fake_slack.rate_limit(1, retry_after=1, method="chat.postMessage")
    assert worker(slack_engine).deliver() == len(order)
    calls = fake_slack.of("chat.postMessage", ok_only=False)
    assert calls[0].status == 429 and calls[1].status == 200
    assert calls[1].at - calls[0].at >= 1.0  # slack-sdk's RateLimitErrorRetryHandler slept for Retry-After
    assert posted_ids(fake_slack) == order  # the limited message was posted once, still first


def test_server_errors_are_retried(slack_engine: Engine, fake_slack: FakeSlack) -> None:
    order = scanned(slack_engine)
    fake_slack.fail(1, method="chat.postMessage", status=500)
    assert worker(slack_engine, attempts=3).deliver() == len(order)
    assert posted_ids(fake_slack) == order


def test_slack_down_then_up_delivers_every_proposal_once_in_order(
        slack_engine: Engine, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    order = scanned(slack_engine)
    outbox = worker(slack_engine)
    fake_slack.down()
    for _ in range(3):  # housekeeping ticks while Slack is unreachable
        assert outbox.deliver() == 0
    store = slack_engine.services.store
    rows = store.pending_outbox()
    assert rows[0].attempts == 3 and "URLError" in rows[0].last_error
    assert all(r.attempts == 0 for r in rows[1:])  # a pass stops at the first failure: order is kept
    decided = order[-1]
    assert decide(slack_engine, decided, "approve", GRACE).ok  # the CLI, meanwhile
    sandbox.clock.advance(timedelta(hours=9))
    expired = {o.message.split(":")[0] for o in sweep_expired(slack_engine) if o.ok}
    queued = store.pending_outbox()  # the proposals, the decided one's update, the expired ones' (and next tiers)
    fake_slack.up()
    assert outbox.deliver() == len(queued)
    assert posted_ids(fake_slack) == [m.proposal_id for m in queued if m.kind == "proposal.posted"]  # once, in order
    assert posted_ids(fake_slack)[: len(order)] == order
    assert store.pending_outbox() == []
    final = fake_slack.messages[(store.get(decided).slack_channel, store.get(decided).slack_ts)]
    assert "Approved by grace.finance (Odoo)" in json.dumps(final["blocks"])
    for proposal_id in expired:
        proposal = store.get(proposal_id)
        assert "Expired unanswered" in json.dumps(fake_slack.messages[(proposal.slack_channel, proposal.slack_ts)])


def test_messages_to_one_channel_are_paced(slack_engine: Engine, fake_slack: FakeSlack) -> None:
    order = scanned(slack_engine)[:3]
    outbox = worker(slack_engine, per_channel=0.25)
    outbox.deliver()
    times = [c.at for c in fake_slack.of("chat.postMessage")][: len(order)]
    assert all(b - a >= 0.24 for a, b in zip(times, times[1:])), times


def test_expired_and_superseded_proposals_update_their_message(
        slack_engine: Engine, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    order = scanned(slack_engine)
    outbox = worker(slack_engine)
    outbox.deliver()
    store = slack_engine.services.store
    stale = store.get(order[0])
    sandbox.env(stale.model).write([stale.res_id], {"state": "purchase" if stale.model == "purchase.order" else "approved"})
    assert decide(slack_engine, stale.id, "approve", GRACE).ok
    assert store.get(stale.id).status == "superseded"
    sandbox.clock.advance(timedelta(hours=9))
    assert any(o.ok for o in sweep_expired(slack_engine))
    outbox.deliver()
    updates = {(c.args["channel"], c.args["ts"]): json.dumps(c.args["blocks"]) for c in fake_slack.of("chat.update")}
    assert "nothing was written" in updates[(stale.slack_channel, stale.slack_ts)]
    expired = [store.get(pid) for pid in order[1:]]
    assert expired and all(p.status == "expired" for p in expired), [p.status for p in expired]
    assert all("Expired unanswered" in updates[(p.slack_channel, p.slack_ts)] for p in expired)


def test_a_message_slack_no_longer_has_is_closed_and_does_not_block_the_rest(
        slack_engine: Engine, fake_slack: FakeSlack) -> None:
    order = scanned(slack_engine)
    outbox = worker(slack_engine)
    outbox.deliver()
    store = slack_engine.services.store
    first = store.get(order[0])
    fake_slack.messages.pop((first.slack_channel, first.slack_ts))  # deleted in Slack by someone
    assert decide(slack_engine, first.id, "reject", GRACE, reason="duplicate").ok
    assert decide(slack_engine, order[1], "reject", GRACE, reason="duplicate").ok
    assert outbox.deliver() == 1
    assert store.pending_outbox() == []
    failed = [e for e in slack_engine.services.audit.events(first.id) if e.kind == "slack.delivery_failed"]
    assert failed and failed[0].data["error"] == "message_not_found"


def test_a_notice_is_posted_to_its_channel(slack_engine: Engine, fake_slack: FakeSlack) -> None:
    store = slack_engine.services.store
    store.enqueue("notice", None, {"channel": "#clinic-approvals", "text": "policies/x.yaml:3: <bad> & refused"},
                  dedup="notice-1")
    store.enqueue("notice", None, {"channel": None, "text": "nowhere to go"}, dedup="notice-2")
    assert worker(slack_engine).deliver() == 2
    (call,) = fake_slack.of("chat.postMessage")
    assert call.args["blocks"][0]["text"]["text"] == "policies/x.yaml:3: &lt;bad&gt; &amp; refused"


@pytest.mark.parametrize("error", ["invalid_auth", "channel_not_found"])
def test_a_configuration_error_keeps_every_message(slack_engine: Engine, fake_slack: FakeSlack, error: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    order = scanned(slack_engine)
    outbox = worker(slack_engine)
    if error == "invalid_auth":
        outbox.client.token = "xoxb-revoked"
    else:
        monkeypatch.setattr(fake_slack, "_chat_postMessage", lambda args: {"ok": False, "error": "channel_not_found"})
    assert outbox.deliver() == 0
    rows = slack_engine.services.store.pending_outbox()
    assert len(rows) == len(order) and rows[0].last_error == error
