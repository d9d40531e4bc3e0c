"""Odoo 19's group-only models and fields an RPC user runs into (checked on a real server); not the full ACL table."""
from __future__ import annotations

from typing import Any

from .errors import AccessError, not_allowed
from .models.base import has_group
from .schema import Model
from .store import Store

SUPERUSER_UID = 1
# Models no other user may use at all (ir.model.access grants them to one group only).
MODEL_GROUPS: dict[str, tuple[str, str]] = {  # model -> (group xml id, the name Odoo lists in the error)
    "ir.model": ("base.group_erp_manager", "Access Rights"),
    "ir.model.data": ("base.group_erp_manager", "Access Rights"),
    "mail.tracking.value": ("base.group_system", "Role / Administrator"),
}
# Fields declared with groups=: reading one, or searching through it, needs the group.
FIELD_GROUPS: dict[tuple[str, str], str] = {("mail.message", "tracking_value_ids"): "base.group_system"}
# Open to every user: fields_get, has_access, and check_object_reference (Odoo runs it as superuser).
_OPEN = frozenset({"fields_get", "check_object_reference", "has_access"})
_OPERATIONS = {"create": "create", "write": "modify", "unlink": "delete"}


def check_model(store: Store, model: Model, method: str, uid: int) -> None:
    needed = MODEL_GROUPS.get(model.name)
    if needed is None or method in _OPEN or uid == SUPERUSER_UID or has_group(store, uid, needed[0]):
        return
    raise not_allowed(_OPERATIONS.get(method, "access"), model.description, model.name, [needed[1]])


def check_fields(store: Store, model: Model, uid: int, domain: Any, fields: Any) -> None:
    """The fields a domain walks through and the fields read, against FIELD_GROUPS."""
    if uid == SUPERUSER_UID:
        return
    paths = [leaf[0] for leaf in (domain or []) if isinstance(leaf, (list, tuple)) and len(leaf) == 3
             and isinstance(leaf[0], str)]
    paths += [name for name in (fields or []) if isinstance(name, str)]
    for path in paths:
        current: Model | None = model
        for name in path.split("."):
            f = current.fields.get(name) if current is not None else None
            if f is None:
                break
            group = FIELD_GROUPS.get((current.name, name))
            if group is not None and not has_group(store, uid, group):
                raise AccessError(
                    f'You do not have enough rights to access the field "{name}" on {current.description}'
                    f" ({current.name}). Please contact your system administrator.\n\nOperation: read"
                )
            current = store.registry.get(f.relation) if f.relation else None
