"""A home for on-call admins: the App Home tab (views.publish) and /sentinel status|pause|resume|snooze, through signed
requests at the real endpoint against the local Slack Web API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.services import PAUSED_FLAG
from agents._core.slack.fake_api import TEAM, FakeSlack
from agents._core.slack.server import SlackService, start
from runner import build_engine
from tests.slack.conftest import GRACE, GROUP, NINA, TOM, click, post, signed_headers, slack_settings, wait_until
from tests.slack.test_decisions import posted
from tests.slack.test_safe_text import ESCAPED, EVIL


def open_home(service: SlackService, user: str) -> int:
    body = json.dumps({"type": "event_callback", "team_id": TEAM, "api_app_id": "A0SENTINEL",
                       "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                                 "event_ts": f"{time.time():.6f}"},
                       "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time())})
    reply = post(service.url + "/slack/events", body, {**signed_headers(body), "Content-Type": "application/json"})
    service.edge.drain()
    return reply.status


def home_of(fake: FakeSlack, user: str) -> dict:
    return [c for c in fake.of("views.publish") if c.args["user_id"] == user][-1].args["view"]


def command(service: SlackService, fake: FakeSlack, user: str, text: str) -> str:
    """/sentinel <text> as Slack sends it; the answer comes back through the response_url."""
    name = f"cmd{time.time_ns()}"
    body = urlencode({"token": "legacy", "team_id": TEAM, "team_domain": "sentinel-test", "channel_id": "C0OPS0001",
                      "channel_name": "ops", "user_id": user, "user_name": user.lower(), "command": "/sentinel",
                      "text": text, "api_app_id": "A0SENTINEL", "response_url": fake.response_url(name),
                      "trigger_id": "1.2.3"})
    reply = post(service.url + "/slack/events", body, signed_headers(body))
    assert reply.status == 200 and reply.body == "", reply  # acknowledged at once
    service.edge.drain()
    (answer,) = [c for c in fake.calls if c.method == f"response/{name}"]
    assert answer.args["response_type"] == "ephemeral"
    return answer.args["text"]


def test_the_home_tab_shows_my_pending_approvals_with_buttons_and_the_state_of_sentinel(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    planned = slack_engine.run_once("approval_watcher", dry_run=True).kept
    sandbox.env("purchase.order").write([next(f.res_id for f in planned if f.model == "purchase.order")], {"name": EVIL})
    proposal = posted(slack_engine, service)
    assert open_home(service, GRACE) == 200
    view = home_of(fake_slack, GRACE)
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and "Running" in text and "Waiting for you (" in text
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    approve = [b for b in buttons if b.get("action_id") == "sentinel.approve"]
    assert proposal.id in {b["value"] for b in approve}  # the same buttons as the message
    ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(ids) == len(set(ids))  # unique within the view, as Slack requires
    assert "approval_watcher" in text and "pending" in text and "last run ok" in text
    assert "#clinic-approvals: <!date^" in text  # the next digest
    assert "<!channel>" not in text and ESCAPED in text  # Odoo data escaped here too
    assert open_home(service, NINA) == 200  # a buyer decides nothing
    assert "Nothing waits for your decision." in json.dumps(home_of(fake_slack, NINA))


def test_approving_from_the_home_tab_decides_updates_the_message_and_redraws_the_tab(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    proposal = posted(slack_engine, service)
    open_home(service, GRACE)
    payload = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": GRACE, "team_id": TEAM},
        "api_app_id": "A0SENTINEL", "trigger_id": "1.2.3",
        "container": {"type": "view", "view_id": f"V0HOME{GRACE}"},
        "view": {"id": f"V0HOME{GRACE}", "type": "home"},
        "actions": [{"type": "button", "action_id": "sentinel.approve", "block_id": f"sentinel.decide.{proposal.id}",
                     "value": proposal.id, "action_ts": f"{time.time():.6f}"}],
    }
    assert click(service, payload).status == 200
    service.edge.drain()
    service.deliver()
    assert slack_engine.services.store.get(proposal.id).status == "executed"
    message = fake_slack.messages[(proposal.slack_channel, proposal.slack_ts)]
    assert f"Approved by <@{GRACE}>" in json.dumps(message["blocks"])
    assert len([c for c in fake_slack.of("views.publish") if c.args["user_id"] == GRACE]) == 2
    assert proposal.id not in json.dumps(home_of(fake_slack, GRACE))


def test_sentinel_status_answers_anyone(slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    posted(slack_engine, service)
    answer = command(service, fake_slack, NINA, "status")
    assert "Running" in answer and "*approval_watcher*" in answer and "pending" in answer
    assert command(service, fake_slack, NINA, "") == answer
    assert command(service, fake_slack, NINA, "frobnicate").startswith("Use `/sentinel status`")


def test_a_non_admin_cannot_pause_and_an_approver_can_pause_and_resume(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack) -> None:
    store = slack_engine.services.store
    assert command(service, fake_slack, NINA, "pause").startswith("You may not pause Sentinel")
    assert store.get_flag(PAUSED_FLAG) != "true"
    (refused,) = store.events("sentinel.command_refused")
    assert refused.actor == f"slack:{NINA}" and refused.data == {"command": "pause"}
    assert command(service, fake_slack, GRACE, "pause").startswith(":double_vertical_bar: Paused")
    assert store.get_flag(PAUSED_FLAG) == "true" and slack_engine.services.paused()
    assert "Paused" in command(service, fake_slack, NINA, "status")
    assert command(service, fake_slack, NINA, "resume").startswith("You may not resume Sentinel")
    assert store.get_flag(PAUSED_FLAG) == "true"
    assert command(service, fake_slack, GRACE, "resume").startswith(":arrow_forward: Resumed")
    assert store.get_flag(PAUSED_FLAG) == "false"
    assert [e.actor for e in store.events("sentinel.paused")] == [f"slack:{GRACE}"]


@pytest.fixture
def admin_service(sandbox: Sandbox, tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[Engine, SlackService]]:
    settings = slack_settings(sandbox, tmp_path / "a.db", fake_slack, SENTINEL_ADMINS=f"{NINA}, {GROUP}")
    engine = build_engine(settings, clock=sandbox.clock.now, model=None)
    running = start(engine, host="127.0.0.1", port=0, per_channel=0.0)
    yield engine, running
    running.stop()


def test_sentinel_admins_may_pause_as_users_or_through_a_group(
        admin_service: tuple[Engine, SlackService], fake_slack: FakeSlack) -> None:
    engine, service = admin_service
    assert command(service, fake_slack, NINA, "pause").startswith(":double_vertical_bar: Paused")  # listed by id
    assert command(service, fake_slack, TOM, "resume").startswith(":arrow_forward: Resumed")  # in the listed group
    fake_slack.fail(5, method="usergroups.users.list")  # the group cannot be read: fail closed
    engine.services.store.set_flag(PAUSED_FLAG, "false")
    service.edge.directory = service.edge.directory.__class__(service.edge.client)  # an empty cache
    service.edge.command.admins.directory = service.edge.directory
    assert command(service, fake_slack, TOM, "pause").startswith("You may not pause")
    assert engine.services.store.get_flag(PAUSED_FLAG) == "false"


def test_sentinel_snooze_decides_through_the_same_door_and_validates_its_arguments(
        slack_engine: Engine, service: SlackService, fake_slack: FakeSlack, sandbox: Sandbox) -> None:
    proposal = posted(slack_engine, service)
    store = slack_engine.services.store
    assert "not a snooze length" in command(service, fake_slack, GRACE, f"snooze {proposal.id} forever vendor away")
    assert "not a snooze length" in command(service, fake_slack, GRACE, f"snooze {proposal.id} 400d vendor away")
    assert "Say why" in command(service, fake_slack, GRACE, f"snooze {proposal.id} 2d \u200b\u200b")
    assert command(service, fake_slack, GRACE, f"snooze {proposal.id}").startswith("Use `/sentinel status`")
    assert "not allowed" in command(service, fake_slack, NINA, f"snooze {proposal.id} 2d vendor away")
    assert store.get(proposal.id).status == "pending"
    answer = command(service, fake_slack, GRACE, f"snooze {proposal.id} 2d vendor away until Monday")
    assert answer.startswith(f":zzz: {proposal.id} snoozed until <!date^")
    final = store.get(proposal.id)
    assert final.status == "snoozed" and final.decided_by == f"slack:{GRACE}"
    assert final.decision_reason == "vendor away until Monday"
    wait_until(lambda: "Snoozed by" in json.dumps(fake_slack.messages[(proposal.slack_channel, proposal.slack_ts)]),
               10, "the message shows the snooze")
