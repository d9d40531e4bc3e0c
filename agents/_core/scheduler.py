"""APScheduler wiring: one job per agent (on its policy's connection), plus housekeeping (expiry, outbox)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from agents._core.decisions import sweep_expired
from agents._core.engine import Engine

log = logging.getLogger(__name__)


def agent_tick(engine: Engine, agent: str) -> None:
    """One scheduled scan. A changed policy file is reloaded first; a bad one is refused and the old one kept."""
    book = engine.services.policies
    if book.changed(agent):
        loaded = book.reload(agent)
        if hasattr(loaded, "sha256"):
            engine.services.store.record_policy_version(agent, str(loaded.path), loaded.sha256, loaded.text)
    try:
        report = engine.run_once(agent)
    except Exception:  # noqa: BLE001 - one agent's bug must not stop the others
        log.exception("scan of %s crashed", agent)
        return
    log.info("scan of %s: ok=%s findings=%d proposals=%d%s", agent, report.ok, len(report.findings),
             len(report.proposal_ids), f" error={report.error}" if report.error else "")


def build_scheduler(engine: Engine, *, housekeeping: Callable[[], None]) -> BackgroundScheduler:
    """coalesce: ticks missed while the process was down run once, not in a burst; max_instances=1: a slow scan is
    never overlapped by the next one. Every job also runs once right at start."""
    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    start = datetime.now(timezone.utc)
    for agent in engine.services.agents:
        try:
            policy = engine.services.policy(agent)
        except Exception as exc:  # noqa: BLE001 - an agent without a valid policy is reported and left out
            log.error("%s is not scheduled: %s", agent, exc)
            continue
        if policy.schedule.cron:
            trigger = CronTrigger.from_crontab(policy.schedule.cron, timezone=policy.business_hours.timezone)
        else:
            trigger = IntervalTrigger(seconds=policy.schedule.every.total_seconds())
        scheduler.add_job(agent_tick, trigger, args=[engine, agent], id=f"{agent}@{policy.odoo}", name=f"scan {agent}",
                          next_run_time=start)
    every = engine.services.settings.housekeeping_seconds
    scheduler.add_job(housekeeping, IntervalTrigger(seconds=every), id="housekeeping", name="housekeeping",
                      next_run_time=start)
    return scheduler


def housekeeping_job(engine: Engine, deliver: Callable[[], int]) -> Callable[[], None]:
    def run() -> None:
        try:
            sweep_expired(engine)
            deliver()
        except Exception:  # noqa: BLE001 - retried at the next tick
            log.exception("housekeeping failed")

    return run
