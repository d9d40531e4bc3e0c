"""Evidence leaves Odoo only as far as privacy.share allows: figures revealing an unshared field are masked."""

from __future__ import annotations

from agents._core.privacy import MASK, private_texts, shared_evidence, shared_label
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


def test_text_quoting_a_hidden_value_is_masked_even_when_no_source_declares_it() -> None:
    read = {"partner_id": [7, "BD Diagnostics"], "amount_total": 6510.0, "date_order": "2026-11-20 09:00:00", "name": "P00053"}
    private = private_texts(read, {"name", "amount_total"})
    evidence = {"headline": "6,510.00 is 10.7 robust z above the median of past orders to BD Diagnostics",
                "masked_headline": "10.7 robust z above the median of the vendor's past orders",
                "thresholds": {"vendor": "BD Diagnostics"}, "measured": {"ordered": "on 2026-11-20", "amount": "6,510.00"},
                "numbers": {"amount": 6510.0, "z": 10.7}, "sources": {"amount": "amount_total"}}
    shown = shared_evidence(evidence, {"name", "amount_total"}, private=private)
    assert shown["headline"] == "10.7 robust z above the median of the vendor's past orders"
    assert shown["thresholds"] == {"vendor": MASK} and shown["measured"] == {"ordered": MASK, "amount": "6,510.00"}
    assert shown["numbers"] == {"amount": 6510.0, "z": 10.7}  # amount_total is shared
    assert shared_label("P00053 for BD Diagnostics", "purchase.order", 53, {"name"}, private=private) == "purchase.order #53"
    hidden_amount = private_texts(read, {"name"})
    assert shared_evidence(evidence, {"name"}, private=hidden_amount)["numbers"] == {"z": 10.7}
