"""supply_watcher through the engine on the seeded sandbox: proposals, approval, one write, re-verify, bounds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from agents._core import actions
from agents._core.decisions import Actor, decide
from agents._core.engine import Engine
from agents._core.odoo import OdooValidationError, open_gateway
from agents._core.odoo.sandbox import Sandbox, SandboxClock
from runner import build_engine
from tests.loop.conftest import NOW, settings_for

AGENT = "supply_watcher"
APPROVER = Actor("odoo", "grace.finance")  # a purchase administrator: in the policy's approver groups


@pytest.fixture
def sandbox():  # noqa: ANN201 - Iterator[Sandbox]
    with Sandbox(clock=SandboxClock(now=NOW), seed=True) as sb:
        yield sb


@pytest.fixture
def engine(sandbox: Sandbox, tmp_path: Path) -> Engine:
    return build_engine(settings_for(sandbox, tmp_path / "sentinel.db"), clock=sandbox.clock.now, model=None)


def scan(engine: Engine):  # noqa: ANN201 - dict[(rule, product code), Proposal]
    report = engine.run_once(AGENT)
    assert report.ok, report.error
    assert not report.disabled
    return {(p.rule_id, p.record_name.split("]")[0].lstrip("[")): p for p in engine.services.store.list_proposals()}


def rfqs_marked(sandbox: Sandbox, proposal_id: str) -> list[dict]:
    return sandbox.env("purchase.order").search_read([("origin", "ilike", f"[sentinel:{proposal_id}]")],
                                                     ["partner_id", "state", "order_line", "picking_type_id"])


def test_a_scan_proposes_each_rule_with_critical_items_first(engine: Engine) -> None:
    report = engine.run_once(AGENT)
    assert report.ok and report.proposal_ids
    assert {f.rule_type for f in report.findings} == {"below_min", "stockout_eta", "late_receipt", "lead_time_drift"}
    scores = [f.score for f in report.kept]
    assert scores == sorted(scores, reverse=True)
    critical = [f.evidence.numbers["critical"] for f in report.kept]
    assert critical == sorted(critical, reverse=True) and critical[0] == 1.0
    assert any("archived" in line for line in report.skipped)  # the discontinued masks, with the reason
    second = engine.run_once(AGENT)
    assert not second.proposal_ids and second.dropped.get("already open") == len(report.proposal_ids)


def test_an_approved_rfq_is_created_once_as_a_draft_to_the_main_vendor(engine: Engine, sandbox: Sandbox) -> None:
    proposal = scan(engine)[("below_minimum", "LID-1PCT")]
    assert proposal.action == "create_rfq"
    assert proposal.action_args == {"quantity": 29.0, "vendor_id": proposal.facts["vendor_id"][0], "price_unit": 2.85,
                                    "currency_id": 1}
    outcome = decide(engine, proposal.id, "approve", APPROVER)
    assert outcome.ok, outcome.message
    final = engine.services.store.get(proposal.id)
    assert final.status == "executed" and final.result["done"] is True
    [rfq] = rfqs_marked(sandbox, proposal.id)
    assert rfq["state"] == "draft" and rfq["partner_id"][1] == "Henry Schein Medical"
    assert rfq["picking_type_id"][1] == "Northside Clinic: Receipts"
    [line] = sandbox.env("purchase.order.line").read(rfq["order_line"], ["product_id", "product_qty", "price_unit"])
    assert (line["product_id"][1], line["product_qty"], line["price_unit"]) == (
        "[LID-1PCT] Lidocaine HCl 1% Injection, 20 mL vial", 29.0, 2.85)
    notes = sandbox.env("mail.message").search_read([("model", "=", "purchase.order"), ("res_id", "=", rfq["id"]),
                                                     ("body", "ilike", f"[sentinel:{proposal.id}:note]")], ["body"])
    assert len(notes) == 1 and "Approved by odoo:grace.finance" in notes[0]["body"]
    # The same approved action run again (a retry after a crash) finds its RFQ by the marker: nothing new.
    gateway = open_gateway("default", sandbox.url, "sandbox", "admin", "admin", timeout=10)
    order = actions.ActionOrder(proposal.id, "create_rfq", proposal.model, proposal.res_id, "retry", dict(proposal.action_args))
    again = actions.execute(gateway, order, today=NOW.date())
    assert again.done is False and again.odoo_ids == {"purchase.order": rfq["id"]}
    assert len(rfqs_marked(sandbox, proposal.id)) == 1
    # The open RFQ is the remedy: the next scan does not propose this reorder rule again.
    later = engine.run_once(AGENT)
    assert all(not (f.rule_id == "below_minimum" and f.res_id == proposal.res_id) for f in later.findings)


def test_an_rfq_that_appeared_meanwhile_supersedes_the_proposal(engine: Engine, sandbox: Sandbox) -> None:
    proposal = scan(engine)[("below_minimum", "SAN-HAND")]
    point = sandbox.env("stock.warehouse.orderpoint").read([proposal.res_id], ["product_id", "warehouse_id"])[0]
    in_type = sandbox.env("stock.warehouse").read([point["warehouse_id"][0]], ["in_type_id"])[0]["in_type_id"][0]
    sandbox.env("purchase.order", uid=sandbox.env("res.users").search([("login", "=", "omar.buyer")])[0]).create({
        "partner_id": proposal.facts["vendor_id"][0], "picking_type_id": in_type,
        "order_line": [(0, 0, {"product_id": point["product_id"][0], "product_qty": 24, "price_unit": 4.2})]})
    before = sandbox.env("purchase.order").search_count([])
    assert decide(engine, proposal.id, "approve", APPROVER).ok
    final = engine.services.store.get(proposal.id)
    assert final.status == "superseded" and final.error == "the record no longer matches the rule"
    assert rfqs_marked(sandbox, proposal.id) == [] and sandbox.env("purchase.order").search_count([]) == before


def test_a_drifted_vendor_raises_the_reorder_point_within_bounds_and_tells_purchasing_and_finance(
        engine: Engine, sandbox: Sandbox) -> None:
    proposal = scan(engine)[("vendor_lead_time_drift", "IVS-PRIM")]
    numbers = proposal.evidence["numbers"]
    assert proposal.action == "update_reorder_min"
    assert proposal.action_args["new_min"] == numbers["new_min"] <= 1.5 * numbers["current_min"]
    assert decide(engine, proposal.id, "approve", APPROVER).ok
    assert engine.services.store.get(proposal.id).status == "executed"
    point = sandbox.env("stock.warehouse.orderpoint").read([proposal.res_id], ["product_min_qty", "product_id"])[0]
    assert point["product_min_qty"] == numbers["new_min"]
    mark = f"[sentinel:{proposal.id}]"
    todo = sandbox.env("mail.activity").search_read([("note", "ilike", f"[sentinel:{proposal.id}:activity]")],
                                                    ["res_model", "res_id", "user_id"])
    # notify: [group:purchase.group_purchase_manager, group:account.group_account_manager]: a to-do for every active
    # internal member of either group, once each (the shipped policy names groups, which a stock Odoo has).
    assert sorted(a["user_id"][1] for a in todo) == ["Dr. Anika Patel", "Grace Okoye", "Mitchell Admin"]
    assert {(a["res_model"], a["res_id"]) for a in todo} == {("product.product", point["product_id"][0])}
    notes = sandbox.env("mail.message").search_read([("body", "ilike", mark)], ["model", "res_id", "body"])
    assert len(notes) == 1 and notes[0]["model"] == "product.product"
    assert f"raised from {numbers['current_min']:g} to {numbers['new_min']:g}" in notes[0]["body"]


def test_update_reorder_min_refuses_a_minimum_past_the_bound_and_never_lowers_one(sandbox: Sandbox) -> None:
    gateway = open_gateway("default", sandbox.url, "sandbox", "admin", "admin", timeout=10)
    point = sandbox.env("stock.warehouse.orderpoint").search_read([("product_min_qty", "=", 20)], ["product_min_qty"], limit=1)[0]

    def order(pid: str, new_min: float) -> actions.ActionOrder:
        return actions.ActionOrder(pid, "update_reorder_min", "stock.warehouse.orderpoint", point["id"], "note",
                                   {"new_min": new_min, "max_factor": 1.5, "notify": [], "deadline_days": 1})

    with pytest.raises(OdooValidationError, match="a minimum of 31 is more than 1.5 x the current 20; nothing written"):
        actions.execute(gateway, order("PTOOBIG", 31.0), today=date(2026, 11, 25))
    lower = actions.execute(gateway, order("PLOWER", 12.0), today=date(2026, 11, 25))
    assert lower.done and "already 20, left as is" in lower.summary
    assert sandbox.env("stock.warehouse.orderpoint").read([point["id"]], ["product_min_qty"])[0]["product_min_qty"] == 20
    raised = actions.execute(gateway, order("PRAISE", 30.0), today=date(2026, 11, 25))
    again = actions.execute(gateway, order("PRAISE", 30.0), today=date(2026, 11, 25))
    assert raised.done and not again.done  # the marked note on the product says it was done
    assert sandbox.env("stock.warehouse.orderpoint").read([point["id"]], ["product_min_qty"])[0]["product_min_qty"] == 30


def test_a_server_without_purchase_disables_only_the_rules_that_need_it(engine: Engine, sandbox: Sandbox) -> None:
    registry = sandbox.store.registry
    sandbox.store.registry = {name: model for name, model in registry.items() if not name.startswith("purchase.")}
    try:
        report = engine.run_once(AGENT)
    finally:
        sandbox.store.registry = registry
    assert report.ok
    assert set(report.disabled) == {"below_minimum", "stockout_soon", "vendor_lead_time_drift"}
    assert report.disabled["below_minimum"].startswith("model 'purchase.order")
    assert {f.rule_id for f in report.findings} == {"late_receipt"}
