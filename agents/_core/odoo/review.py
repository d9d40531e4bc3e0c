"""How a server marks a journal entry for review: Odoo 18+ `checked` (False = to review), Odoo <=17 `to_check` (True)."""

from __future__ import annotations

from typing import NamedTuple

from agents._core.odoo.gateway import OdooGateway


class ReviewFlag(NamedTuple):
    field: str
    to_review: bool  # the value that means "needs review"


_FLAGS = (ReviewFlag("checked", False), ReviewFlag("to_check", True))


def review_flag(gateway: OdooGateway, model: str) -> ReviewFlag | None:
    """Decided from the server's own fields (cached per gateway), never from a version setting; None if it has neither."""
    fields = gateway.fields_get(model)
    return next((flag for flag in _FLAGS if fields.get(flag.field, {}).get("type") == "boolean"), None)
