"""What /healthz answers: can this replica do its job right now, and if not, why.

503 when it cannot: the state database does not answer, an Odoo connection a policy uses is unreachable, or every
recent run of an agent failed. Each part is also reported on its own (last run per agent, database, each Odoo
connection, Slack's slot, and whether the replicas behind one load balancer run the same policies). Odoo is probed
with one cheap GET, cached for SENTINEL_HEALTH_CACHE_SECONDS, so a busy prober cannot hammer it."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from agents._core import messages as m
from agents._core.services import REPLICA, Services
from agents._core.settings import OdooConnection
from state import StateUnavailable
from state.replicas import live_policies

PROBE_TIMEOUT_S = 5.0
OdooProbe = Callable[[OdooConnection], str | None]  # None: reachable; else why not


def probe_odoo(connection: OdooConnection) -> str | None:
    """GET /web/health (Odoo 15+; an older server answers 404, which still proves it is up). No login: cheap."""
    url = connection.url.rstrip("/") + "/web/health"
    try:
        with urllib.request.urlopen(url, timeout=min(connection.timeout, PROBE_TIMEOUT_S)):  # noqa: S310 - http(s) only
            return None
    except urllib.error.HTTPError as exc:
        return None if exc.code < 500 else f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason)


@dataclass
class HealthCheck:
    services: Services
    probe: OdooProbe = probe_odoo
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def report(self, *, slack: str = "off", slack_mode: str = "off") -> tuple[int, dict[str, Any]]:
        """(HTTP status, body). `slack`: ok | degraded (unreachable: 503, though scans go on) | off; `slack_mode`: how
        it is reached (http, socket, off)."""
        problems: list[str] = []
        if slack in ("degraded", "refused"):
            problems.append(m.HEALTH_SLACK.format(state=slack))
        stuck = self.services.jobs.stuck()  # a job running far past its usual time: 503 until it ends
        if stuck:
            problems.append(m.HEALTH_STUCK.format(jobs=", ".join(stuck)))
        warnings: list[str] = []
        database = self._database(problems)
        odoo = self._odoo(problems)
        agents = self._agents(problems) if database["ok"] else {}
        policies = self._policies(warnings) if database["ok"] else {}
        body = {
            "ok": not problems,
            "problems": problems,
            "warnings": warnings,
            "replica": REPLICA,
            "paused": self.services.paused() if database["ok"] else None,
            "database": database,
            "odoo": odoo,
            "agents": agents,
            "policies": policies,
            "slack": slack,
            "slack_mode": slack_mode,
            "stuck_jobs": stuck,
            "jobs": self.services.jobs.report(),
            "outbox_pending": len(self.services.store.pending_outbox()) if database["ok"] else None,
        }
        return (200 if not problems else 503), body

    def _database(self, problems: list[str]) -> dict[str, Any]:
        try:
            self.services.store.db.ping()
        except StateUnavailable as exc:
            problems.append(m.HEALTH_DATABASE.format(error=exc))
            return {"ok": False, "error": str(exc)}
        return {"ok": True, "error": None}

    def _odoo(self, problems: list[str]) -> dict[str, Any]:
        """Each connection a policy uses (a connection nobody uses cannot stop the service from working)."""
        connections = self.services.settings.connections()
        used = {loaded.policy.odoo for loaded in self.services.policies.loaded.values()}
        shown = {}
        for name in sorted(used):
            connection = connections.get(name)
            error = self._probe_cached(name, connection) if connection else m.HEALTH_ODOO_UNDEFINED
            shown[name] = {"ok": error is None, "url": connection.url if connection else None, "error": error}
            if error is not None:
                problems.append(m.HEALTH_ODOO.format(name=name, error=error))
        return shown

    def _probe_cached(self, name: str, connection: OdooConnection) -> str | None:
        ttl = self.services.settings.health_cache_seconds
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and self.monotonic() - cached[0] < ttl:
                return cached[1]
        error = self.probe(connection)
        with self._lock:
            self._cache[name] = (self.monotonic(), error)
        return error

    def _agents(self, problems: list[str]) -> dict[str, Any]:
        needed = self.services.settings.health_failed_runs
        recent = self.services.store.recent_runs(needed)
        shown = {}
        for agent in self.services.agents:
            runs = recent.get(agent, [])
            failing = bool(runs) and all(run.status == "failed" for run in runs)
            last = runs[0] if runs else None
            shown[agent] = {
                "ok": not failing and agent in self.services.policies.loaded,
                "last_run": None if last is None else {
                    "status": last.status, "started_at": last.started_at.isoformat(),
                    "finished_at": last.finished_at.isoformat() if last.finished_at else None, "error": last.error},
                "recent_failed": sum(run.status == "failed" for run in runs),
                "recent_runs": len(runs),
            }
            if failing:
                problems.append(m.HEALTH_RUNS_FAILING.format(agent=agent, count=len(runs), error=last.error if last else ""))
            if agent not in self.services.policies.loaded:
                problems.append(m.HEALTH_NO_POLICY.format(agent=agent))
        return shown

    def _policies(self, warnings: list[str]) -> dict[str, Any]:
        """Replicas heard from within three housekeeping ticks are compared, agent by agent."""
        window = timedelta(seconds=max(3 * self.services.settings.housekeeping_seconds, 90))
        seen = live_policies(self.services.store.db, since=self.services.clock() - window)
        shown = {}
        for agent, loaded in self.services.policies.loaded.items():
            replicas = dict(seen.get(agent, {}))
            replicas[REPLICA] = loaded.sha256  # this replica's, even before its first heartbeat
            agree = len(set(replicas.values())) == 1
            shown[agent] = {"sha256": loaded.sha256, "replicas": replicas, "agree": agree}
            if not agree:
                others = ", ".join(f"{r} has {sha[:12]}" for r, sha in sorted(replicas.items()))
                warnings.append(m.HEALTH_POLICIES_DISAGREE.format(agent=agent, replicas=others))
        return shown
