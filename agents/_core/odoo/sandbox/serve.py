"""Serve a sandbox in the foreground until Ctrl-C or SIGTERM (used by `runner.py sandbox` and `python -m`)."""
from __future__ import annotations

import signal
import threading

from .clock import SandboxClock
from .sandbox import Sandbox


def serve(host: str = "127.0.0.1", port: int = 8069, *, seed: bool = True, clock: SandboxClock | None = None) -> None:
    """Block serving a sandbox at host:port; returns after SIGINT/SIGTERM."""
    stopped = threading.Event()
    sandbox = Sandbox(clock=clock, seed=seed)
    url = sandbox.start(host=host, port=port)
    print(f"Odoo sandbox serving at {url} (db {sandbox.db_name!r}, login admin / admin)", flush=True)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stopped.set())
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sandbox.stop()
