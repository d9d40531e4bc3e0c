"""Every outcome of a click is told as it happened: identity fails closed while Odoo is down (four-eyes never skipped,
a real approver never told "not allowed"), an error after the decision won says it was recorded, and Odoo's refusal
of the action is shown on the message with Odoo's words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agents._core.decisions import Actor, decide, recover_stuck
from agents._core.engine import Engine
from agents._core.execution import lease_end
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.server import SlackService
from runner import build_engine
from state import Proposal
from tests.odoo.fault_proxy import Fault, FaultProxy
from tests.slack.conftest import GRACE, PATEL, STRANGER, marked_writes, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_decisions import ephemerals, message, posted, press, settle, text_of

CANNOT_CHECK = "cannot check who {who} is in Odoo right now"


@pytest.fixture
def proxy(sandbox: Sandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.url) as running:
        yield running


@pytest.fixture
def slack_engine(sandbox: Sandbox, tmp_path: Path, fake_slack: FakeSlack, proxy: FaultProxy) -> Engine:
    """The Slack engine with Odoo behind the fault proxy (the `service` fixture serves this one)."""
    settings = slack_settings(sandbox, tmp_path / "sentinel.db", fake_slack, ODOO_URL=proxy.url, ODOO_TIMEOUT=2)
    return build_engine(settings, clock=sandbox.clock.now, model=None)


def graces_order(engine: Engine, service: SlackService, sandbox: Sandbox) -> Proposal:
    """A posted proposal about an order whose buyer is Grace, herself an approver."""
    planned = engine.run_once("approval_watcher", dry_run=True).kept
    order = next(f for f in planned if f.model == "purchase.order")
    grace = sandbox.env("res.users").search_read([("login", "=", "grace.finance")], ["id"])[0]["id"]
    sandbox.env("purchase.order").write([order.res_id], {"user_id": grace})
    posted(engine, service)
    return next(p for p in engine.services.store.list_proposals(status="pending") if p.res_id == order.res_id
                and p.model == "purchase.order")


def test_with_odoo_down_the_subject_is_refused_and_nothing_executes_then_or_after_recovery(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox, proxy: FaultProxy) -> None:
    store = slack_engine.services.store
    proposal = graces_order(slack_engine, service, sandbox)
    # Approvers named in Slack: before, a click whose Odoo identity could not be resolved skipped four-eyes and executed.
    assert store.update_fields(proposal.id, "pending", approvers={"slack_users": [GRACE, PATEL, STRANGER]})
    proxy.down = True
    press(service, proposal, "sentinel.approve", GRACE)  # her Slack e-mail cannot be matched to an Odoo user now
    press(service, proposal, "sentinel.approve", PATEL)  # a real approver: told to try again, not "not allowed"
    settle(service, slack_engine)
    for user in (GRACE, PATEL):
        (text,) = ephemerals(fake_slack, user)
        assert text.startswith(CANNOT_CHECK.format(who=f"<@{user}>")) and "nothing was decided" in text, text
        assert "not allowed" not in text
    assert decide(slack_engine, proposal.id, "approve", Actor("odoo", "grace.finance")).message.startswith(
        CANNOT_CHECK.format(who="grace.finance"))  # the CLI's `--as grace.finance` alike
    assert store.get(proposal.id).status == "pending"
    assert recover_stuck(slack_engine, now=lease_end(slack_engine.services.settings) + timedelta(days=1)) == []

    proxy.down = False  # Odoo is back: now she is known, and four-eyes refuses her
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    assert "four-eyes" in ephemerals(fake_slack, GRACE)[-1]
    press(service, proposal, "sentinel.approve", STRANGER)  # no Odoo user at all: cannot be told apart from the subject
    settle(service, slack_engine)
    assert ephemerals(fake_slack, STRANGER)[-1].startswith(f"<@{STRANGER}> has no Odoo user, so the four-eyes rule")
    proxy.down = True  # down again, her login now cached: her groups and id still cannot be read, so still refused
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    assert ephemerals(fake_slack, GRACE)[-1].startswith(CANNOT_CHECK.format(who=f"<@{GRACE}>"))
    proxy.down = False
    assert recover_stuck(slack_engine, now=lease_end(slack_engine.services.settings) + timedelta(days=1)) == []
    assert store.get(proposal.id).status == "pending" and marked_writes(sandbox, proposal.id) == []
    refused = [e for e in slack_engine.services.audit.events(proposal.id) if e.kind == "decision.refused"]
    assert len(refused) == 6


def test_an_error_after_the_decision_won_says_it_was_recorded_and_recovery_finishes_it(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = posted(slack_engine, service)

    def broken(proposal_id: str) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(slack_engine, "carry_on", broken)
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    (text,) = ephemerals(fake_slack, GRACE)
    assert text.startswith("Your decision is recorded, but carrying it out stopped (RuntimeError: database is locked)")
    assert "nothing changed" not in text
    assert "Approved by" in text_of(message(fake_slack, proposal))  # the message shows the approval meanwhile
    monkeypatch.undo()
    assert recover_stuck(slack_engine, now=lease_end(slack_engine.services.settings) + timedelta(seconds=1)) == [proposal.id]
    service.deliver()
    assert slack_engine.services.store.get(proposal.id).status == "executed"
    assert len(marked_writes(sandbox, proposal.id)) == 1
    assert "Done in Odoo" in text_of(message(fake_slack, proposal))


def test_odoo_refusing_the_action_is_shown_on_the_message_with_odoos_words(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox, proxy: FaultProxy) -> None:
    proposal = posted(slack_engine, service)
    words = "You are not allowed to modify 'Purchase Order' (purchase.order) records."
    method = {"post_note": "message_post", "schedule_activity": "create"}[proposal.action]
    proxy.inject(Fault("odoo_error", method, error=("odoo.exceptions.AccessError", words)))
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    assert slack_engine.services.store.get(proposal.id).status == "failed"
    shown = text_of(message(fake_slack, proposal))
    assert f"the Odoo action failed: Odoo connection 'default': {words}".replace("'", "\\u0027") in shown or \
        f"the Odoo action failed: Odoo connection 'default': {words}" in shown, shown
    assert ephemerals(fake_slack, GRACE) == []


def test_an_approval_whose_write_went_unanswered_says_on_the_message_that_it_waits_for_odoo(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox, proxy: FaultProxy) -> None:
    proposal = posted(slack_engine, service)
    method = {"post_note": "message_post", "schedule_activity": "create"}[proposal.action]
    proxy.inject(Fault("drop_answer", method))
    press(service, proposal, "sentinel.approve", GRACE)
    settle(service, slack_engine)
    waiting = slack_engine.services.store.get(proposal.id)
    assert waiting.status == "executing" and waiting.attempts == 1  # unknown, not failed
    shown = text_of(message(fake_slack, proposal))
    assert f"Approved by <@{GRACE}>" in shown and "Waiting for Odoo" in shown and "nothing is written twice" in shown
    assert "the Odoo action failed" not in shown and ephemerals(fake_slack, GRACE) == []
