"""R5: Slack down then back, with 429s and 500s: every proposal is posted exactly once, and every decision's update
reaches its message; nothing lost, nothing posted twice."""

from __future__ import annotations

import json
import time

from proof.table import Row
from proof.procs import python, run_once
from proof.world import PEOPLE, World, approver_for, user_ids

CLAIM = "Slack down then back (outage, 429s, 500s): each message posted once, none lost"


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    row = Row("R5", CLAIM, ctx.seed)
    rng = ctx.rng(row.id)
    started = time.monotonic()
    with World(ctx.tmp / "r5", waiting=ctx.size(6, 30)) as world:
        world.slack.down()  # down before Sentinel starts: it must start anyway, and its first posts find no Slack
        row.tried += 1
        try:
            replica = world.start_replica(timeout=60)
        except RuntimeError as exc:
            row.fail("`run` does not start while Slack is down", str(exc).splitlines()[-1][:120])
            world.slack.up()
            replica = world.start_replica()
            world.slack.down()  # right after start: the first scans' posts find no Slack
        world.settle(replica, outbox=False)
        time.sleep(ctx.size(3, 15))
        world.slack.up()
        world.slack.rate_limit(ctx.size(3, 10), retry_after=1, method="chat.postMessage")
        world.slack.fail(ctx.size(2, 6), method="chat.postMessage")
        _drain(world, replica, ctx.size(120, 300))
        pending = world.store().list_proposals(status="pending", agent="approval_watcher")
        chosen = rng.sample(pending, min(ctx.size(4, 12), len(pending)))
        uids = user_ids(world.gateway())
        world.slack.down()  # down again while people decide (from the CLI, as one does then): updates wait, not vanish
        for proposal in chosen:
            who = PEOPLE[approver_for(proposal.subject_user_id, uids)]
            done = run_once(python("runner.py", "proposals", "approve", proposal.id, "--as", who), env=world.env(),
                            timeout=120)
            if done.returncode != 0:
                row.fail("the CLI could not decide while Slack was down", (done.stdout + done.stderr).strip()[-120:])
        world.wait_ended([p.id for p in chosen], timeout=60, aging=False)
        time.sleep(ctx.size(3, 10))
        world.slack.up()
        world.slack.rate_limit(ctx.size(2, 6), retry_after=1, method="chat.update")
        _drain(world, replica, ctx.size(120, 300))
        proposals = [p for p in world.store().list_proposals() if p.status != "shadow"]
        ctx.say(f"{len(proposals)} proposals posted through an outage, {len(chosen)} decided through another")
        posts = [json.dumps(c.args) for c in world.slack.of("chat.postMessage")]
        updated = {str(c.args.get("ts")) for c in world.slack.of("chat.update")}
        for proposal in proposals:
            row.tried += 1
            count = sum(proposal.id in text for text in posts)
            if count != 1:
                row.fail(f"proposal posted {count} times", proposal.id)
        store = world.store()
        for proposal in chosen:
            row.tried += 1
            posted = store.get(proposal.id)
            if posted is None or posted.slack_ts is None:
                row.fail("decided proposal has no Slack message recorded", proposal.id)
            elif posted.slack_ts not in updated:
                row.fail("decision never reached its Slack message (no chat.update of it)", proposal.id)
    row.seconds = time.monotonic() - started
    return row


def _drain(world: World, replica, timeout: float) -> None:  # noqa: ANN001 - Replica
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = replica.health()
        if health and health["outbox_pending"] == 0:
            return
        time.sleep(1)
