"""The running core: compiled graphs over the services; one scan, thread starts, and carrying decisions on."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langgraph.types import Command

from agents._core.execution import lease_end
from agents._core.graphs import build_proposal_graph, build_scan_graph
from agents._core.logs import bound
from agents._core.nodes import proposal as nodes
from agents._core.odoo.errors import OdooError
from agents._core.policy_book import PolicyUnavailable
from agents._core.services import REPLICA, Services
from agents._core.watcher import Finding, RecordRef
from state import Proposal, leases

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    agent: str
    ok: bool
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)  # every finding, when asked for (keep_findings)
    found: dict[str, int] = field(default_factory=dict)  # rule id -> findings, always
    kept: list[Finding] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    proposal_ids: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    disabled: dict[str, str] = field(default_factory=dict)  # rule id -> why it could not run
    round_trips: int = 0
    cause: Exception | None = None  # why a failed run failed, for callers that must not report "nothing found"

    @property
    def finding_count(self) -> int:
        return sum(self.found.values())


class Engine:
    def __init__(self, services: Services, checkpointer: Any) -> None:
        self.services = services
        self.proposal_graph = build_proposal_graph(services, checkpointer)
        self.scan_graph = build_scan_graph(services, start_thread=self.start_thread)

    @staticmethod
    def thread(proposal_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": proposal_id}}

    def start_thread(self, proposal_id: str) -> None:
        """Run a new proposal's graph up to its wait for a decision."""
        with bound(proposal_id=proposal_id):
            self.proposal_graph.invoke({"proposal_id": proposal_id}, self.thread(proposal_id))
            log.info("proposal %s waits for a decision", proposal_id)

    def carry_on(self, proposal_id: str) -> None:
        """Carry a recorded decision on from wherever its thread stopped: resume the wait for a decision with the one
        stored on the proposal row, go on from the last checkpoint after a crash, or (the thread having ended while it
        waited for Odoo) run the approved action again directly. Never waits for the decision again.

        The caller holds the proposal's lease (decide()'s compare-and-set, or leases.claim); it is given back when this
        returns, and kept if it raises, so another process takes the proposal over once the lease has run out.
        """
        store = self.services.store
        config = self.thread(proposal_id)
        with bound(proposal_id=proposal_id):
            proposal = store.get(proposal_id)
            if proposal is None or proposal.decision is None:
                return
            snapshot = self.proposal_graph.get_state(config)
            if snapshot.interrupts:
                if _waits_for_decision(snapshot):
                    log.info("proposal %s resumed: %s by %s", proposal_id, proposal.decision, proposal.decided_by)
                    self.proposal_graph.invoke(Command(resume={"decision": proposal.decision}), config)
                elif not self.services.paused():
                    log.info("proposal %s resumed after a pause", proposal_id)
                    self.proposal_graph.invoke(Command(resume={"resumed": "unpaused"}), config)
            elif snapshot.next:  # stopped between two steps (a crash): on from the last checkpoint
                self.proposal_graph.invoke(None, config)
                if _waits_for_decision(self.proposal_graph.get_state(config)):  # it had not reached the wait yet
                    self.proposal_graph.invoke(Command(resume={"decision": proposal.decision}), config)
            elif proposal.status in ("approved", "executing") and not self.services.paused():
                nodes.carry_on(self.services, proposal_id)
            leases.release(store, proposal_id, REPLICA)

    def unpause(self, proposal_id: str) -> bool:
        """Let an approved action that waited while Sentinel was paused go ahead (unless another process has it)."""
        if not leases.claim(self.services.store, proposal_id, REPLICA, until=lease_end(self.services.settings)):
            return False
        self.carry_on(proposal_id)
        return True

    def run_once(self, agent: str, *, dry_run: bool = False, keep_findings: bool = True) -> RunReport:
        """One scan of one agent. An Odoo or policy failure fails this agent's run only, with its cause."""
        store = self.services.store
        connection = self._connection(agent)
        now = self.services.clock()  # the run's times follow the engine's clock, as its findings do
        run = None if dry_run else store.start_run(agent, connection, at=now, replica=REPLICA)
        with bound(run_id=run.id if run else None, agent=agent):
            return self._scan(agent, run.id if run else None, now, dry_run=dry_run, keep_findings=keep_findings)

    def _scan(self, agent: str, run_id: int | None, now: datetime, *, dry_run: bool, keep_findings: bool) -> RunReport:
        store = self.services.store
        state: dict[str, Any] = {}
        try:
            state = self.scan_graph.invoke({"agent": agent, "dry_run": dry_run, "run_id": run_id, "now": now,
                                            "keep_findings": keep_findings})
        except (OdooError, PolicyUnavailable) as exc:
            return self._failed(agent, run_id, str(exc), cause=exc)
        ctx = state["ctx"]
        nothing_ran = ctx.failed_everywhere()  # each rule failed on its own: together, the run did not happen
        if nothing_ran:
            return self._failed(agent, run_id, str(OdooError(ctx.policy.odoo, nothing_ran)), disabled=ctx.disabled)
        report = RunReport(
            agent, ok=True, findings=list(state.get("findings") or []), found=state.get("found", {}), kept=state["kept"],
            dropped=state.get("dropped", {}), proposal_ids=state.get("proposal_ids", []), skipped=ctx.skipped,
            skipped_count=ctx.skipped_count, disabled=ctx.disabled, round_trips=ctx.gateway.stats.round_trips,
        )
        if run_id is not None:  # the rules that could not run are recorded on the run row, which stays ok
            disabled = "; ".join(f"rule {rule}: {why}" for rule, why in report.disabled.items()) or None
            store.finish_run(run_id, status="ok", error=disabled, findings=report.finding_count,
                             proposals=len(report.proposal_ids), round_trips=report.round_trips, found=report.found,
                             at=self.services.clock())
        log.info("scan of %s: %d findings, %d proposals, %d Odoo round trips", agent, report.finding_count,
                 len(report.proposal_ids), report.round_trips)
        return report

    def _failed(self, agent: str, run_id: int | None, error: str, *, disabled: dict[str, str] | None = None,
                cause: Exception | None = None) -> RunReport:
        log.error("run of %s failed: %s", agent, error)
        if run_id is not None:
            self.services.store.finish_run(run_id, status="failed", error=error, at=self.services.clock())
            self.services.audit.append("run.failed", actor=f"agent:{agent}", data={"run": run_id, "error": error})
        return RunReport(agent, ok=False, error=error, disabled=dict(disabled or {}), cause=cause)

    def escalate(self, expired: Proposal) -> list[str]:
        """After an unanswered proposal expires, propose the next ladder step to that step's approvers.

        The record is re-read first: an item that no longer matches its rule is not escalated. Returns the new ids.
        """
        state = {
            "agent": expired.agent,
            "dry_run": False,
            "run_id": None,
            "only": RecordRef(expired.rule_id, expired.model, expired.res_id),
            "min_step": expired.step + 1,
            "escalated_from": expired.id,
        }
        try:
            return self.scan_graph.invoke(state).get("proposal_ids", [])
        except (OdooError, PolicyUnavailable) as exc:
            log.error("escalation of %s failed, the next sweep's scan will retry: %s", expired.id, exc)
            return []

    def _connection(self, agent: str) -> str:
        try:
            return self.services.policy(agent).odoo
        except PolicyUnavailable:
            return "?"


def _waits_for_decision(snapshot: Any) -> bool:  # noqa: ANN401 - a LangGraph StateSnapshot
    return any((i.value or {}).get("waiting_for") == "decision" for i in snapshot.interrupts)
