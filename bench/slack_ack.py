"""Slack ack benchmark: 50 concurrent signed approve clicks against `runner.py run`; click -> message update p95,
ack p50/p99, click -> Odoo write p95.

First, feedback: 50 clicks at once on 50 different posted proposals while at least 20 new posts are still queued (the
policy is copied with per_run raised so one scan proposes them all; posts go out at one per second per channel). Click
-> message update is the click's send time to the first chat.update of its message in the local Slack Web API's log.
Then the burst: 50 clicks at once on a few proposals (people racing, double clicks): its acks are the ack figures, and
each proposal must get exactly one Odoo action. Click -> Odoo write is measured for the burst and then for one click at
a time on the remaining proposals (a person clicking while nobody else does).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project root holds `agents` and `tests`

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from agents._core.odoo import open_gateway  # noqa: E402
from state import Audit, Database, Store  # noqa: E402
from tests.slack.conftest import block_action, form  # noqa: E402
from agents._core.slack.fake_api import BOT_TOKEN, CALLS_PATH, FakeSlack  # noqa: E402

SECRET = "bench-signing-secret-0123456789ab"
ACK_P99_TARGET_MS = 50.0
WRITE_P95_TARGET_MS = 500.0
UPDATE_P95_TARGET_MS = 1000.0
MIN_QUEUED_POSTS = 20
WAITING_ORDERS = 110  # bulk orders waiting for approval, on top of the seeded network: 50 clicked, 20+ still to post
PER_RUN = 500  # the benchmark's copy of the policy proposes every waiting order in one scan
# Slack users of the three purchase managers (approvers under the shipped policy); each click is made by one who is
# not the order's buyer, so four-eyes lets it through.
APPROVERS = {"U0BGRACE1": "grace.finance", "U0BPATEL1": "dr.patel", "U0BADMIN1": "admin"}
ENDINGS = ("proposal.executed", "proposal.failed", "proposal.superseded")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=50, help="concurrent clicks in the burst (default 50)")
    parser.add_argument("--burst-on", type=int, default=5,
                        help="proposals the burst clicks on (default 5); the others are then clicked one at a time")
    parser.add_argument("--feedback-clicks", type=int, default=50,
                        help="concurrent clicks on different proposals while posts are queued (default 50)")
    parser.add_argument("--child", choices=["sandbox", "slack"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return serve_child(args.child)
    print(f"Slack ack benchmark: {args.clicks} concurrent signed approve clicks against runner.py run (uvicorn + Bolt) "
          "on loopback; the sandbox Odoo and the local Slack Web API each in their own process")
    with tempfile.TemporaryDirectory() as tmp:
        children: list[subprocess.Popen[str]] = []
        try:
            odoo, odoo_url = start_child("sandbox")
            slack, slack_url = start_child("slack")
            children += [odoo, slack]
            db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            sentinel, base = start_sentinel(odoo_url, slack_url, db_url, policies(Path(tmp)))
            children.insert(0, sentinel)
            store = Store(Database(db_url))
            clicker = Clicker(base, store, odoo_url)
            updates = feedback(clicker, store, slack_url, args.feedback_clicks)
            settle(base)
            result = run(clicker, store, args.clicks, args.burst_on)
            result["feedback"] = updates
        finally:
            for process in children:
                stop(process)
    report(result)
    return 0  # a benchmark reports misses; it does not fail the build


# -- the measured system ---------------------------------------------------------------------------------------

def serve_child(kind: str) -> int:
    """Child process until stdin closes: the seeded sandbox (live clock) plus orders waiting for approval, or the
    local Slack Web API (its own process, so answering ephemerals does not slow the clicking clients)."""
    if kind == "sandbox":
        from agents._core.odoo.sandbox import Sandbox

        sandbox = Sandbox(seed=True)
        sandbox.add_bulk_purchase_orders(WAITING_ORDERS, state_mix={"to approve": 1.0})
        print(f"READY {sandbox.start(port=0)}", flush=True)
        sys.stdin.read()
        sandbox.stop()
    else:
        with FakeSlack(users={u: f"{login}@harborhealth.example" for u, login in APPROVERS.items()}) as slack:
            print(f"READY {slack.url}", flush=True)
            sys.stdin.read()
    return 0


def start_child(kind: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, __file__, "--child", kind], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip() if process.stdout else ""
    if not line.startswith("READY "):
        stop(process)
        raise RuntimeError(f"the {kind} process did not start: {line!r}")
    return process, line.removeprefix("READY ")


def policies(tmp: Path) -> Path:
    """The shipped policies, approval_watcher's per_run and per_day raised: one scan queues more posts than are clicked."""
    folder = tmp / "policies"
    shutil.copytree(ROOT / "policies", folder)
    path = folder / "approval_watcher.yaml"
    text = re.sub(r"(?m)^(\s+per_run:)\s*\d+", rf"\1 {PER_RUN}", path.read_text())
    path.write_text(re.sub(r"(?m)^(\s+per_day:)\s*\d+", rf"\1 {PER_RUN}", text))
    return folder


