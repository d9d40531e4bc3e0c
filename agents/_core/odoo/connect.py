"""Which transport a connection speaks: JSON-2 on Odoo 19+ when an API key is set, JSON-RPC (odoorpc) otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from agents._core import messages
from agents._core.odoo import versions
from agents._core.odoo.errors import OdooProtocolError
from agents._core.odoo.gateway import Transport
from agents._core.odoo.json2 import Json2Transport
from agents._core.odoo.limits import DEFAULT_MAX_RESPONSE_MB, mb_to_bytes
from agents._core.odoo.profile import OdooProfile
from agents._core.odoo.transport import JsonRpcTransport

TransportChoice = Literal["auto", "json2", "jsonrpc"]
TRANSPORTS: tuple[str, ...] = get_args(TransportChoice)


@dataclass(frozen=True)
class ConnectionSpec:
    """Everything a transport needs for one configured Odoo connection."""

    name: str
    url: str
    db: str
    user: str
    password: str | None = None
    api_key: str | None = None
    timeout: float = 30.0
    transport: TransportChoice = "auto"
    max_response_bytes: int = mb_to_bytes(DEFAULT_MAX_RESPONSE_MB)


def open_transport(spec: ConnectionSpec) -> Transport:
    """No network here: `auto` with an API key decides on its first call, from the server's version."""
    if spec.transport not in TRANSPORTS:
        raise ValueError(messages.ODOO_TRANSPORT_BAD.format(value=spec.transport))
    if spec.transport == "json2":
        if not spec.api_key:
            raise ValueError(messages.ODOO_JSON2_NEEDS_KEY.format(connection=spec.name))
        return _json2(spec, None)
    if spec.transport == "auto" and spec.api_key:
        return NegotiatedTransport(spec)
    return _jsonrpc(spec)


class NegotiatedTransport:
    """`auto` with an API key: asks the version (GET /web/version, no login, no /jsonrpc), then speaks JSON-2 on 19+."""

    def __init__(self, spec: ConnectionSpec) -> None:
        self.connection = spec.name
        self._spec = spec
        self._inner: Transport | None = None

    @property
    def server_version(self) -> str | None:
        return self._inner.server_version if self._inner is not None else None

    @property
    def chosen(self) -> Transport:
        if self._inner is None:
            spec = self._spec
            version = versions.probe(spec.name, spec.url, timeout=spec.timeout)
            self._inner = _json2(spec, version) if OdooProfile.of(version).json2 else _jsonrpc(spec)
        return self._inner

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return self.chosen.execute_kw(model, method, args, kwargs)

    def version(self) -> str:
        return self.chosen.version()

    def reset(self) -> None:
        if self._inner is not None:
            self._inner.reset()


class _CheckedJson2(Json2Transport):
    """ODOO_TRANSPORT=json2: the first call makes sure the server has JSON-2, so an older one gets a clear error."""

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if self.server_version is None:
            found = versions.probe(self.connection, self._base, timeout=self._timeout, client=self._client)
            if not OdooProfile.of(found).json2:
                raise OdooProtocolError(self.connection, messages.ODOO_JSON2_TOO_OLD.format(where=self._base, version=found))
            self.server_version = found
        return super().execute_kw(model, method, args, kwargs)


def _json2(spec: ConnectionSpec, version: str | None) -> Json2Transport:
    assert spec.api_key is not None
    kind = Json2Transport if version is not None else _CheckedJson2
    return kind(spec.name, spec.url, spec.db, spec.api_key, timeout=spec.timeout,
                max_response_bytes=spec.max_response_bytes, version=version)


def _jsonrpc(spec: ConnectionSpec) -> JsonRpcTransport:
    secret = spec.api_key or spec.password  # Odoo takes an API key in place of the password over JSON-RPC
    if not secret:
        raise ValueError(f"Odoo connection '{spec.name}': set a password or an API key")
    return JsonRpcTransport(spec.name, spec.url, spec.db, spec.user, secret, timeout=spec.timeout,
                            max_response_bytes=spec.max_response_bytes)
