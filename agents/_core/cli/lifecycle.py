"""How `run` and `once` live and end: this process as a replica (heartbeat, its runs closed as `interrupted` however it
ends) and `run`'s stop within a promised bound, whatever job is stuck."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from agents._core import messages
from agents._core.engine import Engine
from agents._core.services import REPLICA
from state.replicas import Replicas

__all__ = ["STOP_BOUND_SECONDS", "STOP_JOBS_SECONDS", "interrupt_on_signal", "replica", "stop_run"]

log = logging.getLogger("sentinel.run")

STOP_JOBS_SECONDS = 10.0  # what `run --help` promises: jobs get this long to finish after SIGTERM...
STOP_BOUND_SECONDS = 15.0  # ...and the process is gone within this, whatever is stuck


def stop_run(engine: Engine, scheduler, servers: list[Callable[[], None]], *,  # noqa: ANN001 - BackgroundScheduler
             quiesce: list[Callable[[], None]]) -> None:
    """Stop within STOP_BOUND_SECONDS: a running scan may finish (no half-done tick), a stuck one is abandoned (the
    process then exits 1 from here). `quiesce`: what stops taking new work first (the Slack outbox)."""
    forced = messages.RUN_STOP_FORCED.format(seconds=STOP_BOUND_SECONDS)
    watchdog = threading.Timer(STOP_BOUND_SECONDS, _exit_now, args=[forced, 1])
    watchdog.daemon = True
    watchdog.start()  # whatever below hangs (a server thread, a database call), the bound holds
    scheduler.shutdown(wait=False)
    for stop_taking_work in quiesce:
        stop_taking_work()
    stuck = engine.services.jobs.wait_idle(STOP_JOBS_SECONDS)
    for stop_server in servers:
        stop_server()
    if stuck:
        log.error(messages.RUN_STOP_ABANDONED.format(seconds=STOP_JOBS_SECONDS, jobs=", ".join(stuck)))
        Replicas(engine.services.store.db).interrupt_runs_of([REPLICA])  # _exit_now skips replica()'s own clean-up
        _exit_now(messages.RUN_STOPPED, 1)  # Python would otherwise wait for the stuck threads at exit, forever
    watchdog.cancel()


@contextmanager
def replica(engine: Engine, *, beat_every: float) -> Iterator[None]:
    """This process as a replica for the block: runs dead processes left running are closed first, a heartbeat keeps
    others from closing ours, and whatever ends the block (Ctrl-C, SIGTERM, an error) closes our runs still open."""
    replicas = Replicas(engine.services.store.db)
    if closed := replicas.close_abandoned(REPLICA):
        log.warning(messages.RUNS_INTERRUPTED.format(count=closed))
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            replicas.beat(REPLICA)
            stop.wait(beat_every)

    threading.Thread(target=beat, name="heartbeat", daemon=True).start()
    try:
        yield
    finally:
        stop.set()
        replicas.interrupt_runs_of([REPLICA])
        replicas.forget(REPLICA)


def interrupt_on_signal(*_: object) -> None:
    """A SIGTERM handler that stops the command like Ctrl-C does, so its run is closed as interrupted."""
    raise KeyboardInterrupt


def _exit_now(text: str, code: int) -> None:
    typer.echo(text)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
