"""The typed action catalogue and its idempotent Odoo executors: each write carries [sentinel:<proposal id>], and each
further step of a multi-write action its own [sentinel:<proposal id>:<step>]."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from agents._core import assignees
from agents._core.odoo.errors import OdooValidationError
from agents._core.odoo.gateway import OdooGateway
from agents._core.odoo.review import review_flag
from agents._core.odoo.values import m2o_id

ActionType = Literal["post_note", "schedule_activity", "reassign", "flag_for_review", "create_rfq", "update_reorder_min"]
TODO_ACTIVITY_XMLID = "mail.mail_activity_data_todo"


def marker(proposal_id: str, step: str | None = None) -> str:
    """A step's own marker keeps one step's write from passing for another's: Odoo echoes an activity's note into
    the record's chatter when it notifies the assignee, which must not read as the action's final note."""
    return f"[sentinel:{proposal_id}:{step}]" if step else f"[sentinel:{proposal_id}]"


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


def execute(gateway: OdooGateway, order: ActionOrder, *, today: date) -> ActionResult:
    """Run the action once. Every step looks for its marker before it writes, so running it again completes exactly
    what is missing. Never retried here: after OdooUnavailable a write may still land (a slow request, a lost answer),
    so the caller tries again only once Odoo's own request limit has passed and the marker can be trusted."""
    return _EXECUTORS[order.type](gateway, order, today)


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
    activity_id = _new_activity(gateway, order, user_id, deadline, order.args.get("summary") or "Sentinel escalation")
    return ActionResult(True, f"activity {activity_id} scheduled for user {user_id}, due {deadline}", {"mail.activity": activity_id})


