"""A circuit breaker for the LLM: after N failures or timeouts in a row, drafts use the template for a cool-off period,
then one trial call decides whether the model is back. A slow or broken model then costs one timeout per cool-off,
not one per proposal (11 proposals behind a stalled model were 223 s of waiting)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agents._core import messages

log = logging.getLogger(__name__)


@dataclass
class CircuitBreaker:
    failures_to_open: int = 3
    cool_off_seconds: float = 300.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0  # in a row
    open_until: float | None = None  # while set, calls are refused until then; after it, one trial goes through
    _trial: bool = False  # a trial call is out: the others keep the template until it reports
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self) -> str | None:
        """None when a call may go ahead; otherwise why not (for the draft's fallback reason)."""
        with self._lock:
            if self.open_until is None:
                return None
            left = self.open_until - self.clock()
            if left > 0 or self._trial:
                return messages.LLM_BREAKER_OPEN.format(count=self.failures, seconds=max(0, round(left)))
            self._trial = True
            log.info("LLM cool-off over: one trial draft")
            return None

    def succeeded(self) -> None:
        with self._lock:
            if self.open_until is not None:
                log.warning(messages.LLM_BREAKER_CLOSED)
            self.failures, self.open_until, self._trial = 0, None, False

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            self._trial = False
            if self.failures >= self.failures_to_open:
                self.open_until = self.clock() + self.cool_off_seconds
                log.warning(messages.LLM_BREAKER_OPENED.format(count=self.failures, seconds=round(self.cool_off_seconds)))
