"""A proposal as a person reads it, in plain text (the console adapter; Slack builds Block Kit from the same row)."""

from __future__ import annotations

from agents._core.drafting import describe_action
from agents._core.odoo import versions
from agents._core.odoo.profile import OdooProfile, legacy_record_path
from agents._core.odoo.values import display
from state import Proposal


def odoo_link(base_url: str, model: str, res_id: int) -> str:
    """An absolute link to the record's form: in its server's own style when this process knows the version (a
    gateway or `versions.probe` learned it), else the /web# style, which every version from 16 to 19 opens."""
    base = base_url.rstrip("/")
    version = versions.known(base)
    path = OdooProfile.of(version).record_path(model, res_id) if version else legacy_record_path(model, res_id)
    return base + path


def _record(odoo_url: str | None, model: str, res_id: int) -> str:
    """A link when the connection's URL is known; never a relative path, which no reader could open."""
    return odoo_link(odoo_url, model, res_id) if odoo_url else f"{model} #{res_id} (Odoo connection not configured here)"


def proposal_text(proposal: Proposal, *, odoo_url: str | None = None) -> str:
    lines = [
        f"[{proposal.id}] {proposal.summary}",
        f"  agent {proposal.agent} · rule {proposal.rule_id} · step {proposal.step + 1} · status {proposal.status}",
    ]
    for name, value in proposal.facts.items():
        lines.append(f"  {name:<16} {display(value)}")
    evidence = proposal.evidence
    for label, value in {**evidence.get("measured", {}), **evidence.get("thresholds", {})}.items():
        lines.append(f"  {label:<16} {value}")
    for label, (model, res_id) in evidence.get("related", {}).items():
        lines.append(f"  {label:<16} {_record(odoo_url, model, res_id)}")
    lines.append(f"  why              {proposal.rationale}")
    args = ", ".join(f"{k}={v}" for k, v in (proposal.action_args or {}).items())
    lines.append(f"  proposed action  {describe_action(proposal.action)}" + (f" ({args})" if args else ""))
    lines.append(f"  open in Odoo     {_record(odoo_url, proposal.model, proposal.res_id)}")
    return "\n".join(lines)


def outcome_text(proposal: Proposal) -> str:
    when = proposal.decided_at.strftime("%Y-%m-%d %H:%M UTC") if proposal.decided_at else ""
    line = f"[{proposal.id}] {proposal.status}"
    if proposal.decided_by:
        line += f" by {proposal.decided_by} at {when}"
    if proposal.decision_reason:
        line += f" — reason: {proposal.decision_reason}"
    if proposal.result:
        line += f" — Odoo: {proposal.result.get('summary')}"
    if proposal.error:
        line += f" — {proposal.error}"
    if proposal.status in ("approved", "executing") and proposal.next_attempt_at is not None:
        line += f" — waits for Odoo, next try after {proposal.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
    return line
