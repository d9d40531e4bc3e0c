"""Test seams: fault hooks that the crash tests switch on through the environment, and nothing else ever does.

SENTINEL_TEST_CRASH_AT=<point> kills this process with SIGKILL (as `kill -9` would) when it reaches that point, so a
test can prove that a real process dying there loses and duplicates nothing. Unset, a crash point is a no-op.
"""

from __future__ import annotations

import os
import signal

ENV = "SENTINEL_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
