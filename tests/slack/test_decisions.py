"""Clicks through the real endpoint: who may decide, exactly once, the reject and snooze modals, the updated message."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from agents._core.decisions import Actor, decide, sweep_expired
from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.services import PAUSED_FLAG
from agents._core.slack.server import SlackService
from state import Proposal
from tests.slack.conftest import (
    GRACE,
    GROUP,
    NINA,
    PATEL,
    STRANGER,
    TOM,
    block_action,
    click,
    marked_writes,
    view_submission,
)
from agents._core.slack.fake_api import FakeSlack


def posted(engine: Engine, service: SlackService, rule: str = "po_waiting_approval") -> Proposal:
    report = engine.run_once("approval_watcher")
    assert report.ok, report.error
    service.deliver()
    return next(p for p in engine.services.store.list_proposals(status="pending") if p.rule_id == rule and p.slack_ts)


def press(service: SlackService, proposal: Proposal, action: str, user: str):  # noqa: ANN201 - Reply
    reply = click(service, block_action(proposal.id, action, user, channel=proposal.slack_channel, ts=proposal.slack_ts))
    assert reply.status == 200 and reply.body == "", reply  # acknowledged at once, with an empty body
    return reply


def settle(service: SlackService, engine: Engine) -> None:
    """The decision work and the message update that follows it."""
    service.edge.drain()
    service.deliver()  # the worker was kicked by a Slack decision; a CLI or sweep decision waits for a pass
    assert not engine.services.store.pending_outbox()


def ephemerals(fake: FakeSlack, user: str) -> list[str]:
    return [c.args["text"] for c in fake.of("chat.postEphemeral") if c.args.get("user") == user]


def message(fake: FakeSlack, proposal: Proposal) -> dict:
    return fake.messages[(proposal.slack_channel, proposal.slack_ts)]


def text_of(msg: dict) -> str:
    return json.dumps(msg["blocks"])


def action_ids(msg: dict) -> list[str]:
    return [e.get("action_id") for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_approver_approves_in_slack_and_the_message_shows_the_result(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    assert action_ids(message(fake_slack, proposal)) == ["sentinel.approve", "sentinel.reject", "sentinel.snooze",
                                                         "sentinel.open"]
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    final = slack_engine.services.store.get(proposal.id)
    assert final.status == "executed" and final.decided_by == f"slack:{GRACE}"
    assert len(marked_writes(sandbox, proposal.id)) == 1
    updated = message(fake_slack, proposal)  # chat.update on the stored channel and ts
    assert action_ids(updated) == ["sentinel.open"]  # the decision buttons are gone, the Odoo link stays
    assert f"Approved by <@{GRACE}>" in text_of(updated)
    assert f"Done in Odoo: {final.result['summary']}" in text_of(updated)
    assert ephemerals(fake_slack, GRACE) == []
    kinds = [e.kind for e in slack_engine.services.audit.events(proposal.id)]
    assert kinds == ["proposal.created", "proposal.approved", "proposal.executed"]


def test_twenty_concurrent_approve_clicks_give_one_action(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    barrier = threading.Barrier(20)

    def one(i: int):  # noqa: ANN202
        barrier.wait()
        return press(service, proposal, "sentinel.approve", GRACE if i % 2 else PATEL)

    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(one, range(20)))
    assert all(r.status == 200 for r in replies)
    settle(service, slack_engine)
    final = slack_engine.services.store.get(proposal.id)
    assert final.status == "executed"
    assert len(marked_writes(sandbox, proposal.id)) == 1
    losers = ephemerals(fake_slack, GRACE) + ephemerals(fake_slack, PATEL)
    assert len(losers) == 19
    winner = final.decided_by.removeprefix("slack:")
    assert all(text.startswith(f"This proposal was already approved by <@{winner}>") for text in losers), losers
    assert [e.kind for e in slack_engine.services.audit.events(proposal.id)].count("proposal.approved") == 1


def test_an_unauthorized_click_changes_nothing_and_is_told_who_may_decide(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    for user in (NINA, STRANGER):  # a buyer without the approving group; a Slack user with no Odoo account
        press(service, proposal, "sentinel.approve", user)
    settle(service, slack_engine)
    after = slack_engine.services.store.get(proposal.id)
    assert after.status == "pending" and after.version == proposal.version
    for user in (NINA, STRANGER):
        (text,) = ephemerals(fake_slack, user)
        assert text.startswith(f"<@{user}> is not allowed to decide this proposal")
        assert "purchase.group_purchase_manager" in text  # names who may decide
    refused = [e for e in slack_engine.services.audit.events(proposal.id) if e.kind == "decision.refused"]
    assert sorted(e.actor for e in refused) == sorted([f"slack:{NINA}", f"slack:{STRANGER}"])
    assert marked_writes(sandbox, proposal.id) == []
    assert fake_slack.of("chat.update") == []


def test_four_eyes_refuses_the_person_the_item_is_about(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    planned = slack_engine.run_once("approval_watcher", dry_run=True).kept
    order = next(f for f in planned if f.model == "purchase.order")
    grace = sandbox.env("res.users").search_read([("login", "=", "grace.finance")], ["id"])[0]["id"]
    sandbox.env("purchase.order").write([order.res_id], {"user_id": grace})  # Grace is now the buyer of that order
    posted(slack_engine, service)
    proposal = next(p for p in slack_engine.services.store.list_proposals(status="pending") if p.res_id == order.res_id
                    and p.model == "purchase.order")
    assert proposal.subject_user_id == grace
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    assert slack_engine.services.store.get(proposal.id).status == "pending"
    (text,) = ephemerals(fake_slack, GRACE)
    assert "four-eyes" in text
    assert marked_writes(sandbox, proposal.id) == []
    press(service, proposal, "sentinel.approve", PATEL)  # another approver may
    settle(service, slack_engine)
    assert slack_engine.services.store.get(proposal.id).status == "executed"


def test_a_member_of_an_approving_slack_group_may_decide(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    store = slack_engine.services.store
    assert store.update_fields(proposal.id, "pending", approvers={"slack_groups": [GROUP]})
    press(service, proposal, "sentinel.approve", GRACE)  # an Odoo purchase manager, but not in the group
    settle(service, slack_engine)
    assert store.get(proposal.id).status == "pending"
    assert f"<!subteam^{GROUP}>" in ephemerals(fake_slack, GRACE)[0]
    press(service, proposal, "sentinel.approve", TOM)  # no approving Odoo group, but in the Slack group
    settle(service, slack_engine)
    assert store.get(proposal.id).status == "executed"
    assert [c.args["usergroup"] for c in fake_slack.of("usergroups.users.list")] == [GROUP]  # cached


def test_reject_opens_a_modal_that_requires_a_reason(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    press(service, proposal, "sentinel.reject", GRACE)
    service.edge.drain()
    (opened,) = fake_slack.of("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "sentinel.reject"
    assert json.loads(view["private_metadata"])["proposal_id"] == proposal.id
    blank = click(service, view_submission(view, GRACE, {"reason": {"reason": {"type": "plain_text_input", "value": "  "}}}))
    assert blank.status == 200 and blank.json() == {
        "response_action": "errors", "errors": {"reason": "Say why: the reason is recorded with your decision."}}
    service.edge.drain()
    assert slack_engine.services.store.get(proposal.id).status == "pending"
    reason = "Vendor confirmed by phone <b>today</b>"
    done = click(service, view_submission(view, GRACE, {"reason": {"reason": {"type": "plain_text_input", "value": reason}}}))
    assert done.status == 200 and done.body == ""  # the modal closes
    settle(service, slack_engine)
    final = slack_engine.services.store.get(proposal.id)
    assert final.status == "rejected" and final.decision_reason == reason
    shown = text_of(message(fake_slack, proposal))
    assert f"Rejected by <@{GRACE}>" in shown and "Reason: Vendor confirmed by phone &lt;b&gt;today&lt;/b&gt;" in shown
    assert marked_writes(sandbox, proposal.id) == []


def test_an_unauthorized_reject_gets_no_modal(slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    press(service, proposal, "sentinel.reject", NINA)
    press(service, proposal, "sentinel.snooze", NINA)
    service.edge.drain()
    assert fake_slack.of("views.open") == []
    assert len(ephemerals(fake_slack, NINA)) == 2
    refused = [e for e in slack_engine.services.audit.events(proposal.id) if e.kind == "decision.refused"]
    assert sorted(e.data["decision"] for e in refused) == ["reject", "snooze"]


def test_snooze_is_recorded_mirrored_in_odoo_and_suppresses_re_proposal_until_it_ends(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    press(service, proposal, "sentinel.snooze", GRACE)
    service.edge.drain()
    (opened,) = fake_slack.of("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "sentinel.snooze"
    values = {"duration": {"duration": {"type": "static_select", "selected_option": {"value": "3d"}}},
              "reason": {"reason": {"type": "plain_text_input", "value": "vendor on holiday until Monday"}}}
    assert click(service, view_submission(view, GRACE, values)).status == 200
    settle(service, slack_engine)
    store = slack_engine.services.store
    final = store.get(proposal.id)
    assert final.status == "snoozed" and final.decided_by == f"slack:{GRACE}"
    now = sandbox.clock.now()
    snooze = store.active_snooze(proposal.dedup_key, now)
    assert snooze is not None and snooze.until == now + timedelta(days=3) or snooze.until.replace(tzinfo=None) == (
        now + timedelta(days=3)).replace(tzinfo=None)
    assert snooze.by == f"slack:{GRACE}" and snooze.reason == "vendor on holiday until Monday"
    (note,) = marked_writes(sandbox, proposal.id)  # the internal note ERP users see
    body = sandbox.env("mail.message").search_read([("id", "=", note["id"])], ["body"])[0]["body"]
    assert "snoozed until" in body and "vendor on holiday" in body
    assert f"Snoozed by <@{GRACE}>" in text_of(message(fake_slack, proposal))
    assert "proposal.snooze_recorded" in [e.kind for e in slack_engine.services.audit.events(proposal.id)]

    sandbox.clock.advance(timedelta(days=1))
    again = slack_engine.run_once("approval_watcher")
    assert again.dropped.get("snoozed", 0) >= 1
    assert store.open_proposal_for(proposal.dedup_key) is None
    sandbox.clock.advance(timedelta(days=2, hours=1))  # the snooze has ended
    slack_engine.run_once("approval_watcher")
    reopened = store.open_proposal_for(proposal.dedup_key)
    assert reopened is not None and reopened.id != proposal.id


def test_a_click_racing_the_cli_and_the_expiry_sweep_gives_one_outcome(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    sandbox.clock.advance(timedelta(hours=9))  # past the 8h ttl: the sweep may expire it while people click
    barrier = threading.Barrier(3)
    outcomes = []

    def cli() -> None:
        barrier.wait()
        outcomes.append(decide(slack_engine, proposal.id, "approve", Actor("odoo", "grace.finance")))

    def sweep() -> None:
        barrier.wait()
        outcomes.extend(sweep_expired(slack_engine))

    def slack() -> None:
        barrier.wait()
        press(service, proposal, "sentinel.approve", PATEL)

    threads = [threading.Thread(target=f) for f in (cli, sweep, slack)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    settle(service, slack_engine)
    final = slack_engine.services.store.get(proposal.id)
    assert final.status in ("executed", "expired")
    assert len(marked_writes(sandbox, proposal.id)) == (1 if final.status == "executed" else 0)
    decided = [e for e in slack_engine.services.audit.events(proposal.id)
               if e.kind in ("proposal.approved", "proposal.expired")]
    assert len(decided) == 1
    if final.decided_by != f"slack:{PATEL}":
        assert ephemerals(fake_slack, PATEL)[0].startswith("This proposal was already")


def test_while_paused_an_approval_waits_and_the_message_says_so(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    store = slack_engine.services.store
    store.set_flag(PAUSED_FLAG, "true")
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    assert store.get(proposal.id).status == "approved"
    waiting = text_of(message(fake_slack, proposal))
    assert f"Approved by <@{GRACE}>" in waiting and "Sentinel is paused" in waiting
    assert action_ids(message(fake_slack, proposal)) == ["sentinel.open"]
    assert marked_writes(sandbox, proposal.id) == []
    store.set_flag(PAUSED_FLAG, "false")
    assert slack_engine.unpause(proposal.id)
    service.deliver()
    assert store.get(proposal.id).status == "executed"
    assert "Done in Odoo" in text_of(message(fake_slack, proposal))
