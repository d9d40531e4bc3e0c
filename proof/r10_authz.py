"""R10: nobody the policy does not name decides anything (Slack clicks and the CLI), and four-eyes holds when Odoo is
down: the person an item is about, named an approver by Slack id, clicks Approve on it while the clicker's Odoo identity
cannot be resolved; nothing is decided or written, then or after Odoo is back and recovery has run."""

from __future__ import annotations

import time
from typing import Any

from proof.procs import python, run_once
from proof.table import Row
from proof.world import PEOPLE, STRANGER, World, user_ids

CLAIM = "0 decisions by people the policy does not name; four-eyes holds with Odoo down"
BUYERS = ("U0PNINA01", "U0POMAR01", "U0PLUCY01")  # named approvers by Slack id here, and the subjects of orders
OUTSIDERS = ("U0PTOM001", "U0PSAM001", "U0PAUDIT1", STRANGER, "U0PNOBODY")  # named nowhere in the policy
OUTSIDER_LOGINS = ("tom.tech", "auditor", "U0PSAM001")  # for the CLI's --as


def _name_buyers(agent: str, data: dict[str, Any]) -> None:
    if agent != "approval_watcher":
        return
    data["slack"]["approvers"]["slack_users"] = list(BUYERS)
    data["slack"]["four_eyes"] = True
    for rule in data["rules"]:
        for step in rule.get("ladder") or []:
            if "approvers" in step:
                step["approvers"]["slack_users"] = list(BUYERS)


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    row = Row("R10", CLAIM, ctx.seed)
    rng = ctx.rng(row.id)
    started = time.monotonic()
    with World(ctx.tmp / "r10", waiting=ctx.size(10, 30), policy_edits=_name_buyers) as world:
        replica = world.start_replica()
        world.settle(replica, outbox=False)
        gateway = world.gateway()
        uids = user_ids(gateway)
        by_uid = {uid: sid for sid, login in PEOPLE.items() if sid in BUYERS for l2, uid in uids.items() if l2 == login}
        pending = world.store().list_proposals(status="pending", agent="approval_watcher")
        own = [p for p in pending if p.subject_user_id in by_uid]
        rng.shuffle(own)
        own = own[: ctx.size(3, 10)]
        ctx.say(f"four-eyes with Odoo down: {len(own)} subjects click Approve on their own item")
        world.proxy.set_mode("refuse")
        for proposal in own:
            world.click(replica, proposal.id, by_uid[proposal.subject_user_id])
        time.sleep(world.odoo_timeout * 2)
        world.proxy.clear()
        statuses = world.wait_ended([p.id for p in own], timeout=ctx.size(15, 30))
        for proposal in own:
            row.tried += 1
            status, marks = statuses[proposal.id], world.marks(gateway, proposal.id)
            if status != "pending" or marks:
                row.fail(f"the subject decided their own item with Odoo down: {status}, {marks} writes", proposal.id)
        others = [p for p in pending if p not in own][: ctx.size(4, 12)]
        before = {p.id: p.status for p in others}
        clicks = [(p, who, action) for p in others for who in OUTSIDERS
                  for action in ("sentinel.approve", "sentinel.reject", "sentinel.snooze")]
        ctx.say(f"{len(clicks)} clicks and {len(OUTSIDER_LOGINS)} CLI decisions by people the policy does not name")
        for proposal, who, action in clicks:
            row.tried += 1
            status = world.click(replica, proposal.id, who, action)
            if status >= 500 or status == 0:
                row.fail(f"click answered {status or 'no answer'}", f"{who} {action}")
        for who in OUTSIDER_LOGINS:
            row.tried += 1
            done = run_once(python("runner.py", "proposals", "approve", others[0].id, "--as", who), env=world.env(),
                            timeout=120)
            if done.returncode == 0:
                row.fail("the CLI approved for someone the policy does not name", who)
        time.sleep(3)
        store = world.store()
        for proposal in others:
            now = store.get(proposal.id)
            if now is None or now.status != before[proposal.id] or world.marks(gateway, proposal.id):
                row.fail("decided by someone the policy does not name", proposal.id)
    row.seconds = time.monotonic() - started
    return row
