"""`runner.py run` with Slack configured: uvicorn serves the events and health endpoints; Socket Mode with an app token."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.server import start
from runner import build_engine
from state import Database, Store
from tests.slack.conftest import GRACE, SECRET, USERS, block_action, click, slack_settings, wait_until
from agents._core.slack.fake_api import BOT_TOKEN, FakeSlack


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        assert response.headers["content-type"] == "application/json"
        return json.loads(response.read())


def test_run_serves_slack_posts_proposals_takes_a_click_and_stops_on_sigterm(tmp_path: Path) -> None:
    db_path = tmp_path / "run.db"
    with Sandbox(seed=True) as sandbox, FakeSlack(users=dict(USERS)) as fake:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))},
            "SENTINEL_DATABASE_URL": f"sqlite:///{db_path}", "SENTINEL_HOUSEKEEPING_SECONDS": "0.5",
            "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin",
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
        }
        process = subprocess.Popen([sys.executable, "runner.py", "run", "--host", "127.0.0.1", "--port", "0"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            wait_until(lambda: any(line.startswith("slack: http://") for line in lines), 60, "the endpoint is up")
            base = re.search(r"slack: (http://[^/]+)/slack/events", "".join(lines)).group(1)
            health = get_json(base + "/healthz")
            assert health["ok"] is True and health["paused"] is False and health["slack"] == "ok" and health["slack_mode"] == "http"
            assert "approval_watcher" in health["agents"]
            store = Store(Database(f"sqlite:///{db_path}"))
            def ours() -> list:  # noqa: ANN202 - the other agents post too, to their own approvers
                return [p for p in store.list_proposals(status="pending", agent="approval_watcher")
                        if p.rule_id == "po_waiting_approval" and p.slack_ts]

            wait_until(ours, 60, "a proposal is posted")
            wait_until(lambda: (get_json(base + "/healthz")["agents"]["approval_watcher"]["last_run"] or {}).get("status") == "ok",
                       60, "the first scan has finished")
            proposal = ours()[0]

            class Service:  # what click() needs of a running service
                url = base

            reply = click(Service, block_action(proposal.id, "sentinel.approve", GRACE, channel=proposal.slack_channel,
                                                ts=proposal.slack_ts))
            assert reply.status == 200
            wait_until(lambda: store.get(proposal.id).status not in ("pending", "approved", "executing"), 60,
                       "the click is carried out")
            assert store.get(proposal.id).status == "executed", store.get(proposal.id)
            # through the update lane: it does not wait behind the posts still queued at one per second per channel
            wait_until(lambda: any(c.args.get("ts") == proposal.slack_ts for c in fake.of("chat.update")), 10,
                       "the message is updated")
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            reader.join(timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
    output = "".join(lines)
    assert process.returncode == 0, output
    assert output.rstrip().endswith("sentinel stopped")
    assert "→ #clinic-approvals" not in output  # Slack delivered the outbox, not the console


def test_with_an_app_token_it_uses_socket_mode(sandbox: Sandbox, tmp_path: Path, fake_slack: FakeSlack,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    connected: list[str] = []
    monkeypatch.setattr(SocketModeHandler, "connect", lambda self: connected.append(self.app_token))
    monkeypatch.setattr(SocketModeHandler, "close", lambda self: connected.append("closed"))
    settings = slack_settings(sandbox, tmp_path / "s.db", fake_slack, SLACK_APP_TOKEN="xapp-1-test",
                              SLACK_SIGNING_SECRET=None)
    service = start(build_engine(settings, clock=sandbox.clock.now, model=None), host="127.0.0.1", port=0)
    try:
        assert service.mode == "socket" and connected == ["xapp-1-test"]
        assert get_json(service.url + "/healthz")["slack_mode"] == "socket"
        request = urllib.request.Request(service.url + "/slack/events", data=b"payload=%7B%7D", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback
        assert refused.value.code == 404  # no public endpoint in Socket Mode
    finally:
        service.stop()
    assert connected[-1] == "closed"


def test_http_mode_needs_the_signing_secret(sandbox: Sandbox, tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = slack_settings(sandbox, tmp_path / "s.db", fake_slack, SLACK_SIGNING_SECRET=None)
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        start(build_engine(settings, clock=sandbox.clock.now, model=None), host="127.0.0.1", port=0)
