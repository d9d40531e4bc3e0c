"""Masking by policy: only fields listed under privacy.share leave Odoo (to Slack, to an LLM, to the digest)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

MASK = "[masked]"


def shared_view(record: Mapping[str, Any], share: Collection[str]) -> dict[str, Any]:
    """The record as it may be shown outside Odoo: unshared fields keep their key, lose their value."""
    return {name: (value if name in share else MASK) for name, value in record.items()}


def shared_label(name: str, model: str, res_id: int, share: Collection[str]) -> str:
    """A record's display name if names are shared, else a neutral reference such as 'hr.expense #12'."""
    if "name" in share or "display_name" in share:
        return name
    return f"{model} #{res_id}"


def shared_evidence(evidence: Mapping[str, Any], share: Collection[str]) -> dict[str, Any]:
    """Evidence as it may leave Odoo: entries revealing an unshared field are masked, and so is a headline quoting one."""
    sources: Mapping[str, str] = evidence.get("sources") or {}
    hidden = {key for key, source in sources.items() if source not in share}
    if not hidden:
        return {k: v for k, v in evidence.items() if k not in ("sources", "masked_headline")}
    shown = {k: v for k, v in evidence.items() if k not in ("sources", "masked_headline")}
    shown["headline"] = evidence.get("masked_headline") or MASK
    for part in ("measured", "numbers"):
        if part in shown:
            shown[part] = {k: (MASK if k in hidden else v) for k, v in shown[part].items()}
    if "numbers" in shown:  # masked figures cannot stay numbers
        shown["numbers"] = {k: v for k, v in shown["numbers"].items() if v != MASK}
    return shown

