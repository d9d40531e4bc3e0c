"""APScheduler wiring: one job per agent (on its policy's connection), plus housekeeping (expiry, outbox)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from agents._core import messages
from agents._core.decisions import sweep_expired
from agents._core.policy import PolicyError
from agents._core.engine import Engine

log = logging.getLogger(__name__)


def agent_tick(engine: Engine, agent: str) -> None:
    """One scheduled scan. A changed policy file is reloaded first; a bad one is refused and the old one kept."""
    book = engine.services.policies
    if book.changed(agent):
        reload_policy(engine, agent)
    try:
        report = engine.run_once(agent, keep_findings=False)
    except Exception:  # noqa: BLE001 - one agent's bug must not stop the others
        log.exception("scan of %s crashed", agent)
        return
    log.info("scan of %s: ok=%s findings=%d proposals=%d%s", agent, report.ok, report.finding_count,
             len(report.proposal_ids), f" error={report.error}" if report.error else "")


def reload_policy(engine: Engine, agent: str) -> None:
    """Take a changed policy file in force from this tick on, or refuse it: the error is logged (by the book) and
    posted once to the agent's channel, and the previous policy stays in force."""
    services = engine.services
    loaded = services.policies.reload(agent)
    if isinstance(loaded, PolicyError):
        path = services.agents[agent].policy_path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        kept = services.policies.loaded.get(agent)
        channel = kept.policy.slack.channel if kept else None
        text = messages.POLICY_REFUSED.format(agent=agent, problems=str(loaded))
        services.store.enqueue("notice", None, {"channel": channel, "text": text}, dedup=f"policy-refused:{agent}:{digest}")
        services.audit.append("policy.refused", actor="system:reload", data={"agent": agent, "file_sha256": digest,
                                                                             "problems": str(loaded)})
        return
    services.store.record_policy_version(agent, str(loaded.path), loaded.sha256, loaded.text)
    services.audit.append("policy.loaded", actor="system:reload", data={"agent": agent, "sha256": loaded.sha256})


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
            for agent in engine.services.agents:  # a policy edit is checked within seconds, not at the next scan
                if engine.services.policies.changed(agent):
                    reload_policy(engine, agent)
            sweep_expired(engine)
            deliver()
        except Exception:  # noqa: BLE001 - retried at the next tick
            log.exception("housekeeping failed")

    return run
