"""Operations: /metrics after a scan (the real HTTP server), JSON logs with run and proposal ids and no secret, the
daily digest job per channel, and the digest delivered through the outbox to Slack (chart uploaded) or the console."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from agents._core import logs
from agents._core.console import deliver_outbox
from agents._core.decisions import Actor, decide
from agents._core.digest import KIND, build, enqueue
from agents._core.engine import Engine
from agents._core.odoo.errors import OdooError
from agents._core.odoo.sandbox import Sandbox
from agents._core.scheduler import DIGEST_JOB, build_scheduler, digest_tick
from agents._core.slack.app import web_client
from agents._core.slack.outbox import OutboxWorker
from agents._core.slack.server import start_ops
from tests.loop.conftest import engine, sandbox  # noqa: F401 - fixtures
from tests.slack.conftest import fake_slack, slack_engine, wait_until  # noqa: F401 - fixtures
from agents._core.slack.fake_api import FakeSlack

GRACE = Actor("odoo", "grace.finance")


def scrape(url: str) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        content_type = response.headers["content-type"]
        text = response.read().decode()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    return content_type, samples


def test_metrics_show_the_queues_proposals_decisions_and_odoo_calls_after_a_scan(engine: Engine) -> None:  # noqa: F811
    ops = start_ops(engine, host="127.0.0.1", port=0)  # as `run` does: serving before the first scan
    try:
        report = engine.run_once("approval_watcher")
        assert report.ok and report.proposal_ids
        pending = [p for p in engine.services.store.list_proposals(status="pending") if p.rule_id == "po_waiting_approval"]
        assert decide(engine, pending[0].id, "approve", GRACE).ok
        with pytest.raises(OdooError):
            engine.services.gateway("default").search_read("no.such.model", [], ["id"])
        content_type, m = scrape(ops.url + "/metrics")
        with urllib.request.urlopen(ops.url + "/healthz", timeout=10) as response:  # noqa: S310 - loopback
            health = json.loads(response.read())
    finally:
        ops.stop()
    assert content_type.startswith("text/plain") and health["ok"] is True and health["slack"] == "off"
    store = engine.services.store
    for snap in (s for s in store.latest_queue_snapshots() if s.agent == "approval_watcher"):
        key = (("agent", "approval_watcher"), ("rule", snap.rule_id))
        assert m[("sentinel_queue_items", key)] == snap.open_items
        assert m[("sentinel_queue_stalled_items", key)] == snap.stalled_items
        assert m[("sentinel_queue_oldest_item_age_seconds", key)] == pytest.approx((snap.age_max or 0) * 3600)
    for (agent, status), count in store.proposal_counts().items():
        assert m[("sentinel_proposals", (("agent", agent), ("status", status)))] == count
    assert m[("sentinel_time_to_decision_seconds_count", (("agent", "approval_watcher"),))] == 1
    assert m[("sentinel_last_successful_run_timestamp_seconds", (("agent", "approval_watcher"),))] > 1.7e9
    assert m[("sentinel_last_run_ok", (("agent", "approval_watcher"),))] == 1
    reads = ("sentinel_odoo_call_seconds_count", (("connection", "default"), ("method", "search_read")))
    assert m[reads] >= report.round_trips / 2
    assert m[("sentinel_odoo_call_errors_total", (("connection", "default"), ("error", "OdooModuleMissing"),
                                                  ("method", "search_read")))] >= 1
    assert ("sentinel_slack_delivery_errors_total", ()) in m and ("sentinel_outbox_waiting", ()) in m
    assert ("sentinel_paused", ()) in m


def test_json_logs_carry_the_run_and_proposal_ids_and_never_a_secret(engine: Engine) -> None:  # noqa: F811
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logs.configure(secrets=["p4ssw0rd-odoo"], stream=stream)
    try:
        report = engine.run_once("approval_watcher", keep_findings=False)
        decide(engine, report.proposal_ids[0], "reject", GRACE, reason="not stuck yet")
        logging.getLogger("sentinel.test").warning("login with p4ssw0rd-odoo and xoxb-1234-5678-abcdef failed")
        structlog.get_logger("sentinel.test").info("connecting", password="p4ssw0rd-odoo", api_key="k", url="http://x")
    finally:
        root.handlers[:], level = saved[0], saved[1]
        root.setLevel(level)
        structlog.reset_defaults()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all({"event", "level", "timestamp", "logger"} <= line.keys() for line in lines)
    scan = [line for line in lines if line["event"].startswith("scan of approval_watcher")]
    assert scan and scan[0]["run_id"] and scan[0]["agent"] == "approval_watcher"
    waits = [line for line in lines if line["event"].endswith("waits for a decision")]
    assert waits and all(line["proposal_id"] in line["event"] and line["run_id"] == scan[0]["run_id"] for line in waits)
    resumed = [line for line in lines if "resumed: reject" in line["event"]]
    assert resumed and resumed[0]["proposal_id"] == report.proposal_ids[0] and "run_id" not in resumed[0]
    text = stream.getvalue()
    assert "p4ssw0rd-odoo" not in text and "xoxb-" not in text and text.count("[redacted]") >= 4
    connecting = next(line for line in lines if line["event"] == "connecting")
    assert connecting["password"] == connecting["api_key"] == "[redacted]" and connecting["url"] == "http://x"


def test_run_serves_health_and_metrics_without_slack_and_logs_json(tmp_path: Path) -> None:
    db_path = tmp_path / "run.db"
    with Sandbox(seed=True) as sandbox:  # noqa: F811
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))},
               "SENTINEL_DATABASE_URL": f"sqlite:///{db_path}", "SENTINEL_HOUSEKEEPING_SECONDS": "0.5",
               "ODOO_URL": sandbox.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}
        process = subprocess.Popen([sys.executable, "runner.py", "run", "--host", "127.0.0.1", "--port", "0"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out: list[str] = []
        err: list[str] = []
        for pipe, sink in ((process.stdout, out), (process.stderr, err)):
            threading.Thread(target=lambda p=pipe, s=sink: s.extend(iter(p.readline, "")), daemon=True).start()
        try:
            wait_until(lambda: any("metrics at http://" in line for line in out), 60, "the endpoint is up")
            url = re.search(r"metrics at (http://\S+/metrics)", "".join(out)).group(1)
            wait_until(lambda: ("sentinel_queue_items", (("agent", "approval_watcher"), ("rule", "po_waiting_approval")))
                       in scrape(url)[1], 60, "a scan has recorded its queues")
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, "".join(out + err)
    assert any(line.startswith("daily digests: #billing-exceptions at cron[hour='8', minute='30']") for line in out)
    records = [json.loads(line) for line in err if line.startswith("{")]
    assert records and any(r.get("run_id") for r in records) and any(r.get("proposal_id") for r in records)
    assert all(not line.strip() or line.startswith("{") for line in err), err  # every log line is JSON


def test_a_daily_digest_job_per_channel_at_the_policys_time_queues_it_once(engine: Engine) -> None:  # noqa: F811
    scheduler = build_scheduler(engine, deliver=lambda: 0)
    jobs = {job.id: job for job in scheduler.get_jobs() if job.id.startswith(DIGEST_JOB)}
    assert set(jobs) == {f"{DIGEST_JOB}{c}" for c in ("#clinic-approvals", "#billing-exceptions", "#clinic-supplies")}
    trigger = jobs[f"{DIGEST_JOB}#clinic-approvals"].trigger
    assert str(trigger.timezone) == "America/New_York" and str(trigger) == "cron[hour='8', minute='30']"
    engine.run_once("approval_watcher", keep_findings=False)
    digest_tick(engine, "#clinic-approvals")
    digest_tick(engine, "#clinic-approvals")  # a second replica, or a rerun: still one message
    rows = [m for m in engine.services.store.pending_outbox(limit=1000) if m.kind == KIND]
    assert len(rows) == 1 and rows[0].payload["channel"] == "#clinic-approvals"
    printed: list[str] = []
    deliver_outbox(engine.services.store, printed.append)
    assert any(text.startswith("→ #clinic-approvals\nSentinel daily digest for #clinic-approvals") for text in printed)


def test_the_digest_is_posted_to_slack_with_its_chart_uploaded(slack_engine: Engine, fake_slack: FakeSlack) -> None:  # noqa: F811
    services = slack_engine.services
    slack_engine.run_once("approval_watcher", keep_findings=False)
    for message in services.store.pending_outbox(limit=1000):
        services.store.mark_delivered(message.id, channel="test")  # only the digest is of interest here
    policies = {"approval_watcher": services.policy("approval_watcher")}
    (digest,) = build(services.store, policies, now=services.clock(), odoo_urls={"default": "http://odoo.example"})
    assert enqueue(services.store, digest) is not None and enqueue(services.store, digest) is None
    worker = OutboxWorker(services.store, web_client(services.settings), odoo_url=lambda p: None, per_channel=0.0)
    assert worker.deliver() == 1
    (post,) = fake_slack.of("chat.postMessage")
    assert post.args["channel"] == "#clinic-approvals" and post.args["blocks"][0]["type"] == "header"
    assert post.args["text"].startswith("Sentinel daily digest for #clinic-approvals")
    (done,) = fake_slack.of("files.completeUploadExternal")
    assert done.args["channel_id"] == fake_slack.channel_id("#clinic-approvals")
    files = json.loads(done.args["files"]) if isinstance(done.args["files"], str) else done.args["files"]
    assert files[0]["title"].startswith("Sentinel daily digest")
    uploaded = [c for c in fake_slack.calls if c.method.startswith("upload/")]
    assert len(uploaded) == 1
    assert worker.deliver() == 0 and len(fake_slack.of("chat.postMessage")) == 1
