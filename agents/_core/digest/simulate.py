"""A believable history on the bundled sandbox: weeks of scans through the real engine, with orders and expenses
arriving and being cleared in Odoo, people deciding (or not) on the proposals, and an Odoo outage now and then.

For the digest's demo, its golden test and the forecast benchmark. Deterministic for a given seed: the sandbox's clock
is moved event by event, so every timestamp (runs, snapshots, proposals, decisions) is the simulated one.
"""

from __future__ import annotations

import heapq
import math
import os
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from agents._core.console import deliver_outbox
from agents._core.decisions import Actor, authorize, decide, sweep_expired
from agents._core.engine import Engine
from agents._core.odoo import open_gateway
from agents._core.odoo.sandbox import Sandbox, SandboxClock
from agents._core.settings import Settings
from state import Proposal

TZ = ZoneInfo("America/New_York")  # the shipped policies' business timezone
SCANS_AT = (time(9, 0), time(13, 0), time(17, 0))
WEEKEND_SCAN = time(12, 0)  # agents on an interval schedule scan at weekends too
APPROVERS = ("grace.finance", "dr.patel", "admin")  # tried in turn: the first the policy and four-eyes allow decides
DEAD_ODOO = "http://127.0.0.1:9"  # the discard port: nothing listens, so a scan there fails as in a real outage
# (rule, reason) people give when they reject; the first is what approvers say about an item that is not stuck yet.
NOT_STUCK_YET = "not stuck yet"
REASONS = ("vendor already called", "handled by phone", "duplicate of another reminder")
SNOOZE_REASON = "waiting for budget sign-off"


@dataclass(frozen=True)
class Regime:
    """From `start` (a fraction of the history's business days) on: Poisson means per business day."""

    start: float
    arrivals: float
    cleared: float


# A purchasing team's month: steady, a month-end rush of orders, the approver on leave, catching up, short-handed again.
ORDERS = (Regime(0.0, 4.0, 4.0), Regime(0.3, 6.0, 4.0), Regime(0.5, 4.0, 2.0), Regime(0.75, 4.0, 6.5),
          Regime(0.9, 4.5, 2.5))
EXPENSES = (Regime(0.0, 1.5, 1.5),)


@dataclass
class SimulatedHistory:
    start: datetime
    end: datetime
    agents: tuple[str, ...]
    scans: Counter[str] = field(default_factory=Counter)  # agent -> scans
    failed_scans: int = 0
    arrivals: Counter[str] = field(default_factory=Counter)  # model -> items that entered its queue
    cleared: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)  # decision -> count


def history_start(end: datetime, days: int) -> datetime:
    """Where a history of `days` days ending at `end` starts (08:00 local: the sandbox is seeded relative to it)."""
    first = (end.astimezone(TZ) - timedelta(days=days)).date()
    return datetime.combine(first, time(8, 0), TZ).astimezone(timezone.utc)


def simulate(
    engine: Engine,
    sandbox: Sandbox,
    *,
    end: datetime,
    agents: Sequence[str],
    seed: int = 7,
    orders: Sequence[Regime] = ORDERS,
    expenses: Sequence[Regime] = EXPENSES,
    outages: Sequence[datetime] = (),
    progress: Callable[[str], None] | None = None,
    housekeeping: Callable[[Engine], None] | None = None,
) -> SimulatedHistory:
    """Run from the sandbox clock's now until `end`. `outages`: instants at which a scan finds Odoo unreachable.
    `housekeeping`: called after every scan, as `run`'s housekeeping would be (e.g. retention)."""
    sim = _Simulation(engine, sandbox, seed, tuple(agents), orders, expenses, outages)
    sim.housekeeping = housekeeping
    return sim.run(end, progress)


