"""The scan graph's state (not checkpointed: a scan is re-run, never resumed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict

from agents._core.watcher import Finding, RecordRef, ScanContext


class ScanState(TypedDict, total=False):
    agent: str
    """The agent being scanned (its folder name)."""
    run_id: int | None
    """The agent_run row of this scan; None for a dry run."""
    dry_run: bool
    """Detect and triage only: nothing is persisted, nothing is posted."""
    now: datetime
    """The instant the scan is evaluated at (the clock's, so tests can move it)."""
    only: RecordRef | None
    """Scan one record of one rule only: how an expired proposal escalates to the next tier."""
    min_step: int | None
    """Propose at least this ladder step (the tier after the one that expired); dropped past the last step."""
    escalated_from: str | None
    """The expired proposal this scan escalates, recorded in the audit trail."""
    ctx: ScanContext
    """Gateway, policy, calendar: what the watcher's detect() receives."""
    keep_findings: bool
    """Keep every finding in the run report (tests, reports); scheduled runs keep counts only."""
    findings: Iterable[Finding]
    """What the rules tripped on: a stream out of detect; after triage, the full list if keep_findings."""
    found: dict[str, int]
    """How many findings each rule made."""
    kept: list[Finding]
    """What triage kept: not snoozed, not cooling down, not already open; ranked and capped."""
    dropped: dict[str, int]
    """Why findings were dropped by triage: reason -> count."""
    proposal_ids: list[str]
    """The proposals created by this scan."""
