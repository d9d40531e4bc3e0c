"""What the graph nodes and the decision door need, gathered once by the composition root (runner.py)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pydantic_ai.models import Model

from agents._core.breaker import CircuitBreaker
from agents._core.business_hours import BusinessCalendar
from agents._core.jobs import JobWatch
from agents._core.odoo.gateway import OdooGateway
from agents._core.policy import AgentPolicy
from agents._core.policy_book import PolicyBook
from agents._core.registry import AgentEntry
from agents._core.settings import Settings
from state import Audit, Store

PAUSED_FLAG = "paused"
REPLICA = f"{socket.gethostname()}:{os.getpid()}"  # this process, as it claims run slots and outbox messages


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class Services:
    settings: Settings
    store: Store
    audit: Audit
    agents: dict[str, AgentEntry]
    policies: PolicyBook
    gateway_factory: Callable[[str], OdooGateway]  # connection name -> a fresh gateway
    clock: Callable[[], datetime] = utc_now
    model: Model | str | None = None  # None: the deterministic drafter, nothing reaches the network
    jobs: JobWatch = field(default_factory=JobWatch)  # the periodic jobs' state, for /healthz
    llm_breaker: CircuitBreaker = field(default_factory=CircuitBreaker)  # shared by every draft of this process

    def policy(self, agent: str) -> AgentPolicy:
        return self.policies.get(agent).policy

    def calendar(self, agent: str) -> BusinessCalendar:
        return BusinessCalendar.from_policy(self.policy(agent).business_hours)

    def gateway(self, connection: str) -> OdooGateway:
        return self.gateway_factory(connection)

    def paused(self) -> bool:
        return self.store.get_flag(PAUSED_FLAG) == "true"
