"""What a policy needs from its Odoo, each need with the YAML place it comes from: read from the policy, never from Odoo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agents._core.policy import AgentPolicy, Approvers, RuleBase
from agents._core.policy_locate import Path
from agents._core.watcher import RuleReads, Watcher

# What a named field must be: a person (many2one to res.users), a moment, a state, an amount; None: any field.
FieldKind = Literal["user", "date", "state", "amount"]
Operation = Literal["read", "write", "create"]


@dataclass(frozen=True)
class FieldNeed:
    model: str
    path: str  # a field name, or a domain's dotted path (partner_id.name)
    at: Path
    kind: FieldKind | None = None
    values: tuple[str, ...] = ()  # a domain's values compared with `path`: checked against a selection's keys


@dataclass(frozen=True)
class CodeFieldNeed:
    """A field the rule type's code reads whatever the policy says ("a|b": one of them, by server version)."""

    model: str
    name: str
    rule_type: str
    at: Path


@dataclass(frozen=True)
class ActionNeed:
    action: str
    model: str  # the rule's target: the record the action runs on
    at: Path


@dataclass(frozen=True)
class AccessNeed:
    model: str
    operation: Operation
    at: Path


@dataclass
class RuleNeeds:
    """One rule's needs; the rule is disabled as a whole when one of its models is missing on the server."""

    rule_id: str
    at: Path  # where a warning about the whole rule points: its model key, or its type
    models: set[str] = field(default_factory=set)
    fields: list[FieldNeed] = field(default_factory=list)
    code_fields: list[CodeFieldNeed] = field(default_factory=list)
    actions: list[ActionNeed] = field(default_factory=list)
    access: list[AccessNeed] = field(default_factory=list)
    tracking_at: Path | None = None  # state_change ages: the user must read mail.tracking.value
    logins: list[tuple[str, Path]] = field(default_factory=list)
    groups: list[tuple[str, Path]] = field(default_factory=list)


# What each action writes, beyond the record it runs on ("record"): the models and operations its executor uses.
ACTION_WRITES: dict[str, tuple[tuple[str, Operation], ...]] = {
    "post_note": (("record", "write"),),  # message_post needs write on the document (Odoo's _mail_post_access)
    "schedule_activity": (("record", "write"), ("mail.activity", "create")),
    "reassign": (("record", "write"),),
    "flag_for_review": (("record", "write"),),
    "create_rfq": (("purchase.order", "create"),),
    "update_reorder_min": (("record", "write"), ("product.product", "write"), ("mail.activity", "create")),
}


def rule_needs(index: int, rule: RuleBase, watcher: Watcher) -> RuleNeeds:
    here: Path = ["rules", index]
    reads = watcher.reads(rule) if watcher.reads else RuleReads(target=getattr(rule, "model", ""))
    target = reads.target
    named_model = "model" in type(rule).model_fields
    needs = RuleNeeds(rule.id, [*here, "model" if named_model and "model" in rule.model_fields_set else "type"])
    needs.models = {target, *watcher.models(rule), *reads.fields}
    for model, names in reads.fields.items():
        needs.code_fields += [CodeFieldNeed(model, name, rule.type, [*here, "type"]) for name in sorted(names)]
        needs.access.append(AccessNeed(model, "read", needs.at))
    needs.access.append(AccessNeed(target, "read", needs.at))
    needs.fields += _named_fields(rule, target, here)
    if getattr(rule, "age_source", None) == "state_change" or rule.type == "draft_aging":
        needs.tracking_at = [*here, "age_source" if hasattr(rule, "age_source") else "type"]
    _ladder(rule, target, here, needs)
    return needs