def start_sentinel(odoo_url: str, slack_url: str, db_url: str, policy_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))},
        "SENTINEL_DATABASE_URL": db_url, "SENTINEL_HOUSEKEEPING_SECONDS": "5", "SENTINEL_POLICY_DIR": str(policy_dir),
        "ODOO_URL": odoo_url, "ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin",
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_url,
    }
    process = subprocess.Popen([sys.executable, "runner.py", "run", "--host", "127.0.0.1", "--port", "0"], cwd=ROOT,
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [line for line in lines if line.startswith("slack: http://")]
        if found:
            return process, found[0].split()[1].split("/slack/events")[0]
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop(process)
    raise RuntimeError("runner.py run did not start:\n" + "".join(lines))


def settle(base: str, timeout: float = 180.0) -> None:
    """Wait for the first scans to finish and their messages to be posted: the clicks then meet a quiet process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310 - loopback
            health = json.loads(response.read())
        runs = health["agents"].values()
        if all(r and r["status"] != "running" for r in runs) and health["outbox_pending"] == 0:
            return
        time.sleep(0.5)
    print("  (the first scans or postings had not finished; measuring anyway)")


def stop(process: subprocess.Popen[str]) -> None:
    if process.stdin:
        process.stdin.close()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- the clicks --------------------------------------------------------------------------------------------------

class Clicker:
    """Signed block_actions POSTs over fresh connections (as Slack makes them); the ack time is send -> response."""

    def __init__(self, base: str, store: Store, odoo_url: str) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.store = store
        self.gateway = open_gateway("bench", odoo_url, "sandbox", "admin", "admin")
        rows = self.gateway.search_read("res.users", [("login", "in", list(APPROVERS.values()))], ["login"])
        self.uids = {r["login"]: r["id"] for r in rows}

    def request(self, proposal: Any) -> bytes:
        user = next(u for u, login in APPROVERS.items() if self.uids.get(login) != proposal.subject_user_id)
        body = form(block_action(proposal.id, "sentinel.approve", user, channel=proposal.slack_channel,
                                 ts=proposal.slack_ts))
        timestamp = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body) or ""
        return (f"POST /slack/events HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nX-Slack-Request-Timestamp: {timestamp}\r\n"
                f"X-Slack-Signature: {signature}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
                ).encode()

    def send(self, raw: bytes) -> tuple[float, float, int]:
        """(sent at, epoch seconds; ack seconds; HTTP status)"""
        sent, started = time.time(), time.perf_counter()
        with socket.create_connection((self.host, self.port), timeout=10) as conn:
            conn.sendall(raw)
            status = int(_read_response(conn).split(b" ", 2)[1])
        return sent, time.perf_counter() - started, status

    def burst(self, proposals: list[Any], clicks: int) -> list[tuple[str, float, float, int]]:
        """`clicks` at once, spread over the proposals: several people (and double clicks) racing on each."""
        requests = [(p.id, self.request(p)) for p in (proposals[i % len(proposals)] for i in range(clicks))]
        barrier = threading.Barrier(clicks)
        acks: list[tuple[str, float, float, int]] = []

        def click(proposal_id: str, raw: bytes) -> None:
            barrier.wait()
            acks.append((proposal_id, *self.send(raw)))

        threads = [threading.Thread(target=click, args=request) for request in requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return acks

    def written(self, proposal_ids: set[str], sent: dict[str, float], timeout: float = 120) -> dict[str, Any]:
        """Wait for each proposal's end; click -> Odoo write is the first click to the executor's audit event, which
        is recorded right after Odoo answered the write."""
        ends: dict[str, Any] = {}
        deadline = time.monotonic() + timeout
        while len(ends) < len(proposal_ids) and time.monotonic() < deadline:
            for pid in proposal_ids - ends.keys():
                end = next((e for e in Audit(self.store.db).events(pid) if e.kind in ENDINGS), None)
                if end is not None:
                    ends[pid] = end
            time.sleep(0.01)
        at = {pid: (e.at if e.at.tzinfo else e.at.replace(tzinfo=timezone.utc)).timestamp() for pid, e in ends.items()}
        return {
            "writes": [at[pid] - sent[pid] for pid, e in ends.items() if e.kind == "proposal.executed"],
            "endings": [e.kind.removeprefix("proposal.") for e in ends.values()] + ["unfinished"] * (len(proposal_ids) - len(ends)),
            "actions": {pid: self.actions(pid) for pid in proposal_ids},
        }

    def actions(self, proposal_id: str) -> int:
        mark = f"[sentinel:{proposal_id}]"
        return (self.gateway.search_count("mail.message", [("body", "ilike", mark)])
                + self.gateway.search_count("mail.activity", [("note", "ilike", mark)]))


def posted_orders(store: Store) -> list[Any]:
    return sorted((p for p in store.list_proposals(status="pending", agent="approval_watcher")
                   if p.rule_id == "po_waiting_approval" and p.slack_ts), key=lambda p: p.created_at)


def queued_posts(store: Store) -> int:
    return sum(1 for m in store.pending_outbox(limit=10_000) if m.kind == "proposal.posted")


def feedback(clicker: Clicker, store: Store, slack_url: str, clicks: int, timeout: float = 240) -> dict[str, Any]:
    """Click `clicks` different posted proposals at once while new posts are still queued; each click's first update."""
    deadline = time.monotonic() + timeout
    while len(posted_orders(store)) < clicks and time.monotonic() < deadline:
        time.sleep(0.2)
    proposals = posted_orders(store)[:clicks]
    queued = queued_posts(store)
    acks = clicker.burst(proposals, len(proposals))
    sent = {pid: at for pid, at, _, _ in acks}
    by_ts = {p.slack_ts: p.id for p in proposals}
    first: dict[str, float] = {}
    deadline = time.monotonic() + 60
    while len(first) < len(proposals) and time.monotonic() < deadline:
        for call in _slack_calls(slack_url, "chat.update"):
            pid = by_ts.get(call["ts"])
            if pid and call["status"] == 200:
                first.setdefault(pid, call["wall"])
        time.sleep(0.05)
    last = max(first.values(), default=time.time())
    posted_meanwhile = sum(1 for c in _slack_calls(slack_url, "chat.postMessage")
                           if min(sent.values()) <= c["wall"] <= last)
    return {"latencies": [first[pid] - sent[pid] for pid in first], "clicked": len(proposals),
            "updated": len(first), "queued": queued, "posted_meanwhile": posted_meanwhile}


def _slack_calls(slack_url: str, method: str) -> list[dict[str, Any]]:
    url = slack_url.removesuffix("/api/") + CALLS_PATH + f"?method={method}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["calls"]


def run(clicker: Clicker, store: Store, clicks: int, burst_on: int) -> dict[str, Any]:
    proposals = posted_orders(store)
    if len(proposals) < 2:
        raise RuntimeError(f"{len(proposals)} pending purchase-order proposals: too few to measure")
    burst, single = proposals[:burst_on], proposals[burst_on:]
    acks = clicker.burst(burst, clicks)
    first = {pid: min(sent for p, sent, _, _ in acks if p == pid) for pid in {p.id for p in burst}}
    result = {"acks": acks, "burst": clicker.written(set(first), first), "burst_on": len(burst)}
    time.sleep(1)  # let the messages update before the one-at-a-time clicks
    sent: dict[str, float] = {}
    for proposal in single:
        sent[proposal.id], _, _ = clicker.send(clicker.request(proposal))
        clicker.written({proposal.id}, sent)
        time.sleep(0.2)
    result["single"] = clicker.written(set(sent), sent)
    return result


def _read_response(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
    while len(rest) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        rest += chunk
    return head


# -- the report --------------------------------------------------------------------------------------------------

def report(result: dict[str, Any]) -> None:
    part = result["feedback"]
    updates_ms = sorted(seconds * 1000 for seconds in part["latencies"])
    p95 = _pct(updates_ms, 95)
    enough = part["queued"] >= MIN_QUEUED_POSTS
    print(f"  feedback: {part['clicked']} clicks at once on different proposals, {part['queued']} new posts queued "
          f"(≥ {MIN_QUEUED_POSTS}: {'yes' if enough else 'NO'}); {part['posted_meanwhile']} of them went out "
          f"before the last message was updated")
    print(f"    click → message update  p50 {_pct(updates_ms, 50):6.1f} ms   p95 {p95:6.1f} ms   "
          f"max {max(updates_ms, default=float('nan')):6.1f} ms   ({part['updated']}/{part['clicked']} updated)"
          f"   target p95 ≤ {UPDATE_P95_TARGET_MS:.0f} ms: "
          f"{'met' if p95 <= UPDATE_P95_TARGET_MS and part['updated'] == part['clicked'] else 'MISSED'}")
    acks_ms = sorted(seconds * 1000 for _, _, seconds, _ in result["acks"])
    statuses = [status for *_, status in result["acks"]]
    ack_p99 = _pct(acks_ms, 99)
    print(f"  burst: {len(acks_ms)} clicks at once on {result['burst_on']} proposals "
          f"(HTTP {', '.join(f'{s}×{statuses.count(s)}' for s in sorted(set(statuses)))})")
    print(f"    ack latency          p50 {_pct(acks_ms, 50):6.1f} ms   p99 {ack_p99:6.1f} ms   max {acks_ms[-1]:6.1f} ms"
          f"   target p99 ≤ {ACK_P99_TARGET_MS:.0f} ms: {'met' if ack_p99 <= ACK_P99_TARGET_MS else 'MISSED'}")
    _writes("    click → Odoo write", result["burst"])
    if result["single"]["endings"]:
        print(f"  then one click at a time on {len(result['single']['endings'])} other proposals")
        _writes("    click → Odoo write", result["single"])


def _writes(label: str, part: dict[str, Any]) -> None:
    writes = sorted(seconds * 1000 for seconds in part["writes"])
    endings = {e: part["endings"].count(e) for e in sorted(set(part["endings"]))}
    once = all(count <= 1 for count in part["actions"].values())
    p95 = _pct(writes, 95)
    print(f"{label}  p50 {_pct(writes, 50):6.1f} ms   p95 {p95:6.1f} ms   max {max(writes, default=float('nan')):6.1f} ms"
          f"   target p95 ≤ {WRITE_P95_TARGET_MS:.0f} ms: {'met' if p95 <= WRITE_P95_TARGET_MS else 'MISSED'}"
          f"   ({endings}; at most one Odoo action per proposal: {'yes' if once else 'NO'})")


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


if __name__ == "__main__":
    sys.exit(main())
