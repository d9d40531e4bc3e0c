"""Feedback within a second: a click shows "Approving… (by @x)" through the update lane, ahead of queued posts, then the
outcome with what was written in Odoo; the lanes keep posts paced per channel."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from agents._core.decisions import decide
from agents._core.engine import Engine
from agents._core.slack import app as app_module
from agents._core.slack.fake_api import FakeSlack
from agents._core.slack.server import SlackService, start
from tests.slack.conftest import GRACE, NINA, block_action, click, view_submission, wait_until
from tests.slack.test_decisions import posted

QUEUED = 25


@pytest.fixture
def paced(slack_engine: Engine) -> Iterator[SlackService]:
    """The service as `run` starts it: one post per second per channel, both lanes in the background."""
    running = start(slack_engine, host="127.0.0.1", port=0, per_channel=1.0)
    yield running
    running.stop()


def updates_of(fake: FakeSlack, ts: str) -> list:
    return [c for c in fake.of("chat.update") if c.args.get("ts") == ts]


def shown(call) -> str:  # noqa: ANN001 - a fake Call
    return json.dumps(call.args["blocks"], ensure_ascii=False)


def queue_posts(engine: Engine, count: int) -> None:
    for i in range(count):
        engine.services.store.enqueue("notice", None, {"channel": "#clinic-approvals", "text": f"queued post {i}"},
                                      dedup=f"queued-{i}")


def test_a_click_is_shown_within_a_second_ahead_of_queued_posts_then_the_outcome(
        slack_engine: Engine, paced: SlackService, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_decide(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - an Odoo that takes its time to answer
        time.sleep(1.5)
        return decide(*args, **kwargs)

    monkeypatch.setattr(app_module, "decide", slow_decide)
    proposal = posted(slack_engine, paced)  # delivered by hand: every proposal is in Slack
    queue_posts(slack_engine, QUEUED)
    clicked = time.monotonic()
    reply = click(paced, block_action(proposal.id, "sentinel.approve", GRACE, channel=proposal.slack_channel,
                                      ts=proposal.slack_ts))
    assert reply.status == 200
    wait_until(lambda: len(updates_of(fake_slack, proposal.slack_ts)) >= 2, 15, "progress and outcome")
    first, *_, last = updates_of(fake_slack, proposal.slack_ts)
    assert f"Approving… (by <@{GRACE}>)" in shown(first) and "sentinel.approve" not in shown(first)
    # well within a second on a quiet machine (bench/slack_ack.py measures it); the bound leaves room for a loaded CI
    assert first.at - clicked <= 2.0, first.at - clicked
    final = slack_engine.services.store.get(proposal.id)
    assert final.status == "executed" and f"Done in Odoo: {final.result['summary']}" in shown(last)
    notices = [c for c in fake_slack.of("chat.postMessage") if "queued post" in c.args.get("text", "")]
    assert len(notices) < QUEUED  # posts were still queued when the update went out: it did not wait for them
    assert all(n.at > first.at for n in notices[2:])
    times = [n.at for n in notices]
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:])), times  # posts stay paced per channel


def test_a_refused_click_shows_nothing_in_the_channel(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    click(service, block_action(proposal.id, "sentinel.approve", NINA, channel=proposal.slack_channel,
                                ts=proposal.slack_ts))
    service.edge.drain()
    service.deliver()
    assert updates_of(fake_slack, proposal.slack_ts) == []


def test_reject_and_snooze_show_their_progress_then_the_outcome(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    click(service, block_action(proposal.id, "sentinel.reject", GRACE, channel=proposal.slack_channel,
                                ts=proposal.slack_ts))
    service.edge.drain()
    (opened,) = fake_slack.of("views.open")
    values = {"reason": {"reason": {"type": "plain_text_input", "value": "duplicate order"}}}
    assert click(service, view_submission(opened.args["view"], GRACE, values)).status == 200
    service.edge.drain()
    service.deliver()
    texts = [shown(c) for c in updates_of(fake_slack, proposal.slack_ts)]
    assert any(f"Rejecting… (by <@{GRACE}>)" in t for t in texts)
    assert f"Rejected by <@{GRACE}>" in texts[-1] and "duplicate order" in texts[-1]

