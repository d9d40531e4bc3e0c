"""The digest's figures, read from state only (no Odoo call): per Slack channel and day, per agent of that channel."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from agents._core.digest.forecast import BusinessDays, DayClose, Forecast, closes, forecast
from agents._core.digest.tuning import RuleNoise, rule_noise
from agents._core.policy import AgentPolicy
from agents._core.privacy import shared_label
from agents._core.queue_stats import percentile
from agents._core.render import odoo_link
from state import AgentRun, Proposal, QueueSnapshot, Store

DEFAULT_AT = "08:30"  # when a policy has no digest section: `runner.py digest` still covers the 24 hours to then
NOISE_DAYS = 30  # reject rates and reasons need more decisions than one day holds
CHART_DAYS = 30
HISTORY_DAYS = 120  # snapshots read for the forecast's backtest
OLDEST_SHOWN = 5
APPROVED = ("approved", "executing", "executed", "failed", "superseded")  # where an approval can lead
OUTCOMES = ("posted", "approved", "rejected", "snoozed", "expired", "superseded", "executed", "failed")


@dataclass(frozen=True)
class Window:
    channel: str
    day: date
    start: datetime  # UTC
    end: datetime
    timezone: str
    at: str


@dataclass(frozen=True)
class RunFigures:
    ok: int
    failed: int
    unfinished: int  # still running, or crashed without a result
    causes: list[tuple[str, int]]  # failure cause -> runs, most frequent first


@dataclass(frozen=True)
class QueueFigures:
    rule_id: str
    open_items: int
    stalled_items: int
    age_p50: float | None
    age_p90: float | None
    taken_at: datetime


@dataclass(frozen=True)
class OldItem:
    rule_id: str
    label: str  # the record's name only if the policy shares it
    model: str
    res_id: int
    age_hours: float
    link: str | None


@dataclass(frozen=True)
class DecisionTimes:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class LlmUse:
    drafts: int  # proposals drafted in the window
    calls: int  # drafts the model was asked for
    requests: int
    input_tokens: int
    output_tokens: int
    fallbacks: int  # the model failed or broke the policy: the template was used
    fallback_reasons: list[tuple[str, int]]


@dataclass
class AgentDigest:
    agent: str
    mode: str
    runs: RunFigures
    queues: list[QueueFigures]
    findings: dict[str, int]  # rule id -> findings in the last successful scan
    outcomes: dict[str, int]
    shadow: int  # proposals recorded in shadow mode
    decision_times: DecisionTimes
    oldest: list[OldItem]
    forecasts: list[Forecast]
    noise: list[RuleNoise]
    llm: LlmUse


@dataclass
class Trend:
    """One queue's points for the chart: (taken_at, open, stalled)."""

    agent: str
    rule_id: str
    points: list[tuple[datetime, int, int]] = field(default_factory=list)


@dataclass
class ChannelDigest:
    window: Window
    agents: list[AgentDigest]
    trends: list[Trend]
    forecasts: dict[tuple[str, str], Forecast]  # (agent, rule) -> forecast, for the chart


def channels(policies: Mapping[str, AgentPolicy]) -> dict[str, list[str]]:
    """Slack channel -> its agents: agents sharing a channel share one digest."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for agent in sorted(policies):
        grouped[policies[agent].slack.channel].append(agent)
    return dict(grouped)


def _lead(policies: Sequence[AgentPolicy]) -> AgentPolicy:
    """The policy whose digest time and timezone a shared channel follows: the first (by agent) that sets one."""
    return next((p for p in policies if p.digest is not None), policies[0])


def digest_time(policies: Sequence[AgentPolicy]) -> tuple[ZoneInfo, time, str]:
    lead = _lead(policies)
    at = lead.digest.at if lead.digest else DEFAULT_AT
    return lead.business_hours.tz, time(int(at[:2]), int(at[3:])), at


def window(channel: str, policies: Sequence[AgentPolicy], day: date) -> Window:
    """The 24 hours up to the digest time on `day`, in the channel's timezone."""
    tz, at, text = digest_time(policies)
    end = datetime.combine(day, at, tz).astimezone(timezone.utc)
    return Window(channel, day, end - timedelta(days=1), end, tz.key, text)


