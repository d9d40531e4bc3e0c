"""Odoo domains evaluated in Python on records as read over the wire (for replaying history, not for live scans)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]
_LOGIC = {"&": 2, "|": 2, "!": 1}


class DomainNotReplayable(ValueError):
    """A domain this evaluator cannot reproduce faithfully (e.g. a dotted path through a relation)."""


def compile_domain(domain: list[Any]) -> Predicate:
    """Prefix notation with Odoo's implicit '&' between complete expressions."""
    terms = list(domain)
    if not terms:
        return lambda record: True
    predicates: list[Predicate] = []
    position = 0
    while position < len(terms):
        predicate, position = _parse(terms, position)
        predicates.append(predicate)
    return lambda record: all(p(record) for p in predicates)


def fields_of(domain: list[Any]) -> set[str]:
    return {term[0] for term in domain if isinstance(term, (list, tuple)) and len(term) == 3}


def _parse(terms: list[Any], position: int) -> tuple[Predicate, int]:
    term = terms[position]
    if isinstance(term, str) and term in _LOGIC:
        operands = []
        position += 1
        for _ in range(_LOGIC[term]):
            operand, position = _parse(terms, position)
            operands.append(operand)
        if term == "!":
            return (lambda r, p=operands[0]: not p(r)), position
        if term == "&":
            return (lambda r, a=operands[0], b=operands[1]: a(r) and b(r)), position
        return (lambda r, a=operands[0], b=operands[1]: a(r) or b(r)), position
    if isinstance(term, (list, tuple)) and len(term) == 3:
        return _leaf(*term), position + 1
    raise DomainNotReplayable(f"malformed domain term {term!r}")


def _leaf(field: str, operator: str, value: Any) -> Predicate:
    if "." in field:
        raise DomainNotReplayable(f"the dotted path '{field}' cannot be replayed from history")
    compare = _OPERATORS.get(operator)
    if compare is None:
        raise DomainNotReplayable(f"operator '{operator}' cannot be replayed from history")
    return lambda record: compare(_plain(record.get(field)), value)


def _plain(value: Any) -> Any:
    """A many2one [id, name] compares by its id; an x2many list stays a list."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
        return value[0]
    return value


def _equal(left: Any, right: Any) -> bool:
    if right is False or right is None:
        return left in (False, None, [], "")
    if isinstance(left, list):
        return right in left
    return left == right


def _in(left: Any, right: Any) -> bool:
    options = list(right) if isinstance(right, (list, tuple)) else [right]
    if isinstance(left, list):
        return any(v in options for v in left)
    if left in (False, None):
        return False in options
    return left in options


def _order(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        if left in (False, None) or right in (False, None):
            return False  # SQL: a comparison with NULL is never true
        return op(left, right)

    return compare


def _like(pattern: Any, value: Any, *, case: bool, anchored: bool) -> bool:
    if value in (False, None):
        return False
    text, wanted = (str(value), str(pattern)) if case else (str(value).lower(), str(pattern).lower())
    if anchored:
        return fnmatch.fnmatchcase(text, wanted.replace("%", "*").replace("_", "?"))
    return wanted in text


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "in": _in,
    "not in": lambda a, b: not _in(a, b),
    "<": _order(lambda a, b: a < b),
    "<=": _order(lambda a, b: a <= b),
    ">": _order(lambda a, b: a > b),
    ">=": _order(lambda a, b: a >= b),
    "like": lambda a, b: _like(b, a, case=True, anchored=False),
    "ilike": lambda a, b: _like(b, a, case=False, anchored=False),
    "not like": lambda a, b: not _like(b, a, case=True, anchored=False),
    "not ilike": lambda a, b: not _like(b, a, case=False, anchored=False),
    "=like": lambda a, b: _like(b, a, case=True, anchored=True),
    "=ilike": lambda a, b: _like(b, a, case=False, anchored=True),
}
