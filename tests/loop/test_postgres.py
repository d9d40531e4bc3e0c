"""The whole loop on PostgreSQL (store, audit chain and PostgresSaver checkpoints), as production and replicas run it."""

from __future__ import annotations

import threading
from pathlib import Path

from agents._core.decisions import Actor, decide
from agents._core.odoo.sandbox import Sandbox
from runner import build_engine
from tests.loop.conftest import marked_writes, settings_for
from tests.pg import fresh_schema, postgres_url_or_skip


def test_racing_approvals_on_postgres_act_once_and_resume_from_postgres_checkpoints(sandbox: Sandbox, tmp_path: Path) -> None:
    with fresh_schema(postgres_url_or_skip()) as url:
        settings = settings_for(sandbox, tmp_path / "unused.db", SENTINEL_DATABASE_URL=url)
        scanner = build_engine(settings, clock=sandbox.clock.now)
        assert scanner.run_once("approval_watcher").proposal_ids
        target = scanner.services.store.list_proposals(status="pending")[0]

        # Two replicas: separate engines on the same database, each resuming the thread from PostgreSQL.
        replicas = [build_engine(settings, clock=sandbox.clock.now) for _ in range(2)]
        outcomes = []
        barrier = threading.Barrier(2)

        def click(engine, who: str) -> None:  # noqa: ANN001
            barrier.wait()
            outcomes.append(decide(engine, target.id, "approve", Actor("odoo", who)))

        threads = [threading.Thread(target=click, args=(e, w)) for e, w in zip(replicas, ("admin", "grace.finance"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(o.ok for o in outcomes) == [False, True]
        assert scanner.services.store.get(target.id).status == "executed"
        assert len(marked_writes(sandbox, target.id)) == 1
        assert scanner.services.audit.verify().ok


def test_two_replicas_ticking_together_scan_once_and_deliver_each_message_once(sandbox: Sandbox, tmp_path: Path) -> None:
    from agents._core.console import deliver_outbox
    from agents._core.scheduler import agent_tick

    with fresh_schema(postgres_url_or_skip()) as url:
        settings = settings_for(sandbox, tmp_path / "unused.db", SENTINEL_DATABASE_URL=url)
        replicas = [build_engine(settings, clock=sandbox.clock.now) for _ in range(2)]
        barrier = threading.Barrier(2)

        def tick(engine) -> None:  # noqa: ANN001
            barrier.wait()
            agent_tick(engine, "approval_watcher")

        threads = [threading.Thread(target=tick, args=(e,)) for e in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        store = replicas[0].services.store
        proposals = store.list_proposals(agent="approval_watcher")
        assert proposals
        assert len({p.dedup_key for p in proposals}) == len(proposals), "no item proposed twice"
        assert len(store.last_runs()) == 1 and store.last_runs()["approval_watcher"].status == "ok"

        printed: list[list[str]] = [[], []]
        workers = [threading.Thread(target=deliver_outbox, args=(e.services.store, printed[i].append),
                                    kwargs={"owner": f"replica-{i}"})  # two processes' identities
                   for i, e in enumerate(replicas)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert len(printed[0]) + len(printed[1]) == len(proposals)  # every message once, by one replica or the other
