"""Policy problems (file, line, key, what is wrong, the fix), the error that carries them, and how validators raise them."""

from __future__ import annotations

from agents._core import messages as m

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from pydantic_core import PydanticCustomError

from agents._core.messages import PolicyMessage

POLICY_ERROR_TYPE = "policy"
Loc = tuple[str | int, ...]
_BARE = re.compile(r"[A-Za-z0-9_.:/@-]+")


@dataclass(frozen=True)
class PolicyProblem:
    file: str
    line: int
    key_path: str  # e.g. rules[0].ladder[1].after; empty when the problem is the file itself
    problem: str
    fix: str

    def __str__(self) -> str:
        key = f"{self.key_path}: " if self.key_path else ""
        return f"{self.file}:{self.line}: {key}{self.problem} ({self.fix})"


class PolicyError(ValueError):
    """A policy file that must not be used; `errors` lists every problem found, by line."""

    def __init__(self, errors: list[PolicyProblem]) -> None:
        unique = dict.fromkeys(errors)  # one mistake can surface twice through pydantic; say it once
        self.errors: list[PolicyProblem] = sorted(unique, key=lambda p: (p.file, p.line))  # stable: same line keeps file order
        super().__init__("\n".join(map(str, self.errors)))


class Found(NamedTuple):
    """One problem as a validator sees it: `at` is relative to the value being validated."""

    at: Loc
    problem: str
    fix: str


@dataclass
class Problems:
    """Collects several problems in one validator, so the admin sees all of them in one `policy check`."""

    found: list[Found] = field(default_factory=list)

    def add(self, message: PolicyMessage, *, at: Loc = (), **values: object) -> None:
        self.found.append(Found(at, *message.format(**values)))

    def raise_any(self) -> None:
        if self.found:
            raise _custom_error(self.found)


def invalid(message: PolicyMessage, *, at: Loc = (), **values: object) -> PydanticCustomError:
    """The error for one problem, to `raise` from a validator; the loader reads its place and fix from ctx."""
    return _custom_error([Found(at, *message.format(**values))])


def _custom_error(found: list[Found]) -> PydanticCustomError:
    first = found[0]
    # The message template keeps pydantic's own text readable when a model is validated outside the loader.
    return PydanticCustomError(
        POLICY_ERROR_TYPE, "{problem} ({fix})", {"problem": first.problem, "fix": first.fix, "found": tuple(found)}
    )


def quote(value: object) -> str:
    """A value as the admin wrote it in YAML: text in single quotes, the rest in YAML's spelling."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, date)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return repr(value)


def describe(value: object) -> str:
    """What kind of value the admin wrote, with the value: "a string 'x'", "a number 5"."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"a boolean {quote(value)}"
    if isinstance(value, str):
        return f"a string {quote(value)}"
    if isinstance(value, (int, float)):
        return f"a number {value}"
    if isinstance(value, date):
        return f"a date {value}"
    if isinstance(value, (list, tuple)):
        return f"a list {quote(value)}"
    if isinstance(value, dict):
        return f"a mapping {quote(value)}"
    return quote(value)


def _flow(value: object) -> str:
    """Items inside [..] or {..}: plain words stay bare, as most admins write them."""
    if isinstance(value, str) and _BARE.fullmatch(value):
        return value
    return quote(value)


def each_once(values: list[str]) -> list[str]:
    """A list validator: every repeated entry is a problem at its own index (days, fields, share, ...)."""
    problems = Problems()
    for i, value in enumerate(values):
        if value in values[:i]:
            problems.add(m.POLICY_REPEATED, at=(i,), value=quote(value))
    problems.raise_any()
    return values

