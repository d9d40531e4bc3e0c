"""Golden detection cases: records loaded into an empty sandbox at their own times, the rule run, findings compared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from agents._core.business_hours import BusinessCalendar
from agents._core.odoo import open_gateway
from agents._core.odoo.sandbox import Sandbox, SandboxClock
from agents._core.policy import AgentPolicy, load_policy
from agents._core.watcher import Finding, ScanContext, Watcher


def _at(value: object) -> datetime:
    text = str(value).replace("T", " ").removesuffix("Z")
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Case:
    path: Path
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return self.path.stem  # <rule>.<case>


def load_cases(folder: Path) -> list[Case]:
    return [Case(p, yaml.safe_load(p.read_text())) for p in sorted(folder.glob("*.yaml"))]


def _resolve(values: dict[str, Any], refs: dict[str, int]) -> dict[str, Any]:
    """'ref:x' strings become the id of the record created under ref x (also inside lists)."""

    def one(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("ref:"):
            return refs[value[4:]]
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return {key: one(value) for key, value in values.items()}


def run_case(case: Case, watcher: Watcher, policy_path: Path) -> tuple[list[Finding], dict[tuple[str, int], str], ScanContext]:
    """Load the case's records (each at its own time, changes tracked), then run the rule at `now`."""
    spec = case.spec
    now = _at(spec["now"])
    clock = SandboxClock(now=now)
    loaded = load_policy(policy_path, watcher.policy_model, connections={"default"})
    policy: AgentPolicy = loaded.policy
    rule_spec = spec["rule"]
    rule = next(r for r in policy.rules if r.id == rule_spec) if isinstance(rule_spec, str) else None
    if rule is None:  # an inline rule, validated beside the shipped ones so privacy.share stays satisfied
        dumped = policy.model_dump(mode="json")
        rule = policy.model_validate({**dumped, "rules": [*dumped["rules"], rule_spec]}).rules[-1]
    policy = policy.model_copy(update={"rules": [rule]})
    with Sandbox(clock=clock, seed=False) as sandbox:
        refs: dict[str, int] = {}
        names: dict[tuple[str, int], str] = {}
        for record in spec["records"]:
            clock.set(_at(record.get("at", spec["now"])))
            refs[record["ref"]] = sandbox.env(record["model"]).create(_resolve(record.get("values", {}), refs))
            names[(record["model"], refs[record["ref"]])] = record["ref"]
            for change in record.get("changes", []):
                clock.set(_at(change["at"]))
                sandbox.env(record["model"]).write([refs[record["ref"]]], _resolve(change["values"], refs))
        clock.set(now)
        gateway = open_gateway("default", sandbox.url, "sandbox", "admin", "admin", timeout=10)
        ctx = ScanContext(gateway, policy, now, BusinessCalendar.from_policy(policy.business_hours))
        return list(watcher.detect(ctx)), names, ctx  # detect may stream: read it while the sandbox serves


def summarize(findings: list[Finding], names: dict[tuple[str, int], str]) -> list[dict[str, Any]]:
    """Findings as the case files state them: by ref, step (1-based), headline and the figures."""
    return sorted(
        ({"ref": names.get((f.model, f.res_id), f"{f.model}#{f.res_id}"), "step": f.step + 1, "headline": f.evidence.headline,
          **{k: v for k, v in f.evidence.numbers.items()}} for f in findings),
        key=lambda row: str(row["ref"]),
    )
