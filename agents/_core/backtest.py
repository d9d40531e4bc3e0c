"""`policy backtest`: replay the last N days of Odoo history through a policy, as if it had run on its schedule.

The real engine runs against a scratch store and Odoo-as-it-was (odoo/history.py): the same detection, triage, expiry
and escalation as production, nothing written to Odoo, nothing posted. Nobody decides in a replay, so every proposal
runs to its expiry and climbs the ladder; shadow policies are replayed as live to show what they would do.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from croniter import croniter
from langgraph.checkpoint.memory import InMemorySaver

from agents._core.decisions import sweep_expired
from agents._core.engine import Engine
from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo.history import HistoricalOdoo
from agents._core.policy import AgentPolicy, PolicyError
from agents._core.policy_book import PolicyBook
from agents._core.registry import AgentEntry
from agents._core.services import Services
from agents._core.settings import Settings
from state import Audit, Database, Store


@dataclass(frozen=True)
class ReplayedProposal:
    at: datetime
    record: str
    model: str
    res_id: int
    rule: str
    step: int  # 1-based, as people count ladder steps
    action: str
    approvers: dict[str, list[str]]
    escalated_from_step: int | None


@dataclass
class BacktestResult:
    agent: str
    days: int
    ticks: int
    start: datetime
    end: datetime
    policy_path: str
    policy_sha256: str
    proposals: list[ReplayedProposal] = field(default_factory=list)
    messages: Counter[tuple[str, date]] = field(default_factory=Counter)  # (channel, local day) -> Slack messages
    failed_ticks: list[str] = field(default_factory=list)


def schedule_ticks(policy: AgentPolicy, start: datetime, end: datetime) -> list[datetime]:
    """The instants the scheduler would have scanned at between start and end; with no span, `end` alone (as `once`)."""
    if start >= end:
        return [end]
    if policy.schedule.every:
        step, ticks, tick = policy.schedule.every, [], end
        while tick - step >= start:
            tick -= step
            ticks.append(tick)
        return sorted(ticks) + [end]
    local = start.astimezone(policy.business_hours.tz)
    runs = croniter(policy.schedule.cron, local)
    ticks = []
    while (tick := runs.get_next(datetime)) <= end:
        ticks.append(tick.astimezone(end.tzinfo))
    return ticks


def backtest(
    settings: Settings,
    entry: AgentEntry,
    *,
    days: int,
    now: datetime,
    gateway: OdooGateway,
    progress: Callable[[Iterator[datetime]], Iterator[datetime]] = lambda ticks: ticks,
) -> BacktestResult:
    book = PolicyBook({entry.name: entry}, set(settings.connections()) | {"default"})
    loaded = book.reload(entry.name)
    if isinstance(loaded, PolicyError):
        raise loaded
    book.loaded[entry.name] = replace(loaded, policy=loaded.policy.model_copy(update={"mode": "live"}))
    policy = loaded.policy
    ticks = schedule_ticks(policy, now - timedelta(days=days), now)
    history = HistoricalOdoo(gateway)
    clock = {"now": ticks[0]}
    result = BacktestResult(entry.name, days, len(ticks), ticks[0], now, str(entry.policy_path), loaded.sha256)
    with tempfile.TemporaryDirectory(prefix="sentinel-backtest-") as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'replay.db'}")
        db.migrate()
        services = Services(
            settings=settings, store=Store(db), audit=Audit(db), agents={entry.name: entry}, policies=book,
            gateway_factory=lambda _name: history.at(clock["now"]), clock=lambda: clock["now"], model=None,
        )
        engine = Engine(services, InMemorySaver())
        for tick in progress(iter(ticks)):
            clock["now"] = tick
            sweep_expired(engine)
            report = engine.run_once(entry.name, keep_findings=False)
            if not report.ok:
                result.failed_ticks.append(f"{tick:%Y-%m-%d %H:%M}: {report.error}")
        _collect(result, services, policy)
        db.close()
    return result


def _collect(result: BacktestResult, services: Services, policy: AgentPolicy) -> None:
    store = services.store
    escalations = {e.proposal_id: e.data.get("escalated_from") for e in services.audit.events() if e.kind == "proposal.created"}
    steps = {p.id: p.step for p in store.list_proposals()}
    for p in sorted(store.list_proposals(), key=lambda p: (p.created_at, p.id)):
        origin = escalations.get(p.id)
        result.proposals.append(ReplayedProposal(
            p.created_at, p.record_name, p.model, p.res_id, p.rule_id, p.step + 1, p.action, p.approvers or {},
            steps[origin] + 1 if origin in steps else None,
        ))
    tz = policy.business_hours.tz
    created = {p.id: p.created_at for p in store.list_proposals()}
    for message in store.pending_outbox(limit=1_000_000):  # a scratch store: nothing was ever delivered
        if message.kind == "proposal.posted" and message.proposal_id in created:
            day = created[message.proposal_id].astimezone(tz).date()
            result.messages[(message.payload.get("channel", ""), day)] += 1


def as_json(result: BacktestResult) -> dict:
    per_day: dict[str, dict[str, int]] = {}
    for (channel, day), count in sorted(result.messages.items()):
        per_day.setdefault(channel, {})[day.isoformat()] = count
    return {
        "agent": result.agent, "days": result.days, "ticks": result.ticks, "start": result.start.isoformat(),
        "end": result.end.isoformat(), "policy": result.policy_path, "policy_sha256": result.policy_sha256,
        "proposals": [
            {"at": p.at.isoformat(), "record": p.record, "model": p.model, "res_id": p.res_id, "rule": p.rule,
             "step": p.step, "action": p.action, "approvers": p.approvers, "escalated_from_step": p.escalated_from_step}
            for p in result.proposals
        ],
        "messages_per_channel_per_day": per_day,
        "failed_ticks": result.failed_ticks,
    }


def as_text(result: BacktestResult) -> list[str]:
    lines = [
        f"Backtest of {result.agent} over {result.days} days: {result.ticks} scheduled scans from "
        f"{result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC",
        f"policy {result.policy_path} (sha256 {result.policy_sha256[:12]}), replayed as live; nobody decides in a replay, "
        "so every proposal runs to its expiry",
        "",
        f"{'when (UTC)':<17} {'record':<28} {'rule':<26} step  approvers",
    ]
    for p in result.proposals:
        tier = f"{p.step}" + (f" (after step {p.escalated_from_step} expired)" if p.escalated_from_step else "")
        lines.append(f"{p.at:%Y-%m-%d %H:%M} {p.record[:28]:<28} {p.rule[:26]:<26} {tier:<5} {_approvers(p.approvers)}")
    lines += ["", "Summary", f"{'rule':<26} {'step':>4} {'proposals':>9}"]
    for (rule, step), count in sorted(Counter((p.rule, p.step) for p in result.proposals).items()):
        lines.append(f"{rule:<26} {step:>4} {count:>9}")
    lines += ["", f"{'Slack messages':<26} {'day':<10} {'count':>5}"]
    for (channel, day), count in sorted(result.messages.items()):
        lines.append(f"{channel:<26} {day:%Y-%m-%d} {count:>5}")
    days = max(1, result.days)
    total = sum(result.messages.values())
    busiest = max(result.messages.values(), default=0)
    lines.append(f"{len(result.proposals)} proposals, {total} messages: {total / days:.1f} a day on average, {busiest} on the busiest day")
    lines += [f"scan failed at {line}" for line in result.failed_ticks]
    return lines


def _approvers(approvers: dict[str, list[str]]) -> str:
    return "; ".join(f"{key}: {', '.join(values)}" for key, values in approvers.items() if values) or "—"
