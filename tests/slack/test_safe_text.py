"""Odoo text reaches Slack escaped everywhere (fallback included), cut on safe boundaries, split rather than lost;
reasons must be visible, snooze lengths are the modal's, and a button must belong to the message it was clicked in."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from agents._core.decisions import Actor, decide
from agents._core.engine import Engine
from agents._core.mrkdwn import cut, escape, split, visible
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.fake_api import FakeSlack
from agents._core.slack.outbox import MAX_BLOCKS
from agents._core.digest import build, enqueue
from agents._core.slack.server import SlackService
from tests.slack.conftest import GRACE, block_action, click, view_submission
from tests.slack.test_decisions import ephemerals, posted, press, settle

EVIL = "<!channel> <https://evil.example|x> &amp;"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|x&gt; &amp;amp;"


def test_cut_never_splits_a_token_or_an_entity_and_marks_the_cut() -> None:
    text = "ab &amp; <https://odoo.example/x|link> end"
    for limit in range(4, len(text)):
        short = cut(text, limit)
        assert len(short) <= limit and short.endswith("…")
        body = short.removesuffix("…")
        assert body.count("<") == body.count(">") and not body.rstrip().endswith(("&", "&a", "&am", "&amp"))
    assert cut(text, len(text)) == text


def test_split_keeps_every_character_within_the_limit() -> None:
    text = "\n".join(f"line {i}: " + escape("<x> & y " * (i % 7)) for i in range(400)) + "\n" + "z" * 7000
    pieces = split(text, 3000)
    assert all(len(p) <= 3000 for p in pieces) and len(pieces) > 3
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_reason_needs_a_visible_character() -> None:
    assert not visible("\u200b\u200b") and not visible("  \n\t") and not visible("\u200d\ufeff") and not visible(None)
    assert visible("ok") and visible("\u200b.") and visible("承認")


def test_an_evil_record_name_is_escaped_in_every_slack_payload(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    planned = slack_engine.run_once("approval_watcher", dry_run=True).kept
    orders = sorted({f.res_id for f in planned if f.model == "purchase.order"})
    sandbox.env("purchase.order").write(orders, {"name": EVIL})  # all of them: the digest lists the oldest
    assert slack_engine.run_once("approval_watcher").ok
    service.deliver()
    store = slack_engine.services.store
    evil = [p for p in store.list_proposals(status="pending") if p.record_name == EVIL and p.slack_ts]
    assert len(evil) >= 2
    press(service, evil[0], "sentinel.approve", GRACE)  # the progress and the outcome updates
    press(service, evil[1], "sentinel.reject", GRACE)  # the modal
    settle(service, slack_engine)
    services = slack_engine.services
    policies = {a: loaded.policy for a, loaded in services.policies.loaded.items()}
    tomorrow = (services.clock() + timedelta(days=1)).date()  # its 24 hours hold the proposals made just now
    for made in build(services.store, policies, now=services.clock() + timedelta(days=1), day=tomorrow,
                      channel="#clinic-approvals", odoo_urls={}):
        enqueue(services.store, made)  # the daily digest names the oldest open items
    service.deliver()
    digests = [c for c in fake_slack.of("chat.postMessage") if "daily digest" in c.args.get("text", "")]
    assert digests and any("evil.example" in json.dumps(c.args) for c in digests)
    seen = 0
    for call in fake_slack.calls:
        dumped = json.dumps(call.args, ensure_ascii=False)
        assert "<!channel>" not in dumped and "<https://evil.example" not in dumped, (call.method, dumped[:300])
        if "evil.example" in dumped:
            seen += 1
            assert ESCAPED in dumped or "&lt;!channel&gt;" in dumped, (call.method, dumped[:300])
            if "evil.example" in str(call.args.get("text")):  # the fallback: notifications, screen readers
                assert ESCAPED in call.args["text"] or "&lt;!channel&gt;" in call.args["text"]
    fallbacks = [c for c in fake_slack.of("chat.postMessage") if "evil.example" in str(c.args.get("text"))]
    assert len(fallbacks) >= 2
    methods = {c.method for c in fake_slack.calls if "evil.example" in json.dumps(c.args)}
    assert {"chat.postMessage", "chat.update", "views.open"} <= methods and seen >= 4


def test_a_long_digest_is_split_across_messages_and_nothing_is_lost(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "digest"}}]
    for i in range(130):
        blocks += [{"type": "divider"}, {"type": "section", "text": {"type": "mrkdwn", "text": f"agent line {i}"}}]
    slack_engine.services.store.enqueue("digest", None, {"channel": "#clinic-approvals", "title": f"Digest {EVIL}",
                                                         "blocks": blocks}, dedup="digest:long")
    service.deliver()
    posts = [c for c in fake_slack.of("chat.postMessage") if c.args.get("text", "").startswith("Digest")]
    assert len(posts) > 1 and all(len(p.args["blocks"]) <= MAX_BLOCKS for p in posts)
    shown = [b["text"]["text"] for p in posts for b in p.args["blocks"] if b["type"] == "section"]
    assert shown == [f"agent line {i}" for i in range(130)]
    assert all("&lt;!channel&gt;" in p.args["text"] and "<!channel>" not in p.args["text"] for p in posts)


def _modal(fake: FakeSlack) -> dict:
    (opened,) = fake.of("views.open")
    return opened.args["view"]


def test_a_reason_of_invisible_characters_is_refused_in_slack_and_the_cli(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    press(service, proposal, "sentinel.reject", GRACE)
    service.edge.drain()
    invisible = {"reason": {"reason": {"type": "plain_text_input", "value": "\u200b\u200b\u200b"}}}
    reply = click(service, view_submission(_modal(fake_slack), GRACE, invisible))
    assert reply.json()["response_action"] == "errors" and "reason" in reply.json()["errors"]
    refused = decide(slack_engine, proposal.id, "reject", Actor("odoo", "grace.finance"), reason="\u200b \u200b")
    assert not refused.ok and "reason is required" in refused.message
    assert slack_engine.services.store.get(proposal.id).status == "pending"


@pytest.mark.parametrize("choice", ["2y", "", "1d "])
def test_an_unknown_snooze_length_is_refused_not_taken_as_a_day(
        choice: str, slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    press(service, proposal, "sentinel.snooze", GRACE)
    service.edge.drain()
    values = {"duration": {"duration": {"type": "static_select", "selected_option": {"value": choice}}},
              "reason": {"reason": {"type": "plain_text_input", "value": "vendor away"}}}
    reply = click(service, view_submission(_modal(fake_slack), GRACE, values))
    assert reply.json() == {"response_action": "errors", "errors": {"duration": "Choose one of the listed lengths."}}
    service.edge.drain()
    assert slack_engine.services.store.get(proposal.id).status == "pending"


def test_a_button_whose_proposal_is_not_the_messages_decides_nothing(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    other = next(p for p in slack_engine.services.store.list_proposals(status="pending")
                 if p.slack_ts and p.id != proposal.id)
    # The click arrives from `other`'s message, with `proposal`'s id as the button's value.
    reply = click(service, block_action(proposal.id, "sentinel.approve", GRACE, channel=other.slack_channel,
                                        ts=other.slack_ts))
    assert reply.status == 200
    service.edge.drain()
    assert slack_engine.services.store.get(proposal.id).status == "pending"
    assert ephemerals(fake_slack, GRACE) == ["This button does not belong to the proposal's message; nothing was decided."]
