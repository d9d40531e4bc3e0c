"""Which Odoo versions a rule applies to (`odoo_version: ">=19"`), and the server's version as a comparable number."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

from agents._core import messages as m
from agents._core.policy_errors import invalid, quote

Version = tuple[int, int]  # (major, minor): 17.0, 17.2 (an online "saas~17.2"), 19.0

_COMPARE: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "": operator.eq,
}  # fmt: skip
_CLAUSE = re.compile(r"\s*(>=|<=|==|>|<|)\s*(\d{1,3})(?:\.(\d{1,2}))?\s*")
_SERVER = re.compile(r"(?:saas~)?(\d+)(?:\.(\d+))?")


def _clauses(text: str) -> list[tuple[str, tuple[int, ...]]] | None:
    """Each clause with its bound: (19,) compares majors only, so ">19" means 20 on and "<=19" takes in 19.2."""
    clauses = []
    for part in text.split(","):
        match = _CLAUSE.fullmatch(part)
        if match is None:
            return None
        clauses.append((match[1], (int(match[2]),) if match[3] is None else (int(match[2]), int(match[3]))))
    return clauses


def _version_range(value: str) -> str:
    clauses = _clauses(value)
    if not clauses:
        raise invalid(m.POLICY_NOT_VERSION_RANGE, value=quote(value))
    if not any(version_matches(value, (major, minor)) for major in range(8, 40) for minor in (0, 1, 2, 3, 4)):
        raise invalid(m.POLICY_EMPTY_VERSION_RANGE, value=quote(value))
    return value


# ">=19", "<19", ">=17,<19", "==18", "18": clauses separated by commas, all of which must hold.
VersionRange = Annotated[str, AfterValidator(_version_range)]


def version_matches(spec: str, version: Version) -> bool:
    clauses = _clauses(spec) or []
    return all(_COMPARE[op](version[: len(bound)], bound) for op, bound in clauses)


def parse_server_version(text: str | None) -> Version | None:
    """'17.0', '18.0+e', 'saas~17.2', '19.0-20250101' -> (major, minor); None when the server did not say."""
    match = _SERVER.match(text or "")
    return (int(match[1]), int(match[2] or 0)) if match else None


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"
