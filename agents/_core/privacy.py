"""Masking by policy: only fields listed under privacy.share leave Odoo (to Slack, to an LLM, to the digest)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from agents._core.odoo.gateway import OdooGateway, Record
from agents._core.odoo.values import m2o_id
from agents._core.policy_sections import Privacy, Pseudonym
from agents._core.watcher import Finding

MASK = "[masked]"


def shared_view(record: Mapping[str, Any], share: Collection[str]) -> dict[str, Any]:
    """The record as it may be shown outside Odoo: unshared fields keep their key, lose their value."""
    return {name: (value if name in share else MASK) for name, value in record.items()}


def shared_label(name: str, model: str, res_id: int, share: Collection[str], *, private: Collection[str] = ()) -> str:
    """A record's display name if names are shared (and it quotes no hidden value), else a neutral reference such as
    'hr.expense #12'."""
    if ("name" in share or "display_name" in share) and not reveals(name, private):
        return name
    return f"{model} #{res_id}"


def pseudonymize(gateway: OdooGateway, privacy: Privacy, findings: Sequence[Finding]) -> list[Finding]:
    """Findings whose pseudonymized fields name a protected person carry a pseudonym there instead.

    The value keeps Odoo's many2one shape, [1042, "patient #1042"], so it is shown, shared and re-checked like any
    other; applying this twice changes nothing. Partners and tags are read in a few batched calls per scan. A value
    that cannot be checked (not a partner, or a partner that cannot be read) is masked: privacy fails closed.
    """
    entries = [p for p in privacy.pseudonymize if any(p.field in f.record for f in findings)]
    if not entries:
        return list(findings)
    ids = {pid for f in findings for p in entries if (pid := m2o_id(f.record.get(p.field))) is not None}
    tags = partner_tags(gateway, sorted(ids))
    out = []
    for finding in findings:
        record = dict(finding.record)
        for entry in entries:
            if entry.field in record:
                record[entry.field] = _pseudonym(gateway, finding.model, entry, record[entry.field], tags)
        out.append(replace(finding, record=record) if record != finding.record else finding)
    return out


def _pseudonym(gateway: OdooGateway, model: str, entry: Pseudonym, value: Any, tags: Mapping[int, set[str]]) -> Any:
    if value is False or value is None:
        return value
    partner_id = m2o_id(value)
    is_partner = gateway.fields_get(model).get(entry.field, {}).get("relation") == "res.partner"
    if partner_id is None or not is_partner or partner_id not in tags:
        return MASK
    if tags[partner_id] & {_tag_key(name) for name in entry.when_partner_tags}:
        return [partner_id, entry.show_as.format(id=partner_id)]
    return value


def partner_tags(gateway: OdooGateway, partner_ids: Sequence[int]) -> dict[int, set[str]]:
    """Partner id -> the names of its tags, its company's tags and their parent tags (lowercased).

    Read with `read`, not a search, so archived partners and tags count too; an id absent from the result is unknown.
    """
    partners = _read(gateway, "res.partner", partner_ids, ["category_id", "commercial_partner_id"])
    companies = {cid for p in partners.values() if (cid := m2o_id(p.get("commercial_partner_id"))) is not None} - set(partners)
    partners |= _read(gateway, "res.partner", sorted(companies), ["category_id", "commercial_partner_id"])
    names = _tag_names(gateway, {t for p in partners.values() for t in p.get("category_id") or ()})
    result: dict[int, set[str]] = {}
    for pid in partner_ids:
        if pid not in partners:
            continue
        company = partners.get(m2o_id(partners[pid].get("commercial_partner_id")) or pid, {})
        tag_ids = {*(partners[pid].get("category_id") or ()), *(company.get("category_id") or ())}
        result[pid] = set().union(*(names.get(t, set()) for t in tag_ids))
    return result


def _tag_names(gateway: OdooGateway, tag_ids: set[int]) -> dict[int, set[str]]:
    """Tag id -> its own name and its ancestors' names: a partner tagged "Patient / Pediatric" is a patient."""
    rows: dict[int, Record] = {}
    todo = set(tag_ids)
    for _ in range(_MAX_TAG_DEPTH):
        if not todo:
            break
        rows |= _read(gateway, "res.partner.category", sorted(todo), ["name", "parent_id"])
        todo = {pid for r in rows.values() if (pid := m2o_id(r.get("parent_id"))) is not None} - set(rows)
    names: dict[int, set[str]] = {}
    for tag_id in tag_ids:
        seen: set[str] = set()
        current: int | None = tag_id
        for _ in range(_MAX_TAG_DEPTH):
            row = rows.get(current) if current is not None else None
            if row is None:
                break
            seen.add(_tag_key(str(row.get("name") or "")))
            current = m2o_id(row.get("parent_id"))
        names[tag_id] = seen
    return names


