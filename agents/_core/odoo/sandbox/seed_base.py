"""Data every sandbox has, like a fresh Odoo database: company, admin, groups, model metadata, mail types."""
from __future__ import annotations

from datetime import datetime, timedelta

from .store import Store

ADMIN_UID = 2
SUPERUSER_UID = 1

# (xml id, name, application, implied xml ids)
GROUPS = [
    ("base.group_user", "Internal User", "", []),
    ("base.group_portal", "Portal", "", []),
    ("base.group_erp_manager", "Access Rights", "Administration", ["base.group_user"]),
    ("base.group_system", "Settings", "Administration", ["base.group_erp_manager"]),
    ("base.group_partner_manager", "Contact Creation", "", ["base.group_user"]),
    ("purchase.group_purchase_user", "User", "Purchase", ["base.group_user"]),
    ("purchase.group_purchase_manager", "Administrator", "Purchase", ["purchase.group_purchase_user"]),
    ("account.group_account_readonly", "Auditor", "Accounting", ["base.group_user"]),
    ("account.group_account_invoice", "Invoicing", "Accounting", ["base.group_user"]),
    ("account.group_account_user", "Bookkeeper", "Accounting", ["account.group_account_invoice"]),
    ("account.group_account_manager", "Administrator", "Accounting", ["account.group_account_user"]),
    ("stock.group_stock_user", "User", "Inventory", ["base.group_user"]),
    ("stock.group_stock_manager", "Administrator", "Inventory", ["stock.group_stock_user"]),
    ("hr.group_hr_user", "Officer", "Employees", ["base.group_user"]),
    ("hr_expense.group_hr_expense_team_approver", "Team Approver", "Expenses", ["base.group_user"]),
    ("hr_expense.group_hr_expense_user", "All Approver", "Expenses", ["hr_expense.group_hr_expense_team_approver"]),
    ("hr_expense.group_hr_expense_manager", "Administrator", "Expenses", ["hr_expense.group_hr_expense_user"]),
]
ADMIN_GROUPS = ["base.group_user", "base.group_system", "base.group_partner_manager",
                "purchase.group_purchase_manager", "account.group_account_manager", "stock.group_stock_manager",
                "hr.group_hr_user", "hr_expense.group_hr_expense_manager"]
SUBTYPES = [  # ids 1 and 2 match Odoo: Discussions, Note
    ("mail.mt_comment", "Discussions", False), ("mail.mt_note", "Note", True),
    ("mail.mt_activities", "Activities", True), ("purchase.mt_rfq_sent", "RFQ Sent", False),
    ("purchase.mt_rfq_confirmed", "RFQ Confirmed", False), ("purchase.mt_rfq_approved", "RFQ Approved", False),
]
ACTIVITY_TYPES = [  # ids 1..6 match Odoo: Email is 1, To-Do is 4
    ("mail.mail_activity_data_email", "Email", "fa-envelope", "default"),
    ("mail.mail_activity_data_call", "Call", "fa-phone", "phonecall"),
    ("mail.mail_activity_data_meeting", "Meeting", "fa-users", "default"),
    ("mail.mail_activity_data_todo", "To-Do", "fa-check", "default"),
    ("mail.mail_activity_data_upload_document", "Upload Document", "fa-upload", "upload_file"),
    ("mail.mail_activity_data_warning", "Exception", "fa-warning", "default"),
]
_MODULES = {"res": "base", "ir": "base", "uom": "uom", "mail": "mail", "purchase": "purchase",
            "product": "product", "account": "account", "hr": "hr", "stock": "stock"}


def xmlid(store: Store, xml_id: str, model: str, res_id: int) -> None:
    module, _, name = xml_id.partition(".")
    store.create("ir.model.data", {"module": module, "name": name, "model": model, "res_id": res_id,
                                   "noupdate": True}, uid=SUPERUSER_UID)


