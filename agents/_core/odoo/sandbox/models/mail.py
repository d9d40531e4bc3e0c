"""Chatter models (messages, tracking values, subtypes, activities) and the fields every mail thread gets."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import mail
from ..schema import (Field, Model, Row, boolean, char, computed, date, datetime_, float_, html, integer, m2m,
                      m2o, o2m, ref, selection, text)

if TYPE_CHECKING:
    from ..store import Store

ACTIVITY_STATES = [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned"), ("done", "Done")]
MESSAGE_TYPES = [
    ("email", "Incoming Email"), ("comment", "Comment"), ("email_outgoing", "Outgoing Email"),
    ("notification", "System notification"), ("auto_comment", "Automated Targeted Notification"),
    ("out_of_office", "Out-of-office Message"), ("user_notification", "User Specific Notification"),
]


def thread_fields(model_name: str) -> dict[str, Field]:
    """mail.thread + mail.activity.mixin fields, bound to the model whose records they describe."""

    def activities(store: "Store", row: Row) -> list[Row]:
        index = store.inverse("mail.activity", "res_id", "res_model", model_name)
        rows = store.rows("mail.activity")
        return [rows[i] for i in index.get(row["id"], ()) if rows[i].get("active", True)]

    def state(store: "Store", row: Row) -> Any:
        states = {mail.activity_state(store, a) for a in activities(store, row)}
        return next((s for s in ("overdue", "today", "planned") if s in states), False)

    def deadline(store: "Store", row: Row) -> Any:
        return min((a["date_deadline"] for a in activities(store, row)), default=False)

    def next_user(store: "Store", row: Row) -> Any:
        ordered = sorted(activities(store, row), key=lambda a: a["date_deadline"])
        return ordered[0].get("user_id", False) if ordered else False

    def attachment_count(store: "Store", row: Row) -> int:
        return len(store.inverse("ir.attachment", "res_id", "res_model", model_name).get(row["id"], ()))

    return {
        "message_ids": Field("one2many", "Messages", relation="mail.message", inverse_name="res_id",
                             model_field="model"),
        "activity_ids": Field("one2many", "Activities", relation="mail.activity", inverse_name="res_id",
                              model_field="res_model"),
        "activity_state": computed(selection(ACTIVITY_STATES[:3], "Activity State"), state, searchable=True),
        "activity_date_deadline": computed(date("Next Activity Deadline"), deadline, searchable=True),
        "activity_user_id": computed(m2o("res.users", "Responsible User"), next_user, searchable=True),
        "message_attachment_count": computed(integer("Attachment Count"), attachment_count),
    }


def _activity_saved(store: "Store", row: Row) -> None:
    derived: dict[str, Any] = {}
    if row.get("res_model") and not row.get("res_model_id"):
        derived["res_model_id"] = mail.ir_model_id(store, row["res_model"])
    model_row = store.row("ir.model", derived.get("res_model_id") or row.get("res_model_id"))
    res_model = model_row.get("model") if model_row else False
    derived["res_model"] = res_model
    derived["res_name"] = (store.display_name(res_model, row.get("res_id"))
                           if res_model in store.registry and row.get("res_id") else False)
    store.set_raw("mail.activity", row["id"], derived)


def _activity_display(store: "Store", row: Row) -> Any:
    return row.get("summary") or store.display_name("mail.activity.type", row.get("activity_type_id")) or False


def _record_name(store: "Store", row: Row) -> Any:
    model = row.get("model")
    return store.display_name(model, row.get("res_id")) if model in store.registry else False


def _action_done(store: "Store", ids: list[int], uid: int, feedback: Any = False) -> bool:
    store.write("mail.activity", ids, {"active": False, "date_done": mail.user_today(store, uid).isoformat(),
                                       "feedback": feedback}, uid=uid)
    return True


MODELS = [
    Model("mail.message", "Message", {
        "model": char("Related Document Model"),
        "res_id": ref("Related Document ID"),
        "record_name": computed(char("Message Record Name"), _record_name),
        "subject": char("Subject"),
        "body": html("Contents", default=""),
        "message_type": selection(MESSAGE_TYPES, "Type", required=True, default="comment"),
        "subtype_id": m2o("mail.message.subtype", "Subtype"),
        "date": datetime_("Date", default=lambda store, vals, uid: store.now_str()),
        "author_id": m2o("res.partner", "Author"),
        "email_from": char("From"),
        "parent_id": m2o("mail.message", "Parent Message"),
        "partner_ids": m2m("res.partner", "Recipients"),
        "attachment_ids": m2m("ir.attachment", "Attachments"),
        "tracking_value_ids": o2m("mail.tracking.value", "mail_message_id", "Tracking values"),
        "is_internal": boolean("Employee Only"),
    }, order="id desc", display=lambda store, row: row.get("subject") or False, write_groups=("Internal User",)),
    Model("mail.message.subtype", "Message subtypes", {
        "name": char("Message Type", required=True),
        "description": text("Description"),
        "internal": boolean("Internal Only"),
        "res_model": char("Model"),
        "default": boolean("Default", default=True),
        "sequence": integer("Sequence", default=1),
        "hidden": boolean("Hidden"),
    }, order="sequence, id"),
    Model("mail.tracking.value", "Mail Tracking Value", {
        "field_id": m2o("ir.model.fields", "Field", required=True),
        "old_value_integer": integer("Old Value Integer"),
        "old_value_float": float_("Old Value Float"),
        "old_value_char": char("Old Value Char"),
        "old_value_datetime": datetime_("Old Value DateTime"),
        "new_value_integer": integer("New Value Integer"),
        "new_value_float": float_("New Value Float"),
        "new_value_char": char("New Value Char"),
        "new_value_datetime": datetime_("New Value Datetime"),
        "currency_id": m2o("res.currency", "Currency"),
        "mail_message_id": m2o("mail.message", "Message ID", required=True),
    }, order="id desc", rec_name=None,
        display=lambda store, row: store.display_name("ir.model.fields", row.get("field_id"))),
    Model("mail.activity.type", "Activity Type", {
        "name": char("Name", required=True),
        "summary": char("Default Summary"),
        "sequence": integer("Sequence", default=10),
        "active": boolean("Active", default=True),
        "delay_count": integer("Schedule"),
        "delay_unit": selection([("days", "days"), ("weeks", "weeks"), ("months", "months")],
                                "Delay units", required=True, default="days"),
        "icon": char("Icon"),
        "category": selection([("default", "None"), ("upload_file", "Upload Document"),
                               ("phonecall", "Phonecall")], "Action", default="default"),
        "res_model": char("Model"),
    }, order="sequence, id"),
    Model("mail.activity", "Activity", {
        "res_model_id": m2o("ir.model", "Document Model"),
        "res_model": char("Related Document Model", readonly=True),
        "res_id": ref("Related Document ID"),
        "res_name": char("Document Name", readonly=True),
        "activity_type_id": m2o("mail.activity.type", "Activity Type",
                                default=lambda store, vals, uid: store.ref("mail.mail_activity_data_todo")),
        "summary": char("Summary"),
        "note": html("Note"),
        "feedback": text("Feedback"),
        "date_deadline": date("Due Date", required=True,
                              default=mail.today_default),
        "date_done": date("Done Date", readonly=True),
        "automated": boolean("Automated activity", readonly=True),
        "user_id": m2o("res.users", "Assigned to"),  # Odoo 19: no default, unassigned unless given
        "active": boolean("Active", default=True),
        "state": computed(selection(ACTIVITY_STATES, "State"), mail.activity_state),
    }, order="date_deadline ASC, id ASC", rec_name="summary", display=_activity_display,
        on_save=_activity_saved, write_groups=("Internal User",),
        methods={"action_done": _action_done, "action_feedback": _action_done}),
]
