"""Typed errors for everything that can go wrong talking to Odoo, each naming the connection."""

from __future__ import annotations

import re


class OdooError(Exception):
    """Base class: `connection` names the configured Odoo connection, `message` is the server's (or our) text."""

    def __init__(self, connection: str, message: str, *, odoo_name: str | None = None) -> None:
        self.connection = connection
        self.message = message
        self.odoo_name = odoo_name  # e.g. "odoo.exceptions.AccessError", as the server named it
        super().__init__(f"Odoo connection '{connection}': {message}")


class OdooUnavailable(OdooError):
    """The server could not be reached or answered 502/503/504 or timed out: worth retrying."""


class OdooAuthError(OdooError):
    """Wrong database, login, password or API key."""


class OdooAccessError(OdooError):
    """The user may not do this (odoo.exceptions.AccessError)."""


class OdooMissingError(OdooError):
    """The record does not exist or was deleted (odoo.exceptions.MissingError)."""


class OdooValidationError(OdooError):
    """Odoo refused the values or the query (ValidationError, UserError, ValueError)."""


class OdooModuleMissing(OdooError):
    """A model the policy needs does not exist on the server: its module is not installed."""


class OdooProtocolError(OdooError):
    """The server answered something that is not Odoo's JSON-RPC or JSON-2, or an answer above the size ceiling."""


_BY_ODOO_NAME: dict[str, type[OdooError]] = {
    "odoo.exceptions.AccessDenied": OdooAuthError,
    "odoo.exceptions.AccessError": OdooAccessError,
    "odoo.exceptions.MissingError": OdooMissingError,
    "odoo.exceptions.ValidationError": OdooValidationError,
    "odoo.exceptions.UserError": OdooValidationError,
    "builtins.ValueError": OdooValidationError,
    "werkzeug.exceptions.Unauthorized": OdooAuthError,
    "psycopg2.OperationalError": OdooAuthError,  # at login: the database named in ODOO_DB does not exist
}


# JSON-2 answers an error with its HTTP status and the same {name, message, …} object JSON-RPC puts under error.data.
_MISSING_MODEL = re.compile(r"^the model '.*' does not exist$")


def from_json2_error(connection: str, status: int, body: dict) -> OdooError:
    """Map a JSON-2 error body (see wire samples: 401, 403, 404, 422, 500) to the same typed exceptions as JSON-RPC."""
    name = str(body.get("name") or "")
    message = str(body.get("message") or f"HTTP {status}")
    if name == "werkzeug.exceptions.NotFound" and _MISSING_MODEL.match(message):
        return OdooModuleMissing(connection, message, odoo_name=name)
    return _BY_ODOO_NAME.get(name, OdooError)(connection, message, odoo_name=name or None)


def from_server_error(connection: str, error: dict) -> OdooError:
    """Map Odoo's JSON-RPC `error` object (see wire samples) to a typed exception carrying its message."""
    data = error.get("data") or {}
    name = str(data.get("name") or "")
    message = str(data.get("message") or error.get("message") or "unknown Odoo error")
    if name == "odoo.exceptions.UserError" and message.startswith("Object ") and message.endswith("doesn't exist"):
        return OdooModuleMissing(connection, message, odoo_name=name)
    return _BY_ODOO_NAME.get(name, OdooError)(connection, message, odoo_name=name or None)
