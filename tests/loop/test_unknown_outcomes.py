"""Exactly once under slow and lost writes: a timeout is an unknown outcome, waited out past Odoo's request limit and
settled by the marker; multi-step actions complete only what is missing; Odoo's refusal fails with its message."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents._core.decisions import Actor, decide, recover_stuck
from agents._core.engine import Engine
from agents._core.odoo.sandbox import Sandbox
from agents._core.services import PAUSED_FLAG
from runner import app, build_engine
from state import Proposal
from tests.loop.conftest import marked_writes, settings_for
from tests.odoo.fault_proxy import Fault, FaultProxy

APPROVER = Actor("odoo", "grace.finance")
# Odoo's answer is awaited 2 s; Odoo itself is taken to end any request within 4 s (its limit_time_real).
FAST = {"ODOO_TIMEOUT": 2, "ODOO_REQUEST_LIMIT": 4}


@pytest.fixture
def proxy(sandbox: Sandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.url) as running:
        yield running


def engines(sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path, **extra: object) -> tuple[Engine, Engine]:
    """One engine straight on the sandbox for scanning, one behind the fault proxy that decides and acts."""
    db = tmp_path / "sentinel.db"
    direct = build_engine(settings_for(sandbox, db, **extra), clock=sandbox.clock.now, model=None)
    behind = build_engine(settings_for(sandbox, db, ODOO_URL=proxy.url, **FAST, **extra), clock=sandbox.clock.now,
                          model=None)
    return direct, behind


def pending_with(engine: Engine, agent: str, action: str) -> Proposal:
    report = engine.run_once(agent)
    assert report.ok, report.error
    found = [p for p in engine.services.store.list_proposals(status="pending", agent=agent) if p.action == action]
    assert found, f"the seed should give a {action} proposal for {agent}"
    return found[0]


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def sleep_until(at: datetime) -> None:
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    time.sleep(max(0.0, (at - datetime.now(timezone.utc)).total_seconds()) + 0.2)


def approve_behind_fault(engine: Engine, proposal: Proposal, proxy: FaultProxy, fault: Fault) -> Proposal:
    """Approve with `fault` on the action's write: the outcome is unknown, so it waits and no second write is tried
    before Odoo's request limit, neither by housekeeping nor by a direct attempt."""
    proxy.inject(fault)
    outcome = decide(engine, proposal.id, "approve", APPROVER)
    assert outcome.ok and outcome.status == "executing", outcome.message
    assert "approved and waiting for Odoo" in outcome.message and "nothing is written twice" in outcome.message
    waiting = engine.services.store.get(proposal.id)
    assert waiting.attempts == 1 and waiting.next_attempt_at is not None and waiting.lease_until is None
    assert recover_stuck(engine) == []  # not due before Odoo's request limit has passed
    engine.carry_on(proposal.id)  # nor when asked directly: the marker cannot be trusted yet
    assert proxy.applied == [(fault.kind, fault.model or proposal.model, fault.method)]
    return waiting


def settle(engine: Engine, waiting: Proposal) -> Proposal:
    sleep_until(waiting.next_attempt_at)
    assert recover_stuck(engine) == [waiting.id]
    final = engine.services.store.get(waiting.id)
    assert final.status == "executed" and final.error is None and final.next_attempt_at is None
    return final


def test_a_write_slower_than_the_timeout_is_not_written_again(sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "approval_watcher", "post_note")
    waiting = approve_behind_fault(engine, proposal, proxy, Fault("delay", "message_post", seconds=3.0))
    wait_for(lambda: len(marked_writes(sandbox, proposal.id)) == 1)  # the held write lands after the client gave up
    final = settle(engine, waiting)
    assert final.result["done"] is False  # it found its own marker instead of writing again
    assert len(marked_writes(sandbox, proposal.id)) == 1
    events = [e.kind for e in engine.services.audit.events(proposal.id)]
    assert events == ["proposal.created", "proposal.approved", "proposal.waiting_for_odoo", "proposal.executed"]
    updates = [m.dedup for m in engine.services.store.pending_outbox() if m.proposal_id == proposal.id]
    assert f"{proposal.id}:waiting:1" in updates and f"{proposal.id}:final" in updates  # told it waits, then the end


def test_a_write_whose_answer_is_lost_is_not_written_again(sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "approval_watcher", "schedule_activity")
    fault = Fault("drop_answer", "create", model="mail.activity")
    waiting = approve_behind_fault(engine, proposal, proxy, fault)
    assert len(marked_writes(sandbox, proposal.id)) == 1  # Odoo did it; only the answer was lost
    final = settle(engine, waiting)
    assert final.result["done"] is False
    assert len(marked_writes(sandbox, proposal.id)) == 1


def test_odoo_unreachable_keeps_the_approval_and_housekeeping_carries_it_out_later(
        sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "approval_watcher", "post_note")
    store = engine.services.store
    store.set_flag(PAUSED_FLAG, "true")
    assert decide(engine, proposal.id, "approve", APPROVER).status == "approved"  # waits for `resume`
    proxy.down = True
    store.set_flag(PAUSED_FLAG, "false")
    assert recover_stuck(engine) == [proposal.id]  # resumed during an outage (verified before the pause)
    waiting = store.get(proposal.id)
    assert waiting.status == "executing" and waiting.attempts == 1 and waiting.next_attempt_at is not None
    assert "connection to 127.0.0.1" in waiting.error
    sleep_until(waiting.next_attempt_at)
    assert recover_stuck(engine) == [proposal.id]  # still down: waits again, longer, never `failed`
    again = engine.services.store.get(proposal.id)
    assert again.status == "executing" and again.attempts == 2 and again.next_attempt_at > waiting.next_attempt_at
    proxy.down = False
    final = settle(engine, again)
    assert final.result["done"] is True and len(marked_writes(sandbox, proposal.id)) == 1


