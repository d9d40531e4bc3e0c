"""The policies in force: loaded from the policy directory, reloaded on change, the last good one kept."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from agents._core.policy import LoadedPolicy, PolicyError, load_policy
from agents._core.policy_bounds import read_prefix
from agents._core.registry import AgentEntry

log = logging.getLogger(__name__)


class PolicyUnavailable(Exception):
    """The agent has no valid policy loaded (its file was bad from the start)."""


@dataclass
class PolicyBook:
    agents: dict[str, AgentEntry]
    connections: set[str]
    loaded: dict[str, LoadedPolicy] = field(default_factory=dict)
    problems: dict[str, PolicyError] = field(default_factory=dict)  # agent -> why its file is refused now
    _refused: dict[str, bytes] = field(default_factory=dict)  # agent -> the refused file's bytes (capped)

    def load_all(self) -> None:
        for name in self.agents:
            self.reload(name)

    def reload(self, agent: str) -> LoadedPolicy | PolicyError:
        """Load the agent's file; a bad file is refused and the previous policy stays in force."""
        entry = self.agents[agent]
        try:
            loaded = load_policy(entry.policy_path, entry.watcher.policy_model, connections=self.connections, expected_agent=agent)
        except PolicyError as exc:
            self.problems[agent] = exc
            self._remember_refused(agent)
            kept = "the previous policy stays in force" if agent in self.loaded else "the agent will not run"
            log.error("policy refused, %s:\n%s", kept, exc)
            return exc
        self.problems.pop(agent, None)
        self.loaded[agent] = loaded
        return loaded

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
        current = self.loaded.get(agent)
        if current is not None and current.text.encode("utf-8") == raw:
            return False
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