def latest_day(policies: Sequence[AgentPolicy], now: datetime) -> date:
    """The newest day whose digest time has passed: what the scheduled job sent last."""
    tz, at, _ = digest_time(policies)
    local = now.astimezone(tz)
    return local.date() if local.time() >= at else local.date() - timedelta(days=1)


def compute(store: Store, window: Window, policies: Mapping[str, AgentPolicy], *,
            odoo_urls: Mapping[str, str | None] | None = None) -> ChannelDigest:
    """`policies`: the channel's agents; `odoo_urls`: connection name -> Odoo base URL, for the links."""
    agents = sorted(policies)
    tz = ZoneInfo(window.timezone)
    noise_start = window.end - timedelta(days=NOISE_DAYS)
    proposals = store.proposals_between(agents, noise_start, window.end)
    runs = store.runs_between(agents, window.start, window.end)
    snapshots = store.queue_snapshots(agents, window.end - timedelta(days=HISTORY_DAYS), window.end)
    in_window = [p for p in proposals if window.start <= p.created_at < window.end]
    drafted = store.events("proposal.drafted", proposal_ids=[p.id for p in in_window])
    trends: dict[tuple[str, str], Trend] = {}
    for snap in snapshots:
        if snap.taken_at >= window.end - timedelta(days=CHART_DAYS):
            trends.setdefault((snap.agent, snap.rule_id), Trend(snap.agent, snap.rule_id)).points.append(
                (snap.taken_at, snap.open_items, snap.stalled_items))
    digests, forecasts = [], {}
    for agent in agents:
        policy = policies[agent]
        snaps = [s for s in snapshots if s.agent == agent]
        agent_runs = [r for r in runs if r.agent == agent]
        recent = [p for p in proposals if p.agent == agent]  # the last NOISE_DAYS
        created = [p for p in in_window if p.agent == agent]
        ids = {p.id for p in created}
        business = BusinessDays({_WEEKDAYS.index(d) for d in policy.business_hours.days}, policy.business_hours.holidays)
        agent_forecasts = _forecasts(snaps, tz, business)
        forecasts |= {(agent, f.rule_id): f for f in agent_forecasts}
        digests.append(AgentDigest(
            agent=agent,
            mode=policy.mode,
            runs=_runs(agent_runs),
            queues=_queues(snaps),
            findings=_findings(agent_runs),
            outcomes=_outcomes(recent, window),
            shadow=sum(1 for p in created if p.status == "shadow"),
            decision_times=_decision_times(recent, window),
            oldest=_oldest(snaps, policy, (odoo_urls or {}).get(policy.odoo)),
            forecasts=agent_forecasts,
            noise=rule_noise(recent, policy),
            llm=_llm(created, [e.data for e in drafted if e.proposal_id in ids]),
        ))
    return ChannelDigest(window, digests, [trends[k] for k in sorted(trends)], forecasts)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _runs(runs: Sequence[AgentRun]) -> RunFigures:
    causes = Counter(r.error or "unknown error" for r in runs if r.status == "failed")
    return RunFigures(
        ok=sum(r.status == "ok" for r in runs), failed=sum(r.status == "failed" for r in runs),
        unfinished=sum(r.status == "running" for r in runs), causes=causes.most_common(),
    )


def _findings(runs: Sequence[AgentRun]) -> dict[str, int]:
    last = next((r for r in reversed(runs) if r.status == "ok" and r.found is not None), None)
    return {rule: int(n) for rule, n in (last.found or {}).items()} if last else {}  # type: ignore[arg-type]


