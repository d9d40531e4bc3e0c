"""R2: concurrent signed clicks on many proposals through two replicas on one database: one Odoo write each."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from proof.table import Row, attempt
from proof.world import APPROVERS, PEOPLE, World, user_ids

CLAIM = "concurrent clicks × proposals × 2 replicas: exactly one Odoo write each"


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    return [attempt(Row(f"R2 {db}", CLAIM, ctx.seed), lambda row, db=db: _one(ctx, db, row)) for db in ctx.dbs]


def _one(ctx, db: str, row: Row) -> None:  # noqa: ANN001
    rng = ctx.rng(row.id)
    proposals_wanted, clicks_each = ctx.size(8, 66), ctx.size(10, 50)
    with World(ctx.tmp / f"r2-{db}", db=db, waiting=proposals_wanted) as world:
        row.tried += 1  # both started at the same instant on the empty database: both must come up
        try:
            first, second = world.start_replicas(2)
        except RuntimeError as exc:
            row.fail("two replicas started together on an empty database: one did not come up",
                     str(exc).splitlines()[-1][:160])
            first, second = world.start_replicas(2)  # the schema is set up now: the clicks still get their test
        world.settle(first, outbox=False)
        gateway = world.gateway()
        uids = user_ids(gateway)
        pending = [p for p in world.store().list_proposals(status="pending", agent="approval_watcher")]
        chosen = rng.sample(pending, min(proposals_wanted, len(pending)))
        ctx.say(f"{db}: {len(chosen)} proposals × {clicks_each} clicks over 2 replicas")
        work = []
        for proposal in chosen:
            allowed = [s for s in APPROVERS if uids.get(PEOPLE[s]) != proposal.subject_user_id]
            work += [(rng.choice([first, second]), proposal.id, rng.choice(allowed)) for _ in range(clicks_each)]
        rng.shuffle(work)
        barrier = threading.Barrier(min(len(work), 32))
        statuses: list[int] = []

        def one(item) -> None:  # noqa: ANN001
            replica, pid, user = item
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            statuses.append(world.click(replica, pid, user))

        with ThreadPoolExecutor(32) as pool:
            list(pool.map(one, work))
        ended = world.wait_ended([p.id for p in chosen], timeout=ctx.size(60, 240), aging=False)
        row.tried += len(work)
        bad = [s for s in statuses if s >= 500 or s == 0]
        if bad:
            row.fail(f"clicks answered {sorted(set(bad))}", count=len(bad))
        for pid, status in ended.items():
            marks = world.marks(gateway, pid)
            if status != "executed":
                row.fail(f"approval ended {status}, not executed", pid)
            if marks != 1:
                row.fail(f"{marks} Odoo writes for one approval", pid)

