"""A rule's queue as one scan saw it: how many items, how many stalled, how old, the oldest few; for trends and digests.

Streaming and compact: a queue of 100,000 items costs one array of doubles and a five-item heap, never the records.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OLDEST_KEPT = 5


@dataclass(frozen=True, slots=True)
class QueueItem:
    age_hours: float  # calendar hours since the item entered the queue (or, for `overdue`, since it fell due)
    model: str
    res_id: int
    name: str


class QueueStats:
    """Every record a rule reads from its queue is added once, stalled (reached a ladder step) or not.

    `enters_after_hours`: the age at which an item enters the queue as the rule reads it (an overdue rule reads only
    invoices already 30 days past due: they enter at 720 h), so `entered_within` counts arrivals, not old items.
    """

    __slots__ = ("open_items", "stalled_items", "enters_after_hours", "_ages", "_oldest")

    def __init__(self, *, enters_after_hours: float = 0.0) -> None:
        self.open_items = 0
        self.stalled_items = 0
        self.enters_after_hours = enters_after_hours
        self._ages = array("d")
        self._oldest: list[tuple[float, int, str, str]] = []  # min-heap of the OLDEST_KEPT largest ages

    def add(self, model: str, res_id: int, name: str, age_hours: float, *, stalled: bool) -> None:
        self.open_items += 1
        self.stalled_items += stalled
        age = max(0.0, float(age_hours))
        self._ages.append(age)
        # Ties keep the lower id (the older record): -res_id sorts it above a newer one of the same age.
        entry = (age, -res_id, model, name)
        if len(self._oldest) < OLDEST_KEPT:
            heapq.heappush(self._oldest, entry)
        elif entry > self._oldest[0]:
            heapq.heapreplace(self._oldest, entry)

    def percentile(self, q: float) -> float | None:
        return percentile(self._ages, q)

    def entered_within(self, hours: float) -> int:
        """Items that entered the queue in the last `hours` (for inflow: arrivals since the previous snapshot)."""
        limit = self.enters_after_hours + hours
        return sum(1 for age in self._ages if age < limit)

    def oldest(self) -> list[QueueItem]:
        return [QueueItem(age, model, -neg_id, name) for age, neg_id, model, name in sorted(self._oldest, reverse=True)]

    def summary(self) -> dict[str, Any]:
        """The figures a snapshot row keeps (ages in hours, to the hundredth)."""
        def hours(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {
            "open_items": self.open_items,
            "stalled_items": self.stalled_items,
            "age_p50": hours(self.percentile(50)),
            "age_p90": hours(self.percentile(90)),
            "age_max": hours(max(self._ages) if self._ages else None),
        }


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None when there are no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def snapshot_rows(
    queues: Mapping[str, QueueStats],
    *,
    agent: str,
    run_id: int | None,
    taken_at: datetime,
    previous: Mapping[str, datetime],
    label: Callable[[QueueItem], str],
) -> list[dict[str, Any]]:
    """One queue_snapshot row per reporting rule. `previous`: rule id -> when its last snapshot was taken (arrivals
    are counted since then); `label`: an item's name as the policy lets it be shown (privacy.share)."""
    rows = []
    for rule_id, stats in sorted(queues.items()):
        since = previous.get(rule_id)
        entered = stats.entered_within((taken_at - since).total_seconds() / 3600) if since is not None else None
        oldest = [{"model": item.model, "res_id": item.res_id, "name": label(item), "age_hours": round(item.age_hours, 2)}
                  for item in stats.oldest()]
        rows.append({"agent": agent, "rule_id": rule_id, "run_id": run_id, "taken_at": taken_at, "entered": entered,
                     "oldest": oldest, **stats.summary()})
    return rows
