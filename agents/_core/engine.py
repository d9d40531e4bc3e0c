"""The running core: compiled graphs over the services; one scan, thread starts, resumes and recovery."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langgraph.types import Command

from agents._core.graphs import build_proposal_graph, build_scan_graph
from agents._core.logs import bound
from agents._core.nodes.proposal_state import DecisionPayload
from agents._core.odoo.errors import OdooError
from agents._core.policy_book import PolicyUnavailable
from agents._core.services import REPLICA, Services
from agents._core.watcher import Finding, RecordRef
from state import Proposal

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

    def resume(self, proposal_id: str, payload: DecisionPayload | dict[str, str]) -> bool:
        """Resume a thread that waits in interrupt(); only decide()'s CAS winner (or `resume`) calls this."""
        config = self.thread(proposal_id)
        with bound(proposal_id=proposal_id):
            if not self.proposal_graph.get_state(config).interrupts:
                log.warning("proposal %s has no thread waiting; nothing resumed", proposal_id)
                return False
            log.info("proposal %s resumed: %s", proposal_id, payload.get("decision") or payload.get("resumed"))
            self.proposal_graph.invoke(Command(resume=payload), config)
        return True

    def unpause(self, proposal_id: str) -> bool:
        """Let an approved action that waited while Sentinel was paused go ahead."""
        return self.resume(proposal_id, {"resumed": "unpaused"})

    def recover(self, proposal_id: str) -> None:
        """Re-run a thread from its last checkpoint (after a crash in act: the marker check prevents a second write)."""
        with bound(proposal_id=proposal_id):
            self.proposal_graph.invoke(None, self.thread(proposal_id))

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
            error = str(exc)
            log.error("run of %s failed: %s", agent, error)
            if run_id is not None:
                store.finish_run(run_id, status="failed", error=error, at=self.services.clock())
                self.services.audit.append("run.failed", actor=f"agent:{agent}", data={"run": run_id, "error": error})
            return RunReport(agent, ok=False, error=error)
        ctx = state["ctx"]
        report = RunReport(
            agent, ok=True, findings=list(state.get("findings") or []), found=state.get("found", {}), kept=state["kept"],
            dropped=state.get("dropped", {}), proposal_ids=state.get("proposal_ids", []), skipped=ctx.skipped,
            skipped_count=ctx.skipped_count, disabled=ctx.disabled, round_trips=ctx.gateway.stats.round_trips,
        )
        if run_id is not None:
            store.finish_run(run_id, status="ok", findings=report.finding_count, proposals=len(report.proposal_ids),
                             round_trips=report.round_trips, found=report.found, at=self.services.clock())
        log.info("scan of %s: %d findings, %d proposals, %d Odoo round trips", agent, report.finding_count,
                 len(report.proposal_ids), report.round_trips)
        return report

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
