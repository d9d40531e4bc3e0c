"""Odoo search domains (prefix notation, dotted paths, Odoo's null semantics) compiled once into a row predicate."""
from __future__ import annotations

import logging
import operator
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from .errors import OdooTypeError, OdooValueError
from .schema import Field, Model, Row
from .values import DATETIME_FMT, to_date, to_datetime

if TYPE_CHECKING:
    from .store import Store

Predicate = Callable[[Row], bool]
_log = logging.getLogger(__name__)

OPERATORS = frozenset({
    "=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like", "ilike", "not ilike",
    "=like", "=ilike", "child_of", "parent_of", "any", "not any", "=?", "<>", "==",
})
_NEGATIVE = {"!=": "=", "not in": "in", "not like": "like", "not ilike": "ilike", "not any": "any"}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_COLLECTIONS = (list, tuple, set, frozenset)
_NUMERIC = ("integer", "float", "monetary", "many2one_reference")  # never null: False compares as 0


def _never(row: Row) -> bool:
    return False


def compile_domain(store: "Store", model: Model, domain: Any) -> Predicate | None:
    """A predicate over `model`'s rows, or None when the domain matches everything."""
    return _Compiler(store).node(model, _parse(domain))


def _parse(domain: Any) -> tuple[Any, ...]:
    stack: list[tuple[Any, ...]] = []
    try:
        for item in reversed(list(domain)):
            if isinstance(item, (list, tuple)) and len(item) == 3:
                stack.append(("leaf", *item))
            elif item == "&":
                stack.append(("and", [stack.pop(), stack.pop()]))
            elif item == "|":
                stack.append(("or", [stack.pop(), stack.pop()]))
            elif item == "!":
                stack.append(("not", stack.pop()))
            else:
                raise OdooValueError(f"Domain() invalid item in domain: {item!r}")
    except IndexError:
        raise OdooValueError(f"Domain() malformed domain {list(domain)!r}") from None
    return ("and", stack[::-1])


def _all(preds: list[Predicate | None]) -> Predicate | None:
    kept = [p for p in preds if p is not None]
    if any(p is _never for p in kept):
        return _never
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    if len(kept) == 2:
        a, b = kept
        return lambda row: a(row) and b(row)
    return lambda row: all(p(row) for p in kept)


def _any_of(preds: list[Predicate | None]) -> Predicate | None:
    if any(p is None for p in preds):
        return None
    kept = [p for p in preds if p is not _never]
    if not kept:
        return _never
    if len(kept) == 1:
        return kept[0]
    return lambda row: any(p(row) for p in kept)


def _negate(pred: Predicate | None) -> Predicate | None:
    if pred is None:
        return _never
    if pred is _never:
        return None
    return lambda row: not pred(row)


def _is_null(value: Any) -> bool:
    return value is False or value is None or value == ""


def _like(op: str, pattern: str) -> Callable[[str], bool]:
    """SQL LIKE semantics: `like`/`ilike` wrap the pattern in %...%; % and _ stay wildcards."""
    if op in ("like", "ilike") and "%" not in pattern and "_" not in pattern:
        if op == "like":
            return lambda s: pattern in s
        low = pattern.lower()
        return lambda s: low in s.lower()
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    if op in ("like", "ilike"):
        body = f".*{body}.*"
    regex = re.compile(body, re.DOTALL | (re.IGNORECASE if "ilike" in op else 0))
    return lambda s: regex.fullmatch(s) is not None


