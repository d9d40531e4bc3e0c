"""The digest's backlog forecast against a naive last-value forecast, on the sandbox's simulated history.

For each seed, a history of --days days is simulated through the real engine on the bundled sandbox
(agents/_core/digest/simulate.py: orders and expenses arriving and cleared in Odoo in regimes -- steady, a month-end
rush, the approver on leave, catching up, short-handed again -- scans on the policies' schedules, people deciding on
the proposals, one Odoo outage). Every queue snapshot the scans recorded becomes one close per business day per queue.

At every business day with a full week behind it, the forecast is made from the closes up to that day only, for 1 to 5
business days ahead (a forecast "by Friday" looks that far), and compared with the close that followed:

  flow(k)  close + k x (this week's net flow per business day) x days ahead;  k = 1/3 is the digest's (DAMPING)
  naive    close (the last value carried forward)

MAE in items; skill = 1 - MAE / naive MAE (> 0: better than naive). The damping row "1" is the undamped projection
"at this week's pace", shown for comparison. A queue that never moved (naive MAE 0) is listed and left out of totals.

Usage: .venv/bin/python bench/digest_forecast.py [--days 42] [--seeds 7,1,2,3] [--agents all] [--keep DIR]
       --keep DIR keeps the first seed's state database as DIR/digest-history.db (for `runner.py digest`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project root holds `agents`

from agents._core.digest.forecast import DAMPING, BusinessDays, backtest, closes  # noqa: E402
from agents._core.digest.simulate import END, TZ, seeded_history  # noqa: E402
from runner import build_engine  # noqa: E402
from state import Database, Store  # noqa: E402

DAMPINGS = (DAMPING, 0.5, 1.0)
AGENTS = ("approval_watcher", "billing_exceptions", "supply_watcher")


def evaluate(db_path: Path, agents: tuple[str, ...], days: int) -> dict[tuple[str, str], dict[float, tuple[int, float, float]]]:
    """(agent, rule) -> damping -> (forecasts, MAE, naive MAE)."""
    db = Database(f"sqlite:///{db_path}")
    try:
        snapshots = Store(db).queue_snapshots(agents, END.replace(year=END.year - 1), END)
    finally:
        db.close()
    by_queue = defaultdict(list)
    for snap in snapshots:
        by_queue[(snap.agent, snap.rule_id)].append(snap)
    business = BusinessDays({0, 1, 2, 3, 4}, set())  # the shipped policies' days; their holidays fall outside
    result = {}
    for key, series in sorted(by_queue.items()):
        days_closed = closes(series, TZ, business)
        scores = {}
        for damping in DAMPINGS:
            made = backtest(days_closed, damping=damping)
            if made is not None:
                scores[damping] = (made.forecasts, made.mae, made.naive_mae)
        result[key] = scores
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=42)
    parser.add_argument("--seeds", default="7,1,2,3")
    parser.add_argument("--agents", default="all", help="comma-separated agent names, or all")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    agents = AGENTS if args.agents == "all" else tuple(args.agents.split(","))
    seeds = [int(s) for s in args.seeds.split(",")]
    totals: dict[float, list[float]] = {d: [0.0, 0.0, 0.0] for d in DAMPINGS}  # forecasts, abs error, naive abs error
    print(f"history: {args.days} days to {END.astimezone(TZ):%a %Y-%m-%d %H:%M} {TZ.key}, agents: {', '.join(agents)}")
    print(f"{'seed':>4} {'queue':<48} {'n':>4} {'naive':>7} " + " ".join(f"{'k=' + format(d, '.2g'):>14}" for d in DAMPINGS))
    for index, seed in enumerate(seeds):
        with tempfile.TemporaryDirectory(prefix="sentinel-digest-bench-") as tmp:
            db_path = Path(tmp) / "history.db"
            started = time.perf_counter()
            history = seeded_history(build_engine, db_path, days=args.days, agents=agents, seed=seed)
            seconds = time.perf_counter() - started
            seed_totals = {d: [0.0, 0.0, 0.0] for d in DAMPINGS}
            for (agent, rule), scores in evaluate(db_path, agents, args.days).items():
                if not scores:
                    continue
                n, _, naive = scores[DAMPINGS[0]]
                cells = " ".join(f"{scores[d][1]:6.2f} ({1 - scores[d][1] / naive:+5.0%})" if naive else f"{scores[d][1]:6.2f}   (flat)"
                                 for d in DAMPINGS)
                print(f"{seed:>4} {agent + '/' + rule:<48} {n:>4} {naive:7.2f} {cells}")
                if naive:
                    for d in DAMPINGS:
                        for bucket in (seed_totals[d], totals[d]):
                            bucket[0] += scores[d][0]
                            bucket[1] += scores[d][1] * scores[d][0]
                            bucket[2] += scores[d][2] * scores[d][0]
            cells = " ".join(f"{t[1] / t[0]:6.2f} ({1 - t[1] / t[2]:+5.0%})" for t in seed_totals.values())
            naive = seed_totals[DAMPING][2] / seed_totals[DAMPING][0]
            print(f"{seed:>4} {'all queues':<48} {int(seed_totals[DAMPING][0]):>4} {naive:7.2f} {cells}"
                  f"   [{sum(history.scans.values())} scans, {history.failed_scans} failed, "
                  f"{sum(history.decisions.values())} decisions, {seconds:.0f} s]")
            if args.keep is not None and index == 0:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(db_path, args.keep / "digest-history.db")
    t = totals[DAMPING]
    skill = 1 - t[1] / t[2]
    print(f"\nall seeds, the digest's forecast (k={DAMPING:.2g}): MAE {t[1] / t[0]:.2f} items vs naive {t[2] / t[0]:.2f} "
          f"over {int(t[0])} forecasts, skill {skill:+.1%}" + ("" if skill >= 0 else "   MISS <<<"))
    for d in DAMPINGS[1:]:
        other = totals[d]
        print(f"  for comparison, k={d:.2g}: MAE {other[1] / other[0]:.2f}, skill {1 - other[1] / other[2]:+.1%}")
    if args.keep is not None:
        print(f"kept the state of seed {seeds[0]}: SENTINEL_DATABASE_URL=sqlite:///{(args.keep / 'digest-history.db').resolve()} "
              f"runner.py digest --date {END.astimezone(TZ).date()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
