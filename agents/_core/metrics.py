"""Prometheus metrics for GET /metrics: what state knows is read at scrape time (so every replica reports the same
figures and a restart loses none); Odoo call latency and errors are observed in this process through the gateway."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from agents._core.odoo import gateway as odoo_gateway
from agents._core.odoo.errors import OdooError
from agents._core.services import Services

CONTENT_TYPE = CONTENT_TYPE_LATEST
DECISION_BUCKETS = (300.0, 900.0, 1800.0, 3600.0, 2 * 3600.0, 4 * 3600.0, 8 * 3600.0, 24 * 3600.0, 72 * 3600.0)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Process-wide: the gateway calls from any engine in this process land here (registered once, below).
ODOO_CALL_SECONDS = Histogram(
    "sentinel_odoo_call_seconds", "Time of one call to Odoo (a retried call counts each attempt).",
    ["connection", "method"], registry=None, buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ODOO_CALL_ERRORS = Counter(
    "sentinel_odoo_call_errors", "Calls to Odoo that failed, by error type.", ["connection", "method", "error"],
    registry=None,
)
_wired = threading.Lock()


def observe_odoo_call(connection: str, _model: str, method: str, seconds: float, error: BaseException | None) -> None:
    ODOO_CALL_SECONDS.labels(connection, method).observe(seconds)
    if error is not None:
        kind = type(error).__name__ if isinstance(error, OdooError) else "transport"
        ODOO_CALL_ERRORS.labels(connection, method, kind).inc()


def _observe_odoo() -> None:
    with _wired:
        if observe_odoo_call not in odoo_gateway.CALL_OBSERVERS:
            odoo_gateway.CALL_OBSERVERS.append(observe_odoo_call)


class StateCollector:
    """Figures read from state on each scrape: queues, proposals, decisions, runs, outbox, LLM drafting."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._drafts_seen = 0  # audit seq: drafting events are counted incrementally, not re-read on every scrape
        self._drafts: dict[tuple[str, str], int] = {}
        self._tokens: dict[str, int] = {}
        self._lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        store = self.services.store
        yield from self._queues()
        proposals = GaugeMetricFamily("sentinel_proposals", "Proposals by agent and status, now.", labels=["agent", "status"])
        for (agent, status), count in sorted(store.proposal_counts().items()):
            proposals.add_metric([agent, status], count)
        yield proposals
        yield self._decisions()
        last_ok = GaugeMetricFamily("sentinel_last_successful_run_timestamp_seconds",
                                    "When each agent's newest successful scan finished (Unix time).", labels=["agent"])
        for agent, at in sorted(store.last_successful_runs().items()):
            last_ok.add_metric([agent], (at - _EPOCH).total_seconds())
        yield last_ok
        last = GaugeMetricFamily("sentinel_last_run_ok", "1 if the agent's newest scan succeeded, else 0.", labels=["agent"])
        for agent, run in sorted(store.last_runs().items()):
            last.add_metric([agent], 1.0 if run.status == "ok" else 0.0)
        yield last
        waiting, failed = store.outbox_figures()
        yield GaugeMetricFamily("sentinel_outbox_waiting", "Messages waiting for the channel adapter (Slack).", value=waiting)
        yield CounterMetricFamily("sentinel_slack_delivery_errors", "Failed attempts to deliver a message to Slack.",
                                  value=failed)
        refused = len(store.events("slack.delivery_failed"))
        yield CounterMetricFamily("sentinel_slack_delivery_refused", "Messages Slack refused for good.", value=refused)
        yield GaugeMetricFamily("sentinel_paused", "1 while writes to Odoo are paused.", value=float(self.services.paused()))
        yield from self._llm()

    def _queues(self) -> Iterator[Metric]:
        labels = ["agent", "rule"]
        size = GaugeMetricFamily("sentinel_queue_items", "Items in each rule's queue at its newest scan.", labels=labels)
        stalled = GaugeMetricFamily("sentinel_queue_stalled_items", "Of those, items past a ladder step.", labels=labels)
        oldest = GaugeMetricFamily("sentinel_queue_oldest_item_age_seconds", "Age of the queue's oldest item.",
                                   labels=labels)
        taken = GaugeMetricFamily("sentinel_queue_snapshot_timestamp_seconds", "When the queue was last measured.",
                                  labels=labels)
        for snap in self.services.store.latest_queue_snapshots():
            key = [snap.agent, snap.rule_id]
            size.add_metric(key, snap.open_items)
            stalled.add_metric(key, snap.stalled_items)
            oldest.add_metric(key, (snap.age_max or 0.0) * 3600)
            at = snap.taken_at if snap.taken_at.tzinfo else snap.taken_at.replace(tzinfo=timezone.utc)
            taken.add_metric(key, (at - _EPOCH).total_seconds())
        yield from (size, stalled, oldest, taken)

    def _decisions(self) -> Metric:
        """A histogram of time to decision by people, rebuilt from state: cumulative since the first decision."""
        family = HistogramMetricFamily("sentinel_time_to_decision_seconds",
                                       "From a proposal's posting to a person's decision.", labels=["agent"])
        by_agent: dict[str, list[float]] = {}
        for agent, seconds in self.services.store.decision_times(_EPOCH):
            by_agent.setdefault(agent, []).append(seconds)
        for agent, values in sorted(by_agent.items()):
            buckets = [(_bound(b), float(sum(1 for v in values if v <= b))) for b in DECISION_BUCKETS]
            buckets.append(("+Inf", float(len(values))))
            family.add_metric([agent], buckets, sum(values))
        return family

    def _llm(self) -> Iterator[Metric]:
        with self._lock:
            events = self.services.store.events("proposal.drafted", after_seq=self._drafts_seen)
            for event in events:
                self._drafts_seen = max(self._drafts_seen, event.seq)
                source = str(event.data.get("source") or "template")
                agent = (self.services.store.get(event.proposal_id) or None) if event.proposal_id else None
                name = agent.agent if agent else "unknown"
                self._drafts[(name, source)] = self._drafts.get((name, source), 0) + 1
                usage = event.data.get("usage") or {}
                for kind in ("input_tokens", "output_tokens"):
                    self._tokens[kind] = self._tokens.get(kind, 0) + int(usage.get(kind, 0) or 0)  # type: ignore[union-attr]
            drafts = CounterMetricFamily("sentinel_drafts", "Proposal drafts with a model configured, by who wrote them "
                                         "(llm, or template: a fallback).", labels=["agent", "source"])
            for (agent, source), count in sorted(self._drafts.items()):
                drafts.add_metric([agent, source], count)
            fallbacks = CounterMetricFamily("sentinel_llm_fallbacks", "Drafts the model failed: the template was used.",
                                            labels=["agent"])
            for (agent, source), count in sorted(self._drafts.items()):
                if source == "template":
                    fallbacks.add_metric([agent], count)
            tokens = CounterMetricFamily("sentinel_llm_tokens", "Tokens the drafting model used.", labels=["kind"])
            for kind, count in sorted(self._tokens.items()):
                tokens.add_metric([kind], count)
        yield from (drafts, fallbacks, tokens)


def _bound(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}.0"


class Metrics:
    """One registry per running service: its state collector plus the process-wide Odoo call metrics."""

    def __init__(self, services: Services) -> None:
        _observe_odoo()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(StateCollector(services))
        self.registry.register(ODOO_CALL_SECONDS)
        self.registry.register(ODOO_CALL_ERRORS)

    def render(self) -> bytes:
        return generate_latest(self.registry)
