"""The server's models and fields as preflight sees them: one fields_get per model, and the checks on named fields."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from agents._core import messages as m
from agents._core.messages import PolicyMessage
from agents._core.odoo.errors import OdooAccessError, OdooModuleMissing
from agents._core.odoo.gateway import OdooGateway
from agents._core.policy_errors import quote
from agents._core.preflight.needs import ActionNeed, CodeFieldNeed, FieldKind, FieldNeed
from agents._core.policy_locate import Path

Found = tuple[Path, PolicyMessage, dict[str, object]]  # where, what, its values

REORDER_RULE = "stock.warehouse.orderpoint"
# Actions that fit one kind of record only; the others need a chatter (message_ids) on the record.
ACTION_MODELS: dict[str, tuple[str, ...]] = {
    "flag_for_review": ("account.move",),
    "create_rfq": (REORDER_RULE,),
    "update_reorder_min": (REORDER_RULE,),
}
_KINDS: dict[FieldKind, tuple[frozenset[str], str | None, str]] = {  # types, relation, how the fix names it
    "user": (frozenset({"many2one"}), "res.users", "a many2one to res.users"),
    "date": (frozenset({"date", "datetime"}), None, "a date or datetime"),
    "state": (frozenset({"selection", "char"}), None, "a selection or char"),
    "amount": (frozenset({"float", "monetary", "integer"}), None, "a float, monetary or integer"),
}


@dataclass
class Schema:
    gateway: OdooGateway
    models: dict[str, dict[str, dict[str, Any]] | None] = field(default_factory=dict)  # None: not on this server
    names: list[str] | None = None  # every model's name, read once and only when one is missing

    def load(self, models: set[str]) -> None:
        for model in sorted(models - set(self.models)):
            try:
                self.models[model] = self.gateway.fields_get(model)
            except OdooModuleMissing:
                self.models[model] = None

    def fields(self, model: str) -> dict[str, dict[str, Any]] | None:
        self.load({model})
        return self.models[model]

    def close_model(self, missing: str) -> str | None:
        """A model the server has whose name is very close (a typo, not a module that is not installed)."""
        if self.names is None:
            try:
                self.names = [row["model"] for row in self.gateway.search_read("ir.model", [], ["model"])]
            except OdooAccessError:  # ir.model is for Access Rights users only: no guess, a warning then
                self.names = []
        guess = difflib.get_close_matches(missing, self.names, n=1, cutoff=0.9)
        return guess[0] if guess else None


def check_field(schema: Schema, need: FieldNeed) -> list[Found]:
    """The named field exists (following a dotted path through its relations) and is of the kind its key wants."""
    model, definition = need.model, None
    parts = need.path.split(".")
    for depth, name in enumerate(parts):
        fields = schema.fields(model) or {}
        definition = fields.get(name)
        if definition is None:
            guess = difflib.get_close_matches(name, sorted(fields), n=1, cutoff=0.7)
            message = m.PREFLIGHT_NO_FIELD_GUESS if guess else m.PREFLIGHT_NO_FIELD
            return [(need.at, message, {"model": model, "value": quote(name), "guess": quote(guess[0]) if guess else ""})]
        if depth < len(parts) - 1:
            model = definition.get("relation") or ""
            if not model:
                return [(need.at, m.PREFLIGHT_FIELD_TYPE, {"model": need.model, "field": ".".join(parts[: depth + 1]),
                                                           "actual": _type(definition), "wanted": "a relation"})]
    assert definition is not None
    found: list[Found] = []
    if need.kind is not None:
        types, relation, wanted = _KINDS[need.kind]
        if definition.get("type") not in types or (relation and definition.get("relation") != relation):
            found.append((need.at, m.PREFLIGHT_FIELD_TYPE, {"model": model, "field": parts[-1], "actual": _type(definition),
                                                            "wanted": wanted}))
    if need.values and definition.get("type") == "selection":
        found += _selection(need, model, parts[-1], definition)
    return found


def _selection(need: FieldNeed, model: str, name: str, definition: dict[str, Any]) -> list[Found]:
    keys = [str(key) for key, _ in definition.get("selection") or []]
    found: list[Found] = []
    for value in need.values:
        if value in keys:
            continue
        guess = difflib.get_close_matches(value, keys, n=1)
        message = m.PREFLIGHT_NOT_SELECTION_GUESS if guess else m.PREFLIGHT_NOT_SELECTION
        found.append(([*need.at[:-1], 2], message, {"value": quote(value), "model": model, "field": name,
                                                     "guess": quote(guess[0]) if guess else "", "choices": ", ".join(keys)}))
    return found


def _type(definition: dict[str, Any]) -> str:
    kind = str(definition.get("type") or "a field of unknown type")
    relation = definition.get("relation")
    return f"a {kind} to {relation}" if relation else f"a {kind}"


def check_code_field(schema: Schema, need: CodeFieldNeed, *, user: str) -> list[Found]:
    """fields_get leaves out fields whose groups the user lacks: a missing field may be hidden, not absent."""
    fields = schema.fields(need.model) or {}
    if any(name in fields for name in need.name.split("|")):
        return []
    shown = " or ".join(need.name.split("|"))
    return [(need.at, m.PREFLIGHT_CODE_FIELD, {"rule_type": need.rule_type, "model": need.model, "field": shown,
                                                "user": quote(user)})]


def check_action(schema: Schema, need: ActionNeed) -> list[Found]:
    only = ACTION_MODELS.get(need.action)
    if only is not None:
        if need.model in only:
            return []
        fix = m.PREFLIGHT_ACTION_ONLY_ON.format(action=need.action, models=", ".join(only))
    elif "message_ids" in (schema.fields(need.model) or {}):
        return []
    else:
        fix = m.PREFLIGHT_ACTION_NO_CHATTER.format(model=need.model)
    return [(need.at, m.PREFLIGHT_ACTION_MODEL, {"action": quote(need.action), "model": need.model, "fix": fix})]
