"""Commands that live outside runner.py, registered on its Typer apps; runner passes its composition helpers in
(importing runner from here would run it twice when it is the __main__ script)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from agents._core.cli import explain, snooze, state_commands
from agents._core.engine import Engine
from state import Database


def register(app: typer.Typer, *, proposals: typer.Typer, audit: typer.Typer, engine: Callable[[], Engine],
             database: Callable[[], Database], deliver: Callable[[Engine], None]) -> None:
    app.command("explain")(explain.command(engine))
    app.command("prune")(state_commands.prune(engine))
    proposals.command("snooze")(snooze.command(engine, deliver))
    audit.command("export")(state_commands.audit_export(database))
