"""Odoo's exception names and message texts, and their JSON-RPC / JSON-2 error payloads."""
from __future__ import annotations

from typing import Any


class OdooError(Exception):
    """An error the sandbox reports to clients exactly as Odoo would name it."""

    odoo_name = "odoo.exceptions.UserError"
    http_status = 422  # JSON-2 status; JSON-RPC always answers 200

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def data(self) -> dict[str, Any]:
        short = self.odoo_name.removeprefix("builtins.")
        return {
            "name": self.odoo_name,
            "message": self.message,
            "arguments": [self.message],
            "context": {},
            # Odoo sends a server traceback here; clients only show it, so a stand-in is enough.
            "debug": f"Traceback (most recent call last):\n  (sandbox)\n{short}: {self.message}",
        }


class UserError(OdooError):
    odoo_name = "odoo.exceptions.UserError"


class AccessDenied(OdooError):
    odoo_name = "odoo.exceptions.AccessDenied"
    http_status = 401

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(OdooError):
    odoo_name = "odoo.exceptions.AccessError"
    http_status = 403


class MissingError(OdooError):
    odoo_name = "odoo.exceptions.MissingError"
    http_status = 404


class ValidationError(OdooError):
    odoo_name = "odoo.exceptions.ValidationError"


class OdooValueError(OdooError):
    odoo_name = "builtins.ValueError"
    http_status = 500


class OdooTypeError(OdooError):
    odoo_name = "builtins.TypeError"
    http_status = 500


class MethodNotFound(OdooError):
    odoo_name = "builtins.AttributeError"
    http_status = 404


class DatabaseNotFound(OdooError):
    odoo_name = "psycopg2.OperationalError"
    http_status = 500

    def __init__(self, db: object) -> None:
        super().__init__(f'connection to server failed: FATAL:  database "{db}" does not exist')


def missing(model: str, ids: list[int], uid: int) -> MissingError:
    # Odoo prints the recordset repr, which keeps a trailing comma for one id.
    rec = f"{model}({', '.join(map(str, ids))}{',' if len(ids) == 1 else ''})"
    return MissingError(
        f"Record does not exist or has been deleted.\n(Record: {rec}, User: {uid})"
    )


def not_allowed(operation: str, description: str, model: str, groups: list[str]) -> AccessError:
    allowed = "".join(f"\n\t- {g}" for g in groups)
    return AccessError(
        f"You are not allowed to {operation} '{description}' ({model}) records.\n\n"
        f"This operation is allowed for the following groups:{allowed}\n\n"
        "Contact your administrator to request access if necessary."
    )


def invalid_field(model: str, name: object, *, writing: bool = False) -> OdooValueError:
    # Odoo 19's own wording: read() says "on", create() and write() say "in".
    return OdooValueError(f"Invalid field {name!r} {'in' if writing else 'on'} {model!r}")


def internal_error(exc: BaseException) -> OdooError:
    """Wrap an unexpected server-side failure so the client still gets Odoo's error shape."""
    err = OdooError(f"{type(exc).__name__}: {exc}")
    err.odoo_name = f"builtins.{type(exc).__name__}"
    err.http_status = 500
    return err
