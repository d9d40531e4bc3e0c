"""Conversion of incoming values to the sandbox's stored form (Odoo's read format) and back out."""
from __future__ import annotations

import html as _html
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from .errors import OdooValueError, ValidationError
from .schema import Field, Model, Row

if TYPE_CHECKING:
    from .store import Store

DATE_FMT = "%Y-%m-%d"
DATETIME_FMT = "%Y-%m-%d %H:%M:%S"


def format_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime(DATETIME_FMT)


def to_date(value: Any) -> str | bool:
    """Odoo's date string for a date, datetime or ISO string; False stays False."""
    if value is False or value is None or value == "":
        return False
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value).isoformat()
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
    raise OdooValueError(f"time data {value!r} does not match format '{DATE_FMT}'")


def to_datetime(value: Any) -> tuple[str | bool, bool]:
    """Odoo's UTC datetime string, and whether the input was a bare day."""
    if value is False or value is None or value == "":
        return False, False
    if isinstance(value, datetime):
        return format_datetime(value), False
    if isinstance(value, date):
        return f"{value.isoformat()} 00:00:00", True
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return f"{date.fromisoformat(value).isoformat()} 00:00:00", True
            return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00"))), False
        except ValueError:
            pass
    raise OdooValueError(f"time data {value!r} does not match format '{DATETIME_FMT}'")


def plaintext_to_html(body: str) -> str:
    """What Odoo 19 stores for a plain-text message_post body: escaped, leading blanks dropped by the sanitizer,
    line breaks kept as they are, all in one <p>; nothing at all for an empty body (checked on a real server)."""
    text = body.lstrip()
    return f"<p>{_html.escape(text, quote=False)}</p>" if text else ""


def convert(store: "Store", model: Model, f: Field, value: Any, current: Any = (), *, uid: int) -> Any:
    """Validate and normalise one incoming value; x2many commands apply to `current`."""
    t = f.type
    if t in ("char", "text", "html"):
        # Odoo reads an empty char as false but keeps an empty html body as "" (see the wire samples).
        if value is None or value is False or (value == "" and t != "html"):
            return False
        return value if isinstance(value, str) else str(value)
    if t == "boolean":
        return bool(value)
    if t in ("integer", "many2one_reference"):
        return _number(int, model, f, value)
    if t in ("float", "monetary"):
        number = _number(float, model, f, value)
        return round(number, 2) if t == "monetary" else number
    if t == "date":
        return to_date(value)
    if t == "datetime":
        return to_datetime(value)[0]
    if t == "selection":
        if value is None or value is False or value == "":
            return False
        if value not in dict(f.selection):
            raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {value!r}")
        return value
    if t == "many2one":
        return _many2one(store, model, f, value)
    if t == "many2many":
        return many2many_commands(store, model, f, value, current, uid=uid)
    if t in ("json", "binary"):
        return value if value is not None else False
    raise OdooValueError(f"Cannot write field {model.name}.{f.name} of type {t}")


def _number(kind: Callable[[Any], Any], model: Model, f: Field, value: Any) -> Any:
    if value is None or value is False:
        return kind(0)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {value!r}") from None


def _many2one(store: "Store", model: Model, f: Field, value: Any) -> Any:
    if value is None or value is False or value == 0:
        return False
    if isinstance(value, bool) or not isinstance(value, int):
        raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {value!r}")
    if store.row(f.relation, value) is None:
        # Postgres rejects the dangling foreign key; Odoo turns that into this ValidationError.
        raise ValidationError(
            "The operation cannot be completed: another model requires the record being deleted."
            " If possible, archive it instead.\n\n"
            f"Model: {model.description} ({model.name})\n"
            f"Constraint: {model.name.replace('.', '_')}_{f.name}_fkey\n"
        )
    return value


def many2many_commands(
    store: "Store", model: Model, f: Field, value: Any, current: Any, *, uid: int
) -> tuple[int, ...]:
    """Apply Odoo's x2many commands (or a plain list of ids) to a many2many's current ids."""
    ids = list(current or ())
    if value is None or value is False:
        return ()
    if not isinstance(value, (list, tuple)):
        raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {value!r}")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(dict.fromkeys(_existing(store, f, value)))
    for command in value:
        if not isinstance(command, (list, tuple)) or not command:
            raise OdooValueError(f"Wrong value for {model.name}.{f.name}: {value!r}")
        code = command[0]
        if code == 6:
            ids = list(_existing(store, f, command[2] or []))
        elif code == 5:
            ids = []
        elif code == 4:
            ids.extend(_existing(store, f, [command[1]]))
        elif code in (3, 2):
            ids = [i for i in ids if i != command[1]]
            if code == 2:
                store.unlink(f.relation, [command[1]])
        elif code == 0:
            ids.append(store.create(f.relation, command[2], uid=uid))
        elif code == 1:
            store.write(f.relation, [command[1]], command[2], uid=uid)
        else:
            raise OdooValueError(f"Unknown command {code!r} for {model.name}.{f.name}")
    return tuple(dict.fromkeys(ids))


def _existing(store: "Store", f: Field, ids: Any) -> list[int]:
    found = [i for i in ids if store.row(f.relation, i) is not None]
    if len(found) != len(list(ids)):
        raise ValidationError(
            "The operation cannot be completed: another model requires the record being deleted."
            " If possible, archive it instead."
        )
    return found


def reader(store: "Store", model: Model, f: Field, load: str) -> Callable[[Row], Any]:
    """A function giving the field's value of a row as Odoo's `read` returns it."""
    get = store.getter(model, f)
    if f.type == "many2one":
        if load == "_classic_write":
            return get
        names: dict[int, Any] = {}  # one read touches few distinct targets: name each once
        comodel = f.relation

        def m2o(row: Row) -> Any:
            target = get(row)
            if not target:
                return False
            if target not in names:
                names[target] = store.display_name(comodel, target)
            return [target, names[target]]

        return m2o
    if f.x2many:
        return lambda row: list(get(row))
    if f.type == "many2one_reference":
        return lambda row: get(row) or 0
    return get
