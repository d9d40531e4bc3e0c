"""`make demo`: the whole loop on the bundled sandbox Odoo, printed as a person would read it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from agents._core.console import deliver_outbox
from agents._core.decisions import Actor, authorize, decide
from agents._core.odoo.sandbox import Sandbox
from agents._core.settings import Settings

DEMO_APPROVER = "grace.finance"  # finance manager, in purchase.group_purchase_manager in the sandbox


def run_demo(build_engine: Callable[..., object], echo: Callable[[str], None]) -> int:
    with Sandbox(seed=True) as sandbox, tempfile.TemporaryDirectory(prefix="sentinel-demo-") as tmp:
        echo(f"Sandbox Odoo 19 serving at {sandbox.url} (database 'sandbox', login admin / admin)")
        settings = Settings(
            SENTINEL_DATABASE_URL=f"sqlite:///{Path(tmp) / 'demo.db'}",
            SENTINEL_POLICY_DIR=os.environ.get("SENTINEL_POLICY_DIR", "policies"),
            ODOO_URL=sandbox.url, ODOO_DB="sandbox", ODOO_USER="admin", ODOO_PASSWORD="admin",
            SENTINEL_MODEL=None, ODOO_CONNECTIONS={},
        )
        engine = build_engine(settings, clock=sandbox.clock.now, model=None)
        store = engine.services.store

        echo("\n== 1. Every agent scans its queue once")
        for agent in engine.services.agents:
            report = engine.run_once(agent, keep_findings=False)
            status = "ok" if report.ok else f"FAILED: {report.error}"
            echo(f"{agent}: {status}; {report.finding_count} findings, {len(report.proposal_ids)} proposals, "
                 f"{report.round_trips} Odoo round trips")
            for rule, why in sorted(report.disabled.items()):
                echo(f"  rule {rule} disabled: {why}")

        echo("\n== 2. The proposals, as the approvers read them")
        deliver_outbox(store, echo, odoo_url=sandbox.url)

        pending = store.list_proposals(status="pending")
        if not pending:
            echo("no pending proposal: nothing to approve")
            return 1
        approver = Actor("odoo", DEMO_APPROVER)
        decidable = [p for p in pending if authorize(engine, p, approver) is None]  # four-eyes and approver lists
        if not decidable:
            echo(f"no pending proposal that {DEMO_APPROVER} may decide")
            return 1
        chosen = next((p for p in decidable if p.rule_type == "stalled" and p.model == "purchase.order"), decidable[0])
        echo(f"\n== 3. {DEMO_APPROVER} approves {chosen.id} ({chosen.record_name})")
        echo(decide(engine, chosen.id, "approve", approver).message)
        deliver_outbox(store, echo, odoo_url=sandbox.url)

        others = [p for p in decidable if p.id != chosen.id]
        if others:
            other = others[0]
            echo(f"\n== 4. {DEMO_APPROVER} rejects {other.id} ({other.record_name}) with a reason")
            echo(decide(engine, other.id, "reject", approver, reason="vendor already called").message)
            deliver_outbox(store, echo, odoo_url=sandbox.url)

        echo(f"\n== 5. What changed in Odoo ({chosen.model} #{chosen.res_id})")
        for line in _odoo_changes(sandbox, chosen.model, chosen.res_id, chosen.id):
            echo(line)

        echo("\n== 6. The audit trail")
        result = engine.services.audit.verify()
        echo(f"audit verify: {'OK' if result.ok else 'BROKEN'} ({result.checked} events checked)")
        return 0 if result.ok else 1


def _odoo_changes(sandbox: Sandbox, model: str, res_id: int, proposal_id: str) -> list[str]:
    mark = f"[sentinel:{proposal_id}]"
    notes = sandbox.env("mail.message").search_read(
        [("model", "=", model), ("res_id", "=", res_id), ("body", "ilike", mark)], ["date", "body"])
    activities = sandbox.env("mail.activity").search_read(
        [("res_model", "=", model), ("res_id", "=", res_id), ("note", "ilike", mark)], ["summary", "user_id", "date_deadline"])
    lines = [f"chatter note {n['date']}: {n['body']}" for n in notes]
    lines += [f"activity for {a['user_id'][1]}, due {a['date_deadline']}: {a['summary']}" for a in activities]
    return lines or ["(nothing written)"]
