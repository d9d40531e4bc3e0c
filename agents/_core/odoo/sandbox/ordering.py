"""Odoo's `order` specs ("date_order desc, id") turned into stable Python sorts with Postgres null order."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from .errors import OdooValueError, UserError
from .schema import Model, Row

if TYPE_CHECKING:
    from .store import Store

_NOT_NULL_FALSE = frozenset({"boolean", "integer", "float", "monetary", "many2one_reference"})
_TERM = re.compile(r"^\s*(?P<field>[a-z0-9_]+)(\s+(?P<direction>desc|asc))?(\s+(?P<nulls>nulls first|nulls last))?\s*$",
                   re.IGNORECASE)


def parse_order(model: Model, order: str) -> list[tuple[str, bool, bool]]:
    """(field, descending, nulls_first) per term; Postgres puts nulls last ascending, first descending."""
    if not order.strip():
        return []
    terms = [_TERM.match(term) for term in order.split(",")]
    if not all(terms):
        # Odoo 19 checks the whole spec's syntax first (a UserError), then each field (ValueErrors).
        raise UserError(
            f'Invalid "order" specified ({order}). A valid "order" specification is a'
            " comma-separated list of valid field names (optionally followed by asc/desc"
            " for the direction)"
        )
    specs = []
    for match in terms:
        assert match is not None
        name = match["field"]
        f = model.fields.get(name)
        if f is None:
            raise OdooValueError(f"Invalid field {name!r} on model {model.name!r}")
        if not (f.store or f.searchable) or f.x2many:
            raise OdooValueError(f"Cannot convert {model.name}.{name} to SQL because it is not stored")
        desc = (match["direction"] or "").lower() == "desc"
        nulls = (match["nulls"] or "").lower()
        nulls_first = nulls == "nulls first" if nulls else desc
        specs.append((name, desc, nulls_first))
    return specs


def sort_ids(store: "Store", model: Model, ids: list[int], order: str | None) -> list[int]:
    specs = parse_order(model, order or model.order)
    if not specs:
        return ids
    if len(specs) == 1 and specs[0][0] == "id":
        # Rows are kept in id order, so the commonest orders need no sort at all.
        return ids[::-1] if specs[0][1] else ids
    rows = store.rows(model.name)
    for name, desc, nulls_first in reversed(specs):
        key = _key(store, model, name, desc, nulls_first)
        ids.sort(key=lambda rid: key(rows[rid]), reverse=desc)
    return ids


def _key(store: "Store", model: Model, name: str, desc: bool, nulls_first: bool) -> Callable[[Row], Any]:
    f = model.fields[name]
    get = store.getter(model, f)
    if f.type == "many2one":
        names: dict[int, Any] = {}
        comodel = f.relation

        def value(row: Row) -> Any:
            target = get(row)
            if not target:
                return None
            if target not in names:
                names[target] = str(store.display_name(comodel, target) or "").lower()
            return names[target]
    elif f.type in ("char", "text", "html", "selection") or name == "display_name":
        def value(row: Row) -> Any:
            v = get(row)
            return v.lower() if isinstance(v, str) else None
    elif f.type in _NOT_NULL_FALSE:
        value = get
    else:
        def value(row: Row) -> Any:
            v = get(row)
            return v if v is not False else None
    # With reverse=True the tuple's first element flips, so pick it to land nulls where asked.
    null_rank = (0 if nulls_first else 1) if not desc else (1 if nulls_first else 0)

    def key(row: Row) -> tuple[int, Any]:
        v = value(row)
        return (null_rank, 0) if v is None else (1 - null_rank, v)

    return key
