"""The stock-out estimate, shared by the stockout_eta rule and bench/stockout_backtest.py so they cannot drift apart.

A flat daily rate over a trailing window of whole days: weekends and quiet days are averaged in, which is what a
buyer can check by hand ("84 used in the last 28 days: 3 a day").
"""

from __future__ import annotations


def daily_rate(used: float, window_days: int) -> float:
    return max(used, 0.0) / window_days if window_days > 0 else 0.0


def days_of_cover(available: float, rate: float) -> float | None:
    """Days until the available stock is used up at `rate`; None when nothing is being used."""
    if rate <= 0:
        return None
    return max(available, 0.0) / rate
