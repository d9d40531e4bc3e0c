"""Base models: companies, partners, users and groups, currencies, units, and the ir.* metadata."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import (Model, Row, binary, boolean, char, computed, datetime_, html, integer, json_, m2m, m2o,
                      monetary, o2m, ref, selection, text)

from .mail import thread_fields

if TYPE_CHECKING:
    from ..store import Store

FIELD_TYPES = [(t, t) for t in (
    "binary", "boolean", "char", "date", "datetime", "float", "html", "integer", "json", "many2many",
    "many2one", "many2one_reference", "monetary", "one2many", "properties", "reference", "selection", "text")]


def _partner_display(store: "Store", row: Row) -> Any:
    return row.get("complete_name") or row.get("name") or False


def _partner_saved(store: "Store", row: Row) -> None:
    parent = store.row("res.partner", row.get("parent_id"))
    name = row.get("name") or ""
    complete = f"{parent.get('name')}, {name}" if parent and not row.get("is_company") else name
    commercial = row["id"]
    while parent is not None and not store.row("res.partner", commercial).get("is_company"):
        commercial = parent["id"]
        parent = store.row("res.partner", parent.get("parent_id"))
    store.set_raw("res.partner", row["id"], {"complete_name": complete or False,
                                             "commercial_partner_id": commercial})


def group_closure(store: "Store", group_ids: Any) -> tuple[int, ...]:
    seen: dict[int, None] = {}
    todo = list(group_ids or ())
    while todo:
        gid = todo.pop()
        if gid in seen:
            continue
        seen[gid] = None
        todo.extend((store.row("res.groups", gid) or {}).get("implied_ids", ()))
    return tuple(sorted(seen))


def has_group(store: "Store", uid: int, xml_id: str) -> bool:
    group = store.xmlid(xml_id)
    user = store.row("res.users", uid)
    return group is not None and user is not None and group[1] in group_closure(store, user.get("group_ids"))


def _user_saved(store: "Store", row: Row) -> None:
    # res.users inherits res.partner in Odoo: the name and e-mail live on the partner.
    if row.get("password"):  # write-only in Odoo: kept aside, never read back
        store.passwords[row["id"]] = row["password"]
        store.set_raw("res.users", row["id"], {"password": False})
    vals = {"name": row.get("name") or row.get("login"), "email": row.get("email") or False}
    if not row.get("partner_id"):
        pid = store.create("res.partner", vals | {"parent_id": 1}, uid=1, log=False)
        store.set_raw("res.users", row["id"], {"partner_id": pid})
    else:
        store.set_raw("res.partner", row["partner_id"], vals)
        _partner_saved(store, store.row("res.partner", row["partner_id"]))
    internal = store.xmlid("base.group_user")
    share = internal is not None and internal[1] not in group_closure(store, row.get("group_ids"))
    store.set_raw("res.users", row["id"], {"share": share})


def _group_saved(store: "Store", row: Row) -> None:
    category = row.get("category_name")
    store.set_raw("res.groups", row["id"], {
        "full_name": f"{category} / {row.get('name')}" if category else row.get("name")})


def _all_users(store: "Store", row: Row) -> tuple[int, ...]:
    return tuple(uid for uid, user in store.rows("res.users").items()
                 if row["id"] in group_closure(store, user.get("group_ids")))


def _field_display(store: "Store", row: Row) -> Any:
    model = store.registry.get(row.get("model"))
    return f"{row.get('field_description')} ({model.description if model else row.get('model')})"


MODELS = [
    Model("res.currency", "Currency", {
        "name": char("Currency", required=True),
        "full_name": char("Name"),
        "symbol": char("Symbol", required=True),
        "rounding": json_("Rounding Factor", default=0.01),
        "decimal_places": integer("Decimal Places", default=2),
        "position": selection([("after", "After Amount"), ("before", "Before Amount")], "Symbol Position",
                              default="before"),
        "active": boolean("Active", default=True),
    }, order="active desc, name"),
    Model("res.company", "Companies", {
        "name": char("Company Name", required=True),
        "partner_id": m2o("res.partner", "Partner", required=True),
        "currency_id": m2o("res.currency", "Currency", required=True, default=1),
        "email": char("Email"),
        "phone": char("Phone"),
        "active": boolean("Active", default=True),
        "sequence": integer("Sequence", default=10),
        "po_double_validation": selection([
            ("one_step", "Confirm purchase orders in one step"),
            ("two_step", "Get 2 levels of approvals to confirm a purchase order")],
            "Levels of Approvals", default="one_step"),
        "po_double_validation_amount": monetary("Double validation amount", default=5000.0),
        "po_lock": selection([("edit", "Allow to edit purchase orders"),
                              ("lock", "Confirmed purchase orders are not editable")],
                             "Purchase Order Modification", default="edit"),
    }, order="sequence, name", write_groups=("Access Rights",)),
    Model("res.partner", "Contact", {
        "name": char("Name"),
        "complete_name": char("Complete Name"),
        "is_company": boolean("Is a Company"),
        "parent_id": m2o("res.partner", "Related Company"),
        "child_ids": o2m("res.partner", "parent_id", "Contact"),
        "commercial_partner_id": m2o("res.partner", "Commercial Entity", readonly=True),
        "category_id": m2m("res.partner.category", "Tags"),
        "type": selection([("contact", "Contact"), ("invoice", "Invoice Address"),
                           ("delivery", "Delivery Address"), ("other", "Other Address")],
                          "Address Type", default="contact"),
        "function": char("Job Position"),
        "email": char("Email"),
        "phone": char("Phone"),
        "street": char("Street"),
        "city": char("City"),
        "zip": char("Zip"),
        "website": char("Website Link"),
        "vat": char("Tax ID"),
        "ref": char("Reference"),
        "comment": html("Notes"),
        "lang": char("Language", default="en_US"),
        "tz": char("Timezone"),
        "active": boolean("Active", default=True),
        "company_id": m2o("res.company", "Company"),
        "user_id": m2o("res.users", "Salesperson"),
        "user_ids": o2m("res.users", "partner_id", "Users"),
        "supplier_rank": integer("Supplier Rank"),
        "customer_rank": integer("Customer Rank"),
        **thread_fields("res.partner"),
    }, order="complete_name, id desc", display=_partner_display, parent_name="parent_id", mail_thread=True,
        on_save=_partner_saved, write_groups=("Contact Creation",)),
    Model("res.partner.category", "Partner Tags", {
        "name": char("Name", required=True),
        "color": integer("Color"),
        "parent_id": m2o("res.partner.category", "Parent Category"),
        "child_ids": o2m("res.partner.category", "parent_id", "Child Tags"),
        "active": boolean("Active", default=True),
        "partner_ids": m2m("res.partner", "Partners", inverse_name="category_id"),
    }, order="name", parent_name="parent_id"),
    Model("res.users", "User", {
        "login": char("Login", required=True),
        "password": char("Password"),
        "name": char("Name", store=False, searchable=True),  # lives on the partner in Odoo
        "email": char("Email", store=False, searchable=True),
        "partner_id": m2o("res.partner", "Related Partner"),
        "group_ids": m2m("res.groups", "Groups"),
        "all_group_ids": computed(m2m("res.groups", "Groups and implied groups"),
                                  lambda store, row: group_closure(store, row.get("group_ids")),
                                  searchable=True),
        "share": boolean("Share User", readonly=True),
        "active": boolean("Active", default=True),
        "company_id": m2o("res.company", "Company", required=True, default=1),
        "company_ids": m2m("res.company", "Companies", default=[1]),
        "tz": char("Timezone"),
        "lang": char("Language", default="en_US"),
        "notification_type": selection([("email", "Handle by Emails"), ("inbox", "Handle in Odoo")],
                                       "Notification", required=True, default="email"),
        "signature": html("Email Signature"),
        "login_date": datetime_("Latest authentication", readonly=True),
        "employee_ids": o2m("hr.employee", "user_id", "Related employee"),
        "employee_id": computed(m2o("hr.employee", "Company employee"),
                                lambda store, row: (store.inverse("hr.employee", "user_id").get(row["id"])
                                                    or [False])[0], searchable=True),
    }, order="name, login", on_save=_user_saved, write_groups=("Access Rights",)),
    Model("res.groups", "Access Groups", {
        "name": char("Name", required=True),
        "full_name": char("Group Name", readonly=True),
        "category_name": char("Application"),
        "comment": text("Comment"),
        "share": boolean("Share Group"),
        "implied_ids": m2m("res.groups", "Inherits"),
        "user_ids": m2m("res.users", "Users", inverse_name="group_ids"),
        "all_user_ids": computed(m2m("res.users", "Users and implied users"), _all_users, searchable=True),
    }, order="name", display=lambda store, row: row.get("full_name") or row.get("name"),
        on_save=_group_saved, write_groups=("Access Rights",)),
    Model("uom.uom", "Product Unit of Measure", {
        "name": char("Unit Name", required=True),
        "relative_factor": json_("Contains", default=1.0),
        "rounding": json_("Rounding Precision", default=0.01),
        "active": boolean("Active", default=True),
    }, order="name"),
    Model("ir.model", "Models", {
        "model": char("Model", required=True),
        "name": char("Model Description", required=True),
        "info": text("Information"),
        "field_id": o2m("ir.model.fields", "model_id", "Fields"),
        "transient": boolean("Transient Model"),
        "modules": char("In Apps"),
    }, order="model"),
    Model("ir.model.fields", "Fields", {
        "name": char("Field Name", required=True),
        "model": char("Model Name", required=True),
        "model_id": m2o("ir.model", "Model", required=True),
        "field_description": char("Field Label", required=True),
        "ttype": selection(FIELD_TYPES, "Field Type", required=True),
        "relation": char("Related Model"),
        "relation_field": char("Relation Field"),
        "selection_ids": json_("Selection Options"),
        "store": boolean("Stored", default=True),
        "required": boolean("Required"),
        "readonly": boolean("Readonly"),
        "tracking": integer("Enable Ordered Tracking"),
    }, order="name", display=_field_display),
    Model("ir.model.data", "Model Data", {
        "module": char("Module", required=True),
        "name": char("External Identifier", required=True),
        "model": char("Model Name", required=True),
        "res_id": ref("Record ID"),
        "noupdate": boolean("Non Updatable"),
        "complete_name": computed(char("Complete ID"),
                                  lambda store, row: f"{row.get('module')}.{row.get('name')}", searchable=True),
    }, order="module, model, name", rec_name="complete_name"),
    Model("ir.attachment", "Attachment", {
        "name": char("Name", required=True),
        "description": text("Description"),
        "res_model": char("Resource Model"),
        "res_field": char("Resource Field"),
        "res_id": ref("Resource ID"),
        "res_name": computed(char("Resource Name"), lambda store, row: (
            store.display_name(row["res_model"], row.get("res_id"))
            if row.get("res_model") in store.registry else False)),
        "type": selection([("url", "URL"), ("binary", "File")], "Type", required=True, default="binary"),
        "url": char("Url"),
        "datas": binary("File Content (base64)"),
        "mimetype": char("Mime Type"),
        "file_size": integer("File Size"),
        "public": boolean("Is public document"),
        "company_id": m2o("res.company", "Company", default=1),
    }, order="id desc"),
]
