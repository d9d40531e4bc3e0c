"""The JSON-RPC transport: odoorpc underneath, every failure translated to an OdooError."""

from __future__ import annotations

import http.client
import logging
import socket
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import odoorpc
import odoorpc.error

from agents._core import messages
from agents._core.odoo.errors import (
    OdooAuthError,
    OdooError,
    OdooProtocolError,
    OdooUnavailable,
    from_server_error,
)
from agents._core.odoo import versions
from agents._core.odoo.limits import BoundedResponses, ResponseTooLarge

# odoorpc logs every request at DEBUG with the password among the positional args: never let that reach a handler.
logging.getLogger("odoorpc").setLevel(logging.WARNING)

_TRANSIENT_HTTP = {502, 503, 504}


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    protocol: str  # odoorpc's name: "jsonrpc" or "jsonrpc+ssl"

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"'{url}' is not an Odoo URL (use http://host:port or https://host)")
        ssl = parts.scheme == "https"
        return cls(parts.hostname, parts.port or (443 if ssl else 80), "jsonrpc+ssl" if ssl else "jsonrpc")


class JsonRpcTransport:
    """One logged-in odoorpc session; `execute_kw` is the only call the gateway needs."""

    def __init__(self, connection: str, url: str, db: str, login: str, secret: str, *, timeout: float,
                 max_response_bytes: int) -> None:
        self.connection = connection
        self._url = url
        self._endpoint = Endpoint.parse(url)
        self._db, self._login, self._secret, self._timeout = db, login, secret, timeout
        self._limit = max_response_bytes
        self._odoo: odoorpc.ODOO | None = None
        self.server_version: str | None = None

    def _connect(self) -> odoorpc.ODOO:
        if self._odoo is None:
            e = self._endpoint
            # odoorpc's own opener plus the size ceiling: urllib underneath reads every answer through it.
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), BoundedResponses(self._limit))
            odoo = self._guard(lambda: odoorpc.ODOO(e.host, protocol=e.protocol, port=e.port, timeout=self._timeout,
                                                    opener=opener))
            self._guard(lambda: odoo.login(self._db, self._login, self._secret))
            self.server_version = odoo.version
            versions.remember(self._url, odoo.version)
            self._odoo = odoo
        return self._odoo

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        odoo = self._connect()
        return self._guard(lambda: odoo.execute_kw(model, method, args, kwargs))

    def version(self) -> str:
        """The server's version string, as odoorpc read it before logging in."""
        self._connect()
        assert self.server_version is not None
        return self.server_version

    def _guard(self, call):  # noqa: ANN001, ANN202 - a thunk in, its result out
        try:
            return call()
        except ResponseTooLarge:
            raise OdooProtocolError(self.connection, messages.ODOO_ANSWER_TOO_LARGE.format(
                where=self._where(), mb=self._limit / (1024 * 1024))) from None
        except odoorpc.error.RPCError as exc:
            if exc.info:
                raise from_server_error(self.connection, exc.info) from None
            if "Wrong login" in str(exc):
                raise OdooAuthError(
                    self.connection,
                    f"login refused for user '{self._login}' on database '{self._db}' (check ODOO_USER and the password or API key)",
                ) from None
            raise OdooError(self.connection, str(exc)) from None
        except urllib.error.HTTPError as exc:
            if exc.code in _TRANSIENT_HTTP:
                raise OdooUnavailable(self.connection, f"HTTP {exc.code} from {self._where()}") from None
            raise OdooProtocolError(self.connection, f"HTTP {exc.code} from {self._where()}") from None
        except urllib.error.URLError as exc:
            raise OdooUnavailable(self.connection, f"cannot reach {self._where()}: {exc.reason}") from None
        except (TimeoutError, socket.timeout):
            raise OdooUnavailable(self.connection, f"no answer from {self._where()} within {self._timeout:g}s") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise OdooUnavailable(self.connection, f"connection to {self._where()} failed: {exc}") from None
        except ValueError as exc:  # odoorpc raises ValueError on a reply that is not JSON
            raise OdooProtocolError(self.connection, f"{self._where()} did not answer JSON-RPC: {exc}") from None

    def _where(self) -> str:
        e = self._endpoint
        return f"{e.host}:{e.port}"

    def reset(self) -> None:
        """Forget the session so the next call logs in again (after a connection failure)."""
        self._odoo = None
