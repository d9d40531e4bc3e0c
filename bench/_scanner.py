"""One size of the scan benchmark in a fresh process: a real dry-run scan, then the same reads replayed raw."""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project root holds `agents`, `state` and `runner`

import odoorpc  # noqa: E402

from agents._core.engine import Engine  # noqa: E402
from agents._core.odoo.gateway import OdooGateway, Transport  # noqa: E402
from agents._core.settings import Settings  # noqa: E402
from runner import build_engine  # noqa: E402

DB, LOGIN, PASSWORD = "sandbox", "admin", "admin"


@dataclass
class Read:
    """One search_read the scan made, as sent on the wire: what the raw replay sends again."""

    model: str
    domain: list[Any]
    kwargs: dict[str, Any]  # fields, offset, limit, order
    records: int


@dataclass
class Result:
    items: int
    findings: int = 0
    kept: int = 0
    round_trips: int = 0
    models_checked: int = 0
    rules: int = 0
    records_read: int = 0
    records_by_model: dict[str, int] = field(default_factory=dict)
    scan_s: list[float] = field(default_factory=list)
    raw_s: list[float] = field(default_factory=list)
    odoo_s: list[float] = field(default_factory=list)  # per scan: time inside transport calls (wire, server, JSON)
    rss_baseline_mb: float = 0.0
    rss_after_scan_mb: list[float] = field(default_factory=list)
    error: str | None = None


class RecordingTransport:
    """Passes every call through and logs each search_read, so the replay sends exactly what the scan sent."""

    def __init__(self, inner: Transport, log: list[Read]) -> None:
        self._inner = inner
        self._log = log
        self.connection = inner.connection

    @property
    def server_version(self) -> str | None:
        return self._inner.server_version

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        result = self._inner.execute_kw(model, method, args, kwargs)
        if method == "search_read":
            # Keep the args by reference: the gateway never mutates them, and a copy would inflate the scanner's RSS.
            self._log.append(Read(model, args[0], kwargs, len(result)))
        return result

    def version(self) -> str:
        return self._inner.version()

    def reset(self) -> None:
        self._inner.reset()


def rss_mb() -> float:
    # Linux reports ru_maxrss in KiB: this is the process's high-water mark, not its current size.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(url: str, workdir: Path) -> Settings:
    # No .env: a developer's own settings (a model, Slack) must not change what is measured.
    return Settings(_env_file=None, **{
        "SENTINEL_DATABASE_URL": f"sqlite:///{workdir / 'sentinel.db'}",
        "SENTINEL_POLICY_DIR": str(ROOT / "policies"),
        "ODOO_URL": url, "ODOO_DB": DB, "ODOO_USER": LOGIN, "ODOO_PASSWORD": PASSWORD,
        "ODOO_CONNECTIONS": {}, "SENTINEL_MODEL": None,
    })


def record_reads(engine: Engine, log: list[Read]) -> list[OdooGateway]:
    """Wrap each gateway the engine opens (one per run) in the recording transport; _core is left as is."""
    opened = engine.services.gateway_factory
    gateways: list[OdooGateway] = []

    def recording(name: str) -> OdooGateway:
        gateway = opened(name)
        gateway.transport = RecordingTransport(gateway.transport, log)
        gateways.append(gateway)
        return gateway

    engine.services.gateway_factory = recording
    return gateways


def scan(engine: Engine, result: Result, agent: str) -> None:
    started = time.perf_counter()
    report = engine.run_once(agent, dry_run=True, keep_findings=False)  # as scheduled runs do: counts only
    result.scan_s.append(time.perf_counter() - started)
    result.rss_after_scan_mb.append(rss_mb())
    if not report.ok:
        raise RuntimeError(f"scan failed: {report.error}")
    result.findings, result.kept, result.round_trips = report.finding_count, len(report.kept), report.round_trips


def raw_session(url: str) -> odoorpc.ODOO:
    parts = urlsplit(url)
    odoo = odoorpc.ODOO(parts.hostname, protocol="jsonrpc", port=parts.port, timeout=600)
    odoo.login(DB, LOGIN, PASSWORD)
    return odoo


def replay(odoo: odoorpc.ODOO, reads: list[Read]) -> float:
    """The scan's reads, in order, straight through odoorpc: each page is dropped as soon as it arrives."""
    started = time.perf_counter()
    for read in reads:
        page = odoo.execute_kw(read.model, "search_read", [read.domain], read.kwargs)
        if len(page) != read.records:
            raise RuntimeError(f"replay of {read.model} at offset {read.kwargs['offset']} returned a different page")
    return time.perf_counter() - started


def summarize_reads(reads: list[Read], result: Result) -> None:
    result.records_read = sum(r.records for r in reads)
    for read in reads:
        result.records_by_model[read.model] = result.records_by_model.get(read.model, 0) + read.records


def run(url: str, agent: str, items: int, now: datetime, *, repeat: int, workdir: Path, profiling: bool = False) -> Result:
    result = Result(items=items)
    engine = build_engine(settings_for(url, workdir), clock=lambda: now, model=None)
    reads: list[Read] = []
    gateways = record_reads(engine, reads)
    result.rss_baseline_mb = rss_mb()
    odoo = raw_session(url)  # logged in before timing: the replay is the reads alone
    for round_ in range(repeat):
        del reads[:]
        scan(engine, result, agent)
        result.odoo_s.append(gateways[-1].stats.seconds)
        if round_ == 0:
            summarize_reads(reads, result)
        result.raw_s.append(replay(odoo, reads))
    result.models_checked = result.round_trips - len(reads)
    result.rules = len(engine.services.policy(agent).rules)
    if profiling:
        profile(engine, agent)
    return result


def profile(engine: Engine, agent: str) -> None:
    """Where one more scan spends its time, and which lines allocated what the findings keep alive, to stderr."""
    profiler = cProfile.Profile()
    profiler.runcall(engine.run_once, agent, dry_run=True, keep_findings=False)
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(r"agents|state|runner", 25)
    tracemalloc.start()
    report = engine.run_once(agent, dry_run=True)  # held, so the snapshot shows what a scan's findings keep
    current, peak = tracemalloc.get_traced_memory()
    print(f"tracemalloc: {current / 2**20:.0f} MB held by {report.finding_count:,} findings, peak {peak / 2**20:.0f} MB",
          file=sys.stderr)
    for line in tracemalloc.take_snapshot().statistics("lineno")[:15]:
        print(f"  {line}", file=sys.stderr)
    tracemalloc.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--agent", default="approval_watcher")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--now", type=datetime.fromisoformat, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-") as tmp:
        try:
            result = run(args.url, args.agent, args.items, args.now, repeat=args.repeat, workdir=Path(tmp), profiling=args.profile)
        except Exception as exc:  # noqa: BLE001 - reported in the table, never a traceback mid-benchmark
            result = Result(items=args.items, error=f"{type(exc).__name__}: {exc}")
    print(json.dumps(asdict(result)), flush=True)


if __name__ == "__main__":
    main()
