"""Which periodic jobs are running, for how long, and how each last ended: so that one failing or stuck job is
reported (logs, /healthz) while the others go on."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class _State:
    stuck_after: float  # seconds of one run after which the job is reported stuck
    started: float | None = None  # monotonic, while running
    last_ok: datetime | None = None
    last_error: str | None = None
    failures: int = 0  # in a row


@dataclass
class JobWatch:
    jobs: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _idle: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._idle = threading.Condition(self._lock)

    def guard(self, name: str, job: Callable[..., Any], *, stuck_after: float) -> Callable[..., None]:
        """`job` as a scheduler job: its exception is logged and kept (never raised into the scheduler), its run timed."""
        with self._lock:
            self.jobs.setdefault(name, _State(stuck_after))

        def run(*args: object) -> None:
            state = self.jobs[name]
            with self._lock:
                state.started = time.monotonic()
            try:
                job(*args)
            except Exception as exc:  # noqa: BLE001 - reported here; the next tick tries again, other jobs go on
                log.exception("job %s failed", name)
                with self._lock:
                    state.last_error, state.failures = f"{type(exc).__name__}: {exc}"[:500], state.failures + 1
            else:
                with self._lock:
                    state.last_ok, state.last_error, state.failures = datetime.now(timezone.utc), None, 0
            finally:
                with self._lock:
                    state.started = None
                    self._idle.notify_all()

        run.__name__ = run.__qualname__ = name  # APScheduler's logs name the job
        return run

    def running(self) -> list[str]:
        with self._lock:
            return sorted(name for name, state in self.jobs.items() if state.started is not None)

    def stuck(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            return sorted(name for name, state in self.jobs.items()
                          if state.started is not None and now - state.started > state.stuck_after)

    def wait_idle(self, timeout: float) -> list[str]:
        """Wait up to `timeout` seconds for running jobs to end; returns those still running."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while (busy := [n for n, s in self.jobs.items() if s.started is not None]) and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            return sorted(busy)

    def report(self) -> dict[str, dict[str, Any]]:
        """For /healthz: each job's running time (while running), stuck flag, last success and last error."""
        now = time.monotonic()
        with self._lock:
            return {
                name: {"running_for": round(now - s.started, 1) if s.started is not None else None,
                       "stuck": s.started is not None and now - s.started > s.stuck_after,
                       "last_ok": s.last_ok.isoformat() if s.last_ok else None,
                       "last_error": s.last_error, "failures_in_a_row": s.failures}
                for name, s in sorted(self.jobs.items())
            }
