"""Every exception a command can end with, as the one line an operator reads and the exit code a script tests.

Exit codes follow sysexits(3), so a unit file or a script can tell a configuration mistake (78: fix it, do not restart)
from an outage (69: try again later)."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from enum import IntEnum

from typer._click.exceptions import UsageError

from agents._core import messages as m
from agents._core.odoo.errors import OdooAuthError, OdooError, OdooUnavailable
from agents._core.policy import PolicyError
from agents._core.policy_book import PolicyUnavailable
from agents._core.registry import RegistryError
from agents._core.settings import BadSettings
from state import StateUnavailable


class ExitCode(IntEnum):
    FAILED = 1  # the command ran and its answer is "no" (a run failed, a policy is invalid, a proposal was refused)
    USAGE = 2  # a wrong option or argument (click's own code)
    UNAVAILABLE = 69  # Odoo or the state database cannot be reached, or a port is taken: try again later
    SOFTWARE = 70  # a bug: --debug shows the traceback
    CANNOT_CREATE = 73  # the state folder or an output file cannot be written
    IO = 74
    CONFIG = 78  # settings, policies or agents are wrong: fix them; restarting will not help
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


@dataclass(frozen=True)
class Failure:
    line: str
    code: ExitCode


def failure_for(exc: BaseException) -> Failure:
    """The message is the exception's own when it was written for people (ours); a stranger's is wrapped."""
    if isinstance(exc, KeyboardInterrupt):
        return Failure(m.CLI_INTERRUPTED, ExitCode.INTERRUPTED)
    if isinstance(exc, UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else "sentinel"
        problem = exc.format_message().replace("Value error, ", "").rstrip(".")  # pydantic's prefix, via typer
        return Failure(m.CLI_USAGE.format(problem=problem, command=where), ExitCode.USAGE)
    if isinstance(exc, (BadSettings, RegistryError, PolicyUnavailable)):
        return Failure(str(exc), ExitCode.CONFIG)
    if isinstance(exc, PolicyError):
        return Failure(str(exc), ExitCode.FAILED)
    if isinstance(exc, StateUnavailable):
        return Failure(str(exc), ExitCode.CANNOT_CREATE if exc.unwritable else ExitCode.UNAVAILABLE)
    if isinstance(exc, OdooAuthError):
        return Failure(m.CLI_ODOO_AUTH.format(error=exc), ExitCode.CONFIG)
    if isinstance(exc, OdooUnavailable):
        return Failure(m.CLI_ODOO_DOWN.format(error=exc), ExitCode.UNAVAILABLE)
    if isinstance(exc, OdooError):
        return Failure(str(exc), ExitCode.FAILED)
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return Failure(m.CLI_PORT_BUSY.format(reason=exc.strerror or exc), ExitCode.UNAVAILABLE)
    if isinstance(exc, (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)):
        return Failure(m.CLI_CANNOT_WRITE.format(reason=exc.strerror, path=exc.filename), ExitCode.CANNOT_CREATE)
    if isinstance(exc, OSError):
        return Failure(m.CLI_OS_ERROR.format(reason=exc.strerror or exc, path=exc.filename or "?"), ExitCode.IO)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return Failure(m.CLI_UNEXPECTED.format(kind=type(exc).__name__, error=first), ExitCode.SOFTWARE)
