"""billing_exceptions through the engine on the seeded sandbox: propose, approve once, re-verify, privacy, odd servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from agents._core.console import deliver_outbox
from agents._core.decisions import Actor, decide
from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox, SandboxClock
from agents._core.odoo.sandbox.schema import Field
from runner import build_engine
from tests.loop.conftest import NOW, marked_writes, settings_for

AGENT = "billing_exceptions"
ADMIN = Actor("odoo", "admin")  # in account.group_account_manager, and responsible for none of the seeded moves
PATIENTS = ["Avery Thompson", "Jordan Rivera", "Priya Nair", "Samuel Okafor", "Lena Fischer", "Marcus Bell"]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(clock=SandboxClock(now=NOW), seed=True) as sb:
        yield sb


@pytest.fixture
def engine(sandbox: Sandbox, tmp_path: Path) -> Engine:
    return build_engine(settings_for(sandbox, tmp_path / "sentinel.db"), clock=sandbox.clock.now, model=None)


def pending(engine: Engine, rule: str | None = None) -> list:  # noqa: ANN401 - state.Proposal rows
    rows = engine.services.store.list_proposals(status="pending")
    return [p for p in rows if p.agent == AGENT and (rule is None or p.rule_id == rule)]


def test_a_scan_proposes_the_highest_ranked_exceptions_within_the_cap(engine: Engine) -> None:
    report = engine.run_once(AGENT)
    assert report.ok, report.error
    rules = {f.rule_id for f in report.findings}
    assert {"overdue_receivables", "overdue_payables", "bills_stuck_in_draft", "bill_above_po", "duplicate_bills",
            "bills_without_document", "moves_to_review"} <= rules  # every rule finds its seeded case
    assert len(report.kept) == len(report.proposal_ids) == 10  # limits.per_run
    assert report.dropped == {"over the per-run or per-day cap": len(report.findings) - 10}
    scores = [f.score for f in report.kept]
    assert scores == sorted(scores, reverse=True) and min(scores) >= max(f.score for f in report.findings if f not in report.kept)
    assert any("posted without a due date" in line for line in report.skipped)
    assert report.round_trips <= 30, "batched reads: a few calls per rule"


def test_patients_are_pseudonymized_in_everything_that_leaves(engine: Engine, sandbox: Sandbox) -> None:
    report = engine.run_once(AGENT)
    patients = {p["id"] for p in sandbox.env("res.partner").search_read([("category_id.name", "=", "Patient")], ["id"])}
    patient_findings = [f for f in report.findings if (f.record.get("partner_id") or [None])[0] in patients]
    assert patient_findings, "the seed has overdue patient balances"
    for finding in patient_findings:
        assert finding.record["partner_id"][1] == f"patient #{finding.record['partner_id'][0]}"
    printed: list[str] = []
    deliver_outbox(engine.services.store, printed.append, odoo_url=sandbox.url)
    proposals = pending(engine)
    leaving = json.dumps([[p.record_name, p.summary, p.rationale, p.facts, p.evidence] for p in proposals]) + "\n".join(printed)
    assert "patient #" in leaving
    for name in PATIENTS:
        assert name not in leaving
    payers = [p.facts["partner_id"] for p in proposals if p.rule_id == "overdue_receivables"]
    assert any(f and f[1] == "BlueCross Harbor" for f in payers)  # payers keep their names


def test_an_approved_proposal_acts_once_and_never_moves_money(engine: Engine, sandbox: Sandbox) -> None:
    engine.run_once(AGENT)
    proposal = next(p for p in pending(engine, "overdue_receivables") if p.action == "schedule_activity")
    before = sandbox.env("account.move").read([proposal.res_id], ["state", "payment_state", "amount_residual"])
    outcome = decide(engine, proposal.id, "approve", ADMIN)
    assert outcome.ok, outcome.message
    assert engine.services.store.get(proposal.id).status == "executed"
    writes = marked_writes(sandbox, proposal.id)
    assert len(writes) == 1 and writes[0]["res_model"] == "account.move" and writes[0]["res_id"] == proposal.res_id
    assert sandbox.env("account.move").read([proposal.res_id], ["state", "payment_state", "amount_residual"]) == before


def test_the_accountant_responsible_for_a_move_may_not_approve_its_escalation(engine: Engine) -> None:
    engine.run_once(AGENT)
    proposal = pending(engine)[0]
    outcome = decide(engine, proposal.id, "approve", Actor("odoo", "grace.finance"))  # invoice_user_id of the seed
    assert not outcome.ok and "four-eyes" in outcome.message


def test_a_move_paid_before_approval_is_superseded_and_nothing_is_written(engine: Engine, sandbox: Sandbox) -> None:
    engine.run_once(AGENT)
    proposal = pending(engine, "overdue_receivables")[0]
    sandbox.env("account.move").write([proposal.res_id], {"payment_state": "paid", "amount_residual": 0.0})
    assert decide(engine, proposal.id, "approve", ADMIN).ok
    final = engine.services.store.get(proposal.id)
    assert final.status == "superseded" and final.error == "the record no longer matches the rule"
    assert marked_writes(sandbox, proposal.id) == []


def test_flag_for_review_marks_the_move_and_notes_it_once(engine: Engine, sandbox: Sandbox) -> None:
    vendor = sandbox.env("res.partner").search([("name", "=", "MedLine Supply Co.")])[0]
    grace = sandbox.env("res.users").search([("login", "=", "grace.finance")])[0]  # the accountant, not the approver
    bills = sandbox.env("account.move")
    original = bills.create({"move_type": "in_invoice", "partner_id": vendor, "ref": "MED-90210", "state": "posted",
                             "name": "BILL/2026/11/0900", "payment_state": "paid", "checked": True, "invoice_user_id": grace,
                             "invoice_date": "2026-11-20",
                             "invoice_line_ids": [(0, 0, {"name": "Gloves", "quantity": 10, "price_unit": 8500.0})]})
    copy = bills.create({"move_type": "in_invoice", "partner_id": vendor, "ref": "med 90210", "state": "posted",
                         "name": "BILL/2026/11/0901", "checked": True, "invoice_user_id": grace, "invoice_date": "2026-11-24",
                         "invoice_line_ids": [(0, 0, {"name": "Gloves", "quantity": 10, "price_unit": 8500.0})]})
    sandbox.env("ir.attachment").create({"name": "copy.pdf", "res_model": "account.move", "res_id": copy})
    sandbox.clock.advance(timedelta(hours=2))  # Wednesday noon: 2 business hours, the duplicate rule's first step (1h)
    # 85,000.00 at stake: ranked within the run's cap although it is only 2 hours old
    engine.run_once(AGENT)
    proposal = next(p for p in pending(engine, "duplicate_bills") if p.res_id == copy)
    assert proposal.action == "flag_for_review" and proposal.evidence["related"] == {"original": ["account.move", original]}
    assert decide(engine, proposal.id, "approve", ADMIN).ok
    final = engine.services.store.get(proposal.id)
    assert final.status == "executed" and final.result["done"] is True
    assert bills.read([copy], ["checked", "state", "payment_state"])[0] == {
        "id": copy, "checked": False, "state": "posted", "payment_state": "not_paid"}
    assert len(marked_writes(sandbox, proposal.id)) == 1
    engine.carry_on(proposal.id)  # a replay finds the marker: nothing is written twice
    assert len(marked_writes(sandbox, proposal.id)) == 1


def test_without_the_purchase_app_only_po_mismatch_is_disabled(engine: Engine, sandbox: Sandbox) -> None:
    sandbox.store.registry = {k: v for k, v in sandbox.store.registry.items() if k != "purchase.order.line"}
    report = engine.run_once(AGENT)
    assert report.ok
    assert report.disabled == {"bill_above_po": (
        "model 'purchase.order.line' does not exist on this server (install its Odoo module): "
        "Object purchase.order.line doesn't exist")}
    assert report.proposal_ids and "bill_above_po" not in {f.rule_id for f in report.findings}


def test_an_odoo_17_server_is_read_through_to_check(engine: Engine, sandbox: Sandbox) -> None:
    """No `checked` on <=17: `to_check` marks a move for review, found from the server's fields, not a setting."""
    move_model = sandbox.store.registry["account.move"]
    fields = {k: v for k, v in move_model.fields.items() if k != "checked"} | {"to_check": Field("boolean", "To Check")}
    sandbox.store.registry = {**sandbox.store.registry, "account.move": replace(move_model, fields=fields)}
    flagged = sandbox.env("account.move").search([("move_type", "=", "in_invoice"), ("state", "=", "posted")], limit=1,
                                                 order="id")[0]  # the oldest bill: entered long before the first step
    sandbox.store.set_raw("account.move", flagged, {"to_check": True, "payment_state": "not_paid"})
    report = engine.run_once(AGENT, dry_run=True)
    assert report.ok, report.error
    assert [f.res_id for f in report.findings if f.rule_id == "moves_to_review"] == [flagged]
    review = next(f for f in report.findings if f.rule_id == "moves_to_review")
    assert review.evidence.measured["review flag"] == "to_check = true"


def test_a_server_without_any_review_flag_disables_only_the_flagged_rule(engine: Engine, sandbox: Sandbox) -> None:
    move_model = sandbox.store.registry["account.move"]
    fields = {k: v for k, v in move_model.fields.items() if k != "checked"}
    sandbox.store.registry = {**sandbox.store.registry, "account.move": replace(move_model, fields=fields)}
    report = engine.run_once(AGENT)
    assert report.ok and report.proposal_ids
    assert report.disabled == {"moves_to_review": "account.move has no review flag on this server ('checked' on Odoo 18+, "
                                                  "'to_check' on <=17)"}
