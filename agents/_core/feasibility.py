"""Can a proposal's action run? Checked before it is offered, so nobody is asked to approve what cannot happen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents._core import messages as m
from agents._core.assignees import Request, Unresolved, resolve
from agents._core.odoo.gateway import OdooGateway
from agents._core.policy import AgentPolicy, RuleBase
from agents._core.watcher import Finding

# Records that Odoo shows read-only, by model: (field, value). An action that writes to such a record itself is not
# offered. Odoo 19's server accepts the write (the lock lives in the form: "Locked Purchase Orders cannot be modified"),
# but whoever locked the order expects it to stay as it is. Checked only where the server has the field (Odoo 17+).
LOCKS: dict[str, tuple[str, Any]] = {"purchase.order": ("locked", True)}
WRITES_RECORD = frozenset({"reassign", "flag_for_review", "update_reorder_min"})  # the others add notes and to-dos


def unrunnable(gateway: OdooGateway, policy: AgentPolicy, findings: Sequence[Finding]) -> dict[int, str]:
    """The findings whose proposed action (their ladder step's first) could not run, by index -> why.

    One read per kind of check for all the findings together: users by id, by login, groups' members, locked records.
    """
    actions = [_first_action(policy, finding) for finding in findings]
    why: dict[int, str] = {}
    owners: list[int] = []
    requests: list[Request] = []
    for index, (finding, action) in enumerate(zip(findings, actions)):
        for ref, everyone in _people(action):
            field = ref[6:] if ref.startswith("field:") else None
            record = finding.record if field is None or field in finding.record else None  # else read it from Odoo
            requests.append(Request(ref, finding.model, finding.res_id, finding.subject_user_id, record, everyone,
                                    _rule(policy, finding).subject_field))
            owners.append(index)
    for index, found in zip(owners, resolve(gateway, requests)):
        if isinstance(found, Unresolved):
            why.setdefault(index, found.reason)
    for index, reason in _locked(gateway, findings, actions).items():
        why.setdefault(index, reason)
    return {index: m.NOT_OFFERED.format(action=actions[index].type, rule=findings[index].rule_id, reason=reason)
            for index, reason in sorted(why.items())}


def _rule(policy: AgentPolicy, finding: Finding) -> RuleBase:
    return next(rule for rule in policy.rules if rule.id == finding.rule_id)


def _first_action(policy: AgentPolicy, finding: Finding) -> Any:  # noqa: ANN401 - one of the policy's action specs
    return _rule(policy, finding).ladder[finding.step].actions[0]


def _people(action: Any) -> list[tuple[str, bool]]:  # noqa: ANN401
    """(reference, everyone in a group?): the one assignee, and the people notified."""
    assign_to = getattr(action, "assign_to", None)
    return ([(assign_to, False)] if assign_to else []) + [(ref, True) for ref in getattr(action, "notify", [])]


def _locked(gateway: OdooGateway, findings: Sequence[Finding], actions: Sequence[Any]) -> dict[int, str]:
    writes: dict[str, dict[int, list[int]]] = {}  # model -> res_id -> finding indexes
    for index, (finding, action) in enumerate(zip(findings, actions)):
        if action.type in WRITES_RECORD and finding.model in LOCKS:
            writes.setdefault(finding.model, {}).setdefault(finding.res_id, []).append(index)
    why: dict[int, str] = {}
    for model, by_id in writes.items():
        field, value = LOCKS[model]
        if field not in gateway.fields_get(model):
            continue
        for row in gateway.search_read(model, [("id", "in", sorted(by_id)), (field, "=", value)], ["id"]):
            for index in by_id[row["id"]]:
                why[index] = m.RECORD_LOCKED.format(model=model, id=row["id"], field=field, action=actions[index].type)
    return why
