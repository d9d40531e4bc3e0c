"""Scan benchmark: each agent's dry-run scan of N open items against raw search_read of the same reads, with peak RSS."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script: the project root holds `agents`

from agents._core.odoo.gateway import DEFAULT_PAGE_SIZE  # noqa: E402

NOW = "2026-11-25T15:00:00+00:00"  # a Wednesday 10:00 in New York, inside the policy's business hours
RATIO_TARGET = 1.3
RSS_TARGET_MB = 250.0
SMALL = 20_000  # up to this many items a round is cheap, so the best of a few rounds evens out noise
# The sizes the issues set: orders waiting for approval; moves; products, each in three clinics.
DEFAULT_SIZES = {"approval_watcher": [10_000, 100_000], "billing_exceptions": [50_000], "supply_watcher": [20_000]}


@dataclass(frozen=True)
class Verdict:
    text: str
    passed: bool | None  # None: no target


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress lines show while a size runs, in order with stderr
    started = time.perf_counter()
    print(f"Scan benchmark: dry runs on a bulk-loaded sandbox in its own process; clock {NOW}")
    results = [
        {**measure(agent, items, args.repeat or rounds_for(items), args.profile), "agent": agent}
        for agent in args.agents
        for items in (args.sizes or DEFAULT_SIZES[agent])
    ]
    print_table(results)
    print_details(results)
    print_summary(results, time.perf_counter() - started)
    return 0  # a benchmark reports misses; it does not fail the build


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=lambda text: [a for a in text.split(",") if a], default=list(DEFAULT_SIZES),
                        help=f"comma-separated agents (default {','.join(DEFAULT_SIZES)})")
    parser.add_argument("--sizes", type=_sizes, default=None,
                        help="comma-separated numbers of items for every agent chosen (default: "
                             + "; ".join(f"{a} {','.join(map(str, n))}" for a, n in DEFAULT_SIZES.items()) + ")")
    parser.add_argument("--repeat", type=int, default=None,
                        help=f"rounds of scan + raw replay per size, best kept (default 3 up to {SMALL:,} items, else 1)")
    parser.add_argument("--profile", action="store_true",
                        help="after the measured rounds, profile one more scan (cProfile, tracemalloc) to stderr; "
                             "slow: use a size such as 20000")
    return parser.parse_args(argv)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of sizes (use 10000,100000)") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': sizes must be positive (use 10000,100000)")
    return sizes


def rounds_for(items: int) -> int:
    return 3 if items <= SMALL else 1


# -- one size: a sandbox process and a fresh scanner process -------------------------------------------------

def measure(agent: str, items: int, rounds: int, profile: bool) -> dict[str, Any]:
    print(f"  {agent}, {items:,} items: loading the sandbox, then {rounds} round(s) of scan + raw replay ...", flush=True)
    sandbox = start_sandbox(agent, items)
    try:
        url = wait_ready(sandbox)
        return run_scanner(url, agent, items, rounds, profile)
    except RuntimeError as exc:
        return {"items": items, "error": str(exc)}
    finally:
        stop_sandbox(sandbox)


def start_sandbox(agent: str, items: int) -> subprocess.Popen[str]:
    # Its own process: the server's memory and CPU must not count as the scanner's.
    command = [sys.executable, str(HERE / "_sandbox_proc.py"), "--agent", agent, "--items", str(items), "--now", NOW]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def wait_ready(sandbox: subprocess.Popen[str]) -> str:
    assert sandbox.stdout is not None
    line = sandbox.stdout.readline().strip()
    if not line.startswith("READY "):
        raise RuntimeError(f"the sandbox did not start (exit {sandbox.poll()}): {line!r}")
    return line.removeprefix("READY ")


def stop_sandbox(sandbox: subprocess.Popen[str]) -> None:
    assert sandbox.stdin is not None
    sandbox.stdin.close()  # its signal to stop serving
    try:
        sandbox.wait(timeout=30)
    except subprocess.TimeoutExpired:
        sandbox.kill()
        sandbox.wait()


def run_scanner(url: str, agent: str, items: int, rounds: int, profile: bool) -> dict[str, Any]:
    # A fresh process per size, so each peak RSS is that size's own high-water mark.
    command = [sys.executable, str(HERE / "_scanner.py"), "--url", url, "--agent", agent, "--items", str(items), "--now", NOW,
               "--repeat", str(rounds)] + (["--profile"] if profile else [])
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"the scanner exited {done.returncode} without a result") from None


# -- verdicts --------------------------------------------------------------------------------------------------

def round_trip_bound(r: dict[str, Any]) -> int:
    """Batched means at most two calls per page of records read (a page, then what it needs from another model),
    plus one call per model checked and one closing short or empty page per rule; a call per record is far above."""
    return 2 * math.ceil(r["records_read"] / DEFAULT_PAGE_SIZE) + r["models_checked"] + r["rules"]


def verdicts(r: dict[str, Any]) -> dict[str, Verdict]:
    scan, raw = min(r["scan_s"]), min(r["raw_s"])
    ratio = scan / raw if raw > 0 else math.inf
    peak = max(r["rss_after_scan_mb"])
    bound = round_trip_bound(r)
    return {
        "agent": Verdict(r.get("agent", ""), None),
        "items": Verdict(f"{r['items']:,}", None),
        "findings": Verdict(f"{r['findings']:,}", None),
        "round trips": _check(f"{r['round_trips']}", r["round_trips"] <= bound, f"≤ {bound}"),
        "records read": Verdict(f"{r['records_read']:,}", None),
        "scan s": Verdict(f"{scan:.2f}", None),
        "raw s": Verdict(f"{raw:.2f}", None),
        "scan ÷ raw": _check(f"{ratio:.2f}", ratio <= RATIO_TARGET, f"≤ {RATIO_TARGET}"),
        "peak RSS MB": _check(f"{peak:.0f}", peak <= RSS_TARGET_MB, f"≤ {RSS_TARGET_MB:.0f}"),
    }


def _check(value: str, passed: bool, target: str) -> Verdict:
    return Verdict(f"{value} ({target}) {'PASS' if passed else 'MISS <<<'}", passed)


# -- output ----------------------------------------------------------------------------------------------------

def print_table(results: list[dict[str, Any]]) -> None:
    rows = [verdicts(r) for r in results if not r.get("error")]
    for r in results:
        if r.get("error"):
            print(f"  {r.get('agent')}, {r['items']:,} items: FAILED: {r['error']}")
    if not rows:
        return
    headers = list(rows[0])
    widths = [max(len(h), *(len(row[h].text) for row in rows)) for h in headers]
    print()
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    for row in rows:
        print("  ".join(row[h].text.rjust(w) for h, w in zip(headers, widths)))


def print_details(results: list[dict[str, Any]]) -> None:
    for r in results:
        if r.get("error"):
            continue
        best = r["scan_s"].index(min(r["scan_s"]))
        odoo, own = r["odoo_s"][best], r["scan_s"][best] - r["odoo_s"][best]
        by_model = ", ".join(f"{model} {count:,}" for model, count in r["records_by_model"].items())
        print()
        print(f"  {r.get('agent')}, {r['items']:,}: read {by_model}; {r['kept']} kept of {r['findings']:,} findings (per_run cap)")
        print(f"      scan rounds {_seconds(r['scan_s'])}, raw rounds {_seconds(r['raw_s'])}; "
              f"the fastest scan spent {odoo:.2f} s in Odoo calls, {own:.2f} s in Sentinel's own code")
        print(f"      peak RSS {r['rss_baseline_mb']:.0f} MB before the first scan (imports, engine), after each scan "
              f"{', '.join(f'{mb:.0f}' for mb in r['rss_after_scan_mb'])} MB")


def _seconds(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values) + " s"


def print_summary(results: list[dict[str, Any]], elapsed: float) -> None:
    checks = [v for r in results if not r.get("error") for v in verdicts(r).values() if v.passed is not None]
    missed = sum(1 for v in checks if not v.passed)
    failed = sum(1 for r in results if r.get("error"))
    parts = [f"MISSED {missed} of {len(checks)} targets"] if missed else []
    parts += [f"{failed} size(s) FAILED to run"] if failed else []
    hint = " (where the time and memory go: bench/README.md, or rerun with --profile)" if missed else ""
    print()
    print(f"{'; '.join(parts) or f'all {len(checks)} targets met'} in {elapsed:.0f} s{hint}")


if __name__ == "__main__":
    sys.exit(main())
