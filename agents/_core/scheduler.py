"""APScheduler wiring: one job per agent (on its policy's connection), a daily digest per channel, and housekeeping
(policy reload per agent, expiry, recovery, delivery), each its own job so that one failing or stuck job never holds up
the others; JobWatch reports them (logs, /healthz)."""

from __future__ import annotations

import logging
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
from agents._core.policy import AgentPolicy, PolicyError
from agents._core.engine import Engine
from agents._core.services import REPLICA

log = logging.getLogger(__name__)


def agent_tick(engine: Engine, agent: str) -> None:
    """One scheduled scan. A changed policy file is reloaded first; a bad one is refused and the old one kept."""
    book = engine.services.policies
    if book.changed(agent):
        reload_policy(engine, agent)
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
    posted once to the agent's channel, and the previous policy stays in force."""
    services = engine.services
    loaded = services.policies.reload(agent)
    if isinstance(loaded, PolicyError):
        digest = services.policies.refused_sha256(agent)
        kept = services.policies.loaded.get(agent)
        channel = kept.policy.slack.channel if kept else None
        text = messages.POLICY_REFUSED.format(agent=agent, problems=str(loaded))
        services.store.enqueue("notice", None, {"channel": channel, "text": text}, dedup=f"policy-refused:{agent}:{digest}")
        services.audit.append("policy.refused", actor="system:reload", data={"agent": agent, "file_sha256": digest,
                                                                             "problems": str(loaded)})
        return
    services.store.record_policy_version(agent, str(loaded.path), loaded.sha256, loaded.text)
    services.audit.append("policy.loaded", actor="system:reload", data={"agent": agent, "sha256": loaded.sha256})


def build_scheduler(engine: Engine, *, deliver: Callable[[], object]) -> BackgroundScheduler:
    """coalesce: ticks missed while the process was down run once, not in a burst; max_instances=1: a slow job is
    never overlapped by its next tick (and, being its own job, holds up nothing else). Every job also runs once at start."""
    services = engine.services
    jobs = services.jobs
    every = services.settings.housekeeping_seconds
    stuck_after = services.settings.stuck_job_seconds
    # Enough workers that stuck jobs (each holds one) cannot starve the rest.
    workers = len(services.agents) * 2 + 8
    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
                                    executors={"default": ThreadPoolExecutor(workers)})
    start = datetime.now(timezone.utc)
    for agent in services.agents:
        try:
            policy = services.policy(agent)
        except Exception as exc:  # noqa: BLE001 - an agent without a valid policy is reported and left out
            log.error("%s is not scheduled: %s", agent, exc)
            continue
        if policy.schedule.cron:
            trigger = CronTrigger.from_crontab(policy.schedule.cron, timezone=policy.business_hours.timezone)
        else:
            trigger = IntervalTrigger(seconds=policy.schedule.every.total_seconds())
        job = f"{agent}@{policy.odoo}"
        scheduler.add_job(jobs.guard(f"scan:{job}", agent_tick, stuck_after=stuck_after),
                          trigger, args=[engine, agent], id=job, name=f"scan {agent}", next_run_time=start)
    for channel, (tz, at) in digest_times(engine).items():  # a daily digest per channel, at its policy's time
        scheduler.add_job(jobs.guard(f"{DIGEST_JOB}{channel}", digest_tick, stuck_after=stuck_after),
                          CronTrigger(hour=at.hour, minute=at.minute, timezone=tz), args=[engine, channel],
                          id=f"{DIGEST_JOB}{channel}", name=f"digest {channel}")
    chores: dict[str, Callable[[], object]] = {
        **{f"reload:{agent}": partial(reload_if_changed, engine, agent) for agent in services.agents},
        "expiry": partial(sweep_expired, engine),
        "recovery": partial(recover_stuck, engine),
        "delivery": deliver,
    }
    for name, chore in chores.items():
        scheduler.add_job(jobs.guard(name, chore, stuck_after=stuck_after),
                          IntervalTrigger(seconds=every), id=f"{HOUSEKEEPING_JOB}{name}", name="housekeeping",
                          next_run_time=start)
    return scheduler


HOUSEKEEPING_JOB = "housekeeping:"  # job id prefix; they share the name "housekeeping"


def reload_if_changed(engine: Engine, agent: str) -> None:
    """A policy edit is taken in force within seconds, not at the agent's next scan."""
    if engine.services.policies.changed(agent):
        reload_policy(engine, agent)


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
