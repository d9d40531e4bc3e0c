"""Scale: a year of journal entries bulk-loaded, then one dry-run scan over HTTP in a bounded number of round trips."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from agents._core.odoo.sandbox import Sandbox, SandboxClock
from runner import build_engine
from tests.loop.conftest import NOW, settings_for


def test_bulk_moves_scan_in_pages_not_per_record(tmp_path: Path) -> None:
    with Sandbox(seed=False, clock=SandboxClock(now=NOW)) as sandbox:
        started = time.perf_counter()
        counts = sandbox.add_bulk_moves(20_000)
        loaded = time.perf_counter() - started
        assert counts["account.move"] == counts["account.move.line"] == 20_000
        assert 0 < counts["purchase.order.line"] < counts["account.move"]
        engine = build_engine(settings_for(sandbox, tmp_path / "s.db"), clock=sandbox.clock.now, model=None)
        started = time.perf_counter()
        report = engine.run_once("billing_exceptions", dry_run=True)
        scanned = time.perf_counter() - started
    assert report.ok, report.error
    rules = Counter(f.rule_id for f in report.findings)
    shipped = {rule.id for rule in engine.services.policy("billing_exceptions").rules}
    assert set(rules) == shipped, rules  # every shipped rule finds something in the mix
    assert len(report.kept) == 10
    assert report.round_trips <= 30, "pages of 2,000 and one batched read per page and model"
    print(f"\n20k moves loaded in {loaded:.2f}s; scan in {scanned:.2f}s, {report.round_trips} round trips, {dict(rules)}")
    assert loaded < 30 and scanned < 60  # generous: catches an accidental per-record call or O(n^2), not a slow machine
