"""The sandbox's notion of "now": real time by default, or a fixed instant that tests move by hand."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


def _utc(value: datetime) -> datetime:
    # Naive datetimes are read as UTC, which is what Odoo stores.
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class SandboxClock:
    """Aware-UTC clock, truncated to whole seconds like Odoo's stored datetimes.

    Without `now` it follows the wall clock (plus whatever `advance` added);
    with `now`, or after `set`, it stands still until advanced again.
    """

    def __init__(self, now: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._fixed = _utc(now) if now is not None else None
        self._offset = timedelta()

    def now(self) -> datetime:
        with self._lock:
            base = self._fixed if self._fixed is not None else datetime.now(timezone.utc)
            return (base + self._offset).replace(microsecond=0)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
        return self.now()

    def set(self, now: datetime) -> datetime:
        with self._lock:
            self._fixed = _utc(now)
            self._offset = timedelta()
        return self.now()

    def __repr__(self) -> str:
        mode = "fixed" if self._fixed is not None else "live"
        return f"SandboxClock({self.now().isoformat()}, {mode})"
