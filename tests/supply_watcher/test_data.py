"""The supply data the agent is shown: the demo seed's history is believable, and the bulk loader scales lean."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from agents._core.business_hours import BusinessCalendar
from agents._core.odoo import open_gateway
from agents._core.odoo.sandbox import Sandbox, SandboxClock
from agents._core.policy import load_policy
from agents._core.watcher import ScanContext
from agents.supply_watcher import WATCHER
from tests.loop.conftest import NOW

CLINIC = ZoneInfo("America/New_York")


def test_the_seed_has_three_clinics_a_weekly_rhythm_and_two_drifting_vendors() -> None:
    sandbox = Sandbox(clock=SandboxClock(now=NOW), seed=True)
    clinics = sandbox.env("stock.warehouse").search_read([], ["code"])
    assert [c["code"] for c in clinics] == ["NSC", "RSC", "EGC"]
    moves = sandbox.env("stock.move").search_read(
        [("state", "=", "done"), ("location_dest_id.usage", "=", "customer")], ["date", "quantity"])
    by_day: dict = defaultdict(float)
    for move in moves:
        by_day[datetime.fromisoformat(move["date"] + "+00:00").astimezone(CLINIC).date()] += move["quantity"]
    assert (NOW.date() - min(by_day)).days >= 119  # four months of history
    weekday = statistics.fmean(q for d, q in by_day.items() if d.weekday() < 5)
    weekend = statistics.fmean(q for d, q in by_day.items() if d.weekday() >= 5)
    assert weekend < 0.4 * weekday
    assert all(q > 0 for q in by_day.values())
    # The last five receipts of Cardinal Surgical and Henry Schein take far longer than their stated delays.
    for vendor, stated in (("Cardinal Surgical", 5), ("Henry Schein Medical", 2), ("MedLine Supply Co.", 3)):
        pickings = sandbox.env("stock.picking").search_read(
            [("partner_id.name", "=", vendor), ("state", "=", "done"), ("picking_type_code", "=", "incoming")],
            ["date_done", "purchase_id"], order="date_done desc", limit=5)
        approved = {o["id"]: o["date_approve"] for o in sandbox.env("purchase.order").read(
            [p["purchase_id"][0] for p in pickings], ["date_approve"])}
        lead = statistics.median((datetime.fromisoformat(p["date_done"]) - datetime.fromisoformat(approved[p["purchase_id"][0]]))
                                 / timedelta(days=1) for p in pickings)
        assert (lead > 1.5 * stated) == (vendor != "MedLine Supply Co."), (vendor, lead)


def scan_bulk(products: int) -> tuple[int, int, dict[str, int]]:
    """(findings, round trips, rows loaded) of a scan over `products` x 3 bulk-loaded clinics."""
    policy = load_policy(Path("policies/supply_watcher.yaml"), WATCHER.policy_model, connections={"default"}).policy
    with Sandbox(clock=SandboxClock(now=NOW), seed=False) as sandbox:
        counts = sandbox.add_bulk_supply(products=products, warehouses=3)
        gateway = open_gateway("default", sandbox.url, "sandbox", "admin", "admin", timeout=60)
        ctx = ScanContext(gateway, policy, NOW, BusinessCalendar.from_policy(policy.business_hours))
        findings = WATCHER.detect(ctx)
        assert not ctx.skipped
        return len(findings), gateway.stats.round_trips, counts


def test_the_bulk_loader_feeds_every_rule_and_reads_stay_batched() -> None:
    small_findings, small_trips, counts = scan_bulk(300)
    assert counts["stock.warehouse.orderpoint"] == 900 and counts["product.product"] == 300
    assert counts["stock.move"] > 900 and counts["stock.picking"] > 0
    large_findings, large_trips, _ = scan_bulk(1500)
    assert 0 < small_findings < large_findings
    # Five times the products: a few more pages, never a call per record.
    assert large_trips <= small_trips + 30, (small_trips, large_trips)
