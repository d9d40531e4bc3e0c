"""Loading a policy file: bytes, YAML with line numbers, the agent's model, then references to other config."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from agents._core import messages as m
from agents._core import policy_bounds as bounds
from agents._core.messages import PolicyMessage
from agents._core.policy_errors import PolicyError, PolicyProblem, describe, quote
from agents._core.policy_explain import explain
from agents._core.policy_locate import key_path, line_of

if TYPE_CHECKING:
    from agents._core.policy import AgentPolicy

P = TypeVar("P", bound="AgentPolicy")


@dataclass(frozen=True)
class LoadedPolicy(Generic[P]):
    policy: P
    path: Path
    sha256: str  # of the file's bytes: proposals and audit events record which policy made them
    text: str


def load_policy(path: Path, model: type[P], *, connections: set[str], expected_agent: str | None = None) -> LoadedPolicy[P]:
    """The validated policy, or PolicyError listing every problem as `<file>:<line>: <key path>: <problem> (<fix>)`."""
    file = str(path)  # as given: a relative path prints as the admin typed it
    try:
        raw = bounds.read_capped(Path(path))
    except OSError as exc:
        raise PolicyError([_problem(file, 1, "", m.POLICY_UNREADABLE, reason=exc.strerror or str(exc))]) from None
    except bounds.TooLarge as exc:
        raise PolicyError([_problem(file, 1, "", m.POLICY_TOO_BIG, size=exc.size, limit=bounds.MAX_BYTES)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([_problem(file, raw[: exc.start].count(b"\n") + 1, "", m.POLICY_NOT_UTF8)]) from None
    tree = _parse(text, file)
    agent = expected_agent or (tree["agent"] if isinstance(tree.get("agent"), str) else model.__name__)
    problems = _tags(tree, [], file, tree) + _references(tree, file, connections, expected_agent, model)
    try:
        policy = model.model_validate(_plain(tree))
    except ValidationError as exc:
        raise PolicyError(problems + explain(exc, model=model, tree=tree, file=file, agent=agent)) from None
    if problems:
        raise PolicyError(problems)
    return LoadedPolicy(policy, Path(path), hashlib.sha256(raw).hexdigest(), text)


class _Constructor(RoundTripConstructor):
    """Round-trip YAML (it keeps line numbers) with dates left as text: the model parses them, and a bad one
    like 2026-02-30 becomes a placed problem instead of a crash inside the YAML library."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node))
_DUPLICATE = re.compile(r'found duplicate key "(.*?)"')


def _parse(text: str, file: str) -> CommentedMap:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Composer = bounds.BoundedComposer
    yaml.max_depth = bounds.MAX_DEPTH
    try:
        bounds.check_flow_nesting(text)
        tree = yaml.load(text)
    except (bounds.OverLimit, bounds.Overtime) as exc:
        raise PolicyError([_bound_problem(exc, file)]) from None
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = _DUPLICATE.search(exc.problem or "")
        line = mark.line + 1 if mark else 1
        raise PolicyError([_problem(file, line, "", m.POLICY_YAML_DUPLICATE_KEY, key=quote(key[1] if key else "?"))]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise PolicyError([_problem(file, line, "", m.POLICY_YAML_SYNTAX, reason=_reason(exc, line), line=line, column=column)]) from None
    except YAMLError as exc:
        raise PolicyError([_problem(file, 1, "", m.POLICY_YAML_SYNTAX, reason=str(exc), line=1, column=1)]) from None
    if tree is None:
        raise PolicyError([_problem(file, 1, "", m.POLICY_EMPTY_FILE)])
    if not isinstance(tree, CommentedMap):
        raise PolicyError([_problem(file, 1, "", m.POLICY_NOT_MAPPING, got=describe(_plain(tree)))])
    return tree


def parse_tree(text: str, file: str) -> CommentedMap:
    """The YAML of a loaded policy again, with its line numbers: for checks that run after loading (preflight)."""
    return _parse(text, file)


def _bound_problem(exc: bounds.OverLimit | bounds.Overtime, file: str) -> PolicyProblem:
    if isinstance(exc, bounds.Overtime):
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return _problem(file, line, "", m.POLICY_YAML_SLOW, seconds=f"{bounds.MAX_SECONDS:g}")
    if exc.limit == "values":
        return _problem(file, exc.line, exc.key, m.POLICY_YAML_EXPANSION, limit=bounds.MAX_VALUES)
    if exc.limit == "recursive":
        return _problem(file, exc.line, exc.key, m.POLICY_YAML_RECURSIVE)
    return _problem(file, exc.line, exc.key, m.POLICY_YAML_DEPTH, limit=bounds.MAX_DEPTH)


def _reason(exc: MarkedYAMLError, line: int) -> str:
    """The parser's problem and its context as one clause: "expected ']' ..., while parsing a flow sequence that starts on line 3"."""
    problem = (exc.problem or "unreadable").replace("'<scalar>'", "a value")  # the parser's token name
    if not exc.context:
        return problem
    if not exc.context.startswith("while "):  # e.g. "expected a single document in the stream"
        return f"{exc.context}, {problem}"
    mark = exc.context_mark
    started = f" that starts on line {mark.line + 1}" if mark is not None and mark.line + 1 != line else ""
    return f"{problem}, {exc.context}{started}"


def _tags(node: object, path: list[str | int], file: str, tree: CommentedMap) -> list[PolicyProblem]:
    """Custom YAML tags (!secret, !include): refused, since nothing here gives them a meaning."""
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag and tag.startswith("tag:yaml.org,2002:"):  # YAML's own !!str, !!map...: plain values
        tag = None
    found = [_problem(file, line_of(tree, path), key_path(path), m.POLICY_YAML_TAG, tag=quote(tag))] if tag else []
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            found += _tags(value, [*path, str(key)], file, tree)
    elif isinstance(node, CommentedSeq):
        for i, item in enumerate(node):
            found += _tags(item, [*path, i], file, tree)
    return found


def _references(tree: CommentedMap, file: str, connections: set[str], expected_agent: str | None, model: type[Any]) -> list[PolicyProblem]:
    """What the file names outside itself: its agent (from the file's place) and its Odoo connection (settings)."""
    problems = []
    agent = tree.get("agent")
    if expected_agent is not None and isinstance(agent, str) and agent != expected_agent:
        line = line_of(tree, ["agent"])
        problems.append(_problem(file, line, "agent", m.POLICY_AGENT_MISMATCH, value=quote(agent), expected=expected_agent))
    odoo = tree.get("odoo", model.model_fields["odoo"].default)
    if isinstance(odoo, str) and odoo not in connections:
        message = m.POLICY_CONNECTION if connections else m.POLICY_NO_CONNECTIONS
        line = line_of(tree, ["odoo"])
        problems.append(_problem(file, line, "odoo", message, value=quote(odoo), choices=", ".join(sorted(connections))))
    return problems


def _plain(node: object) -> object:
    """Plain Python values for pydantic: ruamel's scalar subclasses would otherwise leak into the models."""
    if isinstance(node, CommentedMap):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(item) for item in node]
    if isinstance(node, TaggedScalar):
        return str(node.value)
    if isinstance(node, bool) or node is None:
        return node
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def _problem(file: str, line: int, key_path: str, message: PolicyMessage, /, **values: object) -> PolicyProblem:
    return PolicyProblem(file, line, key_path, *message.format(**values))
