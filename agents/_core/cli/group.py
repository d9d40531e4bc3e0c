"""The root command group: global options (--debug, --version) and the one wrapper every command runs inside, which
turns whatever a command ends with into one line on stderr and an exit code that tells the truth."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer vendors click: its own classes, not click's
from typer.core import TyperGroup

from agents._core.cli.failures import failure_for
from agents._core.settings import Settings

DEBUG = "sentinel.debug"  # ctx.meta key: shared by every context of one invocation
NEEDS_NO_SETTINGS = {"sandbox", "demo"}  # they bring their own Odoo and state


class SentinelGroup(TyperGroup):
    def make_context(self, info_name: str | None, args: list[str], parent: typer.Context | None = None,
                     **extra: Any) -> typer.Context:
        """A mistake in the global options (before any command runs) gets the same one line."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise  # `sentinel` alone prints the help, as asked
        except UsageError as exc:
            _report(exc, debug=False)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, NoArgsIsHelpError, SystemExit, BrokenPipeError):
            raise  # BrokenPipeError: `sentinel … | head` closed the pipe; typer exits quietly
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - this is the one place that reports them
            _report(exc, debug=bool(ctx.meta.get(DEBUG)))


def _report(exc: BaseException, *, debug: bool) -> None:
    if debug and not isinstance(exc, (KeyboardInterrupt, UsageError)):
        raise exc
    failure = failure_for(exc)
    typer.echo(failure.line, err=True)
    raise typer.Exit(int(failure.code)) from None


def _show_version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"sentinel {version('sentinel')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("sentinel (not installed)")
        raise typer.Exit()


def root_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error and debug logs.")] = False,
    show_version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                               help="Print the version and exit.")] = False,  # noqa: ARG001
) -> None:
    """Sentinel: watch Odoo queues, propose escalations."""
    ctx.meta[DEBUG] = debug
    root = logging.getLogger()
    if debug:
        logging.basicConfig(level=logging.DEBUG)
    elif not root.handlers:
        # Library warnings would otherwise reach stderr through logging's last-resort handler, around the one line
        # the command prints; `run` installs its JSON log handler itself.
        root.addHandler(logging.NullHandler())
    if ctx.invoked_subcommand not in NEEDS_NO_SETTINGS and not ctx.resilient_parsing:
        Settings()  # up front: a bad variable is reported before any work starts, whatever the command
