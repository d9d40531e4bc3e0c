"""Discovers agents/<name>/ and pairs each with policies/<name>.yaml; a stray on either side is an error."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from agents._core.watcher import Watcher

AGENTS_DIR = Path(__file__).resolve().parent.parent


class RegistryError(Exception):
    """An agent folder and the policy files do not pair up."""


@dataclass(frozen=True)
class AgentEntry:
    watcher: Watcher
    policy_path: Path

    @property
    def name(self) -> str:
        return self.watcher.name


def agent_names(agents_dir: Path = AGENTS_DIR) -> list[str]:
    """Folders under agents/ that hold Python code, except the private ones ('_core')."""
    return sorted(
        d.name
        for d in agents_dir.iterdir()
        if d.is_dir() and not d.name.startswith(("_", ".")) and any(d.glob("*.py"))
    )


def discover(policy_dir: Path, agents_dir: Path = AGENTS_DIR, package: str = "agents") -> dict[str, AgentEntry]:
    if not policy_dir.is_dir():  # one mistake, one line: not "no policy" once per agent
        raise RegistryError(f"the policy folder {policy_dir} does not exist: run from the folder that holds "
                            f"policies/, or set SENTINEL_POLICY_DIR (e.g. SENTINEL_POLICY_DIR=/etc/sentinel/policies)")
    names = agent_names(agents_dir)
    problems = []
    entries: dict[str, AgentEntry] = {}
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        watcher = getattr(module, "WATCHER", None)
        if not isinstance(watcher, Watcher):
            problems.append(f"agents/{name}/ does not export WATCHER (a Watcher) from its __init__.py")
            continue
        if watcher.name != name:
            problems.append(f"agents/{name}/: WATCHER.name is '{watcher.name}' (make it '{name}', the folder's name)")
        path = policy_dir / f"{name}.yaml"
        if not path.is_file():
            problems.append(f"agents/{name}/ has no policy: create {path}")
            continue
        entries[name] = AgentEntry(watcher, path)
    for path in sorted(policy_dir.glob("*.y*ml")):
        if path.stem not in names:
            problems.append(f"{path} has no agent: there is no agents/{path.stem}/ (rename the file or add the agent)")
    if problems:
        raise RegistryError("\n".join(problems))
    return entries
