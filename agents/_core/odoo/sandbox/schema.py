"""Declarations of the sandbox's models and fields (names, types, labels as Odoo 19 reports them)."""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field, replace
from typing import TYPE_CHECKING, Any, Callable, Literal

if TYPE_CHECKING:
    from .store import Store

FieldType = Literal[
    "char", "text", "html", "integer", "float", "monetary", "boolean", "date", "datetime",
    "selection", "many2one", "one2many", "many2many", "many2one_reference", "json", "binary",
]
Row = dict[str, Any]
Compute = Callable[["Store", Row], Any]
Default = Callable[["Store", dict[str, Any], int], Any]  # (store, vals, uid)

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})
_NUMERIC_EMPTY = {"integer": 0, "float": 0.0, "monetary": 0.0, "many2one_reference": 0}


@dataclass(frozen=True, slots=True)
class Field:
    """One field. `store` is what Odoo reports; a non-stored field without `compute` keeps a plain value
    in the sandbox (Odoo computes it from data the sandbox does not model) but searches like Odoo's."""

    type: FieldType
    string: str
    relation: str | None = None
    inverse_name: str | None = None  # one2many: comodel's many2one; mirrored many2many: comodel's many2many
    model_field: str | None = None  # one2many over (res_model, res_id) pairs: comodel's model-name field
    selection: tuple[tuple[str, str], ...] = ()
    store: bool = True
    required: bool = False
    readonly: bool = False
    default: Any = None  # a value, or a Default called at create
    compute: Compute | None = None
    searchable: bool = False  # only meaningful for non-stored fields
    tracking: bool = False
    name: str = ""

    @property
    def relational(self) -> bool:
        return self.type in RELATIONAL

    @property
    def x2many(self) -> bool:
        return self.type in ("one2many", "many2many")

    @property
    def empty(self) -> Any:
        """The value of an unset field in Odoo's read format (rows are stored sparse)."""
        if self.x2many:
            return ()
        return _NUMERIC_EMPTY.get(self.type, False)

    @property
    def kept(self) -> bool:
        """Whether the value lives in the row (stored, or a plain non-stored value) rather than derived."""
        return self.compute is None and self.type != "one2many" and not (
            self.type == "many2many" and self.inverse_name
        )

    def label(self, key: Any) -> str | bool:
        return dict(self.selection).get(key, False) if key else False


@dataclass(slots=True)
class Model:
    name: str
    description: str
    fields: dict[str, Field]
    order: str = "id"
    rec_name: str | None = "name"
    display: Compute | None = None  # display_name when it is not simply rec_name
    parent_name: str | None = None  # the field child_of / parent_of follow
    mail_thread: bool = False  # posts a creation note and tracks `tracking` fields in the chatter
    log_access: bool = True
    write_groups: tuple[str, ...] = ("Administrator",)  # labels quoted by AccessError
    on_save: Callable[["Store", Row], None] | None = None  # derive stored fields of the row itself
    after_save: Callable[["Store", Row], None] | None = None  # propagate to other records
    tracking_subtype: Callable[[Row, set[str]], str] | None = None  # (row, changed fields) -> subtype xml id
    methods: dict[str, Callable[..., Any]] = dc_field(default_factory=dict)

    def __post_init__(self) -> None:
        base: dict[str, Field] = {
            "id": Field("integer", "ID", readonly=True),
            "display_name": Field("char", "Display Name", store=False, readonly=True,
                                  compute=_display_name, searchable=True),
        }
        if self.log_access:
            base |= {
                "create_uid": Field("many2one", "Created by", relation="res.users", readonly=True),
                "create_date": Field("datetime", "Created on", readonly=True),
                "write_uid": Field("many2one", "Last Updated by", relation="res.users", readonly=True),
                "write_date": Field("datetime", "Last Updated on", readonly=True),
            }
        merged = base | self.fields
        self.fields = {name: replace(f, name=name) for name, f in sorted(merged.items())}

    @property
    def tracked(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields.values() if f.tracking)


def _display_name(store: "Store", row: Row) -> Any:
    # Marks display_name as derived; Store.getter computes it, since it needs the row's model.
    raise NotImplementedError("display_name is resolved by Store.getter")


# Declaration helpers: keep model files close to Odoo's field tables.

def char(string: str, **kw: Any) -> Field:
    return Field("char", string, **kw)


def text(string: str, **kw: Any) -> Field:
    return Field("text", string, **kw)


def html(string: str, **kw: Any) -> Field:
    return Field("html", string, **kw)


def integer(string: str, **kw: Any) -> Field:
    return Field("integer", string, **kw)


def float_(string: str, **kw: Any) -> Field:
    return Field("float", string, **kw)


def monetary(string: str, **kw: Any) -> Field:
    return Field("monetary", string, **kw)


def boolean(string: str, **kw: Any) -> Field:
    return Field("boolean", string, **kw)


def date(string: str, **kw: Any) -> Field:
    return Field("date", string, **kw)


def datetime_(string: str, **kw: Any) -> Field:
    return Field("datetime", string, **kw)


def selection(pairs: list[tuple[str, str]], string: str, **kw: Any) -> Field:
    return Field("selection", string, selection=tuple(pairs), **kw)


def m2o(relation: str, string: str, **kw: Any) -> Field:
    return Field("many2one", string, relation=relation, **kw)


def o2m(relation: str, inverse: str, string: str, **kw: Any) -> Field:
    return Field("one2many", string, relation=relation, inverse_name=inverse, **kw)


def m2m(relation: str, string: str, **kw: Any) -> Field:
    return Field("many2many", string, relation=relation, **kw)


def ref(string: str, **kw: Any) -> Field:
    return Field("many2one_reference", string, **kw)


def computed(f: Field, fn: Compute, *, searchable: bool = False) -> Field:
    return replace(f, store=False, compute=fn, searchable=searchable, readonly=True)


def json_(string: str, **kw: Any) -> Field:
    return Field("json", string, **kw)


def binary(string: str, **kw: Any) -> Field:
    return Field("binary", string, **kw)
