"""R1: forged, stale, tampered, replayed and malformed requests to POST /slack/events: none is accepted, none gets 500.

Accepted means: a request without a valid signature answered 2xx, or any of them recording a decision. A validly signed
click replayed many times may decide once (the first), never again.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from proof.table import Row
from proof.world import APPROVERS, PEOPLE, STRANGER, World, approver_for, click_body, post, signed, user_ids

CLAIM = "≥ 1,000 forged/replayed/malformed Slack requests: 0 accepted, 0 answered 500"
UNSIGNED = ("no signature", "bad signature", "wrong secret", "stale timestamp", "future timestamp", "tampered body",
            "bad headers", "binary body")
SIGNED_GARBAGE = ("garbage body", "bad payload JSON", "missing fields", "wrong types", "unknown action", "no such proposal",
                  "huge body", "view garbage")


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    row = Row("R1", CLAIM, ctx.seed)
    rng = ctx.rng(row.id)
    total = ctx.size(300, 1200)
    started = time.monotonic()
    with World(ctx.tmp / "r1", waiting=4) as world:
        replica = world.start_replica()
        world.settle(replica, outbox=False)
        uids = user_ids(world.gateway())
        pending = world.store().list_proposals(status="pending", agent="approval_watcher")
        targets, replayed = pending[:-1], pending[-1]
        requests = [_forge(rng, rng.choice(targets).id) for _ in range(total)]
        replay = click_body(replayed.id, approver_for(replayed.subject_user_id, uids))
        replay_headers = signed(replay)
        requests += [("replay", replay.encode(), replay_headers)] * ctx.size(20, 100)
        rng.shuffle(requests)
        ctx.say(f"{len(requests)} requests ({len(set(k for k, _, _ in requests))} kinds) at {replica.url}")
        before = _decisions(world)

        def send(item):  # noqa: ANN001, ANN202
            kind, body, headers = item
            return kind, post(replica.url + "/slack/events", body, headers, timeout=15)[0]

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, requests))
        time.sleep(3)  # decisions run after the ack
        row.tried = len(answers)
        for kind, status in answers:
            if status >= 500 or status == 0:
                row.fail(f"{kind}: answered {status or 'no answer'}")
            elif kind in UNSIGNED and 200 <= status < 300:
                row.fail(f"{kind}: accepted ({status})")
        decided = _decisions(world) - before
        extra = {pid: n for pid, n in decided.items() if not (pid == replayed.id and n == 1)}
        for pid, n in extra.items():
            row.fail("decisions recorded by forged or replayed requests", pid, n)
        if replica.child.alive() is False:
            row.fail("the replica died")
    row.seconds = time.monotonic() - started
    return row


def _decisions(world: World) -> Counter[str]:
    """Decision events in the audit trail, per proposal."""
    from state import Audit, Database

    kinds = ("proposal.approved", "proposal.rejected", "proposal.snoozed")
    return Counter(e.proposal_id or "" for e in Audit(Database(world.db_url)).events() if e.kind in kinds)


def _forge(rng: random.Random, proposal_id: str) -> tuple[str, bytes, dict[str, str]]:
    """One request of a kind drawn at random: (kind, body, headers)."""
    kind = rng.choice(UNSIGNED + SIGNED_GARBAGE)
    user = rng.choice([*APPROVERS, STRANGER, *PEOPLE])
    body = click_body(proposal_id, user, rng.choice(["sentinel.approve", "sentinel.reject", "sentinel.snooze"]))
    now = int(time.time())
    if kind == "no signature":
        return kind, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    if kind == "bad signature":
        headers = signed(body)
        headers["X-Slack-Signature"] = "v0=" + "%064x" % rng.getrandbits(256)
        return kind, body.encode(), headers
    if kind == "wrong secret":
        return kind, body.encode(), signed(body, secret="not-the-secret-" + str(rng.getrandbits(32)))
    if kind == "stale timestamp":
        return kind, body.encode(), signed(body, timestamp=now - rng.choice([360, 600, 3600, 86400 * 30]))
    if kind == "future timestamp":
        return kind, body.encode(), signed(body, timestamp=now + rng.choice([360, 3600, 86400]))
    if kind == "tampered body":  # signed, then the approver or the proposal changed on the way
        headers = signed(body)
        return kind, body.replace("U0P", "U0X", 1).replace(proposal_id, proposal_id[::-1], 1).encode(), headers
    if kind == "bad headers":
        headers = signed(body)
        headers["X-Slack-Request-Timestamp"] = rng.choice(["", "abc", "-1", "1e30", "9" * 40, " "])
        headers["X-Slack-Signature"] = rng.choice(["", "v1=00", "v0=", "v0=zz", headers["X-Slack-Signature"].upper()])
        return kind, body.encode(), headers
    garbage = _garbage(rng, kind, proposal_id)
    # Binary cannot be signed the way Slack signs (its text is UTF-8): it stands for a body corrupted on the way.
    return kind, garbage, signed(garbage.decode("latin-1"))


def _garbage(rng: random.Random, kind: str, proposal_id: str) -> bytes:
    if kind == "garbage body":
        return rng.choice([b"", b"payload=", b"payload=%7B", b"a=b&c=d", b"payload=null", b"payload=%5B%5D", b"=" * 50])
    if kind == "bad payload JSON":
        return ("payload=" + quote(rng.choice(['{"type": ', "[1,2", '{"type": "block_actions"', "NaN", '"x"']))).encode()
    if kind == "missing fields":
        payload = {"type": "block_actions", "actions": [{"action_id": "sentinel.approve", "value": proposal_id}]}
        for key in rng.sample(["user", "team", "actions", "type"], rng.randint(0, 2)):
            payload.pop(key, None)
        return ("payload=" + quote(json.dumps(payload))).encode()
    if kind == "wrong types":
        payload = {"type": "block_actions", "user": rng.choice([None, 7, [], "U0PGRACE1"]), "team": 3,
                   "actions": rng.choice([{}, "x", [None], [{"action_id": 5, "value": {"a": 1}}]])}
        return ("payload=" + quote(json.dumps(payload))).encode()
    if kind == "unknown action":
        return click_body(proposal_id, "U0PGRACE1", rng.choice(["sentinel.delete", "approve", "", "x" * 300])).encode()
    if kind == "no such proposal":
        return click_body(rng.choice(["", "p-0", "../../etc", "' OR 1=1 --", "x" * 500]), "U0PGRACE1").encode()
    if kind == "huge body":
        return ("payload=" + quote(json.dumps({"type": "block_actions", "pad": "x" * rng.choice([10**5, 10**6])}))).encode()
    if kind == "binary body":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2048)))
    view = {"type": "view_submission", "user": {"id": "U0PGRACE1"}, "team": {"id": "T"},
            "view": rng.choice([{}, {"callback_id": "sentinel.reject", "private_metadata": "{bad"},
                                {"callback_id": "sentinel.snooze", "private_metadata": json.dumps({"proposal_id": proposal_id}),
                                 "state": {"values": {"reason": 5}}}])}
    return ("payload=" + quote(json.dumps(view))).encode()

