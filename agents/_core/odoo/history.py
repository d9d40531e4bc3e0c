"""Odoo as it was: records read once from a live server, answered as of any past instant (read-only).

Fields tracked in the chatter (such as `state`) are rolled back through their tracking values; fields that are not
tracked keep their current value, and a record exists from its create_date on. That is what a backtest can know.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agents._core.odoo.domain_eval import compile_domain, fields_of
from agents._core.odoo.errors import OdooAccessError
from agents._core.odoo.gateway import CallStats, Domain, OdooGateway, Record
from agents._core.odoo.profile import OdooProfile
from agents._core.odoo.values import parse_datetime


@dataclass
class _Change:
    at: datetime
    old: Any
    new: Any


@dataclass
class _ModelHistory:
    records: dict[int, Record]
    created: dict[int, datetime]
    changes: dict[tuple[int, str], list[_Change]] = field(default_factory=dict)  # (id, field) -> in time order
    tracked: set[str] = field(default_factory=set)  # fields with at least one tracked change


class HistoricalOdoo:
    """Reads each model once (all its records, the fields asked for so far) plus its tracking history."""

    def __init__(self, gateway: OdooGateway) -> None:
        self.gateway = gateway
        self.connection = gateway.connection
        self._models: dict[str, _ModelHistory] = {}
        self._loaded_fields: dict[str, set[str]] = defaultdict(set)

    def at(self, when: datetime) -> AsOfGateway:
        return AsOfGateway(self, when)

    def history(self, model: str, fields: set[str]) -> _ModelHistory:
        wanted = fields | {"create_date"}
        if model not in self._models or not wanted <= self._loaded_fields[model]:
            self._loaded_fields[model] |= wanted
            rows = self.gateway.search_read(model, [], sorted(self._loaded_fields[model]))
            history = _ModelHistory({r["id"]: r for r in rows}, {r["id"]: parse_datetime(r["create_date"]) for r in rows})
            history.changes = self._tracking(model)
            history.tracked = {name for (_, name) in history.changes}
            self._models[model] = history
        return self._models[model]

    def _tracking(self, model: str) -> dict[tuple[int, str], list[_Change]]:
        """Every tracked change of the model's records: three batched reads, whatever the number of records."""
        gateway = self.gateway
        messages = gateway.search_read("mail.message", [("model", "=", model), ("tracking_value_ids", "!=", False)],
                                       ["res_id", "date"])
        if not messages:
            return {}
        by_message = {m["id"]: (m["res_id"], parse_datetime(m["date"])) for m in messages}
        link = gateway.profile.tracking_field  # the tracked field's ir.model.fields, named per version
        values = gateway.search_read("mail.tracking.value", [("mail_message_id", "in", list(by_message))],
                                     [link, "old_value_char", "new_value_char", "mail_message_id"])
        field_ids = sorted({v[link][0] for v in values if v.get(link)})
        names = {f["id"]: f["name"] for f in gateway.read("ir.model.fields", field_ids, ["name"])}
        labels = _selection_keys(gateway.fields_get(model))
        changes: dict[tuple[int, str], list[_Change]] = defaultdict(list)
        for value in values:
            res_id, at = by_message[value["mail_message_id"][0]]
            name = names.get(value[link][0]) if value.get(link) else None
            if name is None or at is None:
                continue
            keys = labels.get(name, {})
            old, new = value.get("old_value_char"), value.get("new_value_char")
            changes[(res_id, name)].append(_Change(at, keys.get(old, old), keys.get(new, new)))
        for series in changes.values():
            series.sort(key=lambda change: change.at)
        return dict(changes)


def _selection_keys(fields: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Tracking stores a selection's label ('To Approve'); domains use its key ('to approve')."""
    return {name: {label: key for key, label in spec.get("selection") or []} for name, spec in fields.items()
            if spec.get("type") == "selection"}


class AsOfGateway:
    """The gateway's read surface, answering as of one instant; every write is refused."""

    def __init__(self, history: HistoricalOdoo, when: datetime) -> None:
        self._history = history
        self.when = when
        self.connection = history.connection
        self.stats = CallStats()

    def pages(self, model: str, domain: Domain, fields: Sequence[str], *, order: str = "id",
              page_size: int = 2000, limit: int | None = None) -> Iterator[list[Record]]:
        rows = self.search_read(model, domain, fields, order=order, limit=limit)
        for start in range(0, len(rows), page_size):
            yield rows[start:start + page_size]

    def search_read(self, model: str, domain: Domain, fields: Sequence[str], *, order: str = "id",
                    page_size: int = 2000, limit: int | None = None) -> list[Record]:
        self.stats.round_trips += 1
        needed = set(fields) | fields_of(domain) | _order_fields(order)
        history = self._history.history(model, needed)
        matches = compile_domain(domain)
        rows = [row for row in self._rows(history, needed) if matches(row)]
        for name, descending in reversed(_order_keys(order)):
            rows.sort(key=lambda r, n=name: (r.get(n) in (False, None), r.get(n) or 0), reverse=descending)
        rows = [{k: v for k, v in row.items() if k in fields or k == "id"} for row in rows]
        return rows[:limit] if limit is not None else rows

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[Record]:
        wanted = set(ids)
        return [row for row in self.search_read(model, [], fields) if row["id"] in wanted]

    def search_count(self, model: str, domain: Domain) -> int:
        return len(self.search_read(model, domain, ["id"]))

    @property
    def profile(self) -> OdooProfile:
        return self._history.gateway.profile

    def fields_get(self, model: str) -> dict[str, dict[str, Any]]:
        return self._history.gateway.fields_get(model)

    def require_models(self, models: Sequence[str]) -> None:
        self._history.gateway.require_models(models)

    def xmlid(self, xmlid: str) -> int | None:
        return self._history.gateway.xmlid(xmlid)  # an XML id names the same record at any time

    def server_version(self) -> str | None:
        return self._history.gateway.server_version()

    def last_changes(self, model: str, field: str, ids: Sequence[int]) -> dict[int, datetime]:
        history = self._history.history(model, {field})
        latest = {}
        for res_id in ids:
            series = history.changes.get((res_id, field), [])
            at = [c.at for c in series]
            before = bisect.bisect_right(at, self.when)
            if before:
                latest[res_id] = at[before - 1]
        return latest

    def _rows(self, history: _ModelHistory, fields: set[str]) -> Iterator[Record]:
        for res_id, row in history.records.items():
            created = history.created.get(res_id)
            if created is not None and created > self.when:
                continue
            past = dict(row)
            for name in fields & history.tracked:
                series = history.changes.get((res_id, name))
                if series:  # the value before the first change after `when`, if there is one
                    later = next((c for c in series if c.at > self.when), None)
                    if later is not None:
                        past[name] = later.old
            yield past

    def create(self, model: str, values: Record) -> int:
        raise self._refused("create", model)

    def write(self, model: str, ids: Sequence[int], values: Record) -> bool:
        raise self._refused("write", model)

    def message_post(self, model: str, res_id: int, body: str) -> int:
        raise self._refused("message_post", model)

    def _refused(self, method: str, model: str) -> OdooAccessError:
        return OdooAccessError(self.connection, f"{method} on {model} refused: a replay of history never writes to Odoo")


def _order_keys(order: str) -> list[tuple[str, bool]]:
    keys = []
    for part in (order or "id").split(","):
        words = part.split()
        if words:
            keys.append((words[0], len(words) > 1 and words[1].lower() == "desc"))
    return keys


def _order_fields(order: str) -> set[str]:
    return {name for name, _ in _order_keys(order)}
