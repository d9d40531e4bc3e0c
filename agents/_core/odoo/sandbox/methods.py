"""Model methods as Odoo exposes them over RPC: argument binding, access checks, and what each one does."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from . import access, mail
from .errors import (AccessError, MethodNotFound, OdooTypeError, OdooValueError, missing, not_allowed)
from .models.base import has_group
from .schema import Model
from .store import Store


@dataclass(slots=True)
class Call:
    store: Store
    model: Model
    uid: int
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def active_test(self) -> bool:
        return bool(self.context.get("active_test", True))


def _ids(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        return list(value)
    raise OdooTypeError(f"Invalid record ids: {value!r}")


def _one(c: Call, ids: Any) -> int:
    ids = _ids(ids)
    if len(ids) != 1:
        raise OdooValueError(f"Expected singleton: {c.model.name}{tuple(ids)!r}")
    if c.store.row(c.model.name, ids[0]) is None:
        raise missing(c.model.name, ids, c.uid)
    return ids[0]


# ----- generic ORM methods -------------------------------------------------------------------

def search_read(c: Call, domain: Any = None, fields: Any = None, offset: int = 0, limit: int | None = None,
                order: str | None = None, load: str = "_classic_read") -> list[dict[str, Any]]:
    ids = c.store.search(c.model.name, domain or [], offset=offset, limit=limit, order=order,
                         active_test=c.active_test)
    return c.store.read(c.model.name, ids, fields, load)


def search(c: Call, domain: Any = None, offset: int = 0, limit: int | None = None,
           order: str | None = None) -> list[int]:
    return c.store.search(c.model.name, domain or [], offset=offset, limit=limit, order=order,
                          active_test=c.active_test)


def search_count(c: Call, domain: Any = None, limit: int | None = None) -> int:
    count = c.store.search_count(c.model.name, domain or [], active_test=c.active_test)
    return min(count, limit) if limit else count


def read(c: Call, ids: Any, fields: Any = None, load: str = "_classic_read") -> list[dict[str, Any]]:
    return c.store.read(c.model.name, _ids(ids), fields, load)


def exists(c: Call, ids: Any) -> list[int]:
    return [i for i in _ids(ids) if c.store.row(c.model.name, i) is not None]


def fields_get(c: Call, allfields: Any = None, attributes: Any = None) -> dict[str, dict[str, Any]]:
    out = {}
    for name, f in c.model.fields.items():
        if allfields and name not in allfields:
            continue
        desc: dict[str, Any] = {
            "name": name, "type": f.type, "string": f.string, "store": f.store, "required": f.required,
            "readonly": f.readonly, "searchable": f.store or f.searchable, "sortable": f.store or f.searchable,
        }
        if f.relation:
            desc["relation"] = f.relation
        if f.type == "one2many":
            desc["relation_field"] = f.inverse_name
        if f.type == "selection":
            desc["selection"] = [list(pair) for pair in f.selection]
        out[name] = {k: desc[k] for k in attributes if k in desc} if attributes else desc
    return out


def create(c: Call, vals_list: Any) -> int | list[int]:
    if isinstance(vals_list, dict):
        return c.store.create(c.model.name, _with_defaults(c, vals_list), uid=c.uid)
    if not isinstance(vals_list, (list, tuple)):
        raise OdooTypeError(f"create() expects a dict or a list of dicts, got {vals_list!r}")
    return [c.store.create(c.model.name, _with_defaults(c, vals), uid=c.uid) for vals in vals_list]


def _with_defaults(c: Call, vals: Any) -> Any:
    """Odoo's default_get: `default_<field>` context keys fill missing fields; a mail.activity given its document's
    model name gets the matching ir.model (what lets a user without access to ir.model schedule an activity)."""
    if not isinstance(vals, dict):
        return vals
    filled = dict(vals)
    for key, value in c.context.items():
        name = key.removeprefix("default_")
        if key.startswith("default_") and name in c.model.fields and name not in filled:
            filled[name] = value
    if c.model.name == "mail.activity" and filled.get("res_model") and "res_model_id" not in filled:
        found = c.store.search("ir.model", [("model", "=", filled["res_model"])])  # as Odoo: sudo
        if found:
            filled["res_model_id"] = found[0]
        filled.pop("res_model")
    return filled


def write(c: Call, ids: Any, vals: Any) -> bool:
    return c.store.write(c.model.name, _ids(ids), vals, uid=c.uid)


def unlink(c: Call, ids: Any) -> bool:
    return c.store.unlink(c.model.name, _ids(ids), uid=c.uid)


def name_search(c: Call, name: str = "", domain: Any = None, operator: str = "ilike",
                limit: int = 100) -> list[list[Any]]:
    full = list(domain or []) + ([("display_name", operator, name)] if name else [])
    ids = c.store.search(c.model.name, full, limit=limit, active_test=c.active_test)
    return [[i, c.store.display_name(c.model.name, i)] for i in ids]


def default_get(c: Call, fields_list: Any) -> dict[str, Any]:
    # Static defaults only: callable ones (sequences, "now") would have side effects here.
    return {n: f.default for n, f in c.model.fields.items()
            if n in (fields_list or ()) and f.default is not None and not callable(f.default)}


# ----- mail.thread ---------------------------------------------------------------------------

def message_post(c: Call, ids: Any, body: Any = "", message_type: str = "notification",
                 subtype_xmlid: str | None = None, subject: Any = False, partner_ids: Any = None,
                 **_ignored: Any) -> list[int]:
    rid = _one(c, ids)
    # Odoo returns the new mail.message record, which RPC sends as its ids: a list of one id.
    return [mail.message_post(c.store, c.model, rid, uid=c.uid, body=body, message_type=message_type,
                              subtype_xmlid=subtype_xmlid, subject=subject, partner_ids=partner_ids or ())]


def activity_schedule(c: Call, ids: Any, act_type_xmlid: str = "", date_deadline: Any = None,
                      summary: str = "", note: str = "", **act_values: Any) -> list[int]:
    for rid in _ids(ids):
        _one(c, [rid])
    return mail.activity_schedule(c.store, c.model, _ids(ids), uid=c.uid, act_type_xmlid=act_type_xmlid,
                                  date_deadline=date_deadline, summary=summary, note=note, **act_values)


# ----- model-specific ------------------------------------------------------------------------

def context_get(c: Call) -> dict[str, Any]:
    user = c.store.row("res.users", c.uid) or {}
    return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or "UTC", "uid": c.uid}


def check_object_reference(c: Call, module: str, xml_id: str, raise_on_access_error: bool = False) -> list[Any]:
    found = c.store.xmlid(f"{module}.{xml_id}")
    if found is None:
        raise OdooValueError(f"External ID not found in the system: {module}.{xml_id}")
    return list(found)


def has_access(c: Call, ids: Any, operation: str) -> bool:
    """Odoo 18+'s access-rights question: False where this sandbox's ACLs would refuse the operation."""
    if c.uid in c.store.readonly_uids and operation in ("create", "write", "unlink"):
        return False
    needed = access.MODEL_GROUPS.get(c.model.name)
    return needed is None or c.uid == access.SUPERUSER_UID or has_group(c.store, c.uid, needed[0])


def user_has_group(c: Call, ids: Any, group_ext_id: str) -> bool:
    return has_group(c.store, _one(c, ids), group_ext_id)


Method = Callable[..., Any]
GENERIC: dict[str, Method] = {
    "search_read": search_read, "search": search, "search_count": search_count, "read": read,
    "exists": exists, "fields_get": fields_get, "create": create, "write": write, "unlink": unlink,
    "name_search": name_search, "default_get": default_get, "has_access": has_access,
}
THREAD: dict[str, Method] = {"message_post": message_post, "activity_schedule": activity_schedule}
SPECIFIC: dict[str, dict[str, Method]] = {
    "res.users": {"context_get": context_get, "has_group": user_has_group},
    "ir.model.data": {"check_object_reference": check_object_reference},
}
RECORD_METHODS = frozenset({"read", "exists", "write", "unlink", "message_post", "activity_schedule", "has_group",
                            "has_access"})
_WRITES = {"create": ("create", None), "write": ("modify", None), "unlink": ("delete", None),
           "message_post": ("create", "mail.message"), "activity_schedule": ("create", "mail.activity")}


def resolve(model: Model, method: Any) -> tuple[Method, bool]:
    """The implementation of `method` on `model`, and whether it takes record ids first."""
    if not isinstance(method, str):
        raise MethodNotFound(f"The method {method!r} does not exist on model '{model.name}'")
    if method.startswith("_"):
        raise AccessError(f"Private methods (such as '{model.name}.{method}') cannot be called remotely.")
    found = GENERIC.get(method) or SPECIFIC.get(model.name, {}).get(method)
    if found is None and model.mail_thread:
        found = THREAD.get(method)
    if found is not None:
        return found, method in RECORD_METHODS
    custom = model.methods.get(method)
    if custom is None:
        raise MethodNotFound(f"The method '{model.name}.{method}' does not exist")

    def record_method(c: Call, ids: Any, *args: Any, **kwargs: Any) -> Any:
        return custom(c.store, _ids(ids), c.uid, *args, **kwargs)

    record_method.__signature__ = _custom_signature(custom)  # type: ignore[attr-defined]
    return record_method, True


def _custom_signature(custom: Method) -> inspect.Signature:
    params = list(inspect.signature(custom).parameters.values())[3:]  # drop (store, ids, uid)
    head = [inspect.Parameter("c", inspect.Parameter.POSITIONAL_ONLY),
            inspect.Parameter("ids", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    return inspect.Signature(head + params)


def call(store: Store, uid: int, model_name: Any, method: Any, args: Any = (), kwargs: Any = None) -> Any:
    """Run one RPC-style call as `uid`; raises the OdooError the real server would."""
    model = store.model(model_name)
    kwargs = dict(kwargs or {})
    context = kwargs.pop("context", None) or {}
    impl, _ = resolve(model, method)
    args = list(args or [])
    _check_access(store, model, method, uid)
    access.check_model(store, model, method, uid)
    try:
        bound = inspect.signature(impl).bind(None, *args, **kwargs)
    except TypeError as exc:
        raise OdooTypeError(f"{model.name}.{method}() {exc}") from None
    if method in ("search_read", "search", "search_count", "read"):
        access.check_fields(store, model, uid, bound.arguments.get("domain"), bound.arguments.get("fields"))
    return impl(Call(store, model, uid, context), *args, **kwargs)


def _check_access(store: Store, model: Model, method: str, uid: int) -> None:
    if uid not in store.readonly_uids:
        return
    if method in _WRITES or method in model.methods:
        operation, target = _WRITES.get(method, ("modify", None))
        target_model = store.registry[target] if target else model
        raise not_allowed(operation, target_model.description, target_model.name,
                          list(target_model.write_groups))
