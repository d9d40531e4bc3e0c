"""Evidence leaves Odoo only as far as privacy.share allows: figures revealing an unshared field are masked."""

from __future__ import annotations

from agents._core.privacy import MASK, shared_evidence
from agents._core.watcher import Evidence

EVIDENCE = Evidence(
    headline="6,000.00 is 21.4 robust z above the median of past orders to BD Diagnostics (1,250.00)",
    thresholds={"robust z at least": "3.5"},
    measured={"amount": "6,000.00", "vendor median": "1,250.00", "robust z": "21.4"},
    numbers={"amount": 6000.0, "median": 1250.0, "z": 21.36},
    sources={"amount": "amount_total", "vendor median": "amount_total", "median": "amount_total"},
    masked_headline="21.4 robust z above the median of the vendor's past orders",
).as_dict()


def test_shared_sources_leave_everything_but_the_bookkeeping() -> None:
    shown = shared_evidence(EVIDENCE, {"amount_total", "partner_id"})
    assert shown["headline"] == EVIDENCE["headline"]
    assert shown["measured"]["amount"] == "6,000.00"
    assert "sources" not in shown and "masked_headline" not in shown


def test_unshared_sources_are_masked_with_the_headline() -> None:
    shown = shared_evidence(EVIDENCE, {"partner_id"})
    assert shown["headline"] == "21.4 robust z above the median of the vendor's past orders"
    assert shown["measured"] == {"amount": MASK, "vendor median": MASK, "robust z": "21.4"}
    assert shown["numbers"] == {"z": 21.36}
    assert "6,000" not in str(shown) and "1,250" not in str(shown)
