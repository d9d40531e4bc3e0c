"""Structured logs: one JSON object per line (structlog over the stdlib loggers), with the run and proposal ids in
context; secrets are redacted before anything is written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"
# Keys whose value is a secret whatever it holds; and values that are secrets wherever they appear.
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|api_?key|authori[sz]ation|cookie|signature", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"xox[abposer]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{16,}")
_MIN_SECRET = 4  # shorter "secrets" (a test password such as "admin" is 5) would redact ordinary words


def configure(*, secrets: Iterable[str] = (), level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Route every logger (ours and the libraries') through structlog's JSON renderer on `stream` (stderr).

    `secrets`: the configured passwords, API keys and tokens, redacted wherever they appear in a line.
    """
    known = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redactor(known),
            structlog.processors.JSONRenderer(sort_keys=False, default=str),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


@contextmanager
def bound(**ids: object) -> Iterator[None]:
    """Every log line inside carries these ids (run_id, proposal_id, agent); None values are left out."""
    with structlog.contextvars.bound_contextvars(**{key: value for key, value in ids.items() if value is not None}):
        yield


def _redactor(known: list[str]):  # noqa: ANN202 - a structlog processor
    def redact(_logger: object, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in list(event.items()):
            if _SECRET_KEY.search(key):
                event[key] = REDACTED
            elif isinstance(value, str):
                event[key] = _scrub(value, known)
        return event

    return redact


def _scrub(text: str, known: list[str]) -> str:
    for secret in known:
        text = text.replace(secret, REDACTED)
    return _SECRET_VALUE.sub(REDACTED, text)
