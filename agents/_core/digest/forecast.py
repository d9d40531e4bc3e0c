"""Backlog forecast: where a queue will be at the end of the business week, from this week's inflow and clearance,
with its error backtested on the queue's own history against a naive last-value forecast."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from state import QueueSnapshot

WEEK = 5  # business days of flow the forecast looks back on
HORIZON = 5  # business days ahead the backtest scores (a forecast "by Friday" looks 1 to 5 days ahead)
# One week's net flow is mostly noise (a clinic queue moves by a few items a day either way), so only part of it is
# carried forward: a third minimized the backtest error over the sandbox's simulated histories (bench/digest_forecast.py),
# where carrying all of it forward did worse than the naive forecast.
DAMPING = 1 / 3
METHOD = (
    "damped flow: the queue at the last business day's close, plus a third of the net flow (inflow minus clearance) "
    f"per business day over the last {WEEK} business days, times the business days to the target"
)


@dataclass(frozen=True, slots=True)
class DayClose:
    day: date
    open_items: int
    entered: int | None  # items that entered the queue since the previous business day's close; None: unknown


@dataclass(frozen=True, slots=True)
class Backtest:
    forecasts: int  # (origin, horizon) pairs scored
    mae: float  # mean absolute error of the flow forecast, in items
    naive_mae: float  # of the last value carried forward

    @property
    def skill(self) -> float:
        """1 - MAE / naive MAE: above 0 beats the naive forecast, 0 matches it."""
        return 1 - self.mae / self.naive_mae if self.naive_mae else 0.0


@dataclass(frozen=True, slots=True)
class Forecast:
    rule_id: str
    now: int  # at the last close
    as_of: date
    target: date
    ahead: int  # business days from as_of to target
    value: int  # the forecast
    at_pace: int  # where the queue would be if this week's net flow held every day (undamped)
    net_per_day: float  # this week's
    inflow_per_day: float | None
    clearance_per_day: float | None
    days: int  # business days of history behind the rates
    backtest: Backtest | None


class BusinessDays:
    """The policy's working days (weekdays and holidays) as dates: what the queue's flow is counted in."""

    def __init__(self, weekdays: Collection[int], holidays: Collection[date]) -> None:
        self.weekdays = set(weekdays)
        self.holidays = set(holidays)

    def __contains__(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def between(self, start: date, end: date) -> int:
        """Business days in (start, end]."""
        return sum(1 for i in range(1, (end - start).days + 1) if start + timedelta(days=i) in self)

    def week_end(self, after: date) -> date:
        """The last business day of the week after `after`; of the next week when none is left in this one."""
        monday = after - timedelta(days=after.weekday())
        for weeks in (0, 1, 2):
            days = [monday + timedelta(days=7 * weeks + i) for i in range(7)]
            left = [d for d in days if d > after and d in self]
            if left:
                return left[-1]
        return after + timedelta(days=7)


def closes(snapshots: Iterable[QueueSnapshot], tz: ZoneInfo, business: BusinessDays) -> list[DayClose]:
    """One rule's snapshots (oldest first) as business-day closes: the last snapshot of each business day."""
    result: list[DayClose] = []
    entered: int | None = 0
    last_day: date | None = None
    last_open = 0
    for snap in snapshots:
        day = snap.taken_at.astimezone(tz).date()
        if last_day is not None and day != last_day and last_day in business:
            result.append(DayClose(last_day, last_open, entered))
            entered = 0
        entered = None if entered is None or snap.entered is None else entered + snap.entered
        last_day, last_open = day, snap.open_items
    if last_day is not None and last_day in business:
        result.append(DayClose(last_day, last_open, entered))
    if result:  # the first close counts arrivals since the first snapshot only: not a day's inflow
        result[0] = DayClose(result[0].day, result[0].open_items, None)
    return result


def net_rate(series: Sequence[DayClose]) -> tuple[float, float | None, float | None, int]:
    """(net change per business day, inflow per day, clearance per day, days used) over the last WEEK business days.

    Inflow counts the items that entered the queue; clearance is what left it: yesterday's close + inflow - today's.
    """
    days = min(WEEK, len(series) - 1)
    if days < 1:
        return 0.0, None, None, 0
    recent = series[-days - 1:]
    net = (recent[-1].open_items - recent[0].open_items) / days
    arrivals = [c.entered for c in recent[1:]]
    inflow = sum(a for a in arrivals if a is not None) / days if None not in arrivals else None
    clearance = inflow - net if inflow is not None else None
    return net, inflow, clearance, days


def project(series: Sequence[DayClose], ahead: int, *, damping: float = DAMPING) -> float:
    net, *_ = net_rate(series)
    return max(0.0, series[-1].open_items + damping * net * ahead)


def backtest(series: Sequence[DayClose], *, horizon: int = HORIZON, damping: float = DAMPING) -> Backtest | None:
    """Every origin with a full week behind it, every horizon 1..`horizon` whose actual close is known: what the
    forecast would have said then (from the closes up to the origin only) against what happened."""
    errors: list[float] = []
    naive: list[float] = []
    for origin in range(WEEK, len(series) - 1):
        past = series[: origin + 1]
        for ahead in range(1, horizon + 1):
            if origin + ahead >= len(series):
                break
            actual = series[origin + ahead].open_items
            errors.append(abs(project(past, ahead, damping=damping) - actual))
            naive.append(abs(past[-1].open_items - actual))
    if not errors:
        return None
    return Backtest(len(errors), sum(errors) / len(errors), sum(naive) / len(naive))


def forecast(rule_id: str, series: Sequence[DayClose], business: BusinessDays) -> Forecast | None:
    """Where the queue will be at the end of the business week (of the next week when this one is over)."""
    if len(series) < 2:
        return None
    last = series[-1]
    target = business.week_end(last.day)
    ahead = business.between(last.day, target)
    net, inflow, clearance, days = net_rate(series)
    return Forecast(rule_id, last.open_items, last.day, target, ahead, round(project(series, ahead)),
                    round(project(series, ahead, damping=1.0)), net, inflow, clearance, days, backtest(series))
