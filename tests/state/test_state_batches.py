"""Triage's batched lookups: the newest proposal per key and the snoozed keys, in bounded IN lists."""

from __future__ import annotations

from datetime import timedelta

from state import Store

from .test_state_store import T0, new_proposal


def test_last_proposals_for_gives_the_newest_per_key_across_chunks(store: Store) -> None:
    older = new_proposal(store, res_id=1, created_at=T0)
    newer = new_proposal(store, res_id=1, created_at=T0 + timedelta(hours=1))
    others = [new_proposal(store, res_id=100 + i, created_at=T0) for i in range(3)]
    keys = [older.dedup_key, *(p.dedup_key for p in others)] + [f"approval_watcher:x:y:{i}" for i in range(1200)]
    found = store.last_proposals_for(keys)
    assert found[older.dedup_key].id == newer.id
    assert {p.dedup_key for p in others} <= set(found)
    assert len(found) == 4


def test_snoozed_keys_are_those_snoozed_past_now(store: Store) -> None:
    store.add_snooze("a:r:m:1", T0 + timedelta(days=1), "U1", "vendor on holiday")
    store.add_snooze("a:r:m:2", T0 - timedelta(minutes=1), "U1", "over")
    assert store.snoozed_keys(["a:r:m:1", "a:r:m:2", "a:r:m:3"], T0) == {"a:r:m:1"}
