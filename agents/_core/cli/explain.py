"""`sentinel explain MODEL ID`: each rule's verdict on one record (agents/_core/explain.py does the work)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Optional

import typer

from agents._core import messages as m
from agents._core.engine import Engine
from agents._core.explain import as_json, as_text, explain


def command(engine: Callable[[], Engine]) -> Callable[..., None]:
    def explain_command(
        model: Annotated[str, typer.Argument(help="The Odoo model, e.g. purchase.order.")],
        res_id: Annotated[int, typer.Argument(help="The record's id.")],
        agent: Annotated[Optional[str], typer.Option(help="Only this agent's rules.")] = None,
        as_json_: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Which rules look at one record, and why each does or does not flag it (a dry run: nothing is stored)."""
        built = engine()
        if agent is not None and agent not in built.services.agents:
            typer.echo(m.UNKNOWN_AGENT.format(agent=agent, known=", ".join(built.services.agents)), err=True)
            raise typer.Exit(1)
        result = explain(built, model, res_id, agent=agent)
        if not result.verdicts:
            typer.echo(m.EXPLAIN_NO_RULE.format(model=model), err=True)
            raise typer.Exit(1)
        typer.echo(json.dumps(as_json(result), indent=2, default=str) if as_json_ else "\n".join(as_text(result)))

    return explain_command
