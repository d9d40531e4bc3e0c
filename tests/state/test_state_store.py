"""Store: proposals move only by compare-and-set, and the outbox, runs, snoozes, policies and flags behave."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from state import Proposal, Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_proposal(store: Store, **overrides: object) -> Proposal:
    fields: dict[str, object] = {
        "agent": "approval_watcher",
        "connection": "main",
        "rule_id": "po_stalled",
        "rule_type": "stalled",
        "model": "purchase.order",
        "res_id": 42,
        "record_name": "P00042",
        "step": 0,
        "action": "post_note",
        "action_args": {"body": "Reminder"},
        "policy_sha256": "a" * 64,
        "facts": {"amount_total": 1250.5, "partner": "***"},
        "evidence": {"hours_waiting": 17.5, "threshold": 16},
        "approvers": {"slack_users": ["U024BE7LH"], "odoo_groups": []},
        "expires_at": T0 + timedelta(hours=24),
    }
    return store.create_proposal(**{**fields, **overrides})


def test_create_assigns_id_dedup_key_status_and_version(store: Store) -> None:
    proposal = new_proposal(store)
    assert re.fullmatch(r"P[0-9A-HJKMNP-TV-Z]{8}", proposal.id)
    assert proposal.dedup_key == "approval_watcher:po_stalled:purchase.order:42"
    assert (proposal.status, proposal.mode, proposal.version) == ("pending", "live", 1)
    stored = store.get(proposal.id)
    assert stored is not None
    assert stored.model_dump() == proposal.model_dump()
    assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)
    assert stored.facts == {"amount_total": 1250.5, "partner": "***"}
    assert store.get("PNOTTHERE") is None


def test_json_fields_come_back_as_returned(store: Store) -> None:
    proposal = new_proposal(store, evidence={"stalled_since": T0, "order_ids": (7, 9)})
    assert proposal.evidence == {"stalled_since": "2026-03-02T09:00:00+00:00", "order_ids": [7, 9]}
    assert store.get(proposal.id) == proposal
    assert store.update_fields(proposal.id, "pending", result={"checked_at": T0})
    stored = store.get(proposal.id)
    assert stored is not None and stored.result == {"checked_at": "2026-03-02T09:00:00+00:00"}


def test_ids_are_unique_and_sort_by_creation_minute(store: Store) -> None:
    ids = [new_proposal(store, res_id=i).id for i in range(50)]
    assert len(set(ids)) == 50
    later = new_proposal(store, res_id=99, created_at=datetime.now(UTC) + timedelta(minutes=5))
    assert later.id[:5] >= max(ids)[:5]


def test_shadow_mode_proposals_are_never_pending(store: Store) -> None:
    assert new_proposal(store, mode="shadow").status == "shadow"
    with pytest.raises(ValueError, match="shadow mode <=> status 'shadow'"):
        new_proposal(store, mode="shadow", status="pending")
    with pytest.raises(ValueError, match="dedup_key"):
        new_proposal(store, dedup_key="something:else")


def test_exactly_one_of_twenty_racing_transitions_wins(store: Store) -> None:
    proposal = new_proposal(store)
    barrier = threading.Barrier(20)
    results: list[bool] = []
    lock = threading.Lock()

    def click(n: int) -> None:
        barrier.wait()
        won = store.transition(proposal.id, "pending", "approved", decided_by=f"U{n}", decided_at=datetime.now(UTC))
        with lock:
            results.append(won)

    threads = [threading.Thread(target=click, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 19 + [True]
    stored = store.get(proposal.id)
    assert stored is not None
    assert (stored.status, stored.version) == ("approved", 2)


def test_transition_from_wrong_status_changes_nothing(store: Store) -> None:
    proposal = new_proposal(store)
    assert store.transition(proposal.id, "pending", "rejected", decided_by="U1", decision_reason="no")
    before = store.get(proposal.id)
    assert not store.transition(proposal.id, "pending", "approved", decided_by="U2")
    assert not store.transition(proposal.id, ("approved", "executing"), "executed", result={"ok": True})
    assert not store.transition("PNOTTHERE", "pending", "approved")
    assert store.get(proposal.id) == before
    assert before is not None and (before.status, before.decided_by, before.version) == ("rejected", "U1", 2)


def test_every_transition_bumps_version_and_sets_fields(store: Store) -> None:
    proposal = new_proposal(store)
    assert store.transition(proposal.id, "pending", "approved", decided_by="U1")
    assert store.transition(proposal.id, ("approved",), "executing")
    assert store.transition(proposal.id, ("approved", "executing"), "executed", result={"message_id": 7})
    stored = store.get(proposal.id)
    assert stored is not None
    assert (stored.status, stored.version, stored.result, stored.decided_by) == ("executed", 4, {"message_id": 7}, "U1")
    assert stored.updated_at >= proposal.updated_at


def test_update_fields_is_guarded_by_status(store: Store) -> None:
    proposal = new_proposal(store)
    assert store.update_fields(proposal.id, "pending", summary="PO stalled", draft_source="template", slack_ts="1.2")
    assert store.transition(proposal.id, "pending", "expired")
    assert not store.update_fields(proposal.id, "pending", slack_ts="9.9")
    stored = store.get(proposal.id)
    assert stored is not None
    assert (stored.status, stored.summary, stored.slack_ts, stored.version) == ("expired", "PO stalled", "1.2", 3)


def test_bad_statuses_and_fields_are_refused(store: Store) -> None:
    proposal = new_proposal(store)
    with pytest.raises(ValueError, match="unknown proposal status"):
        store.transition(proposal.id, "pending", "aproved")
    with pytest.raises(ValueError, match="cannot be set here"):
        store.transition(proposal.id, "pending", "approved", version=10)
    with pytest.raises(ValueError, match="cannot be set here"):
        store.update_fields(proposal.id, "pending", slack_tss="1.2")
    with pytest.raises(ValueError):
        store.update_fields(proposal.id, "pending", draft_source="gpt")
    assert store.get(proposal.id) == proposal


def test_queries_by_status_agent_dedup_and_time(store: Store) -> None:
    first = new_proposal(store, res_id=1, created_at=T0)
    second = new_proposal(store, res_id=1, created_at=T0 + timedelta(minutes=1), expires_at=T0 + timedelta(hours=1))
    other = new_proposal(store, agent="supply_watcher", res_id=1, created_at=T0 + timedelta(minutes=2))
    assert store.transition(first.id, "pending", "rejected")

    assert [p.id for p in store.list_proposals()] == [other.id, second.id, first.id]
    assert [p.id for p in store.list_proposals(status="pending", agent="approval_watcher")] == [second.id]
    assert [p.id for p in store.list_proposals(limit=1)] == [other.id]
    assert [p.id for p in store.list_proposals(status=("pending", "rejected"), agent="approval_watcher")] == [
        second.id,
        first.id,
    ]

    open_one = store.open_proposal_for(first.dedup_key)
    assert open_one is not None and open_one.id == second.id
    assert store.transition(second.id, "pending", "superseded")
    assert store.open_proposal_for(first.dedup_key) is None
    assert store.last_proposals_for([first.dedup_key])[first.dedup_key].id == second.id

    assert store.count_proposals_since("approval_watcher", T0) == 2
    assert store.count_proposals_since("approval_watcher", T0 + timedelta(seconds=30)) == 1
    assert store.count_proposals_since("billing_exceptions", T0) == 0


def test_expired_candidates_are_pending_and_due(store: Store) -> None:
    due = new_proposal(store, res_id=1, expires_at=T0)
    new_proposal(store, res_id=2, expires_at=T0 + timedelta(hours=2))
    decided = new_proposal(store, res_id=3, expires_at=T0 - timedelta(hours=1))
    new_proposal(store, res_id=4, expires_at=None)
    assert store.transition(decided.id, "pending", "approved")
    # An aware timestamp in another zone means the same instant.
    in_paris = (T0 + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=1)))
    assert [p.id for p in store.expired_candidates(in_paris)] == [due.id]


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="timezone"):
        new_proposal(store, expires_at=datetime(2026, 1, 1, 12, 0))


def test_agent_runs(store: Store) -> None:
    run = store.start_run("approval_watcher", "main")
    assert run.id is not None and run.status == "running"
    assert store.finish_run(run.id, status="ok", findings=3, proposals=2, round_trips=4)
    assert not store.finish_run(run.id, status="failed", error="late")
    with pytest.raises(ValueError):
        store.finish_run(run.id, status="done")  # type: ignore[arg-type]


def test_snoozes(store: Store) -> None:
    key = "approval_watcher:po_stalled:purchase.order:42"
    assert store.active_snooze(key, T0) is None
    store.add_snooze(key, T0 + timedelta(hours=1), "U1", "waiting for the vendor")
    longer = store.add_snooze(key, T0 + timedelta(days=2), "U2", "holiday")
    active = store.active_snooze(key, T0)
    assert active is not None and active.id == longer.id and active.until == T0 + timedelta(days=2)
    assert store.active_snooze(key, T0 + timedelta(days=3)) is None
    assert store.active_snooze("other:key", T0) is None


def test_policy_versions_are_idempotent_on_sha(store: Store) -> None:
    first = store.record_policy_version("approval_watcher", "policies/approval_watcher.yaml", "b" * 64, "agent: x\n")
    again = store.record_policy_version("approval_watcher", "policies/approval_watcher.yaml", "b" * 64, "agent: x\n")
    changed = store.record_policy_version("approval_watcher", "policies/approval_watcher.yaml", "c" * 64, "agent: y\n")
    assert first.id == again.id != changed.id
    assert again.recorded_at == first.recorded_at


def test_outbox_dedup_order_and_delivery(store: Store) -> None:
    first = store.enqueue("notify", "P1", {"text": "approve?"}, dedup="notify:P1")
    assert first is not None and first.id is not None
    assert store.enqueue("notify", "P1", {"text": "approve? (re-run)"}, dedup="notify:P1") is None
    second = store.enqueue("report", None, {"text": "digest"}, dedup="digest:2026-03-02")
    assert second is not None and second.id is not None
    assert [m.id for m in store.pending_outbox()] == [first.id, second.id]
    assert [m.payload for m in store.pending_outbox(limit=1)] == [{"text": "approve?"}]

    assert store.mark_failed_attempt(first.id, "slack down")
    assert store.mark_failed_attempt(first.id, "slack still down")
    assert store.mark_delivered(first.id, channel="C1", ts="1712.0001")
    assert not store.mark_delivered(first.id, channel="C1", ts="again")
    assert not store.mark_failed_attempt(first.id, "too late")
    assert [m.id for m in store.pending_outbox()] == [second.id]

    with store.db.session() as session:
        from state import OutboxMessage

        delivered = session.get(OutboxMessage, first.id)
    assert delivered is not None
    assert (delivered.attempts, delivered.last_error) == (2, "slack still down")
    assert delivered.result == {"channel": "C1", "ts": "1712.0001"}
    assert delivered.delivered_at is not None and delivered.delivered_at.tzinfo is not None


def test_flags(store: Store) -> None:
    assert store.get_flag("paused") is None
    assert store.get_flag("paused", "false") == "false"
    store.set_flag("paused", "true")
    store.set_flag("paused", "false")
    assert store.get_flag("paused") == "false"
