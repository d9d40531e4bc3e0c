"""Pydantic's validation errors said the way an on-call admin needs them: the place, the value, the fix."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from agents._core import messages as m
from agents._core.policy_errors import POLICY_ERROR_TYPE, Found, PolicyProblem, describe, quote
from agents._core.policy_locate import Path, Place, key_path, line_of, locate, tags_of

_KIND_BY_ERROR = {
    "list_type": "list", "tuple_type": "list", "set_type": "list",
    "model_type": "mapping", "model_attributes_type": "mapping", "dict_type": "mapping",
    "string_type": "text",
    "int_type": "number", "int_parsing": "number", "int_from_float": "number",
    "bool_type": "boolean", "bool_parsing": "boolean",
}  # fmt: skip


def explain(exc: ValidationError, *, model: type[BaseModel], tree: object, file: str, agent: str) -> list[PolicyProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        for path, (problem, fix), at_item in _explain_one(error, model, agent):
            # A missing key has no line of its own: point at its parent.
            line = line_of(tree, path[:-1] if at_item else path)
            problems.append(PolicyProblem(file, line, key_path(path), problem, fix))
    return problems


Explained = tuple[Path, tuple[str, str], bool]  # path, (problem, fix), whether the line is the parent's


def _explain_one(error: ErrorDetails, model: type[BaseModel], agent: str) -> list[Explained]:
    kind, loc, value = error["type"], tuple(error["loc"]), error.get("input")
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind == POLICY_ERROR_TYPE:
        place = locate(model, loc)
        found: tuple[Found, ...] = ctx["found"]
        return [([*place.path, *f.at], (f.problem, f.fix), False) for f in found]
    if kind == "extra_forbidden":
        parent = locate(model, loc[:-1])
        return [(parent.path + [loc[-1]], _unknown_key(str(loc[-1]), parent), False)]
    place = locate(model, loc)
    if kind == "missing":
        return [(place.path, _missing(str(loc[-1]), place), True)]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return [(place.path + ["type"], _union_tag(kind, ctx, place, agent), kind == "union_tag_not_found")]
    explainer = _EXPLAINERS.get(kind)
    if explainer is not None:
        return [(place.path, explainer(value, ctx, place), False)]
    if kind in _KIND_BY_ERROR:
        return [(place.path, _wrong_type(_KIND_BY_ERROR[kind], value, place), False)]
    reason = error["msg"][:1].lower() + error["msg"][1:]
    return [(place.path, m.POLICY_OTHER.format(value=quote(value), reason=reason), False)]


def _unknown_key(key: str, parent: Place) -> tuple[str, str]:
    allowed = list(parent.expected.model_fields) if _is_model(parent.expected) else []
    guess = difflib.get_close_matches(key, allowed, n=1)
    if guess:
        return m.POLICY_UNKNOWN_KEY.format(key=quote(key), guess=quote(guess[0]))
    tags = tags_of((parent.expected,)) if _is_model(parent.expected) else []
    if len(tags) == 1:  # an action or rule type: name it, its keys differ from its siblings'
        return m.POLICY_UNKNOWN_KEY_OF_TYPE.format(key=quote(key), tag=tags[0], allowed=", ".join(allowed))
    return m.POLICY_UNKNOWN_KEY_NO_GUESS.format(key=quote(key), allowed=", ".join(allowed) or "none")


def _missing(key: str, place: Place) -> tuple[str, str]:
    return m.POLICY_MISSING_KEY.format(key=quote(key), example=_example(place) or f"{key}: ...")


def _union_tag(kind: str, ctx: dict[str, Any], place: Place, agent: str) -> tuple[str, str]:
    choices = ", ".join(tags_of(place.members))
    if kind == "union_tag_not_found":
        return m.POLICY_TAG_MISSING.format(choices=choices)
    container = next((part for part in reversed(place.path) if isinstance(part, str)), "")
    noun = {"rules": m.POLICY_RULE_NOUN, "actions": m.POLICY_ACTION_NOUN}.get(container, m.POLICY_NOUNS["type"])
    return m.POLICY_NOT_ONE_OF.format(value=quote(ctx.get("tag")), noun=noun.format(agent=agent), choices=choices)


def _wrong_type(kind: str, value: object, place: Place) -> tuple[str, str]:
    expected, how = m.POLICY_EXPECTED[kind]
    example = _example(place)
    if kind == "mapping" and example:
        how = f"write it as {example}"
    if kind == "text" and value is None:
        how = m.POLICY_EMPTY_TEXT_FIX
    return m.POLICY_WRONG_TYPE.format(expected=expected, got=describe(value), how=how)


def _literal(value: object, ctx: dict[str, Any], place: Place) -> tuple[str, str]:
    choices = get_args(place.expected) if get_origin(place.expected) is Literal else ()
    text = ", ".join(map(str, choices)) if choices else str(ctx.get("expected", ""))
    name = next((part for part in reversed(place.path) if isinstance(part, str)), "")
    return m.POLICY_NOT_ONE_OF.format(value=quote(value), noun=m.POLICY_NOUNS.get(name, "an allowed value"), choices=text)


def _too_short(value: object, ctx: dict[str, Any], place: Place) -> tuple[str, str]:
    return m.POLICY_EMPTY_LIST.format()


def _too_small(value: object, ctx: dict[str, Any], place: Place) -> tuple[str, str]:
    return m.POLICY_TOO_SMALL.format(value=quote(value), minimum=ctx.get("ge"))


def _too_large(value: object, ctx: dict[str, Any], place: Place) -> tuple[str, str]:
    return m.POLICY_TOO_LARGE.format(value=quote(value), maximum=ctx.get("le"))


def _not_finite(value: object, ctx: dict[str, Any], place: Place) -> tuple[str, str]:
    spelled = {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}.get(str(value), quote(value))  # as YAML writes it
    return m.POLICY_NOT_FINITE.format(value=spelled)


_EXPLAINERS: dict[str, Callable[[object, dict[str, Any], Place], tuple[str, str]]] = {
    "finite_number": _not_finite,
    "literal_error": _literal,
    "too_short": _too_short,
    "greater_than_equal": _too_small,
    "less_than_equal": _too_large,
}


def _example(place: Place) -> str | None:
    extra = place.field.json_schema_extra if place.field is not None else None
    return extra.get("yaml_example") if isinstance(extra, dict) else None  # type: ignore[return-value]


def _is_model(tp: object) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
