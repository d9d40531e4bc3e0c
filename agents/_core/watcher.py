"""The one contract an agent implements: detect(ScanContext) -> findings, plus its policy model."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agents._core.business_hours import BusinessCalendar
from agents._core.odoo.errors import OdooAuthError, OdooError, OdooProtocolError, OdooUnavailable
from agents._core.odoo.gateway import OdooGateway
from agents._core.policy import AgentPolicy, RuleBase
from agents._core.queue_stats import QueueStats


SKIP_LINES = 1000
# Errors that concern the connection, not one rule: every rule would meet them, so the run fails (and is retried).
CONNECTION_ERRORS = (OdooUnavailable, OdooAuthError, OdooProtocolError)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordRef:
    """Restricts a scan to one record of one rule: how a proposal is re-verified before acting."""

    rule_id: str
    model: str
    res_id: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a finding tripped: the thresholds and the measured numbers, already formatted for people."""

    headline: str  # what is wrong, in a few words: "waiting 41.5 business hours", "overdue by 45 days"
    thresholds: dict[str, str]
    measured: dict[str, str]
    numbers: dict[str, float] = field(default_factory=dict)  # the raw figures, for ranking, digest and tests
    related: dict[str, tuple[str, int]] = field(default_factory=dict)  # label -> (model, id) of other records involved
    # Arguments the finding computed for an action type, e.g. {"create_rfq": {"quantity": 40.0}}: used only when the
    # policy allows that action; the policy's own values win, and the executor re-checks its bounds when it runs.
    proposed: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Which Odoo field each measured/numbers entry reveals (e.g. {"total": "amount_total"}): privacy masks the entry
    # when that field is not shared, and shows masked_headline instead of a headline that quotes such a value.
    sources: dict[str, str] = field(default_factory=dict)
    masked_headline: str | None = None

    def as_dict(self) -> dict[str, Any]:
        shown = {"headline": self.headline, "thresholds": self.thresholds, "measured": self.measured, "numbers": self.numbers}
        shown |= {"related": {k: list(v) for k, v in self.related.items()}} if self.related else {}
        shown |= {"sources": self.sources, "masked_headline": self.masked_headline} if self.sources else {}
        return shown | ({"proposed": self.proposed} if self.proposed else {})


class LazyEvidence:
    """Evidence built on first use: a scan of 100,000 stalled items formats the evidence of the few that triage keeps."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], Evidence]) -> None:
        self._build: Callable[[], Evidence] | None = build
        self._built: Evidence | None = None

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            assert self._build is not None
            self._built, self._build = self._build(), None
        return getattr(self._built, name)


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    rule_type: str
    model: str
    res_id: int
    name: str
    step: int  # index of the highest ladder step whose threshold is reached
    evidence: Evidence | LazyEvidence
    record: dict[str, Any]  # the fields the rule read, unmasked: privacy masks them before they leave
    subject_user_id: int | None = None  # res.users id of the person the item is about (four-eyes)
    score: float = 0.0  # higher is more urgent; triage keeps the highest

    def dedup_key(self, agent: str) -> str:
        return f"{agent}:{self.rule_id}:{self.model}:{self.res_id}"


@dataclass
class ScanContext:
    gateway: OdooGateway
    policy: AgentPolicy
    now: datetime
    calendar: BusinessCalendar
    only: RecordRef | None = None
    skipped: list[str] = field(default_factory=list)  # records passed over, with the reason (run log; the first ones)
    skipped_count: int = 0  # all of them: a queue of 100,000 odd records keeps only SKIP_LINES lines in memory
    disabled: dict[str, str] = field(default_factory=dict)  # rule id -> why it cannot run on this server
    queues: dict[str, QueueStats] = field(default_factory=dict)  # rule id -> its queue as this scan saw it

    def skip(self, model: str, res_id: int, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < SKIP_LINES:
            self.skipped.append(f"{model}#{res_id}: {reason}")

    def wants(self, rule_id: str) -> bool:
        return rule_id not in self.disabled and (self.only is None or self.only.rule_id == rule_id)

    def rules(self) -> list[RuleBase]:
        """The policy's rules this scan runs: not disabled, and the one asked for when scoped to a record."""
        return [rule for rule in self.policy.rules if self.wants(rule.id)]

    def isolated(self, rule: RuleBase, run: Callable[[], Iterable[Finding]]) -> Iterator[Finding]:
        """The rule's findings; if Odoo refuses one of its reads (a missing model or field, an access or validation
        error), that rule is disabled for this scan with Odoo's words and the other rules run on. A streaming rule may
        have yielded some findings before it failed: each was complete, so they stand.

        A scan scoped to one record (re-verification before acting, escalation) re-raises instead: there a failed
        read must not pass for "no longer matches"."""
        try:
            yield from run()
        except OdooError as exc:
            if isinstance(exc, CONNECTION_ERRORS) or self.only is not None:
                raise
            self.disabled[rule.id] = exc.message
            log.warning("rule %s could not run, the other rules go on: %s", rule.id, exc.message)

    def failed_everywhere(self) -> str | None:
        """When no rule of a full scan could run: why, rule by rule (the run then fails); else None."""
        if self.only is not None or not self.disabled or len(self.disabled) < len(self.policy.rules):
            return None
        return "; ".join(f"rule {rule}: {why}" for rule, why in self.disabled.items())

    def queue(self, rule_id: str, *, enters_after_hours: float = 0.0) -> QueueStats:
        """Where a rule reports every record of its queue (stalled or not): the scan keeps a trend snapshot of it."""
        if rule_id not in self.queues:
            self.queues[rule_id] = QueueStats(enters_after_hours=enters_after_hours)
        return self.queues[rule_id]


@dataclass(frozen=True)
class RuleReads:
    """What a rule reads and writes in Odoo beyond the names its policy gives: declared, so preflight can check it."""

    target: str  # the model its findings are on, and so the model its actions run on
    fields: dict[str, frozenset[str]] = field(default_factory=dict)  # model -> fields its code reads; "a|b": either one


@dataclass(frozen=True)
class Watcher:
    """What an agent folder exports as WATCHER."""

    name: str
    policy_model: type[AgentPolicy]
    detect: Callable[[ScanContext], Iterable[Finding]]  # may be a generator: the scan streams it through triage
    models: Callable[[RuleBase], set[str]]  # the Odoo models a rule reads: checked before a scan, per rule
    reads: Callable[[RuleBase], RuleReads] | None = None  # for preflight; None: the rule's `model` and nothing fixed
