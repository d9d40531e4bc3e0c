"""Degraded, not dead: Slack unreachable at start or later, `run` scans and queues and catches up once, exactly once;
/healthz says `slack: degraded` with HTTP 503; a refused token stops `run` with one line and exit 1."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.slack.fake_api import BOT_TOKEN, FakeSlack
from agents._core.slack.server import start
from state import Database, Store
from tests.slack.conftest import SECRET, USERS, wait_until


def healthz(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def proposal_id(blocks: list[dict]) -> str:
    """A proposal message's context line starts with the proposal id."""
    context = next(b for b in reversed(blocks) if b["type"] == "context" and "drafted by" in json.dumps(b))
    return context["elements"][0]["text"].split(" ")[0]


def run_env(sandbox: Sandbox, fake: FakeSlack, db_path: Path, token: str = BOT_TOKEN) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))},
        "SENTINEL_DATABASE_URL": f"sqlite:///{db_path}", "SENTINEL_HOUSEKEEPING_SECONDS": "0.5",
        "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin",
        "SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url,
    }


def test_run_started_while_slack_is_down_scans_queues_and_delivers_each_message_once_when_it_is_back(
        tmp_path: Path) -> None:
    db_path = tmp_path / "run.db"
    with Sandbox(seed=True) as sandbox, FakeSlack(users=dict(USERS)) as fake:
        fake.down()
        process = subprocess.Popen([sys.executable, "runner.py", "run", "--host", "127.0.0.1", "--port", "0"],
                                   env=run_env(sandbox, fake, db_path), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
        try:
            wait_until(lambda: any(line.startswith("slack: http://") for line in lines) or process.poll() is not None,
                       60, "the endpoint is up")
            assert process.poll() is None, "".join(lines)
            base = re.search(r"slack: (http://[^/]+)/slack/events", "".join(lines)).group(1)
            status, health = healthz(base)
            assert (status, health["slack"], health["slack_mode"]) == (503, "degraded", "http")
            store = Store(Database(f"sqlite:///{db_path}"))
            wait_until(lambda: store.pending_outbox(), 60, "scans go on and queue their posts")
            wait_until(lambda: all((r["last_run"] or {}).get("status") == "ok" for r in healthz(base)[1]["agents"].values()), 60,
                       "every agent's first scan has finished")
            queued = {m.proposal_id for m in store.pending_outbox(limit=1000) if m.kind == "proposal.posted"}
            assert queued and fake.calls == []
            fake.up()
            wait_until(lambda: not store.pending_outbox(), 60, "the outbox is delivered once Slack answers")
            assert healthz(base)[0] == 200 and healthz(base)[1]["slack"] == "ok"
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, "".join(lines)
    posted = Counter(proposal_id(c.args["blocks"]) for c in fake.of("chat.postMessage"))
    assert set(posted) >= queued and all(count == 1 for count in posted.values()), posted  # each exactly once


def test_run_with_a_refused_token_exits_1_with_one_line(tmp_path: Path) -> None:
    with Sandbox(seed=True) as sandbox, FakeSlack() as fake:
        done = subprocess.run([sys.executable, "runner.py", "run", "--host", "127.0.0.1", "--port", "0"],
                              env=run_env(sandbox, fake, tmp_path / "r.db", token="xoxb-revoked"),
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    refusal = [line for line in done.stderr.splitlines() if "refused" in line]
    assert refusal == ["Slack: the bot token was refused (invalid_auth): set a valid SLACK_BOT_TOKEN (the app's "
                       "OAuth & Permissions page) and start again"], done.stderr


def test_slack_lost_later_is_degraded_then_ok_and_a_token_revoked_later_stops(
        slack_engine: Engine, fake_slack: FakeSlack) -> None:
    refused: list[str] = []
    service = start(slack_engine, host="127.0.0.1", port=0, per_channel=0.0, on_refused=refused.append)
    try:
        assert healthz(service.url) == (200, healthz(service.url)[1]) and healthz(service.url)[1]["slack"] == "ok"
        assert slack_engine.run_once("approval_watcher").ok
        fake_slack.down()
        service.deliver()
        status, health = healthz(service.url)
        assert (status, health["slack"]) == (503, "degraded") and health["outbox_pending"] > 0
        fake_slack.up()
        wait_until(lambda: healthz(service.url)[0] == 200, 15, "auth.test again with backoff")
        wait_until(lambda: not slack_engine.services.store.pending_outbox(), 15, "what waited is delivered")
        assert refused == []
        service.outbox.client.token = "xoxb-revoked"  # the token is revoked in Slack while running
        slack_engine.services.store.enqueue("notice", None, {"channel": "#clinic-approvals", "text": "hi"}, dedup="n")
        service.deliver()
        assert refused == ["the bot token was refused (invalid_auth): set a valid SLACK_BOT_TOKEN (the app's OAuth & "
                           "Permissions page) and start again"]
    finally:
        service.stop()
