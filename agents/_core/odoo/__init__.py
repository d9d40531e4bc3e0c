"""Odoo access: the gateway (the only code that talks to Odoo), its transports, version profile, errors, and the sandbox."""

from agents._core.odoo.connect import TRANSPORTS, ConnectionSpec, TransportChoice, open_transport
from agents._core.odoo.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooModuleMissing,
    OdooMissingError,
    OdooProtocolError,
    OdooUnavailable,
    OdooValidationError,
)
from agents._core.odoo.gateway import Domain, OdooGateway, Record
from agents._core.odoo.limits import DEFAULT_MAX_RESPONSE_MB, mb_to_bytes
from agents._core.odoo.profile import OdooProfile


def open_gateway(name: str, url: str, db: str, user: str, secret: str, *, timeout: float = 30.0,
                 transport: TransportChoice = "jsonrpc", api_key: str | None = None,
                 max_response_mb: float = DEFAULT_MAX_RESPONSE_MB) -> OdooGateway:
    """A gateway on one connection; `secret` is the password (or an API key) JSON-RPC logs in with on its first call,
    `api_key` the key JSON-2 sends (with `transport="auto"` it is also what makes a 19+ server speak JSON-2)."""
    spec = ConnectionSpec(name, url, db, user, password=secret, api_key=api_key, timeout=timeout, transport=transport,
                          max_response_bytes=mb_to_bytes(max_response_mb))
    return OdooGateway(open_transport(spec))


def connect(spec: ConnectionSpec) -> OdooGateway:
    return OdooGateway(open_transport(spec))


__all__ = [
    "TRANSPORTS",
    "ConnectionSpec",
    "Domain",
    "OdooAccessError",
    "OdooAuthError",
    "OdooError",
    "OdooGateway",
    "OdooMissingError",
    "OdooModuleMissing",
    "OdooProfile",
    "OdooProtocolError",
    "OdooUnavailable",
    "OdooValidationError",
    "Record",
    "TransportChoice",
    "connect",
    "open_gateway",
]
