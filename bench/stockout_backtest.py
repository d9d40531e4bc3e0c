"""Backtest of supply_watcher's stock-out estimate on the sandbox's consumption history, against a naive baseline.

The estimate is the agent's own code (agents/supply_watcher/forecast.py: a flat daily rate over the last 28 days), fed
by the agent's own reader of done use moves over the real gateway. For every clinic x product with use, every past day t
with a full window behind it, and two starting stocks X (the reorder rule's minimum, and half-way to its maximum):

  predicted  = days until X is used up, from what was known at the end of day t
  actual     = days until the use recorded after t adds up to X (interpolated within the day it does)

The baseline is the seasonal naive forecast: the last 7 days repeated (it knows the weekday pattern, and nothing else).
Error = predicted - actual, in days. Bias > 0: the stock ran out sooner than predicted (the dangerous side).
A start whose stock-out falls after the end of the history is left out, for both methods alike.

Usage: .venv/bin/python bench/stockout_backtest.py [--now 2026-11-25T15:00:00+00:00]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project root holds `agents`

from agents._core.business_hours import BusinessCalendar  # noqa: E402
from agents._core.odoo import open_gateway  # noqa: E402
from agents._core.odoo.sandbox import Sandbox, SandboxClock  # noqa: E402
from agents._core.odoo.values import m2o_id  # noqa: E402
from agents._core.policy import load_policy  # noqa: E402
from agents._core.watcher import ScanContext  # noqa: E402
from agents.supply_watcher import WATCHER  # noqa: E402
from agents.supply_watcher._reads import Supply  # noqa: E402
from agents.supply_watcher.forecast import daily_rate, days_of_cover  # noqa: E402
from agents.supply_watcher.policy import StockoutEtaRule  # noqa: E402

HISTORY_DAYS = 120  # what the demo seed holds
SEASON = 7  # the naive baseline repeats the last week


@dataclass
class Errors:
    errors: list[float] = field(default_factory=list)
    actual: list[float] = field(default_factory=list)  # the actual days to stock-out of the starts with an estimate
    no_estimate: int = 0  # nothing used in the window it looks at: it foresees no stock-out at all

    def line(self) -> str:
        if not self.errors:
            return f"{'-':>8} {'-':>8}"
        mae = statistics.fmean(abs(e) for e in self.errors)
        return f"{mae:8.2f} {statistics.fmean(self.errors):+8.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--now", type=datetime.fromisoformat, default=datetime.fromisoformat("2026-11-25T15:00:00+00:00"))
    args = parser.parse_args(argv)
    loaded = load_policy(ROOT / "policies/supply_watcher.yaml", WATCHER.policy_model, connections={"default"})
    policy = loaded.policy
    rule = next(r for r in policy.rules if isinstance(r, StockoutEtaRule))
    calendar = BusinessCalendar.from_policy(policy.business_hours)
    with Sandbox(seed=True, clock=SandboxClock(now=args.now)) as sandbox:
        gateway = open_gateway("default", sandbox.url, "sandbox", "admin", "admin", timeout=60)
        ctx = ScanContext(gateway, policy, args.now, calendar)
        series, levels = history(ctx, Supply(ctx), rule, args.now)
    results = backtest(series, levels, rule.window.days)
    report(results, series, rule, args.now)
    return 0


def history(ctx: ScanContext, supply: Supply, rule: StockoutEtaRule, now: datetime
            ) -> tuple[dict[tuple[int, int], dict[date, float]], dict[tuple[int, int], dict[str, float]]]:
    """Daily use per (product, warehouse) in the clinic's time zone, and each reorder rule's stock levels to test."""
    points = gateway_rules(ctx)
    levels = {key: {"minimum": low, "mid-way to maximum": (low + high) / 2} for key, (low, high) in points.items()}
    series: dict[tuple[int, int], dict[date, float]] = defaultdict(lambda: defaultdict(float))
    today = now.astimezone(ctx.calendar.tz).date()
    start = datetime.combine(today - timedelta(days=HISTORY_DAYS), datetime.min.time(), tzinfo=ctx.calendar.tz)
    for key, when, quantity in supply.consumption_moves(sorted({p for p, _ in points}), start, rule.consumption_to):
        day = when.astimezone(ctx.calendar.tz).date()
        if key in points and day < today:  # today is not over: its use is partial
            series[key][day] += quantity
    return series, levels


def gateway_rules(ctx: ScanContext) -> dict[tuple[int, int], tuple[float, float]]:
    rows = ctx.gateway.search_read("stock.warehouse.orderpoint", [], ["product_id", "warehouse_id", "product_min_qty", "product_max_qty"])
    return {(m2o_id(r["product_id"]) or 0, m2o_id(r["warehouse_id"]) or 0): (float(r["product_min_qty"]), float(r["product_max_qty"]))
            for r in rows if r["product_min_qty"] > 0}  # fmt: skip


def backtest(series: dict[tuple[int, int], dict[date, float]], levels: dict[tuple[int, int], dict[str, float]],
             window: int) -> dict[str, dict[str, Errors]]:
    results: dict[str, dict[str, Errors]] = defaultdict(lambda: {"model": Errors(), "naive": Errors()})
    for key, used in series.items():
        days = sorted(used)
        first, last = days[0], days[-1]
        daily = [used.get(first + timedelta(days=i), 0.0) for i in range((last - first).days + 1)]
        for t in range(window, len(daily)):  # t: the first day not yet known
            known, future = daily[t - window:t], daily[t:]
            for level, stock in levels[key].items():
                actual = days_to(stock, future)
                if actual is None:
                    continue  # the stock would outlast the history: no verdict for either method
                for name, predicted in (("model", _model(stock, known, window)), ("naive", _naive(stock, known))):
                    for bucket in (level, "all"):
                        if predicted is None:
                            results[bucket][name].no_estimate += 1
                        else:
                            results[bucket][name].errors.append(predicted - actual)
                            results[bucket][name].actual.append(actual)
    return results


def _model(stock: float, known: list[float], window: int) -> float | None:
    return days_of_cover(stock, daily_rate(sum(known), window))


def _naive(stock: float, known: list[float]) -> float | None:
    week = known[-SEASON:]
    if sum(week) <= 0:
        return None
    return days_to(stock, week * (int(stock / sum(week)) + 2))


def days_to(stock: float, use: list[float]) -> float | None:
    """Days until `use` adds up to `stock`, the last day counted in part; None if it never does."""
    total = 0.0
    for day, quantity in enumerate(use):
        if total + quantity >= stock and quantity > 0:
            return day + (stock - total) / quantity
        total += quantity
    return None


def report(results: dict[str, dict[str, Errors]], series: dict, rule: StockoutEtaRule, now: datetime) -> None:
    print(f"Stock-out backtest: supply_watcher's estimate (flat daily rate over the last {rule.window.days} days) against a")
    print(f"seasonal-naive baseline (the last {SEASON} days repeated), on the sandbox's {HISTORY_DAYS}-day use history")
    print(f"({len(series)} clinic x product series, clock {now:%Y-%m-%d %H:%M} UTC). Error = predicted - actual days to stock-out;")
    print("bias > 0: the stock ran out sooner than predicted.\n")
    print(f"{'starting stock':<22}{'starts':>7} {'actual':>7}  {'model MAE':>8} {'bias':>8}  {'naive MAE':>9} {'bias':>8}"
          "  no estimate (model/naive)")
    for level in ("minimum", "mid-way to maximum", "all"):
        model, naive = results[level]["model"], results[level]["naive"]
        count = len(model.errors) + model.no_estimate
        mean = statistics.fmean(model.actual) if model.actual else 0.0
        print(f"{level:<22}{count:>7} {mean:7.1f}  {model.line()}  {naive.line():>18}  {model.no_estimate}/{naive.no_estimate}")
    print("(actual: mean days to the actual stock-out; MAE and bias in days)")
    model, naive = results["all"]["model"].errors, results["all"]["naive"].errors
    if model and naive:
        late = sum(e > 0 for e in model) / len(model)
        print(f"\nmedian |error|: model {statistics.median(abs(e) for e in model):.2f} days, naive "
              f"{statistics.median(abs(e) for e in naive):.2f} days; the model was optimistic (stock-out sooner than "
              f"predicted) in {late:.0%} of starts.")


if __name__ == "__main__":
    raise SystemExit(main())
