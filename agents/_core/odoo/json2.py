"""The JSON-2 transport (Odoo 19+): POST /json/2/<model>/<method>, an API key as bearer, named arguments, over httpx.

No login and no session: every request carries the key and the database. The gateway speaks execute_kw's shape
(positional args + keyword args); JSON-2 binds arguments by name only, so each method's positional parameters are
named here, in Odoo's own parameter names.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import httpx

from agents._core import messages
from agents._core.odoo.errors import (
    OdooAuthError,
    OdooError,
    OdooProtocolError,
    OdooUnavailable,
    from_json2_error,
)
from agents._core.odoo import versions
from agents._core.odoo.limits import ResponseTooLarge, declared_too_large, read_bounded

# Odoo's names of the positional parameters, in order, for every method Sentinel calls; `ids` is the recordset a
# record method runs on (JSON-2 takes it as the `ids` key). Checked against Odoo 19's signatures (orm/models.py,
# ir_model.py, mail_thread.py).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "read": ("ids", "fields", "load"),
    "fields_get": ("allfields", "attributes"),
    "create": ("vals_list",),
    "write": ("ids", "vals"),
    "unlink": ("ids",),
    "exists": ("ids",),
    "message_post": ("ids",),  # its other parameters are keyword-only in Odoo
    "check_object_reference": ("module", "xml_id", "raise_on_access_error"),
    "check_access_rights": ("operation", "raise_exception"),
    "has_access": ("ids", "operation"),
    "check_access": ("ids", "operation"),
    "has_group": ("ids", "group_ext_id"),
    "name_search": ("name", "domain", "operator", "limit"),
    "default_get": ("fields_list",),
}

_TRANSIENT = {502, 503, 504}

# httpx logs every request at INFO: a scan would print one line per page. The gateway's call observers count them.
logging.getLogger("httpx").setLevel(logging.WARNING)


def named_arguments(model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """execute_kw's (args, kwargs) as JSON-2's one object of named arguments."""
    if not args:
        return dict(kwargs)
    names = PARAMETERS.get(method)
    if names is None or len(args) > len(names):
        raise ValueError(f"JSON-2 needs the parameter names of {model}.{method}: add them to json2.PARAMETERS")
    named = dict(zip(names, args))
    clash = set(named) & set(kwargs)
    if clash:
        raise ValueError(f"{model}.{method}: {', '.join(sorted(clash))} given both by position and by name")
    return {**named, **kwargs}


_pool_lock = threading.Lock()
_pool: dict[tuple[str, float], httpx.Client] = {}


def _shared_client(base: str, timeout: float) -> httpx.Client:
    """One client per server and timeout for the whole process: every gateway (a scan, a decision) reuses its kept-alive
    connections, and none is left for the garbage collector to close. httpx.Client is safe to share between threads."""
    with _pool_lock:
        client = _pool.get((base, timeout))
        if client is None or client.is_closed:
            client = _pool[(base, timeout)] = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})
        return client


class Json2Transport:
    """Stateless towards Odoo: every request carries the key and the database; connections come from a shared pool."""

    def __init__(self, connection: str, url: str, db: str, api_key: str, *, timeout: float, max_response_bytes: int,
                 version: str | None = None) -> None:
        self.connection = connection
        self.server_version = version
        self._base = url.rstrip("/")
        self._db = db
        self._timeout = timeout
        self._limit = max_response_bytes
        self._headers = {"Authorization": f"bearer {api_key}", "X-Odoo-Database": db}
        self._client = _shared_client(self._base, timeout)

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        body = named_arguments(model, method, args, kwargs)
        status, answer = self._send("POST", f"/json/2/{model}/{method}", body)
        if status == 200 and not isinstance(answer, _Page):
            return answer
        raise self._error(status, answer)

    def version(self) -> str:
        """The server's version from GET /web/version (an Odoo 19 route that needs no login)."""
        if self.server_version is None:
            self.server_version = versions.probe(self.connection, self._base, timeout=self._timeout, client=self._client)
        return self.server_version

    def reset(self) -> None:
        """Nothing to forget: no session, and httpx drops a broken connection from its pool by itself."""

    # -- plumbing ------------------------------------------------------------------------------------------

    def _send(self, verb: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        try:
            with self._client.stream(verb, f"{self._base}{path}", json=body, headers=self._headers) as response:
                if declared_too_large(response.headers, self._limit):
                    raise ResponseTooLarge(self._limit)
                raw = read_bounded(response.iter_bytes(), self._limit)  # read to the end: the connection is reused
                status, kind = response.status_code, response.headers.get("Content-Type", "")
        except ResponseTooLarge:
            raise OdooProtocolError(self.connection, messages.ODOO_ANSWER_TOO_LARGE.format(
                where=f"{self._base}{path}", mb=self._limit / (1024 * 1024))) from None
        except httpx.TimeoutException:
            raise OdooUnavailable(self.connection, f"no answer from {self._base} within {self._timeout:g}s") from None
        except httpx.TransportError as exc:  # refused, reset, DNS, TLS, a connection dropped mid-answer
            raise OdooUnavailable(self.connection, f"cannot reach {self._base}: {exc}") from None
        if status in _TRANSIENT:
            raise OdooUnavailable(self.connection, f"HTTP {status} from {self._base}")
        if not kind.startswith("application/json"):
            return status, _Page(raw.decode("utf-8", "replace"))
        try:
            return status, json.loads(raw)
        except ValueError as exc:
            raise OdooProtocolError(self.connection, f"{self._base}{path} did not answer JSON: {exc}") from None

    def _error(self, status: int, answer: Any) -> OdooError:
        if isinstance(answer, dict) and "name" in answer:
            error = from_json2_error(self.connection, status, answer)
            if status == 401:
                return OdooAuthError(self.connection, messages.ODOO_API_KEY_REFUSED.format(db=self._db),
                                     odoo_name=error.odoo_name)
            return error
        if status == 404 and isinstance(answer, _Page):  # Odoo found no database of that name to route the request to
            return OdooAuthError(self.connection, messages.ODOO_NO_DATABASE.format(db=self._db, where=self._base),
                                 odoo_name="werkzeug.exceptions.NotFound")
        return OdooProtocolError(self.connection, f"HTTP {status} from {self._base} is not an Odoo JSON-2 answer")


class _Page(str):
    """A body that is not JSON (an HTML error page, a proxy's answer): never a result."""
