"""The chatter: creation notes, state tracking (mail.message + mail.tracking.value), notes, activities."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .schema import Field, Model, Row
from .values import plaintext_to_html

if TYPE_CHECKING:
    from .store import Store


def partner_of(store: "Store", uid: int) -> int | bool:
    user = store.row("res.users", uid)
    return user.get("partner_id", False) if user else False


def today_default(store: "Store", vals: dict[str, Any], uid: int) -> str:
    """Default for date fields: Odoo's context_today, the acting user's date."""
    return user_today(store, uid).isoformat()


def user_today(store: "Store", uid: Any) -> date:
    """Today in the user's time zone, the day Odoo uses to call an activity overdue."""
    user = store.row("res.users", uid) if uid else None
    try:
        tz = ZoneInfo(user.get("tz") or "UTC") if user else ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        tz = ZoneInfo("UTC")
    return store.clock.now().astimezone(tz).date()


def log_message(store: "Store", model: str, res_id: int, *, body: str, uid: int, at: datetime | None,
                message_type: str = "notification", subtype_xmlid: str = "mail.mt_note",
                subject: Any = False, partner_ids: Any = ()) -> int:
    return store.create("mail.message", {
        "model": model,
        "res_id": res_id,
        "body": body,
        "message_type": message_type,
        "subtype_id": store.ref(subtype_xmlid) if subtype_xmlid else False,
        "date": store.now_str(at),
        "author_id": partner_of(store, uid),
        "subject": subject,
        "partner_ids": list(partner_ids or ()),
    }, uid=uid, at=at)


def log_creation(store: "Store", model: Model, row: Row, *, uid: int, at: datetime | None) -> None:
    log_message(store, model.name, row["id"], body=f"<p>{model.description} created</p>", uid=uid, at=at)


def track(store: "Store", model: Model, row: Row, before: dict[str, Any], *, uid: int,
          at: datetime | None) -> None:
    """One notification message carrying a tracking value per changed tracked field, like Odoo."""
    changes = [(f, before[f.name], row.get(f.name, f.empty)) for f in model.tracked
               if before[f.name] != row.get(f.name, f.empty)]
    if not changes:
        return
    subtype = (model.tracking_subtype(row, {f.name for f, _, _ in changes})
               if model.tracking_subtype else "mail.mt_note")
    message_id = log_message(store, model.name, row["id"], body="", uid=uid, at=at, subtype_xmlid=subtype)
    for f, old, new in changes:
        store.create("mail.tracking.value", tracking_values(store, model, f, old, new, message_id),
                     uid=uid, at=at)


def tracking_values(store: "Store", model: Model, f: Field, old: Any, new: Any,
                    message_id: int) -> dict[str, Any]:
    vals: dict[str, Any] = {"field_id": store.field_ids[(model.name, f.name)], "mail_message_id": message_id}
    if f.type == "selection":
        vals |= {"old_value_char": f.label(old), "new_value_char": f.label(new)}
    elif f.type == "many2one":
        assert f.relation
        vals |= {
            "old_value_integer": old or 0, "new_value_integer": new or 0,
            "old_value_char": store.display_name(f.relation, old) if old else False,
            "new_value_char": store.display_name(f.relation, new) if new else False,
        }
    elif f.type in ("integer", "boolean"):
        vals |= {"old_value_integer": int(old or 0), "new_value_integer": int(new or 0)}
    elif f.type in ("float", "monetary"):
        vals |= {"old_value_float": old or 0.0, "new_value_float": new or 0.0}
    elif f.type in ("date", "datetime"):
        vals |= {"old_value_datetime": old, "new_value_datetime": new}
    else:
        vals |= {"old_value_char": old, "new_value_char": new}
    return vals


def message_post(store: "Store", model: Model, res_id: int, *, uid: int, body: Any = "",
                 message_type: str = "notification", subtype_xmlid: str | None = None,
                 subject: Any = False, partner_ids: Any = (), at: datetime | None = None) -> int:
    # A plain str from RPC is text, not markup: Odoo escapes it and wraps it in a paragraph.
    html = plaintext_to_html(body) if isinstance(body, str) and body else (body or "")
    return log_message(store, model.name, res_id, body=html, uid=uid, at=at, message_type=message_type,
                       subtype_xmlid=subtype_xmlid or "mail.mt_note", subject=subject,
                       partner_ids=partner_ids)


def activity_state(store: "Store", row: Row) -> str | bool:
    if row.get("active") is False:
        return "done"
    deadline = row.get("date_deadline")
    if not deadline:
        return False
    days = (date.fromisoformat(deadline) - user_today(store, row.get("user_id"))).days
    return "today" if days == 0 else "overdue" if days < 0 else "planned"


def activity_schedule(store: "Store", model: Model, ids: list[int], *, uid: int,
                      act_type_xmlid: str = "", date_deadline: Any = None, summary: str = "",
                      note: str = "", **act_values: Any) -> list[int]:
    type_id = store.ref(act_type_xmlid) if act_type_xmlid else store.ref("mail.mail_activity_data_todo")
    deadline = date_deadline or user_today(store, uid).isoformat()
    created = []
    for rid in ids:
        vals = {
            "res_model_id": ir_model_id(store, model.name), "res_id": rid,
            "activity_type_id": type_id, "date_deadline": deadline,
            "summary": summary or False, "note": plaintext_to_html(note) if note else False,
        } | act_values
        created.append(store.create("mail.activity", vals, uid=uid))
    return created


def ir_model_id(store: "Store", model_name: Any) -> int | bool:
    for rid, row in store.rows("ir.model").items():
        if row.get("model") == model_name:
            return rid
    return False