class _Compiler:
    def __init__(self, store: "Store") -> None:
        self.store = store

    def node(self, model: Model, node: tuple[Any, ...]) -> Predicate | None:
        kind = node[0]
        if kind == "and":
            return _all([self.node(model, child) for child in node[1]])
        if kind == "or":
            return _any_of([self.node(model, child) for child in node[1]])
        if kind == "not":
            return _negate(self.node(model, node[1]))
        return self.leaf(model, node[1], node[2], node[3])

    def leaf(self, model: Model, path: Any, op: Any, value: Any) -> Predicate | None:
        cond = f" in condition ({path!r}, {op!r}, {value!r})"
        if not isinstance(path, str):
            if (path, op, value) == (1, "=", 1):
                return None
            if (path, op, value) == (0, "=", 1):
                return _never
            raise OdooTypeError(f"Domain() invalid arguments: {(path, op, value)!r}")
        if not path:
            raise OdooTypeError("Empty field name" + cond)
        if not isinstance(op, str) or op.lower() not in OPERATORS:
            raise OdooValueError("Invalid operator" + cond)
        op = {"<>": "!=", "==": "="}.get(op.lower(), op.lower())
        if op == "=?":
            if not value:
                return None
            op = "="
        name, _, rest = path.partition(".")
        f = model.fields.get(name)
        if f is None:
            raise OdooValueError(f"Invalid field {model.name}.{name}" + cond)
        if rest:
            if not f.relational:
                raise OdooValueError(f"Invalid field {model.name}.{path}" + cond)
            # A path is Odoo's `any` on the first hop, with the rest of the condition inside.
            return self.any(model, f, [(rest, op, value)], cond)
        if not f.store and not f.searchable:
            _log.warning("Non-stored field %s.%s cannot be searched; condition ignored", model.name, name)
            return None
        if op in ("any", "not any"):
            pred = self.any(model, f, value, cond)
            return pred if op == "any" else _negate(pred)
        if op in ("child_of", "parent_of"):
            return self.hierarchy(model, f, op, value, cond)
        if op in ("=", "!=") and isinstance(value, _COLLECTIONS):
            op, value = ("in" if op == "=" else "not in"), (list(value) or [False])
        if op in ("in", "not in"):
            value = list(value) if isinstance(value, _COLLECTIONS) else [value]
            if not value:
                return _never if op == "in" else None
        if op.endswith("like") and not value:
            matches_all = (op in _NEGATIVE) == ("=" in op)
            if f.relational or "=" in op:
                return self.leaf(model, path, "!=" if matches_all else "=", False)
            return None if matches_all else _never
        positive = _NEGATIVE.get(op, op)
        if f.relational:
            pred = self.relational(model, f, positive, value, cond)
        else:
            pred = self.scalar(model, f, positive, value, cond)
        return pred if positive == op else _negate(pred)

    def scalar(self, model: Model, f: Field, op: str, value: Any, cond: str) -> Predicate | None:
        get = self.store.getter(model, f)
        kind = f.type
        if kind in ("date", "datetime") and not op.endswith("like"):
            op, value = _temporal(kind, op, value)
        if op.endswith("like"):
            match = _like(op, value if isinstance(value, str) else str(value))
            return lambda row: not _is_null(v := get(row)) and match(v if isinstance(v, str) else str(v))
        if op in _COMPARE:
            if value is False or value is None:
                return _never
            if kind in _NUMERIC and isinstance(value, str):
                value = _number(value, cond)
            compare = _COMPARE[op]
            return lambda row: (v := get(row)) is not False and v is not None and compare(v, value)
        values = value if op == "in" else [value]
        if kind == "boolean":
            wanted = {bool(v) for v in values}
            return lambda row: bool(get(row)) in wanted
        if kind in _NUMERIC:
            wanted = {0 if v is False or v is None else v for v in values}
            return lambda row: get(row) in wanted
        has_null = any(_is_null(v) for v in values)
        wanted = {v for v in values if not _is_null(v) and not isinstance(v, (dict, list))}
        if not has_null:
            return lambda row: get(row) in wanted
        return lambda row: (v := get(row)) in wanted or _is_null(v)

    def relational(self, model: Model, f: Field, op: str, value: Any, cond: str) -> Predicate | None:
        if op in _COMPARE and isinstance(value, str):
            raise OdooTypeError("Inequality not supported for relational field using a string" + cond)
        by_name = op.endswith("like") or (op == "=" and isinstance(value, str)) or (
            op == "in" and any(isinstance(v, str) for v in value))
        if by_name:
            value, op = self.ids_by_name(f, op, value), "in"
            if not value:
                return _never
        get = self.store.getter(model, f)
        if op in _COMPARE:
            compare = _COMPARE[op]
            if f.type == "many2one":
                return lambda row: bool(t := get(row)) and compare(t, value)
            return lambda row: any(compare(t, value) for t in get(row))
        values = value if op == "in" else [value]
        has_null = any(v is False or v is None for v in values)
        wanted = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
        if f.type == "many2one":
            return lambda row: (t := get(row)) in wanted or (has_null and not t)
        return lambda row: not wanted.isdisjoint(links := get(row)) or (has_null and not links)

    def ids_by_name(self, f: Field, op: str, value: Any) -> set[int]:
        """Odoo's name search behind `('partner_id', 'ilike', 'med')` and friends."""
        assert f.relation
        active_test = f.type != "many2one"  # many2one targets are found even when archived
        if op == "in":
            ids = {v for v in value if isinstance(v, int) and not isinstance(v, bool)}
            names = [v for v in value if isinstance(v, str)]
            domain: list[Any] = [("display_name", "in", names)]
        else:
            ids, domain = set(), [("display_name", op, value)]
        return ids | set(self.store.matching_ids(f.relation, domain, active_test=active_test))

    def any(self, model: Model, f: Field, subdomain: Any, cond: str) -> Predicate | None:
        if not isinstance(subdomain, (list, tuple)):
            raise OdooValueError("The value of 'any' must be a domain" + cond)
        if f.name == "id":
            return compile_domain(self.store, model, subdomain)
        if not f.relational:
            raise OdooValueError("Cannot use 'any' with non-relational fields" + cond)
        assert f.relation
        found = set(self.store.matching_ids(f.relation, subdomain, active_test=f.type != "many2one"))
        get = self.store.getter(model, f)
        if f.type == "many2one":
            return lambda row: get(row) in found
        return lambda row: not found.isdisjoint(get(row))

    def hierarchy(self, model: Model, f: Field, op: str, value: Any, cond: str) -> Predicate | None:
        if f.name == "id":
            comodel = model
        elif f.relational and f.relation:
            comodel = self.store.registry[f.relation]
        else:
            raise OdooValueError(f"Cannot execute {op} for {model.name}.{f.name}, works only for relational fields" + cond)
        parent = f.name if comodel is model and f.name != "id" else comodel.parent_name
        if not parent:
            raise OdooValueError(f"Model {comodel.name} has no parent field" + cond)
        start = self.ids_by_name(f if f.relation else _self_field(model), "in",
                                 value if isinstance(value, _COLLECTIONS) else [value])
        start &= set(self.store.rows(comodel.name))
        if not start:
            return _never
        result = set(start)
        frontier = set(start)
        if op == "child_of":
            children = self.store.inverse(comodel.name, parent)
            while frontier:
                frontier = {c for p in frontier for c in children.get(p, ())} - result
                result |= frontier
        else:
            rows = self.store.rows(comodel.name)
            while frontier:
                frontier = {rows[p].get(parent) for p in frontier if rows[p].get(parent)} - result
                result |= frontier
        if f.name == "id" or comodel is model:
            return lambda row: row["id"] in result
        get = self.store.getter(model, f)
        if f.type == "many2one":
            return lambda row: get(row) in result
        return lambda row: not result.isdisjoint(get(row))


def _self_field(model: Model) -> Field:
    return Field("many2one", "ID", relation=model.name, name="id")


def _number(value: str, cond: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise OdooValueError(f"invalid input syntax for type numeric: {value!r}" + cond) from None


def _temporal(kind: str, op: str, value: Any) -> tuple[str, Any]:
    """Compare on Odoo's string forms; a bare day against a datetime covers the whole day for > and <=."""
    if kind == "date":
        return op, [to_date(v) for v in value] if op == "in" else to_date(value)
    if op == "in":
        return op, [to_datetime(v)[0] for v in value]
    text, is_day = to_datetime(value)
    if is_day and op in (">", "<="):
        next_day = datetime.strptime(str(text), DATETIME_FMT) + timedelta(days=1)
        return (">=" if op == ">" else "<"), next_day.strftime(DATETIME_FMT)
    return op, text