def _latest(snapshots: Sequence[QueueSnapshot]) -> list[QueueSnapshot]:
    newest: dict[str, QueueSnapshot] = {}
    for snap in snapshots:
        newest[snap.rule_id] = snap  # oldest first: the last one wins
    return [newest[rule] for rule in sorted(newest)]


def _queues(snapshots: Sequence[QueueSnapshot]) -> list[QueueFigures]:
    return [QueueFigures(s.rule_id, s.open_items, s.stalled_items, s.age_p50, s.age_p90, s.taken_at)
            for s in _latest(snapshots)]


def _oldest(snapshots: Sequence[QueueSnapshot], policy: AgentPolicy, url: str | None) -> list[OldItem]:
    share = set(policy.privacy.share)
    items = [OldItem(s.rule_id, shared_label(str(o["name"]), str(o["model"]), int(o["res_id"]), share),  # type: ignore[arg-type]
                     str(o["model"]), int(o["res_id"]), float(o["age_hours"]),  # type: ignore[arg-type]
                     odoo_link(url, str(o["model"]), int(o["res_id"])) if url else None)  # type: ignore[arg-type]
             for s in _latest(snapshots) for o in s.oldest]
    items.sort(key=lambda item: (-item.age_hours, item.model, item.res_id))
    return items[:OLDEST_SHOWN]


def _decided_in(proposal: Proposal, window: Window) -> bool:
    return proposal.decided_at is not None and window.start <= proposal.decided_at < window.end


def _by_person(proposal: Proposal) -> bool:
    return bool(proposal.decided_by) and not str(proposal.decided_by).startswith("system:")


def _outcomes(proposals: Sequence[Proposal], window: Window) -> dict[str, int]:
    """Posted: created in the window (live). The rest: decided in the window, by what the decision led to."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for p in proposals:
        if window.start <= p.created_at < window.end and p.status != "shadow":
            counts["posted"] += 1
        if not _decided_in(p, window):
            continue
        if p.status in APPROVED:
            counts["approved"] += 1
            if p.status in ("superseded", "executed", "failed"):
                counts[p.status] += 1
        elif p.status in ("rejected", "snoozed", "expired"):
            counts[p.status] += 1
    return counts


def _decision_times(proposals: Sequence[Proposal], window: Window) -> DecisionTimes:
    hours = [(p.decided_at - p.created_at).total_seconds() / 3600 for p in proposals  # type: ignore[operator]
             if _decided_in(p, window) and _by_person(p)]
    return DecisionTimes(len(hours), percentile(hours, 50), percentile(hours, 90))


def _forecasts(snapshots: Sequence[QueueSnapshot], tz: ZoneInfo, business: BusinessDays) -> list[Forecast]:
    by_rule: dict[str, list[QueueSnapshot]] = defaultdict(list)
    for snap in snapshots:
        by_rule[snap.rule_id].append(snap)
    result = []
    for rule, series in sorted(by_rule.items()):
        days: list[DayClose] = closes(series, tz, business)
        made = forecast(rule, days, business)
        if made is not None:
            result.append(made)
    return result


def _llm(proposals: Sequence[Proposal], events: Sequence[Mapping[str, object]]) -> LlmUse:
    usage = [e.get("usage") or {} for e in events]
    fallbacks = [e for e in events if e.get("source") == "template"]
    reasons = Counter(str(e.get("fallback_reason") or "unknown").split(":")[0] for e in fallbacks)
    return LlmUse(
        drafts=len(proposals),
        calls=len(events),
        requests=sum(int(u.get("requests", 0)) for u in usage),  # type: ignore[union-attr, arg-type]
        input_tokens=sum(int(u.get("input_tokens", 0)) for u in usage),  # type: ignore[union-attr, arg-type]
        output_tokens=sum(int(u.get("output_tokens", 0)) for u in usage),  # type: ignore[union-attr, arg-type]
        fallbacks=len(fallbacks),
        fallback_reasons=reasons.most_common(),
    )
