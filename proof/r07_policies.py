"""R7: malformed policies. `policy check` refuses each one, in bounded time, with no traceback; swapped in under a live
`run`, each is refused while the last good policy stays, /healthz answers, housekeeping (expiry) goes on for every
agent, and SIGTERM still stops the process."""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from proof import policy_gen
from proof.procs import ROOT, python, run_once
from proof.table import Row
from proof.world import World

CLAIM = "≥ 100 malformed policies, checked and swapped in live: 0 hangs, 0 tracebacks, last good stays, housekeeping goes on"
CHECK_SECONDS = 6.0  # at least: a file `policy check` has not refused by then counts as a hang (the target is 1 s);
# on a busy machine, three times what checking the shipped file takes (up to 20 s)
BATCH = 25
RISKY = ("alias bomb", "deep nesting", "huge", "many keys", "long string")  # checked one file each: a hang is named
LIVE_KINDS = ("alias bomb", "huge number: duration", "deep nesting: maps", "syntax: truncated", "wrong type: rules",
              "huge file", "huge number: per_run", "bad cron")


def run(ctx) -> list[Row]:  # noqa: ANN001 - proof.__main__.Context
    rng = ctx.rng("R7")
    made = policy_gen.generate(rng, ctx.size(100, 300))
    return [_check(ctx, made), _live(ctx, made)]


def _check(ctx, made: list[policy_gen.Made]) -> Row:  # noqa: ANN001
    row = Row("R7 check", CLAIM.split(",")[0] + " (`policy check`)", ctx.seed)
    started = time.monotonic()
    paths = policy_gen.write(made, ctx.tmp / "r7-files")
    began = time.monotonic()
    _run_check([ROOT / "policies" / "approval_watcher.yaml"], timeout=120)
    limit = max(CHECK_SECONDS, min(20.0, 3 * (time.monotonic() - began)))
    items = list(zip(made, paths))
    risky = [item for item in items if item[0][0].startswith(RISKY)]
    plain = [item for item in items if item not in risky]
    verdicts: dict[Path, str] = {}
    for first in range(0, len(plain), BATCH):
        verdicts.update(_bisect([path for _, path in plain[first:first + BATCH]], limit))
    with ThreadPoolExecutor(2) as pool:
        for found in pool.map(lambda item: _run_check([item[1]], timeout=limit), risky):
            verdicts.update(found or {})
    ctx.say(f"{len(paths)} malformed policies ({len({k for k, _, _ in made})} kinds) through `policy check`, "
            f"a hang is > {limit:.0f} s")
    for (kind, _, _), path in items:
        row.tried += 1
        verdict = verdicts.get(path, "not named")
        if verdict != "refused":
            row.fail(f"{kind}: {verdict}", str(path.relative_to(ctx.tmp)))
    row.seconds = time.monotonic() - started
    return row


def _bisect(paths: list[Path], limit: float) -> dict[Path, str]:
    """Verdicts for a batch; a batch that hung or crashed as a whole is split until each culprit is named."""
    found = _run_check(paths, timeout=limit * (3 if len(paths) > 1 else 1))
    if found is not None:
        return found
    half = len(paths) // 2
    return {**_bisect(paths[:half], limit), **_bisect(paths[half:], limit)}


