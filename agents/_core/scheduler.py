"""APScheduler wiring: one job per agent (on its policy's connection), a daily digest per channel, and housekeeping
(policy reload per agent, expiry, recovery, delivery, heartbeat, pruning), each its own job so that one failing or stuck
job never holds up the others; JobWatch reports them (logs, /healthz). A reload that changes a `schedule` or
`digest.at` reschedules its job at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timezone
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from agents._core import messages
from agents._core.decisions import recover_stuck, sweep_expired
from agents._core.policy import AgentPolicy, LoadedPolicy, PolicyError
from agents._core.policy_book import Unchecked
from agents._core.engine import Engine
from agents._core.services import REPLICA
from agents._core.upkeep import heartbeat, prune_state

log = logging.getLogger(__name__)


def agent_tick(engine: Engine, agent: str) -> None:
    """One scheduled scan. A changed policy file is reloaded first; a bad one is refused and the old one kept."""
    book = engine.services.policies
    if book.changed(agent):
        reload_policy(engine, agent)
    elif agent in book.unchecked:  # Odoo could not be asked before: preflight again before this scan
        _settle(engine, agent, book.recheck(agent))
    if not book.ready(agent):
        log.warning("scan of %s waits: its policy is not checked against Odoo yet (%s)", agent, book.unchecked[agent].reason)
        return
    if agent not in book.loaded:  # refused when its first check could run: said once (notice, audit); fix the file
        return
    store = engine.services.store
    try:
        policy = engine.services.policy(agent)
        job = f"{agent}@{policy.odoo}"
        # Several replicas run the same schedule: the first to claim this tick scans, the others skip it, and a
        # scan still running from an earlier tick (elsewhere) holds the lock.
        if not store.claim_run_slot(job, tick_slot(policy, engine.services.clock()), REPLICA):
            log.info("tick of %s taken by another replica", job)
            return
        with store.db.exclusive(f"scan:{job}") as mine:
            if not mine:
                log.info("%s is still being scanned by another replica", job)
                return
            engine.run_once(agent, keep_findings=False)  # logs its outcome itself, with the run id
    except Exception:  # noqa: BLE001 - one agent's bug must not stop the others
        log.exception("scan of %s crashed", agent)


def tick_slot(policy: AgentPolicy, now: datetime) -> str:
    """The tick a scan at `now` belongs to, the same on every replica: a cron minute, or the interval's window."""
    if policy.schedule.every:
        return str(int(now.timestamp() // policy.schedule.every.total_seconds()))
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")


def reload_policy(engine: Engine, agent: str) -> None:
    """Take a changed policy file in force from this tick on, or refuse it: the error is logged (by the book) and
    posted once to the agent's channel, and the previous policy stays in force. A file that is valid but cannot be
    checked against Odoo now waits for its check, which runs again before each scan."""
    _settle(engine, agent, engine.services.policies.reload(agent))


def _settle(engine: Engine, agent: str, outcome: LoadedPolicy | PolicyError | Unchecked | None) -> None:
    services = engine.services
    if isinstance(outcome, PolicyError):
        digest = services.policies.refused_sha256(agent)
        kept = services.policies.loaded.get(agent)
        channel = kept.policy.slack.channel if kept else None
        text = messages.POLICY_REFUSED.format(agent=agent, problems=str(outcome))
        services.store.enqueue("notice", None, {"channel": channel, "text": text}, dedup=f"policy-refused:{agent}:{digest}")
        services.audit.append("policy.refused", actor="system:reload", data={"agent": agent, "file_sha256": digest,
                                                                             "problems": str(outcome)})
    elif isinstance(outcome, LoadedPolicy) and services.policies.loaded.get(agent) is outcome:
        services.store.record_policy_version(agent, str(outcome.path), outcome.sha256, outcome.text)
        services.audit.append("policy.loaded", actor="system:reload", data={"agent": agent, "sha256": outcome.sha256})


def build_scheduler(engine: Engine, *, deliver: Callable[[], object]) -> BackgroundScheduler:
    """coalesce: ticks missed while the process was down run once, not in a burst; max_instances=1: a slow job is
    never overlapped by its next tick (and, being its own job, holds up nothing else). Every job also runs once at start.
    After a policy reload the scan and digest jobs follow the policies in force: a new `schedule` or `digest.at` takes
    effect without a restart."""
    services = engine.services
    jobs = services.jobs
    settings = services.settings
    stuck_after = settings.stuck_job_seconds
    # Enough workers that stuck jobs (each holds one) cannot starve the rest.
    workers = len(services.agents) * 2 + 10
    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
                                    executors={"default": ThreadPoolExecutor(workers)})
    start = datetime.now(timezone.utc)
    applied: dict[str, tuple] = {}  # job id -> the spec its trigger was built from
    sync_jobs(scheduler, engine, applied, first_run=start)

    syncing = threading.Lock()  # each agent's reload is its own job: two may finish together

    def reload_then_sync(agent: str) -> None:
        if reload_if_changed(engine, agent):
            with syncing:
                sync_jobs(scheduler, engine, applied)

    chores: dict[str, Callable[[], object]] = {
        **{f"reload:{agent}": partial(reload_then_sync, agent) for agent in services.agents},
        "heartbeat": partial(heartbeat, services),  # /healthz compares the policies replicas have in force
        "expiry": partial(sweep_expired, engine),
        "recovery": partial(recover_stuck, engine),
        "delivery": deliver,
    }
    for name, chore in chores.items():
        scheduler.add_job(jobs.guard(name, chore, stuck_after=stuck_after),
                          IntervalTrigger(seconds=settings.housekeeping_seconds), id=f"{HOUSEKEEPING_JOB}{name}",
                          name="housekeeping", next_run_time=start)
    if settings.retention_days > 0:
        scheduler.add_job(jobs.guard(PRUNE_JOB, partial(prune_state, services), stuck_after=stuck_after),
                          IntervalTrigger(hours=settings.prune_hours), id=PRUNE_JOB, name="prune", next_run_time=start)
    return scheduler


HOUSEKEEPING_JOB = "housekeeping:"  # job id prefix; they share the name "housekeeping"


def reload_if_changed(engine: Engine, agent: str) -> bool:
    """A policy edit is taken in force within seconds, not at the agent's next scan; True when a reload ran."""
    if engine.services.policies.changed(agent):
        reload_policy(engine, agent)
        return True
    return False


def planned_jobs(engine: Engine) -> dict[str, tuple[tuple, Callable[..., None], list, str]]:
    """Job id -> (spec, function, args, name) for the policies in force: one scan job per agent on its connection,
    one digest job per channel that asks for one. The spec is what the trigger is built from, compared on reload."""
    jobs: dict[str, tuple[tuple, Callable[..., None], list, str]] = {}
    for agent in engine.services.agents:
        try:
            policy = engine.services.policy(agent)
        except Exception as exc:  # noqa: BLE001 - an agent without a valid policy is reported and left out
            log.error("%s is not scheduled: %s", agent, exc)
            continue
        if policy.schedule.cron:
            spec: tuple = ("cron", policy.schedule.cron, policy.business_hours.timezone)
        else:
            spec = ("every", policy.schedule.every.total_seconds())
        jobs[f"{agent}@{policy.odoo}"] = (spec, agent_tick, [engine, agent], f"scan {agent}")
    for channel, (tz, at) in digest_times(engine).items():  # a daily digest per channel, at its policy's time
        jobs[f"{DIGEST_JOB}{channel}"] = (("daily", at.hour, at.minute, str(tz)), digest_tick, [engine, channel],
                                          f"digest {channel}")
    return jobs


def sync_jobs(scheduler: BackgroundScheduler, engine: Engine, applied: dict[str, tuple], *,
              first_run: datetime | None = None) -> list[str]:
    """Add, reschedule or remove scan and digest jobs so they match the policies in force; returns what changed."""
    changes = []
    planned = planned_jobs(engine)
    for job_id in [j for j in applied if j not in planned]:
        scheduler.remove_job(job_id)
        del applied[job_id]
        changes.append(f"removed {job_id}")
    for job_id, (spec, func, args, name) in planned.items():
        if applied.get(job_id) == spec:
            continue
        trigger = _trigger(spec)
        if job_id in applied:
            scheduler.reschedule_job(job_id, trigger=trigger)
            changes.append(f"rescheduled {name}: {trigger}")
        else:
            extra = {"next_run_time": first_run} if first_run is not None and func is agent_tick else {}
            watched = f"scan:{job_id}" if func is agent_tick else job_id
            guarded = engine.services.jobs.guard(watched, func, stuck_after=engine.services.settings.stuck_job_seconds)
            scheduler.add_job(guarded, trigger, args=args, id=job_id, name=name, **extra)
            if first_run is None:
                changes.append(f"scheduled {name}: {trigger}")
        applied[job_id] = spec
    for change in changes:
        log.info("%s", change)
    return changes


def _trigger(spec: tuple) -> CronTrigger | IntervalTrigger:
    kind = spec[0]
    if kind == "cron":
        return CronTrigger.from_crontab(spec[1], timezone=spec[2])
    if kind == "every":
        return IntervalTrigger(seconds=spec[1])
    return CronTrigger(hour=spec[1], minute=spec[2], timezone=spec[3])


PRUNE_JOB = "prune"


DIGEST_JOB = "digest:"  # job id prefix


def digest_times(engine: Engine) -> dict[str, tuple[ZoneInfo, time]]:
    """Channel -> (timezone, time) of its daily digest, for channels where a policy asks for one (`digest: {at: …}`)."""
    from agents._core.digest import channels
    from agents._core.digest.compute import digest_time

    policies = _policies(engine)
    times = {}
    for channel, agents in channels(policies).items():
        mine = [policies[a] for a in agents]
        if any(p.digest is not None for p in mine):
            tz, at, _ = digest_time(mine)
            times[channel] = (tz, at)
    return times


def digest_tick(engine: Engine, channel: str) -> None:
    """Build the channel's digest of the day and queue it; the outbox (once per channel and day) delivers it."""
    from agents._core.digest import build, enqueue, odoo_urls

    services = engine.services
    try:
        for digest in build(services.store, _policies(engine), now=services.clock(), channel=channel,
                            odoo_urls=odoo_urls(services.settings)):
            queued = enqueue(services.store, digest)
            log.info("digest of %s for %s %s", channel, digest.window.day, "queued" if queued else "was already queued")
    except Exception:  # noqa: BLE001 - the scans go on; tomorrow's digest is tried again
        log.exception("digest of %s failed", channel)


def _policies(engine: Engine) -> dict[str, AgentPolicy]:
    return {agent: loaded.policy for agent, loaded in engine.services.policies.loaded.items()}
