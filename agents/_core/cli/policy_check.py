"""`policy check`'s parts: which agent a policy file is for (its `agent:` key), and its preflight against Odoo."""

from __future__ import annotations

from pathlib import Path

import typer

from agents._core import messages
from agents._core.odoo import OdooError, OdooGateway, connect
from agents._core.policy_bounds import TooLarge, read_capped
from agents._core.policy_errors import PolicyError
from agents._core.policy_loader import parse_tree
from agents._core.settings import Settings

__all__ = ["agent_key", "check_against_odoo"]


def check_against_odoo(settings: Settings, path: Path, loaded, entry,  # noqa: ANN001 - LoadedPolicy, AgentEntry
                       gateways: dict[str, OdooGateway]) -> str:
    """Preflight one loaded policy: its notes on stdout, its problems on stderr; "ok", "refused" or "unchecked"."""
    from agents._core.preflight import preflight  # only with --odoo: plain `policy check` stays light

    name = loaded.policy.odoo
    connection = settings.connections().get(name)
    try:
        if connection is None:
            raise LookupError(f"connection '{name}' is not configured (set ODOO_URL or ODOO_CONNECTIONS)")
        if name not in gateways:
            gateways[name] = connect(settings.gateway_spec(name, connection))
        verdict = preflight(loaded, entry.watcher, gateways[name], user=connection.user)
    except (OdooError, LookupError, ValueError) as exc:
        reason = exc.message if isinstance(exc, OdooError) else str(exc)
        typer.echo(messages.PREFLIGHT_UNREACHABLE.format(file=path, connection=name, reason=reason), err=True)
        return "unchecked"
    for warning in verdict.warnings:
        typer.echo(str(warning))
    if not verdict.ok:
        typer.echo(str(verdict.error()), err=True)
        return "refused"
    return "ok"


def agent_key(path: Path) -> str | None:
    """The file's `agent:` value, when the file can be read as YAML; load_policy reports the rest."""
    try:  # read with the same size cap as load_policy: a dump named like a policy is never read whole
        agent = parse_tree(read_capped(path).decode("utf-8"), str(path)).get("agent")
    except (OSError, UnicodeDecodeError, TooLarge, PolicyError):
        return None
    return agent if isinstance(agent, str) else None