class _Simulation:
    def __init__(self, engine: Engine, sandbox: Sandbox, seed: int, agents: tuple[str, ...],
                 orders: Sequence[Regime], expenses: Sequence[Regime], outages: Sequence[datetime]) -> None:
        self.engine = engine
        self.sandbox = sandbox
        # Two streams: the queues' flow does not change when the people's choices (or the proposals) do.
        self.rng = random.Random(seed)
        self.people = random.Random(seed + 1_000_003)
        self.agents = agents
        self.flows = {"purchase.order": orders, "hr.expense": expenses}
        self.outages = sorted(outages)
        self.events: list[tuple[datetime, int, str, object]] = []
        self.seq = 0
        self.planned: set[str] = set()
        self.start = sandbox.clock.now()
        self.result = SimulatedHistory(self.start, self.start, agents)
        self.housekeeping: Callable[[Engine], None] | None = None
        self._vendors = [p["id"] for p in sandbox.env("res.partner").search_read([("supplier_rank", ">", 0)], ["id"])]
        self._products = sandbox.env("product.product").search_read([("purchase_ok", "=", True)], ["id", "standard_price"])
        self._buyers = [u["id"] for u in sandbox.env("res.users").search_read(
            [("login", "in", ["nina.buyer", "omar.buyer", "lucy.buyer"])], ["id"])]
        self._employees = [e["id"] for e in sandbox.env("hr.employee").search_read([("parent_id", "!=", False)], ["id"])]

    # -- the timeline --------------------------------------------------------------------------------------------

    def run(self, end: datetime, progress: Callable[[str], None] | None) -> SimulatedHistory:
        day = self.start.astimezone(TZ).date()
        last = end.astimezone(TZ).date()
        business_days = [d for d in _days(day, last) if d.weekday() < 5]
        for d in _days(day, last):
            self._plan_day(d, business_days)
        while self.events and self.events[0][0] <= end:
            at, _, kind, payload = heapq.heappop(self.events)
            if at < self.start:
                continue
            self.sandbox.clock.set(at)
            getattr(self, f"_on_{kind}")(payload)
            if progress and kind == "scan":
                progress(f"{at.astimezone(TZ):%a %Y-%m-%d %H:%M} scan {payload}")
        self.sandbox.clock.set(end)
        self.result.end = end
        return self.result

    def _at(self, when: datetime, kind: str, payload: object = None) -> None:
        self.seq += 1
        heapq.heappush(self.events, (when.astimezone(timezone.utc), self.seq, kind, payload))

    def _plan_day(self, day: date, business_days: list[date]) -> None:
        business = day.weekday() < 5
        for agent in self.agents:
            cron = self.engine.services.policy(agent).schedule.cron is not None  # cron: the shipped weekday schedule
            times = SCANS_AT if business else (() if cron else (WEEKEND_SCAN,))
            for moment in times:
                self._at(datetime.combine(day, moment, TZ), "scan", agent)
        if not business or "approval_watcher" not in self.agents:
            return
        at = business_days.index(day) / len(business_days)
        for model, regimes in self.flows.items():
            regime = [r for r in regimes if r.start <= at][-1]
            for _ in range(_poisson(self.rng, regime.arrivals)):
                self._at(self._working_moment(day), "arrive", model)
            for _ in range(_poisson(self.rng, regime.cleared)):
                self._at(self._working_moment(day), "clear", model)

    def _working_moment(self, day: date) -> datetime:
        minutes = self.rng.randrange(8 * 60, 17 * 60 + 30)
        return datetime.combine(day, time(minutes // 60, minutes % 60), TZ)

    # -- what happens ----------------------------------------------------------------------------------------------

    def _on_scan(self, agent: str) -> None:
        services = self.engine.services
        now = services.clock()
        outage = bool(self.outages) and self.outages[0] <= now
        if outage:
            self.outages.pop(0)
            real = services.gateway_factory
            services.gateway_factory = lambda name: open_gateway(name, DEAD_ODOO, "sandbox", "admin", "admin", timeout=2)
        try:
            report = self.engine.run_once(agent, keep_findings=False)
        finally:
            if outage:
                services.gateway_factory = real
        self.result.scans[agent] += 1
        self.result.failed_scans += not report.ok
        sweep_expired(self.engine)
        if self.housekeeping is not None:
            self.housekeeping(self.engine)
        deliver_outbox(services.store, lambda _text: None)
        # In a stable order (ids have random bits): the same seed gives the same history.
        pending = sorted(services.store.list_proposals(status="pending"),
                         key=lambda p: (p.created_at, p.agent, p.rule_id, p.model, p.res_id, p.step))
        for proposal in pending:
            if proposal.id not in self.planned and proposal.agent in self.agents:
                self.planned.add(proposal.id)
                self._plan_decision(proposal)

    def _on_arrive(self, model: str) -> None:
        if model == "purchase.order":
            product = self.rng.choice(self._products)
            quantity = self.rng.choice((10, 20, 40, 60, 100, 150))
            order = self.sandbox.env(model).create({
                "partner_id": self.rng.choice(self._vendors), "user_id": self.rng.choice(self._buyers),
                "order_line": [(0, 0, {"product_id": product["id"], "product_qty": quantity,
                                       "price_unit": product.get("standard_price") or 10.0})],
            })
            self.sandbox.env(model).write([order], {"state": "to approve"})
        else:
            expense = self.sandbox.env(model).create({
                "name": self.rng.choice(("Mileage, home visits", "CME course fee", "Team lunch", "Parking, hospital")),
                "employee_id": self.rng.choice(self._employees), "total_amount": round(self.rng.uniform(20, 400), 2),
            })
            self.sandbox.env(model).action_submit([expense])
        self.result.arrivals[model] += 1

    def _on_clear(self, model: str) -> None:
        state = "to approve" if model == "purchase.order" else "submitted"
        waiting = self.sandbox.env(model).search_read([("state", "=", state)], ["id"], order="id")
        if not waiting:
            return
        # Approvers mostly work oldest first, and now and then pick whatever is in front of them.
        chosen = waiting[0] if self.rng.random() < 0.6 else self.rng.choice(waiting)
        if model == "purchase.order":
            self.sandbox.env(model).write([chosen["id"]], {"state": "purchase"})
        else:
            self.sandbox.env(model).action_approve([chosen["id"]])
        self.result.cleared[model] += 1

    def _plan_decision(self, proposal: Proposal) -> None:
        decision, reason = self._choose(proposal)
        if decision is None:
            return  # nobody answers: it expires and climbs the ladder
        delay = timedelta(hours=min(self.people.lognormvariate(math.log(2.0), 0.8), 7.5))
        when = self.engine.services.calendar(proposal.agent).add(proposal.created_at, delay)
        self._at(when, "decide", (proposal.id, decision, reason))

    def _choose(self, proposal: Proposal) -> tuple[str | None, str | None]:
        """This team finds the first reminder on purchase orders too early: under 24 business hours an order is
        "not stuck yet" to them. Everything else is mostly approved; some are rejected, snoozed, or left to expire."""
        roll = self.people.random()
        age = float((proposal.evidence.get("numbers") or {}).get("age_business_hours", 1e9))
        if proposal.rule_id == "po_waiting_approval" and proposal.step == 0:
            if age < 24:
                return ("reject", NOT_STUCK_YET) if roll < 0.9 else ("approve", None)
            return ("approve", None) if roll < 0.5 else ("reject", NOT_STUCK_YET) if roll < 0.6 else (None, None)
        if roll < 0.55:
            return "approve", None
        if roll < 0.67:
            return "reject", self.people.choice(REASONS)
        if roll < 0.75:
            return "snooze", SNOOZE_REASON
        return None, None

    def _on_decide(self, payload: tuple[str, str, str | None]) -> None:
        proposal_id, decision, reason = payload
        proposal = self.engine.services.store.get(proposal_id)
        if proposal is None or proposal.status != "pending":
            return
        actor = next((Actor("odoo", login) for login in APPROVERS
                      if authorize(self.engine, proposal, Actor("odoo", login)) is None), None)
        if actor is None:
            return
        until = self.engine.services.clock() + timedelta(days=3) if decision == "snooze" else None
        if decide(self.engine, proposal_id, decision, actor, reason=reason, until=until).ok:  # type: ignore[arg-type]
            self.result.decisions[decision] += 1
        deliver_outbox(self.engine.services.store, lambda _text: None)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of a clinic's daily queue."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


END = datetime(2026, 11, 26, 8, 30, tzinfo=TZ).astimezone(timezone.utc)  # a Thursday's digest time: Wednesday's digest


def seeded_history(build_engine: Callable[..., Engine], db_path: Path, *, days: int, agents: Sequence[str],
                   seed: int = 7, end: datetime = END, outage: bool = True,
                   progress: Callable[[str], None] | None = None,
                   housekeeping: Callable[[Engine], None] | None = None, **more_settings: object) -> SimulatedHistory:
    """A sandbox seeded `days` before `end`, the real engine on it (state in the SQLite file `db_path`), run to `end`.

    `build_engine`: runner.build_engine (the composition root). With `outage`, Odoo is unreachable for one scan on the
    last business day before `end`, so the digest has a failure to report.
    """
    start = history_start(end, days)
    with Sandbox(clock=SandboxClock(now=start), seed=True) as sandbox:
        settings = Settings(
            SENTINEL_DATABASE_URL=f"sqlite:///{db_path}", SENTINEL_POLICY_DIR=os.environ.get("SENTINEL_POLICY_DIR", "policies"),
            ODOO_URL=sandbox.url, ODOO_DB="sandbox", ODOO_USER="admin", ODOO_PASSWORD="admin", SENTINEL_MODEL=None,
            ODOO_CONNECTIONS={}, **more_settings,
        )
        engine = build_engine(settings, clock=sandbox.clock.now, model=None)
        try:
            outages = [end - timedelta(hours=20)] if outage else []
            return simulate(engine, sandbox, end=end, agents=agents, seed=seed, outages=outages, progress=progress,
                            housekeeping=housekeeping)
        finally:
            engine.services.store.db.close()
