"""`policy diff`: what changing an agent's policy to another file would change now, before it goes live."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from agents._core.engine import Engine, RunReport
from agents._core.odoo.errors import OdooUnavailable
from agents._core.policy import PolicyError
from agents._core.policy_book import PolicyBook
from agents._core.registry import AgentEntry
from agents._core.watcher import Finding, RecordRef, ScanContext
from state import Proposal


@dataclass
class PolicyDiff:
    agent: str
    current: str
    candidate: str
    dropped: list[Finding] = field(default_factory=list)  # would no longer be proposed
    added: list[Finding] = field(default_factory=list)  # would be proposed only under the candidate
    restepped: list[tuple[Finding, Finding]] = field(default_factory=list)  # (current, candidate) at another step
    open_changes: list[tuple[Proposal, str]] = field(default_factory=list)  # open proposals that would differ
    failed: str | None = None  # a scan of either policy failed: the comparison would be false, so there is none

    def empty(self) -> bool:
        return not (self.dropped or self.added or self.restepped or self.open_changes)


def policy_diff(engine: Engine, agent: str, candidate_path: Path) -> PolicyDiff:
    """Both policies scan the same Odoo now (dry runs: nothing stored or posted); open proposals are re-checked."""
    services = engine.services
    entry = AgentEntry(services.agents[agent].watcher, candidate_path)
    book = PolicyBook({agent: entry}, services.policies.connections)
    loaded = book.reload(agent)
    if isinstance(loaded, PolicyError):
        raise loaded
    candidate = Engine(replace(services, agents={**services.agents, agent: entry}, policies=book), InMemorySaver())
    now = services.clock()
    current_scan = _scan(engine, agent)
    candidate_scan = _scan(candidate, agent)
    result = PolicyDiff(agent, str(services.agents[agent].policy_path), str(candidate_path))
    if not (current_scan.ok and candidate_scan.ok):
        result.failed = current_scan.error or candidate_scan.error
        return result
    before = {f.dedup_key(agent): f for f in current_scan.kept}
    after = {f.dedup_key(agent): f for f in candidate_scan.kept}
    result.dropped = [f for key, f in before.items() if key not in after]
    result.added = [f for key, f in after.items() if key not in before]
    result.restepped = [(before[k], after[k]) for k in before.keys() & after.keys() if before[k].step != after[k].step]
    for proposal in services.store.list_proposals(status="pending", agent=agent):
        change = _open_change(candidate, proposal, now)
        if change:
            result.open_changes.append((proposal, change))
    return result


def _scan(engine: Engine, agent: str) -> RunReport:
    """A scan that could not reach Odoo is an error here (the CLI says so in one line, exit 69), never "no change";
    any other failed scan is reported as the diff's failure (exit 1)."""
    report = engine.run_once(agent, dry_run=True, keep_findings=False)
    if isinstance(report.cause, OdooUnavailable):
        raise report.cause
    return report


def _open_change(candidate: Engine, proposal: Proposal, now) -> str | None:  # noqa: ANN001 - datetime
    services = candidate.services
    policy = services.policy(proposal.agent)
    rule = next((r for r in policy.rules if r.id == proposal.rule_id), None)
    if rule is None:
        return f"rule {proposal.rule_id} is not in the new policy"
    ctx = ScanContext(services.gateway(policy.odoo), policy, now, services.calendar(proposal.agent),
                      only=RecordRef(proposal.rule_id, proposal.model, proposal.res_id))
    found = [f for f in services.agents[proposal.agent].watcher.detect(ctx) if f.res_id == proposal.res_id]
    if not found:
        return "would no longer match its rule"
    step = found[0].step
    approvers = (rule.ladder[step].approvers or policy.slack.approvers).model_dump()
    changes = []
    if step != proposal.step:
        changes.append(f"step {proposal.step + 1} → {step + 1}")
    if approvers != (proposal.approvers or {}):
        changes.append(f"approvers {_short(proposal.approvers or {})} → {_short(approvers)}")
    return "; ".join(changes) or None


def _short(approvers: dict[str, list[str]]) -> str:
    return "{" + "; ".join(f"{k}: {', '.join(v)}" for k, v in approvers.items() if v) + "}"


def as_data(diff: PolicyDiff) -> dict:
    """For `policy diff --json`."""
    def finding(f: Finding) -> dict:
        return {"rule": f.rule_id, "model": f.model, "res_id": f.res_id, "name": f.name, "step": f.step + 1}

    return {"agent": diff.agent, "current": diff.current, "candidate": diff.candidate, "changes": not diff.empty(),
            "dropped": [finding(f) for f in diff.dropped], "added": [finding(f) for f in diff.added],
            "restepped": [{**finding(old), "new_step": new.step + 1} for old, new in diff.restepped],
            "open_changes": [{"proposal": p.id, "change": change} for p, change in diff.open_changes]}


def as_text(diff: PolicyDiff) -> list[str]:
    lines = [f"policy diff {diff.agent}: {diff.current} → {diff.candidate} (as of now)"]
    if diff.empty():
        return [*lines, "no change: the same proposals, steps and approvers"]
    sections = [
        ("would no longer be proposed", [_finding(f) for f in diff.dropped]),
        ("would be proposed", [_finding(f) for f in diff.added]),
        ("would be proposed at another step", [f"{_finding(a)}: step {a.step + 1} → {b.step + 1}" for a, b in diff.restepped]),
        ("open proposals that would change", [f"{p.id}  {p.record_name}  {p.rule_id}: {why}" for p, why in diff.open_changes]),
    ]
    for title, rows in sections:
        if rows:
            lines += ["", f"{title} ({len(rows)}):", *(f"  {row}" for row in rows)]
    return lines


def _finding(f: Finding) -> str:
    return f"{f.name}  {f.rule_id}  step {f.step + 1}  ({f.evidence.headline})"
