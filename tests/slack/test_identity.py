"""Who clicked: Slack e-mail -> Odoo login (case-insensitive, unambiguous), user groups cached with a TTL."""

from __future__ import annotations

from agents._core.engine import Engine
from agents._core.slack.app import web_client
from agents._core.slack.identity import Directory
from tests.slack.conftest import GRACE, GROUP, NINA, PATEL, STRANGER, TOM
from agents._core.slack.fake_api import FakeSlack


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def directory(engine: Engine, clock: Ticks) -> Directory:
    return Directory(web_client(engine.services.settings), ttl=60, clock=clock)


def test_a_slack_user_maps_to_the_odoo_user_with_that_login_or_email(slack_engine: Engine) -> None:
    people = directory(slack_engine, Ticks())
    gateway = lambda: slack_engine.services.gateway("default")  # noqa: E731
    actor = people.actor(PATEL, slack_groups=[], gateway=gateway, connection="default")
    assert (actor.kind, actor.id, actor.odoo_login) == ("slack", PATEL, "dr.patel")  # e-mail case differs
    assert people.actor(GRACE, slack_groups=[], gateway=gateway, connection="default").odoo_login == "grace.finance"
    assert people.actor(STRANGER, slack_groups=[], gateway=gateway, connection="default").odoo_login is None
    assert people.actor("U0NOSUCH1", slack_groups=[], gateway=gateway, connection="default").odoo_login is None
    assert str(people.actor(NINA, slack_groups=[], gateway=gateway, connection="default")) == f"slack:{NINA}"


def test_group_membership_is_cached_for_the_ttl(slack_engine: Engine, fake_slack: FakeSlack) -> None:
    clock = Ticks()
    people = directory(slack_engine, clock)
    assert people.members(GROUP) == {TOM}
    fake_slack.groups[GROUP] = [TOM, NINA]  # NINA joins the group in Slack
    clock.now = 59
    assert people.members(GROUP) == {TOM}
    clock.now = 61
    assert people.members(GROUP) == {TOM, NINA}
    assert len(fake_slack.of("usergroups.users.list")) == 2
    assert people.members("S0NOSUCH1") == frozenset()  # an unknown group has no members: fail closed


def test_users_info_is_cached_too(slack_engine: Engine, fake_slack: FakeSlack) -> None:
    people = directory(slack_engine, Ticks())
    for _ in range(3):
        assert people.email(GRACE) == "grace.finance@harborhealth.example"
    assert len(fake_slack.of("users.info")) == 1
