"""Leases on decided proposals: one replica carries a decision out at a time; a dead one's lease runs out; an unknown
Odoo outcome is not due before its next attempt."""

from __future__ import annotations

import threading
from datetime import timedelta

from state import Store, leases
from state.tables import utcnow

from .test_state_store import new_proposal


def approved(store: Store, **fields: object) -> str:
    proposal = new_proposal(store)
    assert store.transition(proposal.id, "pending", "approved", decision="approve", decided_by="odoo:grace",
                            decided_at=utcnow(), **fields)
    return proposal.id


def test_a_decision_recorded_with_a_live_lease_is_not_due_until_the_lease_runs_out(store: Store) -> None:
    now = utcnow()
    pid = approved(store, lease_by="a", lease_until=now + timedelta(minutes=10))
    assert leases.due(store, now) == []
    assert not leases.claim(store, pid, "b", until=now + timedelta(minutes=20), now=now)
    later = now + timedelta(minutes=11)  # process "a" died: its lease ran out
    assert [p.id for p in leases.due(store, later)] == [pid]
    assert leases.claim(store, pid, "b", until=later + timedelta(minutes=10), now=later)
    assert not leases.release(store, pid, "a")  # not a's any more
    assert leases.release(store, pid, "b")
    assert store.get(pid).lease_until is None


def test_one_replica_of_eight_claims_a_due_decision(store: Store) -> None:
    pid = approved(store)  # approved, nobody carrying it (e.g. it waited while paused)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(owner: str) -> None:
        barrier.wait()
        results.append(leases.claim(store, pid, owner, until=utcnow() + timedelta(minutes=10)))

    threads = [threading.Thread(target=claim, args=(f"host:{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_an_unknown_outcome_is_due_only_at_its_next_attempt(store: Store) -> None:
    now = utcnow()
    pid = approved(store, attempts=1, next_attempt_at=now + timedelta(minutes=2))
    assert store.transition(pid, "approved", "executing")
    assert leases.due(store, now) == []
    assert not leases.claim(store, pid, "a", until=now + timedelta(minutes=10), now=now)
    assert [p.id for p in leases.due(store, now + timedelta(minutes=3))] == [pid]


def test_undecided_and_finished_proposals_are_never_due(store: Store) -> None:
    pending = new_proposal(store)
    done = approved(store)
    assert store.transition(done, "approved", "executed")
    assert leases.due(store, utcnow() + timedelta(days=365)) == []
    assert not leases.claim(store, pending.id, "a", until=utcnow() + timedelta(minutes=10))
