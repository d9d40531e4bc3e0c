"""Where a pydantic error points in the YAML: the key path, its line, and the type the model expects there."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from ruamel.yaml.comments import CommentedMap, CommentedSeq

Path = list[str | int]


@dataclass(frozen=True)
class Place:
    path: Path  # YAML keys and indexes: pydantic's union tags are not in it
    expected: Any  # the type the model wants here, Annotated and Optional taken off
    members: tuple[type[BaseModel], ...]  # the models of a union expected here, else ()
    field: FieldInfo | None  # the model field when the place is a key


def locate(model: type[BaseModel], loc: tuple[str | int, ...]) -> Place:
    """Follow pydantic's `loc` through the model's types, dropping the tags it inserts for discriminated unions."""
    expected: Any = model
    field: FieldInfo | None = None
    path: Path = []
    for part in loc:
        base, members = _unwrap(expected)
        tagged = _member_for(members, part)
        if tagged is not None:
            expected = tagged
            continue
        path.append(part)
        field = None
        if isinstance(part, str) and isinstance(base, type) and issubclass(base, BaseModel) and part in base.model_fields:
            field = base.model_fields[part]
            expected = Annotated[field.annotation, field]  # the field carries a discriminator, if any
        elif isinstance(part, int) and get_origin(base) in (list, tuple, set, frozenset) and get_args(base):
            expected = get_args(base)[0]
        else:
            expected = Any
    base, members = _unwrap(expected)
    return Place(path, base, members, field)


def key_path(path: Path) -> str:
    """['rules', 0, 'ladder', 1, 'after'] -> 'rules[0].ladder[1].after'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(tree: object, path: Path) -> int:
    """1-based line of the deepest key or item of `path` present in the file (the parent's, for a missing key)."""
    line, node = 1, tree
    for part in path:
        if isinstance(node, CommentedMap) and not isinstance(part, int):
            key = _yaml_key(node, part)
            if key is None:
                break
            line, node = _line(node, "key", key, line), node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, node = _line(node, "item", part, line), node[part]
        else:
            break
    return line


def _line(node: CommentedMap | CommentedSeq, kind: str, key: object, default: int) -> int:
    try:
        return getattr(node.lc, kind)(key)[0] + 1
    except (KeyError, IndexError, TypeError):  # keys from a merge (<<:) carry no position of their own
        return default


def _yaml_key(node: CommentedMap, part: str) -> object | None:
    if part in node:
        return part
    return next((key for key in node if str(key) == part), None)


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _unwrap(tp: Any) -> tuple[Any, tuple[type[BaseModel], ...]]:
    """The type under Annotated/Optional, and the models of a union (or a discriminated single model) if any."""
    members: tuple[type[BaseModel], ...] = ()
    while True:
        if get_origin(tp) is Annotated:
            inner, *meta = get_args(tp)
            if any(getattr(item, "discriminator", None) for item in meta):
                members = _models(get_args(inner) if _is_union(inner) else (inner,))
            tp = inner
        elif _is_union(tp):
            rest = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(rest) != 1:
                return tp, members or _models(rest)
            tp = rest[0]
        else:
            return tp, members


def _models(types_: Any) -> tuple[type[BaseModel], ...]:
    return tuple(t for t in types_ if isinstance(t, type) and issubclass(t, BaseModel))


def _member_for(members: tuple[type[BaseModel], ...], part: str | int) -> type[BaseModel] | None:
    """The union member pydantic named in the loc: by its `type` tag, or by class name for plain unions."""
    if not isinstance(part, str):
        return None
    for member in members:
        type_field = member.model_fields.get("type")
        tags = get_args(type_field.annotation) if type_field is not None else ()
        if part in tags or part == member.__name__:
            return member
    return None


def tags_of(members: tuple[type[BaseModel], ...]) -> list[str]:
    """The `type` values the members of a discriminated union accept, in declaration order."""
    tags: list[str] = []
    for member in members:
        type_field = member.model_fields.get("type")
        tags.extend(get_args(type_field.annotation) if type_field is not None else ())
    return tags
