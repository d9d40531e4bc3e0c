"""The policies in force: loaded from the policy directory, checked against Odoo, reloaded on change, the last good
one kept."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agents._core.odoo.errors import OdooError
from agents._core.policy import LoadedPolicy, PolicyError, PolicyProblem, load_policy
from agents._core.policy_bounds import read_prefix
from agents._core.registry import AgentEntry

log = logging.getLogger(__name__)


class PolicyUnavailable(Exception):
    """The agent has no valid policy loaded (its file was bad from the start)."""


@dataclass(frozen=True)
class Unchecked:
    """A policy valid on its own that could not be checked against its Odoo yet (unreachable, login refused)."""

    connection: str
    reason: str


# agent, policy -> (problems that refuse it, warnings); raises OdooError when the server cannot be asked.
Checker = Callable[[str, LoadedPolicy], tuple[list[PolicyProblem], list[PolicyProblem]]]


@dataclass
class PolicyBook:
    agents: dict[str, AgentEntry]
    connections: set[str]
    loaded: dict[str, LoadedPolicy] = field(default_factory=dict)
    problems: dict[str, PolicyError] = field(default_factory=dict)  # agent -> why its file is refused now
    checker: Checker | None = None  # preflight against Odoo (run, once); None: the file alone decides
    checked_agents: set[str] | None = None  # the agents the checker applies to; None: all of them
    unchecked: dict[str, Unchecked] = field(default_factory=dict)  # agent -> why its newest policy is not checked yet
    warnings: dict[str, list[PolicyProblem]] = field(default_factory=dict)  # agent -> rules its Odoo will skip
    _refused: dict[str, bytes] = field(default_factory=dict)  # agent -> the refused file's bytes (capped)
    _waiting: dict[str, LoadedPolicy] = field(default_factory=dict)  # agent -> a new policy waiting for its check

    def load_all(self) -> None:
        for name in self.agents:
            self.reload(name)

    def reload(self, agent: str) -> LoadedPolicy | PolicyError | Unchecked:
        """Load the agent's file and check it against its Odoo; a bad one is refused and the previous policy stays in
        force. When Odoo cannot be asked, the new policy waits for its check (see recheck) and the previous one stays;
        at start, with no previous one, it is in force but its scans wait (see ready)."""
        entry = self.agents[agent]
        try:
            loaded = load_policy(entry.policy_path, entry.watcher.policy_model, connections=self.connections, expected_agent=agent)
        except PolicyError as exc:
            self._refuse(agent, exc, None)
            return exc
        return self._settle(agent, loaded)

    def recheck(self, agent: str) -> LoadedPolicy | PolicyError | Unchecked | None:
        """Check again the policy that could not be checked (before each scan); None when nothing waits."""
        if agent not in self.unchecked:
            return None
        waiting = self._waiting.get(agent) or self.loaded.get(agent)
        return self._settle(agent, waiting) if waiting is not None else None

    def ready(self, agent: str) -> bool:
        """False while the policy in force has never been checked against its Odoo: its scans wait."""
        return agent not in self.unchecked or agent in self._waiting

    def _settle(self, agent: str, loaded: LoadedPolicy) -> LoadedPolicy | PolicyError | Unchecked:
        outcome = self._check(agent, loaded)
        if isinstance(outcome, PolicyError):
            if self.loaded.get(agent) is loaded:  # never checked before, nothing good to fall back on
                del self.loaded[agent]
            self._waiting.pop(agent, None)
            self.unchecked.pop(agent, None)
            self._refuse(agent, outcome, loaded.text)
            return outcome
        self.problems.pop(agent, None)
        if isinstance(outcome, Unchecked):
            never_checked = agent in self.unchecked and agent not in self._waiting  # the one in force, at start
            if agent in self.loaded and self.loaded[agent] is not loaded and not never_checked:
                self._waiting[agent] = loaded  # the checked policy stays in force meanwhile
            else:
                self.loaded[agent] = loaded
                self._waiting.pop(agent, None)
            self.unchecked[agent] = outcome
            log.warning("policy of %s not checked against Odoo connection '%s' yet: %s", agent, outcome.connection,
                        outcome.reason)
            return outcome
        self.unchecked.pop(agent, None)
        self._waiting.pop(agent, None)
        self.loaded[agent] = loaded
        for warning in self.warnings.get(agent, []):
            log.warning("%s", warning)
        return loaded

    def _check(self, agent: str, loaded: LoadedPolicy) -> PolicyError | Unchecked | None:
        if self.checker is None or (self.checked_agents is not None and agent not in self.checked_agents):
            return None
        try:
            errors, warnings = self.checker(agent, loaded)
        except OdooError as exc:
            return Unchecked(loaded.policy.odoo, exc.message)
        self.warnings[agent] = warnings
        return PolicyError(errors) if errors else None

    def _refuse(self, agent: str, exc: PolicyError, text: str | None) -> None:
        self.problems[agent] = exc
        if text is None:
            self._remember_refused(agent)
        else:
            self._refused[agent] = text.encode("utf-8")
        kept = "the previous policy stays in force" if agent in self.loaded else "the agent will not run"
        log.error("policy refused, %s:\n%s", kept, exc)

    def changed(self, agent: str, *, settle_seconds: float = 1.0) -> bool:
        """True when the file on disk differs from the one in force and has not been touched for `settle_seconds`,
        so that a file still being written is not read half-way (hot reload checks this every few seconds)."""
        path: Path = self.agents[agent].policy_path
        try:
            if time.time() - path.stat().st_mtime < settle_seconds:
                return False
            raw = read_prefix(path)
        except OSError:
            return agent not in self.problems  # reload() reports it with file and reason, once
        current = self._waiting.get(agent) or self.loaded.get(agent)
        if current is not None and current.text.encode("utf-8") == raw:
            return False  # a policy waiting for its check is checked again before each scan (recheck), not reloaded
        problem = self.problems.get(agent)
        return problem is None or self._refused.get(agent) != raw  # a refused file is refused once

    def refused_sha256(self, agent: str) -> str:
        """Of the refused file's bytes as read (at most the size limit and one byte): names it in the audit trail."""
        return hashlib.sha256(self._refused.get(agent, b"")).hexdigest()

    def _remember_refused(self, agent: str) -> None:
        try:
            self._refused[agent] = read_prefix(self.agents[agent].policy_path)
        except OSError:
            self._refused.pop(agent, None)

    def get(self, agent: str) -> LoadedPolicy:
        if agent not in self.loaded:
            problem = self.problems.get(agent)
            raise PolicyUnavailable(f"no valid policy for {agent}" + (f":\n{problem}" if problem else ""))
        return self.loaded[agent]