def _named_fields(rule: RuleBase, model: str, here: Path) -> list[FieldNeed]:
    """Every field the policy names for this rule, at its key, with the kind of field that key wants."""
    values: dict[str, Any] = {name: getattr(rule, name) for name in type(rule).model_fields}
    written = rule.model_fields_set  # a default state_field is checked only where it is used
    found: list[FieldNeed] = []
    for k, name in enumerate(values.get("fields") or []):
        found.append(FieldNeed(model, name, [*here, "fields", k]))
    if values.get("subject_field"):
        found.append(FieldNeed(model, values["subject_field"], [*here, "subject_field"], "user"))
    age_source = values.get("age_source")
    if age_source == "state_change" or "state_field" in written:
        if values.get("state_field"):
            found.append(FieldNeed(model, values["state_field"], [*here, "state_field"], "state"))
    if isinstance(age_source, str) and age_source.startswith("field:"):
        found.append(FieldNeed(model, age_source.removeprefix("field:"), [*here, "age_source"], "date"))
    for key, kind in (("amount_field", "amount"), ("date_field", "date")):
        if values.get(key):
            found.append(FieldNeed(model, values[key], [*here, key], kind))
    group_by = values.get("group_by")  # one field (amount_outlier) or a list of ways to group (split_purchase)
    if isinstance(group_by, str):
        found.append(FieldNeed(model, group_by, [*here, "group_by"]))
    for k, name in enumerate(group_by if isinstance(group_by, list) else []):
        found.append(FieldNeed(model, name, [*here, "group_by", k]))
    for key in ("domain", "history_domain"):
        found += _domain_fields(values.get(key) or [], model, [*here, key])
    return found


def _domain_fields(domain: list[Any], model: str, at: Path) -> list[FieldNeed]:
    found = []
    for i, term in enumerate(domain):
        if not isinstance(term, (list, tuple)) or len(term) != 3 or not isinstance(term[0], str):
            continue
        name, operator, value = term
        compared = value if isinstance(value, (list, tuple)) else [value]
        strings = tuple(v for v in compared if isinstance(v, str)) if operator in ("=", "!=", "in", "not in") else ()
        found.append(FieldNeed(model, name, [*at, i, 0], values=strings))
        if operator in ("any", "not any") and isinstance(value, list):
            found += [FieldNeed(model, f"{name}.{need.path}", need.at, values=need.values)
                      for need in _domain_fields(value, model, [*at, i, 2])]
    return found


def _ladder(rule: RuleBase, target: str, here: Path, needs: RuleNeeds) -> None:
    for j, step in enumerate(rule.ladder):
        at_step: Path = [*here, "ladder", j]
        if step.approvers is not None:
            _approvers(step.approvers, [*at_step, "approvers"], needs)
        for k, action in enumerate(step.actions):
            at: Path = [*at_step, "actions", k]
            needs.actions.append(ActionNeed(action.type, target, [*at, "type"]))
            for model, operation in ACTION_WRITES.get(action.type, ()):
                needs.access.append(AccessNeed(target if model == "record" else model, operation, [*at, "type"]))
            assign_to = getattr(action, "assign_to", None)
            if isinstance(assign_to, str) and assign_to.startswith("field:"):
                needs.fields.append(FieldNeed(target, assign_to.removeprefix("field:"), [*at, "assign_to"], "user"))
            elif isinstance(assign_to, str) and assign_to.startswith("login:"):
                needs.logins.append((assign_to.removeprefix("login:"), [*at, "assign_to"]))
            elif isinstance(assign_to, str) and assign_to.startswith("group:"):  # a group's members, if the policy allows it
                needs.groups.append((assign_to.removeprefix("group:"), [*at, "assign_to"]))
            if action.type == "reassign":
                needs.fields.append(FieldNeed(target, action.field, [*at, "field"], "user"))
            for m, ref in enumerate(getattr(action, "notify", None) or []):
                if ref.startswith("group:"):
                    needs.groups.append((ref.removeprefix("group:"), [*at, "notify", m]))
                else:
                    needs.logins.append((ref.removeprefix("login:"), [*at, "notify", m]))


def _approvers(approvers: Approvers, at: Path, needs: RuleNeeds) -> None:
    needs.groups += [(xmlid, [*at, "odoo_groups", k]) for k, xmlid in enumerate(approvers.odoo_groups)]
    needs.logins += [(login, [*at, "odoo_users", k]) for k, login in enumerate(approvers.odoo_users)]


def policy_refs(policy: AgentPolicy) -> RuleNeeds:
    """The needs outside any rule: who may approve (slack.approvers)."""
    needs = RuleNeeds("", ["slack", "approvers"])
    _approvers(policy.slack.approvers, ["slack", "approvers"], needs)
    return needs
