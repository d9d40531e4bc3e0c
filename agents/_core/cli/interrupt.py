"""Ctrl-C while Python is still importing the command line: exit 130 with one line, not a traceback from deep inside
an import. Installed first thing in runner.py and removed once its imports are done (the command wrapper takes over)."""

from __future__ import annotations

import os
import signal
import sys
import threading

INTERRUPTED_CODE = 130
INTERRUPTED_LINE = "interrupted: nothing was done"


def _exit_now(signum: int, frame: object) -> None:  # noqa: ARG001 - the signal handler's signature
    sys.stderr.write(INTERRUPTED_LINE + "\n")
    sys.stderr.flush()
    os._exit(INTERRUPTED_CODE)  # half-imported modules hold nothing worth unwinding


def during_imports() -> None:
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _exit_now)


def imports_done() -> None:
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is _exit_now:
        signal.signal(signal.SIGINT, signal.default_int_handler)
