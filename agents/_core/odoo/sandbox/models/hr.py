"""Employees and their expenses (Odoo 19: approval on hr.expense itself; no hr.expense.sheet)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import (Model, Row, boolean, char, computed, date, datetime_, float_, integer, m2o, monetary, o2m,
                      selection, text)
from ..mail import today_default
from .mail import thread_fields

if TYPE_CHECKING:
    from ..store import Store

EXPENSE_STATES = [("draft", "Draft"), ("submitted", "Submitted"), ("approved", "Approved"), ("posted", "Posted"),
                  ("in_payment", "In Payment"), ("paid", "Paid"), ("refused", "Refused")]


def _expense_saved(store: "Store", row: Row) -> None:
    derived: dict[str, Any] = {}
    if not row.get("manager_id"):
        employee = store.row("hr.employee", row.get("employee_id")) or {}
        manager = store.row("hr.employee", employee.get("parent_id")) or {}
        derived["manager_id"] = employee.get("expense_manager_id") or manager.get("user_id") or False
    total = row.get("total_amount", 0.0)
    derived |= {"total_amount_currency": row.get("total_amount_currency") or total,
                "untaxed_amount": total, "price_unit": row.get("price_unit") or total / (row.get("quantity") or 1.0)}
    store.set_raw("hr.expense", row["id"], derived)


def _transition(state: str):
    def method(store: "Store", ids: list[int], uid: int) -> bool:
        vals: dict[str, Any] = {"state": state}
        if state in ("approved", "refused"):
            vals |= {"approval_state": state, "approval_date": store.now_str()}
        return store.write("hr.expense", ids, vals, uid=uid)
    return method


MODELS = [
    Model("hr.employee", "Employee", {
        "name": char("Employee Name", required=True),
        "user_id": m2o("res.users", "User"),
        "work_email": char("Work Email"),
        "job_title": char("Job Title"),
        "parent_id": m2o("hr.employee", "Manager"),
        "child_ids": o2m("hr.employee", "parent_id", "Direct subordinates"),
        "coach_id": m2o("hr.employee", "Coach"),
        "expense_manager_id": m2o("res.users", "Expense"),
        "active": boolean("Active", default=True),
        "company_id": m2o("res.company", "Company", required=True, default=1),
        **thread_fields("hr.employee"),
    }, order="name", parent_name="parent_id", mail_thread=True, write_groups=("Employees / Officer",)),
    Model("hr.expense", "Expense", {
        "name": char("Description", required=True),
        "employee_id": m2o("hr.employee", "Employee", required=True, tracking=True),
        "manager_id": m2o("res.users", "Manager", readonly=True, tracking=True),
        "product_id": m2o("product.product", "Category", tracking=True),
        "date": date("Expense Date", default=today_default),
        "quantity": float_("Quantity", required=True, default=1.0),
        "price_unit": float_("Unit Price", required=True, readonly=True),
        "total_amount": monetary("Total", tracking=True),
        "total_amount_currency": monetary("Total In Currency"),
        "untaxed_amount": monetary("Total Untaxed Amount", readonly=True),
        "tax_amount": monetary("Tax amount", readonly=True),
        "currency_id": m2o("res.currency", "Currency", required=True, default=1),
        "company_id": m2o("res.company", "Company", required=True, readonly=True, default=1),
        "payment_mode": selection([("own_account", "Employee (to reimburse)"), ("company_account", "Company")],
                                  "Paid By", required=True, default="own_account", tracking=True),
        "state": selection(EXPENSE_STATES, "Status", readonly=True, default="draft", tracking=True),
        "approval_state": selection([("submitted", "Submitted"), ("approved", "Approved"),
                                     ("refused", "Refused")], "Approval State", readonly=True),
        "approval_date": datetime_("Approval Date", readonly=True),
        "description": text("Internal Notes"),
        "vendor_id": m2o("res.partner", "Vendor"),
        "account_move_id": m2o("account.move", "Journal Entry", readonly=True),
        "former_sheet_id": integer("Former Report"),
        "attachment_ids": o2m("ir.attachment", "res_id", "Attachments", model_field="res_model"),
        "nb_attachment": computed(integer("Number of Attachments"), lambda store, row: len(
            store.inverse("ir.attachment", "res_id", "res_model", "hr.expense").get(row["id"], ()))),
        **thread_fields("hr.expense"),
    }, order="date desc, id desc", mail_thread=True, on_save=_expense_saved, write_groups=("Expenses / Administrator",),
        methods={"action_submit": _transition("submitted"), "action_approve": _transition("approved"),
                 "action_refuse": _transition("refused"), "action_reset": _transition("draft")}),
]
