"""Business time: working days, hours, holidays and timezone, with golden figures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from agents._core.business_hours import BusinessCalendar

UTC = timezone.utc
NY = BusinessCalendar.of(timezone="America/New_York", days=["mon", "tue", "wed", "thu", "fri"], start=time(8), end=time(18),
                         holidays=[date(2026, 11, 26)])


@pytest.mark.parametrize(
    ("since", "until", "hours"),
    [
        # Mon 08:00 NY -> Fri 18:00 NY with Thanksgiving off: four working days
        (datetime(2026, 11, 23, 13, tzinfo=UTC), datetime(2026, 11, 27, 23, tzinfo=UTC), 40),
        # Fri 17:00 NY -> Mon 09:00 NY: the weekend does not count
        (datetime(2026, 11, 27, 22, tzinfo=UTC), datetime(2026, 11, 30, 14, tzinfo=UTC), 2),
        # entirely outside hours (Saturday)
        (datetime(2026, 11, 28, 13, tzinfo=UTC), datetime(2026, 11, 28, 20, tzinfo=UTC), 0),
        # within one day
        (datetime(2026, 11, 24, 14, 30, tzinfo=UTC), datetime(2026, 11, 24, 16, tzinfo=UTC), 1.5),
        # until before since
        (datetime(2026, 11, 24, 16, tzinfo=UTC), datetime(2026, 11, 24, 14, tzinfo=UTC), 0),
        # across the DST change (Nov 1 2026): Fri 30 Oct 08:00 EDT -> Mon 2 Nov 18:00 EST = 2 days
        (datetime(2026, 10, 30, 12, tzinfo=UTC), datetime(2026, 11, 2, 23, tzinfo=UTC), 20),
    ],
)
def test_business_hours_between(since: datetime, until: datetime, hours: float) -> None:
    assert NY.between(since, until) == timedelta(hours=hours)


def test_a_long_span_counts_weeks_without_looping_over_days() -> None:
    start = datetime(2026, 1, 5, 13, tzinfo=UTC)  # Monday 08:00 NY; Thanksgiving falls inside
    assert NY.between(start, start + timedelta(weeks=52)) == timedelta(hours=52 * 50 - 10)  # one holiday in the span


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NY.between(datetime(2026, 1, 1), datetime(2026, 1, 2))


def test_is_open() -> None:
    assert NY.is_open(datetime(2026, 11, 24, 15, tzinfo=UTC))
    assert not NY.is_open(datetime(2026, 11, 26, 15, tzinfo=UTC))  # holiday
    assert not NY.is_open(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))  # 18:30 NY


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Tuesday 10:00 NY + 8h = Tuesday 18:00 NY
        (datetime(2026, 11, 24, 15, tzinfo=UTC), 8, datetime(2026, 11, 24, 23, tzinfo=UTC)),
        # Friday 16:00 NY + 8h: 2h on Friday, 6h on Monday (Thanksgiving is a Thursday, not in the way)
        (datetime(2026, 11, 27, 21, tzinfo=UTC), 8, datetime(2026, 11, 30, 19, tzinfo=UTC)),
        # Wednesday 15:00 NY + 8h skips Thanksgiving: 3h Wednesday, 5h Friday
        (datetime(2026, 11, 25, 20, tzinfo=UTC), 8, datetime(2026, 11, 27, 18, tzinfo=UTC)),
        # Saturday night + 1h = Monday 09:00 NY
        (datetime(2026, 11, 29, 2, tzinfo=UTC), 1, datetime(2026, 11, 30, 14, tzinfo=UTC)),
    ],
)
def test_add_business_time(start: datetime, hours: float, expected: datetime) -> None:
    assert NY.add(start, timedelta(hours=hours)) == expected
    assert NY.between(start, expected) == timedelta(hours=hours)
