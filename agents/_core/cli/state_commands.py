"""State upkeep from the command line: `audit export` (the trail as JSON lines) and `prune` (retention by hand)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from agents._core import messages as m
from agents._core.engine import Engine
from agents._core.upkeep import prune_state
from state import Database
from state.audit_archive import as_json_line, events_since


def audit_export(database: Callable[[], Database]) -> Callable[..., None]:
    def export(
        since: Annotated[datetime, typer.Option(help="Events at or after this day or instant (UTC), e.g. 2026-11-01.",
                                                formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])],
        out: Annotated[Optional[Path], typer.Option(help="Write to this file instead of stdout.")] = None,
    ) -> None:
        """Write the audit trail as JSON lines (every field, hashes included) for an archive; nothing is removed."""
        start = since.replace(tzinfo=timezone.utc) if since.tzinfo is None else since
        events = events_since(database(), start)
        if out is None:
            for event in events:
                typer.echo(as_json_line(event))
            return
        count = 0
        with out.open("w", encoding="utf-8") as handle:
            for event in events:
                handle.write(as_json_line(event) + "\n")
                count += 1
        typer.echo(m.AUDIT_EXPORTED.format(count=count, path=out))

    return export


def prune(engine: Callable[[], Engine]) -> Callable[..., None]:
    def prune_command(
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Apply retention now (`run` does it every SENTINEL_PRUNE_HOURS): checkpoints of finished proposals and queue
        snapshots older than SENTINEL_RETENTION_DAYS; the audit trail is never pruned."""
        built = engine()
        days = built.services.settings.retention_days
        pruned = prune_state(built.services)
        if as_json:
            typer.echo(json.dumps({"retention_days": days, **asdict(pruned)}))
        elif days <= 0:
            typer.echo(m.PRUNE_OFF)
        else:
            typer.echo(m.PRUNED.format(days=days, **asdict(pruned)))

    return prune_command
