"""Scale: 100,000 purchase orders load in seconds, and a page of 1,000 comes back quickly over HTTP."""
from __future__ import annotations

import resource
import time

from agents._core.odoo.sandbox import Sandbox

from .conftest import connect


def test_bulk_insert_then_one_page_over_http(sandbox: Sandbox) -> None:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    sandbox.add_bulk_purchase_orders(100_000)
    loaded = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    odoo = connect(sandbox)
    assert odoo.execute_kw("purchase.order", "search_count", [[]]) == 100_056
    start = time.perf_counter()
    page = odoo.execute_kw("purchase.order", "search_read", [[("state", "in", ["to approve", "purchase"])]], {
        "fields": ["name", "state", "partner_id", "user_id", "amount_total", "date_order", "create_date"],
        "limit": 1000, "order": "id desc"})
    paged = time.perf_counter() - start
    start = time.perf_counter()
    tracked = odoo.execute_kw("mail.tracking.value", "search_read", [[
        ("mail_message_id.model", "=", "purchase.order"), ("field_id.name", "=", "state"),
        ("mail_message_id.res_id", "in", [r["id"] for r in page])]], {"fields": ["create_date", "mail_message_id"]})
    joined = time.perf_counter() - start
    print(f"\n100k orders loaded in {loaded:.2f}s (peak RSS +{(rss_after - rss_before) / 1024:.0f} MB); "
          f"page of 1000 over HTTP in {paged * 1000:.0f} ms; their state changes in {joined * 1000:.0f} ms")
    assert len(page) == 1000 and len(tracked) >= 1000
    assert loaded < 30 and paged < 10  # generous: catches an accidental O(n^2), not a slow machine


def test_bulk_state_mix_and_validation(bare: Sandbox) -> None:
    bare.add_bulk_purchase_orders(200, state_mix={"to approve": 1.0})
    assert bare.env("purchase.order").search_count([("state", "=", "to approve")]) == 200
    assert bare.env("mail.tracking.value").search_count([("new_value_char", "=", "To Approve")]) == 200
    try:
        bare.add_bulk_purchase_orders(1, state_mix={"exploded": 1.0})
    except Exception as exc:  # noqa: BLE001 - the sandbox's own error type is what we check
        assert "state mix" in str(exc)
    else:
        raise AssertionError("a bad state mix was accepted")