def rfqs(sandbox: Sandbox, proposal_id: str) -> list[dict]:
    return sandbox.env("purchase.order").search_read([("origin", "ilike", f"[sentinel:{proposal_id}]")], ["id"])


def notes_on(sandbox: Sandbox, model: str, res_id: int, mark: str) -> int:
    return sandbox.env("mail.message").search_count([("model", "=", model), ("res_id", "=", res_id),
                                                     ("body", "ilike", mark)])


def test_an_rfq_interrupted_after_its_creation_gets_only_its_note(
        sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "supply_watcher", "create_rfq")
    waiting = approve_behind_fault(engine, proposal, proxy, Fault("refuse", "message_post", model="purchase.order"))
    [rfq] = rfqs(sandbox, proposal.id)  # step 1 done, step 2 (its note) not
    assert notes_on(sandbox, "purchase.order", rfq["id"], f"[sentinel:{proposal.id}:note]") == 0
    final = settle(engine, waiting)
    assert final.result["done"] is True and "its note added" in final.result["summary"]
    assert [r["id"] for r in rfqs(sandbox, proposal.id)] == [rfq["id"]]
    assert notes_on(sandbox, "purchase.order", rfq["id"], f"[sentinel:{proposal.id}:note]") == 1


def test_a_reorder_raise_interrupted_between_activities_completes_only_the_rest(
        sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "supply_watcher", "update_reorder_min")
    assert len(proposal.action_args["notify"]) == 2  # two groups
    product = sandbox.env("stock.warehouse.orderpoint").read([proposal.res_id], ["product_id"])[0]["product_id"][0]
    activities = lambda: sandbox.env("mail.activity").search_count([  # noqa: E731
        ("res_model", "=", "product.product"), ("res_id", "=", product),
        ("note", "ilike", f"[sentinel:{proposal.id}:activity]")])
    second_refused = Fault("refuse", "create", model="mail.activity", skip=1)
    waiting = approve_behind_fault(engine, proposal, proxy, second_refused)
    minimum = sandbox.env("stock.warehouse.orderpoint").read([proposal.res_id], ["product_min_qty"])[0]["product_min_qty"]
    assert minimum == proposal.action_args["new_min"]  # step 1 done
    assert activities() == 1 and notes_on(sandbox, "product.product", product, f"[sentinel:{proposal.id}]") == 0
    final = settle(engine, waiting)
    assert final.result["done"] is True
    # notify names two groups whose three members each get one to-do: the two missing were added, the first not again
    assert activities() == 3
    assert notes_on(sandbox, "product.product", product, f"[sentinel:{proposal.id}]") == 1


def test_odoo_refusing_the_write_fails_the_proposal_with_odoos_message(
        sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "approval_watcher", "post_note")
    message = "You are not allowed to modify 'Purchase Order' (purchase.order) records."
    proxy.inject(Fault("odoo_error", "message_post", error=("odoo.exceptions.AccessError", message)))
    db = tmp_path / "sentinel.db"
    env = {"SENTINEL_DATABASE_URL": f"sqlite:///{db}", "ODOO_URL": proxy.url, "ODOO_DB": "sandbox", "ODOO_USER": "admin",
           "ODOO_PASSWORD": "admin", "SENTINEL_POLICY_DIR": "policies", "ODOO_TIMEOUT": "5"}
    result = CliRunner().invoke(app, ["proposals", "approve", proposal.id, "--as", "grace.finance"], env=env)
    assert result.exit_code == 1, result.output  # decided, but the action did not happen: the exit code says so
    assert (f"failed: {proposal.id}: the decision is recorded but its action failed in Odoo: Odoo connection 'default': "
            f"{message}") in result.output
    final = engine.services.store.get(proposal.id)
    assert final.status == "failed" and final.error == f"Odoo connection 'default': {message}"
    delivered = next(line for line in result.output.splitlines() if line.startswith(f"↻ [{proposal.id}] failed"))
    assert delivered.endswith(f"— Odoo connection 'default': {message}")  # the update, where the person decided
    assert marked_writes(sandbox, proposal.id) == []
    assert recover_stuck(engine) == []  # a refusal is final: nothing retries it


@pytest.mark.parametrize(("odoo_error", "status"), [
    ("odoo.exceptions.ValidationError", "failed"),
    ("odoo.exceptions.MissingError", "failed"),
    ("psycopg2.errors.SerializationFailure", "executing"),  # a server error that may pass: it waits and is retried
])
def test_only_odoos_refusal_fails_an_approval(sandbox: Sandbox, proxy: FaultProxy, tmp_path: Path, odoo_error: str,
                                              status: str) -> None:
    direct, engine = engines(sandbox, proxy, tmp_path)
    proposal = pending_with(direct, "approval_watcher", "post_note")
    proxy.inject(Fault("odoo_error", "message_post", error=(odoo_error, "could not do it")))
    outcome = decide(engine, proposal.id, "approve", APPROVER)
    assert outcome.ok and outcome.status == status, outcome.message
    after = engine.services.store.get(proposal.id)
    assert after.error == "Odoo connection 'default': could not do it"
    assert (after.next_attempt_at is None) == (status == "failed")
