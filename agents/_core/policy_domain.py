"""Odoo search domains in policies, checked for shape at load time so a typo fails here, not in Odoo at 3 a.m."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator

from agents._core import messages as m
from agents._core.policy_errors import Loc, Problems, quote

# The operators Odoo 16-19 accept in a domain sent over RPC ('any!'/'not any!' are internal-only in 19).
OPERATORS = (
    "=", "!=", ">", ">=", "<", "<=", "=?", "like", "not like", "ilike", "not ilike", "=like", "=ilike",
    "in", "not in", "child_of", "parent_of", "any", "not any",
)  # fmt: skip
_LIST_VALUE = {"in", "not in"}
_DOMAIN_VALUE = {"any", "not any"}
_ARITY = {"&": 2, "|": 2, "!": 1}
_FIELD_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")


def check_domain(domain: list[Any]) -> list[Any]:
    """A prefix-notation domain: "&", "|", "!" and [field, operator, value] terms, each operator with its terms."""
    problems = Problems()
    _check(domain, problems, ())
    problems.raise_any()
    return domain


def _check(domain: list[Any], problems: Problems, at: Loc) -> None:
    for i, term in enumerate(domain):
        if isinstance(term, str) and term in _ARITY:
            continue
        if not isinstance(term, (list, tuple)) or len(term) != 3:
            problems.add(m.POLICY_DOMAIN_TERM, at=(*at, i), value=quote(term))
            continue
        _check_term(term, problems, (*at, i))
    _check_arity(domain, problems, at)


def _check_term(term: list[Any] | tuple[Any, ...], problems: Problems, at: Loc) -> None:
    field, operator, value = term
    if not isinstance(field, str) or not _FIELD_PATH.fullmatch(field):
        problems.add(m.POLICY_DOMAIN_FIELD, at=(*at, 0), value=quote(field))
    if operator not in OPERATORS:
        problems.add(m.POLICY_DOMAIN_OPERATOR, at=(*at, 1), value=quote(operator), choices=", ".join(OPERATORS))
    elif operator in _LIST_VALUE | _DOMAIN_VALUE and not isinstance(value, (list, tuple)):
        problems.add(m.POLICY_DOMAIN_LIST_VALUE, at=(*at, 2), operator=quote(operator), value=quote(value))
    elif operator in _DOMAIN_VALUE:
        _check(list(value), problems, (*at, 2))


def _check_arity(domain: list[Any], problems: Problems, at: Loc) -> None:
    # Read right to left: each operator takes complete terms that follow it; leftovers are ANDed, as in Odoo.
    available = 0
    for i in reversed(range(len(domain))):
        term = domain[i]
        needed = _ARITY.get(term, 0) if isinstance(term, str) else 0
        if needed == 0:
            available += 1
        elif available < needed:
            problems.add(m.POLICY_DOMAIN_ARITY, at=(*at, i), value=quote(term), needed=needed, found=available)
            available = 1  # count it as complete, so one missing term is reported once
        else:
            available -= needed - 1


OdooDomain = Annotated[list[Any], AfterValidator(check_domain)]
