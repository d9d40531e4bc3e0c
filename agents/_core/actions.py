"""The typed action catalogue and its idempotent Odoo executors: each write carries [sentinel:<proposal id>]."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from agents._core.odoo.errors import OdooUnavailable, OdooValidationError
from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo.values import m2o_id

ActionType = Literal["post_note", "schedule_activity", "reassign"]
TODO_ACTIVITY_XMLID = ("mail", "mail_activity_data_todo")


def marker(proposal_id: str) -> str:
    return f"[sentinel:{proposal_id}]"


@dataclass(frozen=True)
class ActionOrder:
    """An approved action, fully resolved from the policy's spec and the draft's bounded choices."""

    proposal_id: str
    type: ActionType
    model: str
    res_id: int
    note: str  # the text written to Odoo, rendered from data by code
    args: dict[str, Any]  # schedule_activity: assign_to, deadline_days, summary; reassign: field, assign_to
    subject_user_id: int | None = None


@dataclass(frozen=True)
class ActionResult:
    done: bool  # False: the marker was found, an earlier attempt already wrote it
    summary: str
    odoo_ids: dict[str, int]


def execute(gateway: OdooGateway, order: ActionOrder, *, today: date, attempts: int = 3) -> ActionResult:
    """Run the action; transient failures retry the whole look-then-write step, so nothing is written twice."""
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, max=5),
        retry=retry_if_exception_type(OdooUnavailable),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            return _EXECUTORS[order.type](gateway, order, today)
    raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


def _post_note(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    existing = _marked_message(gateway, order)
    if existing:
        return ActionResult(False, f"note already posted (message {existing})", {"mail.message": existing})
    message_id = gateway.message_post(order.model, order.res_id, f"{order.note} {marker(order.proposal_id)}")
    return ActionResult(True, f"internal note posted (message {message_id})", {"mail.message": message_id})


def _schedule_activity(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    mark = marker(order.proposal_id)
    found = gateway.search_read(
        "mail.activity",
        [("res_model", "=", order.model), ("res_id", "=", order.res_id), ("note", "ilike", mark)],
        ["id", "user_id"],
        limit=1,
    )
    if found:
        return ActionResult(False, f"activity already scheduled (activity {found[0]['id']})", {"mail.activity": found[0]["id"]})
    user_id = resolve_user(gateway, order, order.args.get("assign_to", "subject"))
    deadline = today + timedelta(days=int(order.args.get("deadline_days", 1)))
    activity_id = gateway.create(
        "mail.activity",
        {
            "res_model_id": _model_id(gateway, order.model),
            "res_id": order.res_id,
            "activity_type_id": _xmlid(gateway, *TODO_ACTIVITY_XMLID),
            "summary": order.args.get("summary") or "Sentinel escalation",
            "note": f"<p>{html.escape(order.note)} {mark}</p>",
            "date_deadline": deadline.isoformat(),
            "user_id": user_id,
        },
    )
    return ActionResult(True, f"activity {activity_id} scheduled for user {user_id}, due {deadline}", {"mail.activity": activity_id})


def _reassign(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    field = order.args.get("field", "user_id")
    user_id = resolve_user(gateway, order, order.args["assign_to"])
    current = gateway.read(order.model, [order.res_id], [field])
    if not current or m2o_id(current[0].get(field)) != user_id:
        gateway.write(order.model, [order.res_id], {field: user_id})
    note = _post_note(gateway, order, today)
    return ActionResult(True, f"{field} set to user {user_id}; {note.summary}", {"res.users": user_id, **note.odoo_ids})


def resolve_user(gateway: OdooGateway, order: ActionOrder, assign_to: str) -> int:
    """subject | login:<login> | field:<res.users field of the record> -> a res.users id."""
    if assign_to == "subject":
        if order.subject_user_id is None:
            raise OdooValidationError(gateway.connection, f"{order.model} #{order.res_id} has no responsible user to assign")
        return order.subject_user_id
    kind, _, value = assign_to.partition(":")
    if kind == "login":
        users = gateway.search_read("res.users", [("login", "=", value)], ["id"], limit=1)
        if not users:
            raise OdooValidationError(gateway.connection, f"no Odoo user with login '{value}'")
        return int(users[0]["id"])
    rows = gateway.read(order.model, [order.res_id], [value])
    user_id = m2o_id(rows[0].get(value)) if rows else None
    if user_id is None:
        raise OdooValidationError(gateway.connection, f"{order.model} #{order.res_id} has no user in '{value}'")
    return user_id


def _marked_message(gateway: OdooGateway, order: ActionOrder) -> int | None:
    found = gateway.search_read(
        "mail.message",
        [("model", "=", order.model), ("res_id", "=", order.res_id), ("body", "ilike", marker(order.proposal_id))],
        ["id"],
        limit=1,
    )
    return int(found[0]["id"]) if found else None


def _model_id(gateway: OdooGateway, model: str) -> int:
    rows = gateway.search_read("ir.model", [("model", "=", model)], ["id"], limit=1)
    if not rows:
        raise OdooValidationError(gateway.connection, f"model '{model}' is unknown to ir.model")
    return int(rows[0]["id"])


def _xmlid(gateway: OdooGateway, module: str, name: str) -> int:
    rows = gateway.search_read("ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"], limit=1)
    if not rows:
        raise OdooValidationError(gateway.connection, f"XML id {module}.{name} not found")
    return int(rows[0]["res_id"])


_EXECUTORS = {"post_note": _post_note, "schedule_activity": _schedule_activity, "reassign": _reassign}