def _reassign(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    field = order.args.get("field", "user_id")
    user_id = resolve_user(gateway, order, order.args["assign_to"])
    current = gateway.read(order.model, [order.res_id], [field])
    if not current or m2o_id(current[0].get(field)) != user_id:
        gateway.write(order.model, [order.res_id], {field: user_id})
    note = _post_note(gateway, order, today)
    return ActionResult(True, f"{field} set to user {user_id}; {note.summary}", {"res.users": user_id, **note.odoo_ids})


def _flag_for_review(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    """Set the server's review flag, then the marked note; the marker is looked for first, the flag written only if unset."""
    existing = _marked_message(gateway, order)
    if existing:
        return ActionResult(False, f"already marked for review (message {existing})", {"mail.message": existing})
    flag = review_flag(gateway, order.model)
    if flag is None:
        raise OdooValidationError(gateway.connection, f"{order.model} has no review flag on this server ('checked' or 'to_check')")
    current = gateway.read(order.model, [order.res_id], [flag.field])
    if not current or current[0].get(flag.field) != flag.to_review:
        gateway.write(order.model, [order.res_id], {flag.field: flag.to_review})
    note = _post_note(gateway, order, today)
    return ActionResult(True, f"marked for review ({flag.field} = {flag.to_review}); {note.summary}", note.odoo_ids)


REORDER_RULE = "stock.warehouse.orderpoint"


def _create_rfq(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    """A draft request for quotation for a reorder rule's product, delivered to its warehouse.

    Two steps, each found by its marker before it is written: the RFQ (marker in its source document, origin), then
    its note (marker :note), so a retry after the RFQ alone was created writes only the note.
    """
    mark = marker(order.proposal_id)
    found = gateway.search_read("purchase.order", [("origin", "ilike", mark)], ["id", "name"], limit=1)
    if found:
        rfq = replace(order, model="purchase.order", res_id=int(found[0]["id"]))
        summary = f"request for quotation {found[0]['name']} already created"
        if _marked_message(gateway, rfq, step="note"):
            return ActionResult(False, summary, {"purchase.order": rfq.res_id})
        message_id = gateway.message_post(rfq.model, rfq.res_id, f"{order.note} {marker(order.proposal_id, 'note')}")
        return ActionResult(True, f"{summary}; its note added", {"purchase.order": rfq.res_id, "mail.message": message_id})
    quantity, vendor_id = float(order.args.get("quantity") or 0), order.args.get("vendor_id")
    if quantity <= 0 or not isinstance(vendor_id, int):
        raise OdooValidationError(gateway.connection, f"no quantity or vendor to order for {order.model} #{order.res_id}")
    rule = _reorder_rule(gateway, order, ["name", "product_id", "warehouse_id"])
    line: dict[str, Any] = {"product_id": m2o_id(rule["product_id"]), "product_qty": quantity}
    if order.args.get("price_unit") is not None:
        line["price_unit"] = float(order.args["price_unit"])
    values: dict[str, Any] = {"partner_id": vendor_id, "origin": f"{rule['name']} {mark}", "order_line": [(0, 0, line)]}
    if order.args.get("currency_id"):  # the vendor's currency, in which price_unit is quoted
        values["currency_id"] = int(order.args["currency_id"])
    warehouse = gateway.read("stock.warehouse", [m2o_id(rule["warehouse_id"]) or 0], ["in_type_id"])
    if warehouse and m2o_id(warehouse[0].get("in_type_id")):
        values["picking_type_id"] = m2o_id(warehouse[0]["in_type_id"])
    order_id = gateway.create("purchase.order", values)
    message_id = gateway.message_post("purchase.order", order_id, f"{order.note} {marker(order.proposal_id, 'note')}")
    name = gateway.read("purchase.order", [order_id], ["name"])[0]["name"]
    summary = f"request for quotation {name} created (draft) for {quantity:g} units"
    return ActionResult(True, summary, {"purchase.order": order_id, "mail.message": message_id})


def _update_reorder_min(gateway: OdooGateway, order: ActionOrder, today: date) -> ActionResult:
    """Raise a reorder rule's minimum within the policy's factor, tell the people named, then a marked note.

    Steps: the minimum (writing the same minimum again changes nothing, and a minimum is never lowered), one activity
    per person (marker :activity, looked for per person), the note on the product (a reorder rule has no chatter),
    written last: found, everything was done.
    """
    rule = _reorder_rule(gateway, order, ["name", "product_id", "product_min_qty", "product_max_qty"])
    on_product = replace(order, model="product.product", res_id=m2o_id(rule["product_id"]) or 0)
    existing = _marked_message(gateway, on_product)
    if existing:
        return ActionResult(False, f"minimum already raised (message {existing})", {"mail.message": existing})
    new_min, factor = float(order.args["new_min"]), float(order.args.get("max_factor", 1.0))
    current = float(rule["product_min_qty"] or 0)
    users = resolve_people(gateway, order, list(order.args.get("notify", [])))  # all found before any write
    if new_min > current:
        if new_min > factor * current:
            raise OdooValidationError(
                gateway.connection,
                f"{rule['name']}: a minimum of {new_min:g} is more than {factor:g} x the current {current:g}; nothing written",
            )
        values = {"product_min_qty": new_min}
        if float(rule["product_max_qty"] or 0) < new_min:  # Odoo requires min <= max
            values["product_max_qty"] = new_min
        gateway.write(order.model, [order.res_id], values)
        change = f"minimum of {rule['name']} raised from {current:g} to {new_min:g}"
    else:
        change = f"minimum of {rule['name']} already {current:g}, left as is"
    deadline = today + timedelta(days=int(order.args.get("deadline_days", 1)))
    summary = f"Reorder point raised: {rule['name']}"
    activities = [_marked_activity(gateway, on_product, user, deadline, summary, step="activity") for user in users]
    note = f"{change}. {order.note} {marker(order.proposal_id)}"
    message_id = gateway.message_post(on_product.model, on_product.res_id, note)
    ids = {"mail.message": message_id, **({"mail.activity": activities[-1]} if activities else {})}
    return ActionResult(True, f"{change}; {len(users)} people notified; note on the product", ids)


def _reorder_rule(gateway: OdooGateway, order: ActionOrder, fields: list[str]) -> dict[str, Any]:
    if order.model != REORDER_RULE:
        raise OdooValidationError(gateway.connection, f"{order.type} runs on a reorder rule ({REORDER_RULE}), not on {order.model}")
    rows = gateway.read(order.model, [order.res_id], fields)
    if not rows:
        raise OdooValidationError(gateway.connection, f"{order.model} #{order.res_id} no longer exists")
    return rows[0]


def _marked_activity(gateway: OdooGateway, order: ActionOrder, user_id: int, deadline: date, summary: str, *,
                     step: str) -> int:
    """A to-do for one person on the record, unless the marked one is already there."""
    mark = marker(order.proposal_id, step)
    found = gateway.search_read(
        "mail.activity",
        [("res_model", "=", order.model), ("res_id", "=", order.res_id), ("user_id", "=", user_id), ("note", "ilike", mark)],
        ["id"],
        limit=1,
    )
    if found:
        return int(found[0]["id"])
    return _new_activity(gateway, order, user_id, deadline, summary, step=step)


def _new_activity(gateway: OdooGateway, order: ActionOrder, user_id: int, deadline: date, summary: str, *,
                  step: str | None = None) -> int:
    """A marked to-do on the record. The document's model goes in the context, as Odoo's own form does: looking up
    its ir.model row would need Access Rights that a service user should not have."""
    todo = gateway.xmlid(TODO_ACTIVITY_XMLID)
    if todo is None:
        raise OdooValidationError(gateway.connection, f"XML id {TODO_ACTIVITY_XMLID} not found (is the mail module installed?)")
    values = {
        "res_id": order.res_id,
        "activity_type_id": todo,
        "summary": summary,
        "note": f"<p>{html.escape(order.note)} {marker(order.proposal_id, step)}</p>",
        "date_deadline": deadline.isoformat(),
        "user_id": user_id,
    }
    return gateway.create("mail.activity", values, context={"default_res_model": order.model})


def resolve_user(gateway: OdooGateway, order: ActionOrder, assign_to: str) -> int:
    """subject | login:<login> | group:<XML id> | field:<res.users field of the record> -> one active res.users id."""
    return _resolve(gateway, order, [assign_to], everyone=False)[0]


def resolve_people(gateway: OdooGateway, order: ActionOrder, refs: list[str]) -> list[int]:
    """`notify`: each login's user and every active member of each group, once each, in order."""
    return list(dict.fromkeys(_resolve(gateway, order, refs, everyone=True)))


def _resolve(gateway: OdooGateway, order: ActionOrder, refs: list[str], *, everyone: bool) -> list[int]:
    """All references found together, or the first that cannot be, as Odoo's refusal: nothing is written then."""
    requests = [assignees.Request(ref, order.model, order.res_id, order.subject_user_id, everyone=everyone) for ref in refs]
    found = assignees.resolve(gateway, requests)
    missing = next((f for f in found if isinstance(f, assignees.Unresolved)), None)
    if missing is not None:
        raise OdooValidationError(gateway.connection, missing.reason)
    return [user_id for users in found if isinstance(users, list) for user_id in users]


def _marked_message(gateway: OdooGateway, order: ActionOrder, *, step: str | None = None) -> int | None:
    found = gateway.search_read(
        "mail.message",
        [("model", "=", order.model), ("res_id", "=", order.res_id), ("body", "ilike", marker(order.proposal_id, step))],
        ["id"],
        limit=1,
    )
    return int(found[0]["id"]) if found else None


_EXECUTORS = {
    "post_note": _post_note,
    "schedule_activity": _schedule_activity,
    "reassign": _reassign,
    "flag_for_review": _flag_for_review,
    "create_rfq": _create_rfq,
    "update_reorder_min": _update_reorder_min,
}
