"""SlackConnection: auth.test with backoff while degraded, ok again when Slack answers, refused once and for good."""

from __future__ import annotations

from slack_sdk import WebClient

from agents._core.slack.connection import SlackConnection, http_status
from agents._core.slack.fake_api import BOT_TOKEN, FakeSlack
from tests.slack.conftest import wait_until


def client(fake: FakeSlack, token: str = BOT_TOKEN) -> WebClient:
    return WebClient(token=token, base_url=fake.url, timeout=2)


def test_auth_test_is_retried_with_growing_waits_until_slack_answers(fake_slack: FakeSlack) -> None:
    fake_slack.fail(4, method="auth.test", status=500)
    answered: list[str] = []
    connection = SlackConnection(client(fake_slack), on_refused=answered.append, first_wait=0.1, max_wait=0.3)
    connection.when_ok(lambda: answered.append("ok"))
    assert connection.check() == "degraded" and http_status(connection.state) == 503
    connection.start()
    try:
        wait_until(lambda: connection.state == "ok", 10, "Slack answers again")
    finally:
        connection.stop()
    times = [c.at for c in fake_slack.of("auth.test", ok_only=False)]
    waits = [round(b - a, 2) for a, b in zip(times, times[1:])]
    assert len(times) == 5 and waits[0] >= 0.09 and waits[1] >= 0.19 and all(w >= 0.29 for w in waits[2:]), waits
    assert all(w < 1.0 for w in waits), waits  # capped at max_wait
    assert answered == ["ok"] and http_status(connection.state) == 200
    assert connection.identity["user_id"] == "U0SENTBOT"


def test_a_refused_token_is_reported_once_and_stays_refused(fake_slack: FakeSlack) -> None:
    refused: list[str] = []
    connection = SlackConnection(client(fake_slack, "xoxb-revoked"), on_refused=refused.append)
    assert connection.check() == "refused"
    connection.report(None)  # a later success does not undo it: a person must fix the token
    connection.report("invalid_auth")
    assert connection.state == "refused" and len(refused) == 1 and "invalid_auth" in refused[0]


def test_errors_about_one_message_do_not_change_the_state(fake_slack: FakeSlack) -> None:
    connection = SlackConnection(client(fake_slack), on_refused=lambda line: None)
    assert connection.check() == "ok"
    for error in ("channel_not_found", "message_not_found", "ratelimited"):
        connection.report(error)
    assert connection.state == "ok"
    connection.report("unreachable", detail="URLError: refused")
    assert connection.state == "degraded" and connection.reason == "URLError: refused"