def install(store: Store) -> None:
    at = store.clock.now() - timedelta(days=400)  # the database was set up long before the demo data
    store.create("res.currency", {"name": "USD", "full_name": "United States dollar", "symbol": "$"},
                 uid=SUPERUSER_UID, at=at)
    company_partner = store.create("res.partner", {
        "name": "Harbor Health Partners", "is_company": True, "email": "ap@harborhealth.example",
        "city": "Portland"}, uid=SUPERUSER_UID, at=at, log=False)  # module data: installed without chatter
    store.create("res.partner", {"name": "OdooBot", "email": "odoobot@example.com"}, uid=SUPERUSER_UID, at=at,
                 log=False)
    admin_partner = store.create("res.partner", {"name": "Mitchell Admin", "parent_id": company_partner,
                                                 "email": "admin@harborhealth.example"}, uid=SUPERUSER_UID, at=at,
                                 log=False)
    store.create("res.company", {"name": "Harbor Health Partners", "partner_id": company_partner,
                                 "email": "ap@harborhealth.example"}, uid=SUPERUSER_UID, at=at)
    _install_groups(store)
    for xml_id, model, rid in [("base.USD", "res.currency", 1), ("base.main_partner", "res.partner", 1),
                               ("base.partner_root", "res.partner", 2), ("base.partner_admin", "res.partner", 3),
                               ("base.main_company", "res.company", 1)]:
        xmlid(store, xml_id, model, rid)
    root = store.create("res.users", {"login": "__system__", "name": "OdooBot", "partner_id": 2, "active": False,
                                      "tz": "UTC"}, uid=SUPERUSER_UID, at=at)
    admin = add_user(store, "admin", "Mitchell Admin", ADMIN_GROUPS, password="admin", partner_id=admin_partner,
                     at=at)
    assert (root, admin) == (SUPERUSER_UID, ADMIN_UID)
    xmlid(store, "base.user_root", "res.users", root)
    xmlid(store, "base.user_admin", "res.users", admin)
    for name in ("Units", "Box", "Case", "Pack"):
        store.create("uom.uom", {"name": name}, uid=SUPERUSER_UID, at=at)
    _install_metadata(store)
    for xml_id, name, internal in SUBTYPES:
        xmlid(store, xml_id, "mail.message.subtype",
              store.create("mail.message.subtype", {"name": name, "internal": internal}, uid=SUPERUSER_UID, at=at))
    for xml_id, name, icon, category in ACTIVITY_TYPES:
        xmlid(store, xml_id, "mail.activity.type", store.create(
            "mail.activity.type", {"name": name, "icon": icon, "category": category}, uid=SUPERUSER_UID, at=at))
    for name, code, kind in [("Customer Invoices", "INV", "sale"), ("Vendor Bills", "BILL", "purchase"),
                             ("Miscellaneous Operations", "MISC", "general")]:
        store.create("account.journal", {"name": name, "code": code, "type": kind}, uid=SUPERUSER_UID, at=at)
    xmlid(store, "product.product_category_all", "product.category",
          store.create("product.category", {"name": "All"}, uid=SUPERUSER_UID, at=at))
    _install_partner_locations(store, at)


def add_user(store: Store, login: str, name: str, groups: list[str], *, password: str | None = None,
             at: datetime | None = None, **vals: object) -> int:
    uid = store.create("res.users", {
        "login": login, "name": name, "email": f"{login}@harborhealth.example",
        "group_ids": [store.ref(g) for g in groups], "tz": "America/New_York", **vals,
    }, uid=SUPERUSER_UID, at=at)
    store.passwords[uid] = password if password is not None else login
    return uid


def _install_groups(store: Store) -> None:
    for xml_id, name, category, implied in GROUPS:
        gid = store.create("res.groups", {"name": name, "category_name": category or False,
                                          "implied_ids": [store.ref(i) for i in implied]}, uid=SUPERUSER_UID)
        xmlid(store, xml_id, "res.groups", gid)


def _install_metadata(store: Store) -> None:
    # Rows inserted directly: ~700 fields would otherwise each pay for validation and defaults.
    now = store.now_str()
    for model in store.registry.values():
        module = _MODULES.get(model.name.split(".")[0], "base")
        model_id = store.insert_raw("ir.model", {"model": model.name, "name": model.description, "modules": module,
                                                 "create_date": now, "write_date": now,
                                                 "create_uid": SUPERUSER_UID, "write_uid": SUPERUSER_UID})
        xmlid(store, f"{module}.model_{model.name.replace('.', '_')}", "ir.model", model_id)
        for f in model.fields.values():
            store.field_ids[(model.name, f.name)] = store.insert_raw("ir.model.fields", {
                "name": f.name, "model": model.name, "model_id": model_id, "field_description": f.string,
                "ttype": f.type, "relation": f.relation or False, "relation_field": f.inverse_name or False,
                "store": f.store, "required": f.required, "readonly": f.readonly, "tracking": 100 if f.tracking else 0,
                "create_date": now, "write_date": now, "create_uid": SUPERUSER_UID, "write_uid": SUPERUSER_UID})


def _install_partner_locations(store: Store, at: datetime) -> None:
    partners = store.create("stock.location", {"name": "Partners", "usage": "view"}, uid=SUPERUSER_UID, at=at)
    virtual = store.create("stock.location", {"name": "Virtual Locations", "usage": "view"}, uid=SUPERUSER_UID, at=at)
    for xml_id, name, parent, usage in [
        ("stock.stock_location_suppliers", "Vendors", partners, "supplier"),
        ("stock.stock_location_customers", "Customers", partners, "customer"),
        ("stock.stock_location_inventory", "Inventory adjustment", virtual, "inventory"),
    ]:
        xmlid(store, xml_id, "stock.location", store.create(
            "stock.location", {"name": name, "location_id": parent, "usage": usage}, uid=SUPERUSER_UID, at=at))
