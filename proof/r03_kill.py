"""R3: kill -9 of the replica at every Odoo call of the act path (before the call reaches Odoo, and after Odoo answered
it), then restart: the approval is carried out exactly once, none lost, none stuck."""

from __future__ import annotations

import time

from proof.act_path import Proposals, actions_pending, judge, survey
from proof.seams import hold_decision, release
from proof.table import Row, attempt
from proof.world import World, approver_for, user_ids

CLAIM = "kill -9 at every act-path step, restart: 0 lost, 0 duplicated, 0 stuck"
VARIANTS = ("kill_before", "kill_after")


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    return [attempt(Row(f"R3 {db}", CLAIM, ctx.seed), lambda row, db=db: _one(ctx, db, row)) for db in ctx.dbs]


def _one(ctx, db: str, row: Row) -> None:  # noqa: ANN001
    rng = ctx.rng(row.id)
    with World(ctx.tmp / f"r3-{db}", db=db, waiting=ctx.size(14, 120)) as world:
        replica = world.start_replica()
        world.settle(replica, outbox=False)
        gateway = world.gateway()
        uids = user_ids(gateway)
        for turn, action in enumerate(actions_pending(world)[: ctx.size(1, 2)]):
            pool = Proposals(world, action)
            path = survey(world, replica, pool.next(), uids)
            # Every call for the first action type; the writes only for the next.
            trials = [(point, variant) for point in path.points for variant in VARIANTS if turn == 0 or point.writes]
            if ctx.quick:  # the moment the decision is recorded, the write itself, and one more at random
                must = [(path.after_decision, "kill_before"), (path.points[-1], "kill_before"), (path.points[-1], "kill_after")]
                trials = must + rng.sample([t for t in trials if t not in must], 1)
            ctx.say(f"{db} {action}: act path {', '.join(map(str, path.points))} (decision recorded before "
                    f"{path.after_decision}); {len(trials)} kills")
            for point, variant in trials:
                replica = _trial(ctx, world, replica, row, pool.next(), point, variant, uids, gateway)
            if turn == 0:  # the moment no Odoo call marks: status approved, graph not resumed yet
                for _ in range(ctx.size(1, 10)):
                    replica = _at_decision(ctx, world, replica, row, pool.next(), uids, gateway)


def _at_decision(ctx, world: World, replica, row: Row, proposal, uids, gateway):  # noqa: ANN001, ANN202
    row.tried += 1
    hold_decision(world, proposal.id)
    world.click(replica, proposal.id, approver_for(proposal.subject_user_id, uids))
    store, deadline = world.store(), time.monotonic() + 30
    while time.monotonic() < deadline and (store.get(proposal.id).status == "pending"):
        time.sleep(0.01)
    replica.child.kill9()
    release(world)
    replica = world.restart(replica)
    status = world.wait_ended([proposal.id], timeout=30)[proposal.id]  # recovery ticks every second
    problem = judge(world, gateway, proposal.id, status)
    if ctx.verbose:
        ctx.say(f"kill at the decision (approved, not resumed): {problem or 'ok'}")
    if problem:
        row.fail(f"kill right after the decision was recorded: {problem}", proposal.id)
    return replica


def _trial(ctx, world: World, replica, row: Row, proposal, point, variant: str, uids, gateway):  # noqa: ANN001, ANN202
    row.tried += 1
    began = time.monotonic()
    victim = replica.child
    world.proxy.trigger(point.nth, variant, label=point.label, hook=lambda _seen: victim.kill9())  # type: ignore[arg-type]
    world.click(replica, proposal.id, approver_for(proposal.subject_user_id, uids))
    deadline = time.monotonic() + 30
    while victim.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    world.proxy.clear()
    if victim.alive():  # this click took another way (a cached login): not a trial
        row.tried -= 1
        ctx.say(f"{point} not reached by this click; not counted")
        world.wait_ended([proposal.id], timeout=30, aging=False)
        return replica
    replica = world.restart(replica)
    if world.store().get(proposal.id).status == "pending":
        # Killed before the decision was recorded: the person clicks again, as Slack showed them no result.
        world.click(replica, proposal.id, approver_for(proposal.subject_user_id, uids))
    status = world.wait_ended([proposal.id], timeout=30)[proposal.id]  # recovery ticks every second
    problem = judge(world, gateway, proposal.id, status)
    if ctx.verbose:
        ctx.say(f"{variant} {point}: {problem or 'ok'} ({time.monotonic() - began:.0f} s)")
    if problem:
        row.fail(f"{variant.replace('_', ' ')} {point}: {problem}", proposal.id)
    return replica
