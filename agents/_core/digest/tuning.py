"""Noise: how often people reject each rule's proposals, what they said, and, when a rule is mostly rejected, a
concrete change to its policy taken from the rejected proposals' own evidence."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from agents._core.policy import AgentPolicy
from state import Proposal

MOSTLY = 0.5  # a rule whose reject rate is above this gets a hint
MIN_DECISIONS = 4  # fewer decisions say nothing about a rule
SPARED = 0.8  # a proposed threshold must be one that most of the rejections would not have reached
APPROVED = ("approved", "executing", "executed", "failed", "superseded")
# The evidence figure that measures an item's age for the ladder, and its unit in the policy file.
_AGE_FIGURES = (("age_business_hours", "h"), ("late_business_hours", "h"), ("days_past_due", "d"))
_NICE_HOURS = (1, 2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 56, 64, 72, 80, 96, 120, 160, 200)


@dataclass(frozen=True)
class RuleNoise:
    rule_id: str
    decided: int  # by people: approved, rejected or snoozed
    rejected: int
    reasons: list[tuple[str, int]]  # as people wrote them, most frequent first
    hint: str | None

    @property
    def reject_rate(self) -> float:
        return self.rejected / self.decided if self.decided else 0.0


def rule_noise(proposals: Sequence[Proposal], policy: AgentPolicy) -> list[RuleNoise]:
    """Per rule with decisions by people among `proposals` (the last 30 days of one agent)."""
    result = []
    for index, rule in enumerate(policy.rules):
        mine = [p for p in proposals if p.rule_id == rule.id and _by_person(p) and p.status in (*APPROVED, "rejected", "snoozed")]
        if not mine:
            continue
        rejected = [p for p in mine if p.status == "rejected"]
        reasons = Counter(_reason(p) for p in rejected).most_common()
        result.append(RuleNoise(rule.id, len(mine), len(rejected), reasons, _step_hint(index, rule, mine)))
    return result


def _step_hint(index: int, rule, decided: Sequence[Proposal]) -> str | None:  # noqa: ANN001 - any RuleBase
    """A hint for the ladder step people reject most, when most of its proposals are rejected: a rule can be fine at
    its later steps and premature at its first."""
    steps = []
    for step in sorted({p.step for p in decided}):
        at_step = [p for p in decided if p.step == step]
        rejected = [p for p in at_step if p.status == "rejected"]
        if len(at_step) >= MIN_DECISIONS and len(rejected) / len(at_step) > MOSTLY:
            steps.append((len(rejected), step, at_step, rejected))
    if not steps:
        return None
    _, step, at_step, rejected = max(steps, key=lambda found: found[:2])
    return _hint(index, rule, step, at_step, rejected, Counter(_reason(p) for p in rejected).most_common())


def _by_person(proposal: Proposal) -> bool:
    return bool(proposal.decided_by) and not str(proposal.decided_by).startswith("system:")


def _reason(proposal: Proposal) -> str:
    return " ".join((proposal.decision_reason or "no reason given").split()).lower()


def _hint(index: int, rule, step: int, decided: Sequence[Proposal], rejected: Sequence[Proposal],  # noqa: ANN001
          reasons: list[tuple[str, int]]) -> str:
    top, top_count = reasons[0]
    figure = next(((key, unit) for key, unit in _AGE_FIGURES
                   if all(key in (p.evidence.get("numbers") or {}) for p in rejected)), None)
    if figure is None or step >= len(rule.ladder):
        return (f"{len(rejected)} of {len(decided)} rejected at step {step + 1}, {top_count} as '{top}': review "
                f"rules[{index}] ({rule.id})'s parameters, or set mode: shadow while tuning it")
    key, unit = figure
    per_hour = 1.0 if unit == "h" else 24.0
    current = rule.ladder[step].after.total_seconds() / 3600 / per_hour
    because = [p for p in rejected if _reason(p) == top]
    ages = [float(p.evidence["numbers"][key]) for p in because]  # type: ignore[index]
    if not ages:
        return f"{len(rejected)} of {len(decided)} rejected at step {step + 1}: read the reasons before changing rules[{index}]"
    ceiling = rule.ladder[step + 1].after.total_seconds() / 3600 / per_hour if step + 1 < len(rule.ladder) else None
    proposed = _threshold(ages, unit, above=current, below=ceiling)
    if proposed is None:
        return (f"step {step + 1} is mostly rejected ({len(rejected)} of {len(decided)}), {top_count} as '{top}', but no "
                f"threshold between this step and the next would spare them: review rules[{index}] ({rule.id})")
    spared = sum(1 for age in ages if age < proposed)
    approved = [float((p.evidence.get("numbers") or {}).get(key, math.inf)) for p in decided if p.status in APPROVED]
    delayed = sum(1 for age in approved if age < proposed)
    text = (f"step {step + 1} is mostly rejected ({len(rejected)} of {len(decided)}): raise "
            f"rules[{index}].ladder[{step}].after from {_fmt(current, unit)} to {_fmt(proposed, unit)}; "
            f"{spared} of {len(because)} rejected as '{top}' were younger than that")
    if approved:
        text += f", and {delayed} of {len(approved)} approved ones, which would wait longer"
    return text


def _threshold(ages: Sequence[float], unit: str, *, above: float, below: float | None) -> float | None:
    """The lowest round threshold (hours: 20, 24, 32, …; days: multiples of 5) above the current one and below the
    next step's, that most (SPARED) of these rejections would not have reached; else the highest such threshold."""
    if unit == "h":
        options = [h for h in _NICE_HOURS if h > above]
    else:
        options = [float(d) for d in range(5 * (math.floor(above / 5) + 1), 5 * (math.floor(above / 5) + 40), 5)]
    options = [t for t in options if below is None or t < below]
    if not options:
        return None
    return next((t for t in options if sum(1 for age in ages if age < t) >= SPARED * len(ages)), options[-1])


def _fmt(value: float, unit: str) -> str:
    return f"{value:g}{unit}"
