"""A seeded history for the digest tests: six weeks of the approval queue through the real engine on the sandbox.

Built once per test session (about half a minute): orders and expenses arriving and cleared in Odoo, scans on the
policy's schedule, people approving, rejecting and snoozing, proposals expiring, one Odoo outage on the last day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agents._core.digest.simulate import END, SimulatedHistory, seeded_history
from agents._core.policy import AgentPolicy, load_policy
from agents._core.registry import discover
from runner import build_engine
from state import Database, Store

DAYS = 42
AGENTS = ("approval_watcher",)
SEED = 7
ODOO = "http://odoo.example"  # links in the digest; nothing is fetched from it


@dataclass
class History:
    db_path: Path
    simulated: SimulatedHistory

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db_path}"


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    db_path = tmp_path_factory.mktemp("digest") / "history.db"
    return History(db_path, seeded_history(build_engine, db_path, days=DAYS, agents=AGENTS, seed=SEED, end=END))


@pytest.fixture
def store(history: History) -> Iterator[Store]:
    db = Database(history.url)
    yield Store(db)
    db.close()


def shipped_policies() -> dict[str, AgentPolicy]:
    agents = discover(Path("policies"))
    return {name: load_policy(entry.policy_path, entry.watcher.policy_model, connections={"default"},
                              expected_agent=name).policy for name, entry in agents.items()}
