"""R4: Odoo refuses, hangs, answers too late, loses the request or loses the answer, at every call of the act path;
once Odoo is back, each approved action is carried out exactly once (no `failed` for an outage, no second write)."""

from __future__ import annotations

import time

from proof.act_path import Proposals, actions_pending, judge, survey
from proof.proxy import FAULTS
from proof.table import Row, attempt
from proof.world import World, approver_for, user_ids

CLAIM = "Odoo refuse/hang/slow/drop at every act-path call: each approved action executes exactly once"


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    return [attempt(Row(f"R4 {db}", CLAIM, ctx.seed), lambda row, db=db: _one(ctx, db, row)) for db in ctx.dbs]


def _one(ctx, db: str, row: Row) -> None:  # noqa: ANN001
    rng = ctx.rng(row.id)
    with World(ctx.tmp / f"r4-{db}", db=db, waiting=ctx.size(16, 160)) as world:
        replica = world.start_replica()
        world.settle(replica, outbox=False)
        gateway = world.gateway()
        uids = user_ids(gateway)
        for turn, action in enumerate(actions_pending(world)[: ctx.size(1, 2)]):
            pool = Proposals(world, action)
            path = survey(world, replica, pool.next(), uids)
            # Every call after the decision for the first action type; the writes only for the next.
            aimed = [p for p in path.points[path.decided_at:] if turn == 0 or p.writes]
            trials = [(point, fault) for point in aimed for fault in FAULTS]
            if ctx.quick:  # every fault on the write itself, and two more at random
                write = path.points[-1]
                must = [(write, fault) for fault in FAULTS]
                trials = must + rng.sample([t for t in trials if t not in must], min(2, len(trials) - len(must)))
            ctx.say(f"{db} {action}: {len(trials)} faults on {len(path.points) - path.decided_at} calls after the decision")
            for point, fault in trials:
                row.tried += 1
                began = time.monotonic()
                proposal = pool.next()
                # The fault lasts a little longer than one Odoo timeout: long enough to defeat a naive retry.
                world.proxy.trigger(point.nth, fault, label=point.label, window=world.odoo_timeout * 2)
                world.click(replica, proposal.id, approver_for(proposal.subject_user_id, uids))
                deadline = time.monotonic() + 30
                while not world.proxy.struck() and time.monotonic() < deadline:
                    time.sleep(0.05)
                if not world.proxy.struck():  # this click took another way (a cached login): not a trial
                    row.tried -= 1
                    ctx.say(f"{point} not reached by this click; not counted")
                    world.proxy.clear()
                    world.wait_ended([proposal.id], timeout=30, aging=False)
                    continue
                time.sleep(world.odoo_timeout * 2 + 0.5)  # the outage ends; Odoo answers again
                world.proxy.clear()
                status = world.wait_ended([proposal.id], timeout=ctx.size(30, 60))[proposal.id]
                time.sleep(world.odoo_timeout + 2)  # a late write (slow) lands before the count
                problem = judge(world, gateway, proposal.id, status)
                if ctx.verbose:
                    ctx.say(f"{fault} at {point}: {problem or 'ok'} ({time.monotonic() - began:.0f} s)")
                if problem:
                    row.fail(f"{fault} at {point}: {problem}", proposal.id)
