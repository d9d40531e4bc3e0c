"""The whole loop through the engine: detect -> propose -> decide -> verify -> act -> report -> audit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from agents._core.decisions import Actor, decide, recover_stuck, sweep_expired
from agents._core.engine import Engine
from agents._core.execution import lease_end
from agents._core.odoo.sandbox import Sandbox
from agents._core.services import PAUSED_FLAG
from tests.loop.conftest import marked_writes

APPROVER = Actor("odoo", "grace.finance")
OTHER_APPROVER = Actor("odoo", "admin")


def first_pending(engine: Engine, *, rule: str = "po_waiting_approval"):  # noqa: ANN201
    report = engine.run_once("approval_watcher")
    assert report.ok, report.error
    pending = [p for p in engine.services.store.list_proposals(status="pending") if p.rule_id == rule]
    assert pending, f"the seed should give a stalled item for {rule}"
    return pending[0]


def test_a_scan_proposes_the_stalled_items_and_only_those(engine: Engine, sandbox: Sandbox) -> None:
    report = engine.run_once("approval_watcher")
    assert report.ok, report.error
    store = engine.services.store
    proposals = store.list_proposals()
    assert proposals and all(p.status == "pending" for p in proposals)
    waiting = {r["id"] for r in sandbox.env("purchase.order").search_read([("state", "=", "to approve")], ["id"])}
    proposed_pos = {p.res_id for p in proposals if p.model == "purchase.order" and p.rule_id == "po_waiting_approval"}
    assert proposed_pos and proposed_pos <= waiting
    assert len(proposed_pos) < len(waiting), "recent 'to approve' orders are not stalled yet"
    for p in (p for p in proposals if p.rule_type == "stalled"):
        assert p.evidence["numbers"]["age_business_hours"] >= 16
        assert p.expires_at == p.created_at + timedelta(hours=8)
    # one outbox row per proposal, waiting for the channel adapter
    assert [m.proposal_id for m in store.pending_outbox()] == [p.id for p in sorted(proposals, key=lambda p: p.created_at)] or \
        {m.proposal_id for m in store.pending_outbox()} == {p.id for p in proposals}


def test_a_second_scan_does_not_propose_the_same_items_again(engine: Engine) -> None:
    first = engine.run_once("approval_watcher")
    second = engine.run_once("approval_watcher")
    assert first.proposal_ids and not second.proposal_ids
    assert second.dropped.get("already open") == len(first.proposal_ids)


def test_approval_acts_once_and_is_audited(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    outcome = decide(engine, proposal.id, "approve", APPROVER)
    assert outcome.ok, outcome.message
    final = engine.services.store.get(proposal.id)
    assert final.status == "executed"
    assert final.decided_by == "odoo:grace.finance"
    assert len(marked_writes(sandbox, proposal.id)) == 1
    kinds = [e.kind for e in engine.services.audit.events(proposal.id)]
    assert kinds == ["proposal.created", "proposal.approved", "proposal.executed"]
    assert engine.services.audit.verify().ok


def test_two_approvals_racing_give_exactly_one_action(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    outcomes = []
    barrier = threading.Barrier(2)

    def click(actor: Actor) -> None:
        barrier.wait()
        outcomes.append(decide(engine, proposal.id, "approve", actor))

    threads = [threading.Thread(target=click, args=(a,)) for a in (APPROVER, OTHER_APPROVER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.ok for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if not o.ok)
    assert loser.message.startswith("already ")
    assert len(marked_writes(sandbox, proposal.id)) == 1
    assert engine.services.store.get(proposal.id).status == "executed"


def test_a_rejected_proposal_never_acts(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    assert not decide(engine, proposal.id, "reject", APPROVER).ok  # a reason is required
    assert decide(engine, proposal.id, "reject", APPROVER, reason="vendor called").ok
    late = decide(engine, proposal.id, "approve", OTHER_APPROVER)
    assert not late.ok and late.message == "already rejected by odoo:grace.finance"
    assert engine.services.store.get(proposal.id).status == "rejected"
    assert marked_writes(sandbox, proposal.id) == []


def test_an_expired_proposal_never_acts(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    sandbox.clock.advance(timedelta(hours=9))  # past the 8h proposal_ttl
    expired = sweep_expired(engine)
    assert any(o.ok for o in expired)
    assert engine.services.store.get(proposal.id).status == "expired"
    late = decide(engine, proposal.id, "approve", APPROVER)
    assert not late.ok and late.message == "already expired by system:expiry"
    assert marked_writes(sandbox, proposal.id) == []


def test_reverify_stops_a_stale_approval(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    sandbox.env(proposal.model).write([proposal.res_id], {"state": "purchase"})  # approved in Odoo meanwhile
    assert decide(engine, proposal.id, "approve", APPROVER).ok
    final = engine.services.store.get(proposal.id)
    assert final.status == "superseded"
    assert final.error == "the record no longer matches the rule"
    assert marked_writes(sandbox, proposal.id) == []


def test_a_crash_after_the_odoo_write_does_not_write_twice(engine: Engine, sandbox: Sandbox,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = first_pending(engine)
    store = engine.services.store
    real_transition = store.transition

    def crash_when_recording(pid, from_status, to_status, **fields):  # noqa: ANN001, ANN202
        if to_status == "executed":
            raise RuntimeError("power cut between the Odoo write and the record")
        return real_transition(pid, from_status, to_status, **fields)

    monkeypatch.setattr(store, "transition", crash_when_recording)
    outcome = decide(engine, proposal.id, "approve", APPROVER)
    assert outcome.ok and "power cut" in outcome.problem  # recorded, and the person is told that it stopped
    assert store.get(proposal.id).status == "executing"
    assert len(marked_writes(sandbox, proposal.id)) == 1
    monkeypatch.setattr(store, "transition", real_transition)
    assert recover_stuck(engine) == []  # its lease still runs: the process carrying it out may be alive
    later = lease_end(engine.services.settings) + timedelta(seconds=1)
    assert recover_stuck(engine, now=later) == [proposal.id]  # housekeeping's retry, from the checkpoint
    final = store.get(proposal.id)
    assert final.status == "executed"
    assert final.result["done"] is False  # it found its own marker instead of writing again
    assert len(marked_writes(sandbox, proposal.id)) == 1


def test_paused_means_no_write_until_resumed(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    engine.services.store.set_flag(PAUSED_FLAG, "true")
    assert decide(engine, proposal.id, "approve", APPROVER).ok
    assert engine.services.store.get(proposal.id).status == "approved"
    assert marked_writes(sandbox, proposal.id) == []
    report = engine.run_once("approval_watcher")  # detection goes on while paused
    assert report.ok
    engine.services.store.set_flag(PAUSED_FLAG, "false")
    assert engine.unpause(proposal.id)
    assert engine.services.store.get(proposal.id).status == "executed"
    assert len(marked_writes(sandbox, proposal.id)) == 1


def test_someone_outside_the_approvers_changes_nothing(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    outcome = decide(engine, proposal.id, "approve", Actor("odoo", "auditor"))
    assert not outcome.ok
    assert outcome.message.startswith("auditor is not allowed to decide this proposal (approvers: ")
    assert engine.services.store.get(proposal.id).status == "pending"
    refused = [e for e in engine.services.audit.events(proposal.id) if e.kind == "decision.refused"]
    assert len(refused) == 1


def test_four_eyes_refuses_the_subject_of_the_item(engine: Engine, sandbox: Sandbox) -> None:
    proposal = first_pending(engine)
    subject = sandbox.env("res.users").read([proposal.subject_user_id], ["login"])[0]["login"]
    sandbox_user_groups = sandbox.env("res.users").read([proposal.subject_user_id], ["group_ids"])[0]["group_ids"]
    manager_group = sandbox.env("ir.model.data").search_read(
        [("module", "=", "purchase"), ("name", "=", "group_purchase_manager")], ["res_id"])[0]["res_id"]
    sandbox.env("res.users").write([proposal.subject_user_id], {"group_ids": [*sandbox_user_groups, manager_group]})
    outcome = decide(engine, proposal.id, "approve", Actor("odoo", subject))
    assert not outcome.ok
    assert "four-eyes" in outcome.message
    assert engine.services.store.get(proposal.id).status == "pending"


def test_shadow_mode_records_but_never_posts_or_acts(engine: Engine, sandbox: Sandbox, tmp_path) -> None:  # noqa: ANN001
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    text = engine.services.agents["approval_watcher"].policy_path.read_text().replace("mode: live", "mode: shadow")
    (policy_dir / "approval_watcher.yaml").write_text(text)
    engine.services.agents["approval_watcher"] = type(engine.services.agents["approval_watcher"])(
        engine.services.agents["approval_watcher"].watcher, policy_dir / "approval_watcher.yaml")
    engine.services.policies.reload("approval_watcher")
    report = engine.run_once("approval_watcher")
    assert report.proposal_ids
    store = engine.services.store
    assert {store.get(pid).status for pid in report.proposal_ids} == {"shadow"}
    assert store.pending_outbox() == []
    outcome = decide(engine, report.proposal_ids[0], "approve", APPROVER)
    assert not outcome.ok
    assert all(marked_writes(sandbox, pid) == [] for pid in report.proposal_ids)


def test_an_expired_proposal_escalates_to_the_next_tier(engine: Engine, sandbox: Sandbox) -> None:
    engine.run_once("approval_watcher")
    store = engine.services.store
    first_tier = next(p for p in store.list_proposals(status="pending") if p.rule_id == "po_waiting_approval" and p.step == 0)
    last_tier = next(p for p in store.list_proposals(status="pending") if p.rule_id == "po_waiting_approval" and p.step == 1)
    sandbox.clock.advance(timedelta(hours=9))
    sweep_expired(engine)
    assert store.get(first_tier.id).status == "expired" and store.get(last_tier.id).status == "expired"
    escalated = [p for p in store.list_proposals(status="pending") if p.dedup_key == first_tier.dedup_key]
    assert len(escalated) == 1
    assert escalated[0].step == 1
    assert escalated[0].approvers["odoo_users"] == ["admin"]  # the second tier's approvers
    created = [e for e in engine.services.audit.events(escalated[0].id) if e.kind == "proposal.created"]
    assert created[0].data["escalated_from"] == first_tier.id
    # the last tier has nowhere to go: it stays expired, with no new proposal
    assert [p.id for p in store.list_proposals() if p.dedup_key == last_tier.dedup_key] == [last_tier.id]


def test_an_expired_proposal_whose_record_moved_on_does_not_escalate(engine: Engine, sandbox: Sandbox) -> None:
    engine.run_once("approval_watcher")
    store = engine.services.store
    first_tier = next(p for p in store.list_proposals(status="pending") if p.step == 0 and p.rule_id == "po_waiting_approval")
    sandbox.env("purchase.order").write([first_tier.res_id], {"state": "purchase"})
    sandbox.clock.advance(timedelta(hours=9))
    sweep_expired(engine)
    assert [p.status for p in store.list_proposals() if p.dedup_key == first_tier.dedup_key] == ["expired"]


def test_one_failing_expiry_does_not_stop_the_others(engine: Engine, sandbox: Sandbox) -> None:
    engine.run_once("approval_watcher", keep_findings=False)
    engine.run_once("billing_exceptions", keep_findings=False)
    pending = engine.services.store.list_proposals(status="pending")
    assert {p.agent for p in pending} >= {"approval_watcher", "billing_exceptions"}
    sandbox.clock.advance(timedelta(days=30))  # every proposal is past its ttl
    escalate, escalated = engine.escalate, []

    def first_one_crashes(proposal):  # noqa: ANN001, ANN202 - e.g. that agent's Odoo is down
        escalated.append(proposal.id)
        if len(escalated) == 1:
            raise RuntimeError("boom")
        return escalate(proposal)

    engine.escalate = first_one_crashes  # type: ignore[method-assign]
    outcomes = sweep_expired(engine)
    assert len(outcomes) == len(pending) and sorted(escalated) == sorted(p.id for p in pending)
    assert {engine.services.store.get(p.id).status for p in pending} == {"expired"}
