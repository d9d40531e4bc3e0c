"""`proposals precision`: for shadow proposals, was the item still stuck when the proposal would have expired?

The evidence an on-call admin needs before switching an agent from shadow to live: a proposal whose item resolved
on its own would only have been noise. Odoo is read as it was at each expiry (odoo/history.py), read-only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from agents._core.engine import Engine
from agents._core.odoo.history import HistoricalOdoo
from agents._core.watcher import RecordRef, ScanContext

Verdict = Literal["still stuck", "resolved on its own", "too early"]


@dataclass
class PrecisionReport:
    agent: str
    days: int
    verdicts: Counter[tuple[str, Verdict]] = field(default_factory=Counter)  # (rule, verdict) -> proposals

    def rules(self) -> list[str]:
        return sorted({rule for rule, _ in self.verdicts})

    def precision(self, rule: str | None = None) -> float | None:
        stuck = sum(n for (r, v), n in self.verdicts.items() if v == "still stuck" and rule in (None, r))
        resolved = sum(n for (r, v), n in self.verdicts.items() if v == "resolved on its own" and rule in (None, r))
        return stuck / (stuck + resolved) if stuck + resolved else None


def shadow_precision(engine: Engine, agent: str, days: int) -> PrecisionReport:
    services = engine.services
    now = services.clock()
    policy = services.policy(agent)
    watcher = services.agents[agent].watcher
    history = HistoricalOdoo(services.gateway(policy.odoo))
    report = PrecisionReport(agent, days)
    for proposal in services.store.list_proposals(status="shadow", agent=agent):
        if proposal.created_at < now - timedelta(days=days):
            continue
        if proposal.expires_at > now:
            report.verdicts[(proposal.rule_id, "too early")] += 1
            continue
        ctx = ScanContext(history.at(proposal.expires_at), policy, proposal.expires_at, services.calendar(agent),
                          only=RecordRef(proposal.rule_id, proposal.model, proposal.res_id))
        still = any(f.res_id == proposal.res_id for f in watcher.detect(ctx)) if ctx.wants(proposal.rule_id) else False
        report.verdicts[(proposal.rule_id, "still stuck" if still else "resolved on its own")] += 1
    return report


def as_text(report: PrecisionReport) -> list[str]:
    lines = [f"Shadow proposals of {report.agent} in the last {report.days} days, judged when each would have expired:",
             f"{'rule':<26} {'still stuck':>11} {'resolved':>9} {'too early':>9} {'precision':>9}"]
    for rule in report.rules():
        n = {v: report.verdicts[(rule, v)] for v in ("still stuck", "resolved on its own", "too early")}
        lines.append(f"{rule:<26} {n['still stuck']:>11} {n['resolved on its own']:>9} {n['too early']:>9} "
                     f"{_percent(report.precision(rule)):>9}")
    overall = report.precision()
    if overall is None:
        return [*lines, "no shadow proposal has reached its expiry yet: nothing to judge"]
    advice = ("most would have been useful: consider `mode: live`" if overall >= 0.7 else
              "many items resolve on their own: raise the thresholds (see `policy backtest`) before going live")
    return [*lines, f"overall precision {_percent(overall)}: {advice}"]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