def _run_check(paths: list[Path], *, timeout: float) -> dict[Path, str] | None:
    """path -> refused | accepted | traceback | not named | hang; None when the batch as a whole went wrong."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "SENTINEL_", "SLACK_"))}
    env["SENTINEL_POLICY_DIR"] = str(ROOT / "policies")
    try:
        done = run_once(python("runner.py", "policy", "check", *map(str, paths)), env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None if len(paths) > 1 else {paths[0]: "hang"}
    output = done.stdout + done.stderr
    if "Traceback (most recent call last)" in output:
        return None if len(paths) > 1 else {paths[0]: "traceback"}
    verdicts = {}
    for path in paths:
        if f"OK {path}" in done.stdout:
            verdicts[path] = "accepted"
        elif str(path) in done.stderr:
            verdicts[path] = "refused"
        else:
            verdicts[path] = "not named"
    return verdicts


def _live(ctx, made: list[policy_gen.Made]) -> Row:  # noqa: ANN001
    row = Row("R7 live", "bad policy swapped in under `run`: refused, last good stays, housekeeping and SIGTERM work",
              ctx.seed)
    started = time.monotonic()
    kinds = LIVE_KINDS[: ctx.size(4, len(LIVE_KINDS))]
    chosen = [next(m for m in made if m[0] == kind) for kind in kinds if any(m[0] == kind for m in made)]
    with World(ctx.tmp / "r7-live", waiting=ctx.size(4, 10)) as world:
        replica = world.start_replica()
        world.settle(replica, outbox=False)
        good = {p.stem: p.read_text() for p in world.policy_dir.glob("*.yaml")}
        ctx.say(f"{len(chosen)} bad policies swapped in under a live run")
        for kind, agent, text in chosen:
            row.tried += 1
            mark = len(replica.child.lines)
            target = world.policy_dir / f"{agent}.yaml"
            _swap(target, text)
            time.sleep(3)  # several housekeeping ticks
            problems = _after_swap(world, replica, agent)
            _swap(target, good[agent])
            time.sleep(2)
            if any("Traceback" in line for line in replica.child.lines[mark:]):
                problems.append("traceback in the log")
            for problem in problems:
                row.fail(f"{kind}: {problem}", f"{agent}.yaml")
        row.tried += 1
        stopped = replica.child.stop(timeout=15)
        world.replicas.remove(replica)
        if stopped is None:
            row.fail("SIGTERM did not stop `run` within 15 s")
    row.seconds = time.monotonic() - started
    return row


def _swap(target: Path, text: str) -> None:
    """As an admin copies a file into place: written aside, then renamed over the old one."""
    aside = target.with_suffix(".tmp")
    aside.write_text(text, encoding="utf-8", errors="surrogateescape")
    aside.replace(target)


def _after_swap(world: World, replica, agent: str) -> list[str]:  # noqa: ANN001 - Replica
    problems = []
    began = time.monotonic()
    health = replica.health(timeout=5)
    if health is None:
        problems.append("/healthz did not answer within 5 s")
    elif time.monotonic() - began > 2:
        problems.append(f"/healthz took {time.monotonic() - began:.1f} s")
    store = world.store()
    refused = [e for e in _audit(world) if e.kind == "policy.refused" and (e.data or {}).get("agent") == agent]
    if not refused:
        problems.append("no policy.refused recorded (the bad file was not refused, or reload never ran)")
    if any(e.kind == "policy.loaded" and (e.data or {}).get("agent") == agent for e in _audit(world)[-5:]):
        problems.append("a bad file was loaded")
    # Housekeeping goes on for every agent: a proposal of each, made overdue now, must be expired within seconds.
    overdue = {}
    for name in ("approval_watcher", "billing_exceptions", "supply_watcher"):
        pending = store.list_proposals(status="pending", agent=name)
        if pending:
            overdue[name] = pending[0].id
            _make_overdue(world, pending[0].id)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(store.get(pid).status == "pending" for pid in overdue.values()):
        time.sleep(0.5)
    for name, pid in overdue.items():
        if store.get(pid).status == "pending":
            problems.append(f"housekeeping stopped: {name}'s overdue proposal not expired within 15 s")
    return problems


def _audit(world: World) -> list:
    from state import Audit, Database

    return Audit(Database(world.db_url)).events()


def _make_overdue(world: World, proposal_id: str) -> None:
    from sqlalchemy import text

    when = datetime.now(timezone.utc) - timedelta(hours=1)
    with world.store().db.session(write=True) as session:
        session.connection().execute(text("UPDATE proposal SET expires_at = :when WHERE id = :id"),
                                     {"when": when.replace(tzinfo=None), "id": proposal_id})
