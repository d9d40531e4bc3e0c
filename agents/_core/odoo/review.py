"""Which field marks a journal entry for review on this server: the version profile says, fields_get confirms."""

from __future__ import annotations

from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo.profile import REVIEW_FLAGS, ReviewFlag

__all__ = ["ReviewFlag", "review_flag"]


def review_flag(gateway: OdooGateway, model: str) -> ReviewFlag | None:
    """The profile's flag (`to_check` up to 17, `checked` from 18) if the model has it; else the other one if a
    customized server kept it; None when the model has neither (the rule that needs it is then disabled)."""
    fields = gateway.fields_get(model)
    candidates = (gateway.profile.review_flag, *REVIEW_FLAGS)
    return next((flag for flag in candidates if fields.get(flag.field, {}).get("type") == "boolean"), None)