def _tag_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _read(gateway: OdooGateway, model: str, ids: Sequence[int], fields: list[str]) -> dict[int, Record]:
    rows: dict[int, Record] = {}
    for start in range(0, len(ids), _READ_CHUNK):
        rows |= {int(r["id"]): r for r in gateway.read(model, ids[start:start + _READ_CHUNK], fields)}
    return rows


_READ_CHUNK = 1000
_MAX_TAG_DEPTH = 8


def private_texts(read: Mapping[str, Any], share: Collection[str], *, shown: Mapping[str, Any] | None = None) -> frozenset[str]:
    """How the values that must not leave Odoo can appear in text: of each unshared field read for the record (and each
    field whose value a pseudonym replaced in `shown`), its text, its many2one name, its figures as code formats them.

    This is what makes masking hold by construction: whatever a rule wrote into a headline, a threshold or a label,
    the text is checked against these before it leaves, so a rule that forgets to declare a source cannot leak it.
    """
    shown = read if shown is None else shown
    hidden = [value for name, value in read.items()
              if name != "id" and (name not in share or shown.get(name) != value)]
    visible = " ".join(text for name, value in shown.items() if name in share for text in _renderings(value))
    # A value that a shared field shows anyway (the same person as requester and creator) reveals nothing more.
    return frozenset(text for value in hidden for text in _renderings(value) if text not in visible)


def reveals(text: str, private: Collection[str]) -> bool:
    return any(secret in text for secret in private)


def _quotes(value: Any, private: Collection[str]) -> bool:
    if isinstance(value, str):
        return reveals(value, private)
    return any(text in private for text in _renderings(value))  # a figure equal to a hidden one


def _renderings(value: Any) -> list[str]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (list, tuple)):  # many2one [id, name]; x2many ids are not text
        return _renderings(value[1]) if len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str) else []
    if isinstance(value, str):
        text = " ".join(value.split())
        found = [text] if len(text) >= _MIN_TEXT else []
        if _DATETIME.fullmatch(text):  # a date field may be quoted as its day
            found.append(text[:10])
        return found
    if isinstance(value, (int, float)) and abs(value) >= _MIN_FIGURE:  # small counts are everywhere in text
        found = [f"{value:,.2f}", f"{value:.2f}", f"{value:g}"]
        if float(value).is_integer():
            found += [f"{int(value):,}", str(int(value))]
        return found
    return []


_MIN_TEXT = 3  # "No", "A": too short to tell a leak from an ordinary word
_MIN_FIGURE = 100
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def shared_evidence(evidence: Mapping[str, Any], share: Collection[str], *, private: Collection[str] = ()) -> dict[str, Any]:
    """Evidence as it may leave Odoo: entries revealing an unshared field are masked, and so is a headline quoting one.

    Declared sources mask an entry whatever its text; `private` (from private_texts) catches any text that quotes a
    hidden value without declaring it, e.g. a vendor's name in a headline.
    """
    sources: Mapping[str, str] = evidence.get("sources") or {}
    hidden = {key for key, source in sources.items() if source not in share}
    shown = {k: v for k, v in evidence.items() if k not in ("sources", "masked_headline")}
    masked_headline = evidence.get("masked_headline")
    if hidden or reveals(str(shown.get("headline", "")), private):
        shown["headline"] = masked_headline if masked_headline and not reveals(masked_headline, private) else MASK
    for part in ("measured", "numbers", "thresholds"):
        if part in shown:
            shown[part] = {k: (MASK if k in hidden or _quotes(v, private) else v) for k, v in shown[part].items()}
    if "numbers" in shown:  # masked figures cannot stay numbers
        shown["numbers"] = {k: v for k, v in shown["numbers"].items() if v != MASK}
    return shown
