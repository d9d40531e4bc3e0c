"""Claims that let several replicas share one database: one scan per tick, one delivery per outbox message."""

from __future__ import annotations

import threading
from datetime import timedelta

from state import Store

from .test_state_store import T0


def test_one_replica_claims_a_run_slot(store: Store) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim(owner: str) -> None:
        barrier.wait()
        results.append(store.claim_run_slot("approval_watcher@default", "2026-03-02T09:15", owner))

    threads = [threading.Thread(target=claim, args=(f"host:{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.claim_run_slot("approval_watcher@default", "2026-03-02T09:30", "host:1")  # the next tick is free


def test_an_outbox_claim_is_exclusive_until_its_lease_ends(store: Store) -> None:
    message = store.enqueue("proposal.posted", None, {"channel": "#x"}, dedup="m1")
    assert store.claim_outbox(message.id, "a", now=T0)
    assert not store.claim_outbox(message.id, "b", now=T0 + timedelta(seconds=30))
    assert store.claim_outbox(message.id, "a", now=T0 + timedelta(seconds=30))  # its own claim, renewed
    assert store.claim_outbox(message.id, "b", now=T0 + timedelta(minutes=5))  # a dead worker's lease ran out
    store.mark_delivered(message.id, channel="x")
    assert not store.claim_outbox(message.id, "c", now=T0 + timedelta(hours=1))  # delivered: nobody takes it again
