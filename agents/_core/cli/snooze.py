"""`sentinel proposals snooze ID --for 3d --reason …`: the Slack snooze from the command line, through decide()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from agents._core.decisions import Actor, decide
from agents._core.durations import parse_duration
from agents._core.engine import Engine


def _duration(text: str):  # noqa: ANN202 - timedelta; typer's parser callback
    try:
        duration = parse_duration(text)
    except ValueError:
        duration = None
    if duration is None or duration.total_seconds() <= 0:
        raise typer.BadParameter(f"{text!r} is not a duration: use 3d, 1w, 36h")
    return duration


def command(engine: Callable[[], Engine], deliver: Callable[[Engine], None]) -> Callable[..., None]:
    def snooze(
        proposal_id: str,
        for_: Annotated[str, typer.Option("--for", help="How long: 1d, 3d, 1w (no new proposal for the item until then).")],
        reason: Annotated[str, typer.Option(help="Why (required; recorded in the audit trail and noted in Odoo).")],
        who: Annotated[str, typer.Option("--as", help="An Odoo login or a Slack user id.")],
    ) -> None:
        """Snooze a pending proposal: it is closed, and its item is not proposed again until the snooze ends."""
        length = _duration(for_)
        built = engine()
        outcome = decide(built, proposal_id, "snooze", Actor.parse(who), reason=reason,
                         until=built.services.clock() + length)
        if not outcome.ok:
            typer.echo(outcome.message, err=True)
            raise typer.Exit(1)
        typer.echo(outcome.message)
        deliver(built)

    return snooze
