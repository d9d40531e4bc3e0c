"""Odoo access: the gateway (the only code that talks to Odoo), its transport, its errors, and the sandbox."""

from agents._core.odoo.errors import (
    OdooAccessError,
    OdooAuthError,
    OdooError,
    OdooMissingError,
    OdooModuleMissing,
    OdooUnavailable,
    OdooValidationError,
)
from agents._core.odoo.gateway import Domain, OdooGateway, Record
from agents._core.odoo.transport import JsonRpcTransport


def open_gateway(name: str, url: str, db: str, user: str, secret: str, *, timeout: float = 30.0) -> OdooGateway:
    """A gateway on a JSON-RPC session; it logs in on its first call."""
    return OdooGateway(JsonRpcTransport(name, url, db, user, secret, timeout=timeout))


__all__ = [
    "Domain",
    "OdooAccessError",
    "OdooAuthError",
    "OdooError",
    "OdooGateway",
    "OdooMissingError",
    "OdooModuleMissing",
    "OdooUnavailable",
    "OdooValidationError",
    "Record",
    "open_gateway",
]
