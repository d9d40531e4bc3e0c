"""Business time: how many working hours lie between two instants, in the policy's timezone and calendar."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_ORIGIN = date(2000, 1, 3)  # a Monday: weeks are counted from here, so week arithmetic needs no loop
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    holidays: tuple[date, ...] = ()

    @classmethod
    def of(cls, *, timezone: str, days: Iterable[str], start: time, end: time, holidays: Iterable[date] = ()) -> BusinessCalendar:
        return cls(ZoneInfo(timezone), frozenset(_WEEKDAYS.index(d) for d in days), start, end, tuple(sorted(set(holidays))))

    @classmethod
    def from_policy(cls, hours) -> BusinessCalendar:  # noqa: ANN001 - agents._core.policy.BusinessHours (no import cycle)
        return cls.of(timezone=hours.timezone, days=hours.days, start=hours.start, end=hours.end, holidays=hours.holidays)

    def __post_init__(self) -> None:
        day = _seconds(self.end) - _seconds(self.start)
        object.__setattr__(self, "_day", day)
        prefix = [0]
        for weekday in range(7):
            prefix.append(prefix[-1] + (day if weekday in self.days else 0))
        object.__setattr__(self, "_prefix", prefix)
        working = tuple(h for h in self.holidays if h.weekday() in self.days)
        object.__setattr__(self, "_working_holidays", working)

    def between(self, since: datetime, until: datetime) -> timedelta:
        """Working time from `since` to `until` (zero if `until` is earlier)."""
        cached = getattr(self, "_last_until", None)
        if cached is not None and cached[0] == until:  # a scan measures every item against the same `now`
            end = cached[1]
        else:
            end = self._cumulative(until)
            object.__setattr__(self, "_last_until", (until, end))
        return timedelta(seconds=max(0.0, end - self._cumulative(since)))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of working time has passed since `start` (a TTL in business hours)."""
        remaining = duration.total_seconds()
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(3700):  # ten years of days: a bound, never reached with sane calendars
            opens = datetime.combine(day, self.start, tzinfo=self.tz)
            closes = datetime.combine(day, self.end, tzinfo=self.tz)
            if day.weekday() in self.days and day not in self.holidays:
                begin = max(opens, local)
                available = (closes - begin).total_seconds()
                if available > 0 and remaining <= available:
                    return (begin + timedelta(seconds=remaining)).astimezone(start.tzinfo)
                remaining -= max(0.0, available)
            day += timedelta(days=1)
        raise ValueError("the business calendar has no working hours")

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        return (
            local.weekday() in self.days
            and local.date() not in self.holidays
            and self.start <= local.time().replace(tzinfo=None) < self.end
        )

    def _cumulative(self, at: datetime) -> float:
        """Working seconds from the origin to `at`, counted on the local wall clock."""
        if at.tzinfo is None:
            raise ValueError("business time needs timezone-aware datetimes")
        local = at.astimezone(self.tz).replace(tzinfo=None)
        days = (local.date() - _ORIGIN).days
        weeks, rest = divmod(days, 7)
        total = weeks * self._prefix[7] + self._prefix[rest] + self._today(local)
        passed = bisect.bisect_left(self._working_holidays, local.date())
        total -= passed * self._day
        if passed < len(self._working_holidays) and self._working_holidays[passed] == local.date():
            total -= self._today(local)
        return total

    def _today(self, local: datetime) -> float:
        if local.weekday() not in self.days:
            return 0.0
        now = _seconds(local.time())
        return float(min(max(now, _seconds(self.start)), _seconds(self.end)) - _seconds(self.start))


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
