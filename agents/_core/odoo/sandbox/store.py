"""The in-memory database: rows per model and Odoo's ORM operations over them (search, read, create, ...)."""
from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

from . import mail
from .clock import SandboxClock
from .domain import compile_domain
from .errors import OdooTypeError, OdooValueError, UserError, ValidationError, invalid_field, missing
from .ordering import sort_ids
from .schema import Field, Model, Row
from .values import convert, format_datetime, reader

_SKIPPED_ON_WRITE = frozenset({"id", "display_name"})


class Store:
    def __init__(self, registry: dict[str, Model], clock: SandboxClock) -> None:
        self.registry = registry
        self.clock = clock
        self.lock = threading.RLock()  # one writer or reader at a time, like a serialized database
        self._tables: dict[str, dict[int, Row]] = {name: {} for name in registry}
        self._next_id: dict[str, int] = {name: 1 for name in registry}
        self._version: dict[str, int] = {name: 0 for name in registry}
        self._inverse_cache: dict[tuple[Any, ...], tuple[int, dict[int, list[int]]]] = {}
        self._sequences: dict[str, int] = {}
        self.passwords: dict[int, str] = {}
        self.field_ids: dict[tuple[str, str], int] = {}  # (model, field) -> ir.model.fields id
        self.readonly_uids: set[int] = set()  # sandbox stand-in for read-only access rights
        self._backdated: datetime | None = None

    # ----- lookups -------------------------------------------------------------------------

    def model(self, name: Any) -> Model:
        found = self.registry.get(name) if isinstance(name, str) else None
        if found is None:
            raise UserError(f"Object {name} doesn't exist")
        return found

    def rows(self, model: str) -> dict[int, Row]:
        return self._tables[model]

    def row(self, model: str | None, rid: Any) -> Row | None:
        return self._tables[model].get(rid) if model else None

    def now_str(self, at: datetime | None = None) -> str:
        return format_datetime(at or self._backdated or self.clock.now())

    @contextmanager
    def backdate(self, at: datetime) -> Iterator[None]:
        """Make everything done inside happen at `at` (seeding business methods in the past)."""
        previous, self._backdated = self._backdated, at
        try:
            yield
        finally:
            self._backdated = previous

    def next_sequence(self, key: str, fmt: str) -> str:
        self._sequences[key] = self._sequences.get(key, 0) + 1
        return fmt.format(self._sequences[key])

    def display_name(self, model: str, rid: int) -> Any:
        row = self._tables[model].get(rid)
        return False if row is None else self.display_name_of(self.registry[model], row)

    def display_name_of(self, model: Model, row: Row) -> Any:
        if model.display is not None:
            return model.display(self, row)
        if model.rec_name:
            return row.get(model.rec_name) or False
        return f"{model.name},{row['id']}"

    def getter(self, model: Model, f: Field) -> Callable[[Row], Any]:
        """Row -> value in read format (x2many as a tuple of ids), for stored and derived fields alike."""
        if f.name == "id":
            return itemgetter("id")
        if f.name == "display_name":
            return lambda row: self.display_name_of(model, row)
        if f.compute is not None:
            compute = f.compute
            return lambda row: compute(self, row)
        if f.type == "one2many" or (f.type == "many2many" and f.inverse_name):
            index = self.inverse(f.relation, f.inverse_name, f.model_field,
                                 model.name if f.model_field else None)
            return lambda row: index.get(row["id"], ())
        name, empty = f.name, f.empty
        return lambda row: row.get(name, empty)

    def inverse(self, comodel: str, field: str, model_field: str | None = None,
                model_name: str | None = None) -> dict[int, list[int]]:
        """target id -> ids of `comodel` rows pointing at it through `field` (cached until it changes)."""
        key = (comodel, field, model_field, model_name)
        version = self._version[comodel]
        hit = self._inverse_cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        index: dict[int, list[int]] = defaultdict(list)
        many = self.registry[comodel].fields[field].type == "many2many"
        for rid, row in self._tables[comodel].items():
            if model_field and row.get(model_field) != model_name:
                continue
            value = row.get(field)
            if not value:
                continue
            for target in value if many else (value,):
                index[target].append(rid)
        self._inverse_cache[key] = (version, index)
        return index

    def xmlid(self, xml_id: str) -> tuple[str, int] | None:
        module, _, name = xml_id.partition(".")
        for row in self._tables["ir.model.data"].values():
            if row.get("name") == name and row.get("module") == module:
                return row["model"], row["res_id"]
        return None

    def ref(self, xml_id: str) -> int:
        found = self.xmlid(xml_id)
        if found is None:
            raise OdooValueError(f"External ID not found in the system: {xml_id}")
        return found[1]

    # ----- ORM -----------------------------------------------------------------------------

    def search(self, model_name: str, domain: Any = (), *, offset: int = 0, limit: int | None = None,
               order: str | None = None, active_test: bool = True) -> list[int]:
        model = self.model(model_name)
        ids = self._matching(model, domain, active_test)
        ids = sort_ids(self, model, ids, order)
        offset = offset or 0
        return ids[offset:offset + limit] if limit else ids[offset:]

    def search_count(self, model_name: str, domain: Any = (), *, active_test: bool = True) -> int:
        return len(self._matching(self.model(model_name), domain, active_test))

    def matching_ids(self, model_name: str, domain: Any, *, active_test: bool = True) -> list[int]:
        """Ids matching `domain`, unsorted (for sub-searches)."""
        return self._matching(self.model(model_name), domain, active_test)

    def _matching(self, model: Model, domain: Any, active_test: bool) -> list[int]:
        if domain is None or domain is False:
            domain = []
        if not isinstance(domain, (list, tuple)):
            raise OdooTypeError(f"Domain() invalid argument type for domain: {domain!r}")
        domain = list(domain)
        if active_test and "active" in model.fields and not any(
            isinstance(leaf, (list, tuple)) and len(leaf) == 3 and leaf[0] == "active" for leaf in domain
        ):
            domain.insert(0, ("active", "=", True))
        predicate = compile_domain(self, model, domain)
        table = self._tables[model.name]
        if predicate is None:
            return list(table)
        candidates = self._indexed(model, domain)
        if candidates is not None:  # still checked against the whole domain: the index only narrows the scan
            return [rid for rid in candidates if (row := table.get(rid)) is not None and predicate(row)]
        return [rid for rid, row in table.items() if predicate(row)]

    def _indexed(self, model: Model, domain: list[Any]) -> list[int] | None:
        """Ids that can match an all-AND domain with a `many2one = id` or `in [ids]` term, in id order, as a
        database index would give them; None when no term narrows the search that way (scan every row)."""
        if any(not isinstance(item, (list, tuple)) and item != "&" for item in domain):
            return None  # '|' or '!': a term alone does not bound the result
        for leaf in domain:
            if not (isinstance(leaf, (list, tuple)) and len(leaf) == 3 and leaf[1] in ("=", "in")):
                continue
            f = model.fields.get(leaf[0]) if isinstance(leaf[0], str) else None
            values = leaf[2] if isinstance(leaf[2], (list, tuple)) else [leaf[2]]
            if f is None or f.type != "many2one" or not f.kept or not values or not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in values):
                continue
            index = self.inverse(model.name, f.name)
            return sorted({rid for value in values for rid in index.get(value, ())})
        return None

    def read(self, model_name: str, ids: Iterable[int], fields: Iterable[str] | None = None,
             load: str = "_classic_read") -> list[dict[str, Any]]:
        model = self.model(model_name)
        names = list(fields) if fields else [n for n, f in model.fields.items() if f.type != "binary"]
        for name in names:
            if name not in model.fields:
                raise invalid_field(model.name, name)
        readers = [(n, reader(self, model, model.fields[n], load)) for n in names if n != "id"]
        table = self._tables[model.name]
        out = []
        for rid in ids:
            row = table.get(rid) if isinstance(rid, int) else None
            if row is not None:
                record = {"id": rid}
                for name, read in readers:
                    record[name] = read(row)
                out.append(record)
        return out

    def create(self, model_name: str, vals: dict[str, Any], *, uid: int, at: datetime | None = None,
               log: bool = True) -> int:
        model = self.model(model_name)
        if not isinstance(vals, dict):
            raise OdooTypeError(f"create() expects a dict of values, got {vals!r}")
        self._check_names(model, vals)
        vals = dict(vals)
        for f in model.fields.values():
            if f.name not in vals and f.default is not None:
                vals[f.name] = f.default(self, vals, uid) if callable(f.default) else f.default
        row: Row = {}
        deferred = {}
        for name, value in vals.items():
            f = model.fields[name]
            if f.type == "one2many":
                deferred[f] = value
            elif f.kept and name not in _SKIPPED_ON_WRITE:
                row[name] = convert(self, model, f, value, (), uid=uid)
        if model.log_access:
            now = self.now_str(at)
            row.setdefault("create_uid", uid)
            row.setdefault("create_date", now)
            row.setdefault("write_uid", row["create_uid"])
            row.setdefault("write_date", row["create_date"])
        self._check_required(model, row)
        rid = self._next_id[model.name]
        self._next_id[model.name] = rid + 1
        row["id"] = rid
        self._tables[model.name][rid] = row
        self._touch(model.name)
        self._saved(model, row, deferred, uid, at)
        if model.mail_thread and log:
            mail.log_creation(self, model, row, uid=uid, at=at)
        return rid

    def write(self, model_name: str, ids: Iterable[int], vals: dict[str, Any], *, uid: int,
              at: datetime | None = None) -> bool:
        model = self.model(model_name)
        ids = list(ids)
        table = self._tables[model.name]
        absent = [rid for rid in ids if table.get(rid) is None]
        if absent:
            raise missing(model.name, absent, uid)
        if not isinstance(vals, dict):
            raise OdooTypeError(f"write() expects a dict of values, got {vals!r}")
        self._check_names(model, vals)
        now = self.now_str(at)
        deferred = {model.fields[n]: v for n, v in vals.items() if model.fields[n].type == "one2many"}
        kept = [(model.fields[n], v) for n, v in vals.items()
                if model.fields[n].kept and n not in _SKIPPED_ON_WRITE]
        # Validate every record before changing any, as the database transaction would.
        updates = []
        for rid in ids:
            row = table[rid]
            new = {f.name: convert(self, model, f, value, row.get(f.name, f.empty), uid=uid) for f, value in kept}
            self._check_required(model, {**row, **new})
            updates.append((row, new))
        tracked = model.tracked if model.mail_thread else ()
        for row, new in updates:
            before = {f.name: row.get(f.name, f.empty) for f in tracked}
            row.update(new)
            if model.log_access:
                row["write_uid"] = new.get("write_uid") or uid
                row["write_date"] = new.get("write_date") or now
            self._touch(model.name)
            self._saved(model, row, deferred, uid, at)
            if tracked:
                mail.track(self, model, row, before, uid=uid, at=at)
        return True

    def set_raw(self, model_name: str, rid: int, vals: dict[str, Any]) -> None:
        """Store derived values (recomputations): no validation, no tracking, no write_date."""
        self._tables[model_name][rid].update(vals)
        self._touch(model_name)

    def insert_raw(self, model_name: str, row: Row) -> int:
        """Append a pre-validated row (seeding and bulk loads); returns its id."""
        rid = self._next_id[model_name]
        self._next_id[model_name] = rid + 1
        row["id"] = rid
        self._tables[model_name][rid] = row
        self._touch(model_name)
        return rid

    def unlink(self, model_name: str, ids: Iterable[int], *, uid: int = 1) -> bool:
        model = self.model(model_name)
        ids = list(dict.fromkeys(ids))
        table = self._tables[model.name]
        absent = [rid for rid in ids if rid not in table]
        if absent:
            raise missing(model.name, absent, uid)
        removed = [table.pop(rid) for rid in ids]
        self._touch(model.name)
        gone = set(ids)
        for f in model.fields.values():
            if f.type == "one2many" and not f.model_field:
                self._detach_children(f, gone)
        if model.mail_thread:
            for comodel, field in (("mail.message", "model"), ("mail.activity", "res_model"),
                                   ("ir.attachment", "res_model")):
                self._drop_where(comodel, lambda r: r.get(field) == model.name and r.get("res_id") in gone)
        self._drop_m2m_links(model.name, gone)
        if model.after_save is not None:
            for row in removed:
                model.after_save(self, row)
        return True

    # ----- internals -----------------------------------------------------------------------

    def _touch(self, model_name: str) -> None:
        self._version[model_name] += 1

    def _check_names(self, model: Model, vals: dict[str, Any]) -> None:
        for name in vals:
            if name not in model.fields:
                raise invalid_field(model.name, name, writing=True)

    def _check_required(self, model: Model, row: Row) -> None:
        for f in model.fields.values():
            if f.required and f.kept and f.type not in ("boolean", "integer", "float", "monetary") \
                    and not row.get(f.name):
                # Postgres' NOT NULL violation, as Odoo words it.
                raise ValidationError(
                    "The operation cannot be completed:\n"
                    "- Create/update: a mandatory field is not set.\n"
                    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
                    f"Model: {model.description} ({model.name})\n"
                    f"Field: {f.string} ({f.name})\n"
                )

    def _saved(self, model: Model, row: Row, deferred: dict[Field, Any], uid: int,
               at: datetime | None) -> None:
        if model.on_save is not None:
            model.on_save(self, row)
        for f, commands in deferred.items():
            self._one2many_commands(model, row, f, commands, uid, at)
        if model.after_save is not None:
            model.after_save(self, row)

    def _one2many_commands(self, model: Model, row: Row, f: Field, commands: Any, uid: int,
                           at: datetime | None) -> None:
        assert f.relation and f.inverse_name
        link = {f.inverse_name: row["id"]} | ({f.model_field: model.name} if f.model_field else {})
        current = list(self.getter(model, f)(row))
        if isinstance(commands, (list, tuple)) and all(isinstance(c, int) for c in commands):
            commands = [(6, 0, list(commands))]
        if not isinstance(commands, (list, tuple)):
            raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {commands!r}")
        for command in commands:
            code = command[0] if isinstance(command, (list, tuple)) and command else None
            if code == 0:
                self.create(f.relation, {**command[2], **link}, uid=uid, at=at)
            elif code == 1:
                self.write(f.relation, [command[1]], command[2], uid=uid, at=at)
            elif code == 2:
                self.unlink(f.relation, [command[1]], uid=uid)
            elif code in (3, 5):
                targets = current if code == 5 else [command[1]]
                self._detach_children(f, set(), only=targets)
            elif code == 4:
                self.write(f.relation, [command[1]], link, uid=uid, at=at)
            elif code == 6:
                keep = set(command[2] or [])
                self._detach_children(f, set(), only=[i for i in current if i not in keep])
                for child in keep - set(current):
                    self.write(f.relation, [child], link, uid=uid, at=at)
            else:
                raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {command!r}")

    def _detach_children(self, f: Field, parents: set[int], only: list[int] | None = None) -> None:
        """Children whose parent went away: deleted when their link is required (ondelete cascade)."""
        assert f.relation and f.inverse_name
        children = self._tables[f.relation]
        ids = only if only is not None else [
            rid for rid, r in children.items() if r.get(f.inverse_name) in parents
        ]
        if not ids:
            return
        if self.registry[f.relation].fields[f.inverse_name].required:
            self.unlink(f.relation, [i for i in ids if i in children])
        else:
            for rid in ids:
                children[rid][f.inverse_name] = False
            self._touch(f.relation)

    def _drop_where(self, model_name: str, predicate: Callable[[Row], bool]) -> None:
        doomed = [rid for rid, row in self._tables[model_name].items() if predicate(row)]
        if doomed:
            self.unlink(model_name, doomed)

    def _drop_m2m_links(self, model_name: str, gone: set[int]) -> None:
        for other in self.registry.values():
            for f in other.fields.values():
                if f.type == "many2many" and f.relation == model_name and f.kept:
                    table = self._tables[other.name]
                    for row in table.values():
                        links = row.get(f.name)
                        if links and not gone.isdisjoint(links):
                            row[f.name] = tuple(i for i in links if i not in gone)
                            self._touch(other.name)
