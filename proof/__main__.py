"""`python -m proof [--quick] [--seed N] [--only R3,R4] [--db sqlite,postgres]`: run the rows, print one table, exit 1 on
any failure. Every process it starts is stopped when it ends, however it ends."""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root: `agents`, `state`, `tests`

from proof.procs import install_cleanup, stop_all  # noqa: E402
from proof.table import Row, render  # noqa: E402

ROWS = {
    "R1": "proof.r01_forged", "R2": "proof.r02_clicks", "R3": "proof.r03_kill", "R4": "proof.r04_odoo_faults",
    "R5": "proof.r05_slack", "R6": "proof.r06_injection", "R7": "proof.r07_policies", "R8": "proof.r08_privacy",
    "R9": "proof.r09_audit", "R10": "proof.r10_authz",
}


@dataclass
class Context:
    quick: bool
    seed: int
    dbs: tuple[str, ...]
    tmp: Path
    verbose: bool

    def size(self, quick: int, full: int) -> int:
        return quick if self.quick else full

    def rng(self, row: str) -> random.Random:
        return random.Random(f"{self.seed}:{row}")

    def say(self, text: str) -> None:
        print(f"  {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proof", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the bounded form (a few minutes), for CI")
    parser.add_argument("--seed", type=int, default=None, help="replay a run: the seed its table shows")
    parser.add_argument("--only", default="", help="comma-separated rows, e.g. R3,R4")
    parser.add_argument("--db", default="sqlite,postgres", help="state stores to run the database rows on")
    parser.add_argument("--verbose", action="store_true", help="print each failure as it happens")
    args = parser.parse_args(argv)
    install_cleanup()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    wanted = [r.strip().upper() for r in args.only.split(",") if r.strip()] or list(ROWS)
    unknown = [r for r in wanted if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}: choose among {', '.join(ROWS)}")
    mode = "quick" if args.quick else "full"
    started = time.monotonic()
    print(f"Sentinel proof ({mode}), seed {seed}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="sentinel-proof-") as tmp:
        ctx = Context(args.quick, seed, tuple(d.strip() for d in args.db.split(",") if d.strip()), Path(tmp),
                      args.verbose)
        for name in wanted:
            print(f"{name} …", flush=True)
            rows += _run_row(name, ctx)
            stop_all()  # nothing of a row outlives it
    print()
    print(render(rows, mode=f"{mode}, {time.monotonic() - started:.0f} s"))
    failed = [r.id for r in rows if not r.ok]
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'all rows hold'} (replay: python -m proof "
          f"{'--quick ' if args.quick else ''}--seed {seed})")
    return 1 if failed else 0


def _run_row(name: str, ctx: Context) -> list[Row]:
    module = importlib.import_module(ROWS[name])
    started = time.monotonic()
    try:
        found = module.run(ctx)
        rows = [found] if isinstance(found, Row) else found
    except Exception as exc:  # noqa: BLE001 - a scenario that cannot run is a failed row, with its cause
        traceback.print_exc()
        rows = [Row(name, getattr(module, "CLAIM", ""), ctx.seed, error=f"{type(exc).__name__}: {exc}"[:300])]
    for row in rows:
        if not row.seconds:
            row.seconds = (time.monotonic() - started) / len(rows)
        print(f"  {row.id}: tried {row.tried}, failed {row.failed}{' ERROR ' + row.error if row.error else ''}", flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
