"""Purchasing and products: purchase.order (the approval queue), its lines, products and vendor prices."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import (Model, Row, boolean, char, computed, date, datetime_, float_, html, integer, m2m, m2o,
                      monetary, o2m, selection, text)
from .base import has_group
from .mail import thread_fields

if TYPE_CHECKING:
    from ..store import Store

PO_STATES = [("draft", "RFQ"), ("sent", "RFQ Sent"), ("to approve", "To Approve"),
             ("purchase", "Purchase Order"), ("cancel", "Cancelled")]
PRODUCT_TYPES = [("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]
_STATE_SUBTYPES = {"to approve": "purchase.mt_rfq_confirmed", "purchase": "purchase.mt_rfq_approved",
                   "sent": "purchase.mt_rfq_sent"}


def _now(store: "Store", vals: dict[str, Any], uid: int) -> str:
    return store.now_str()


def _po_subtype(row: Row, changed: set[str]) -> str:
    if "state" in changed:
        return _STATE_SUBTYPES.get(row.get("state"), "mail.mt_note")
    return "mail.mt_note"


def approval_allowed(store: "Store", order: Row, uid: int) -> bool:
    """Odoo's purchase.order._approval_allowed: one step, under the amount, or a purchase manager."""
    company = store.row("res.company", order.get("company_id")) or {}
    if company.get("po_double_validation", "one_step") == "one_step":
        return True
    if order.get("amount_total", 0.0) < company.get("po_double_validation_amount", 5000.0):
        return True
    return has_group(store, uid, "purchase.group_purchase_manager")


def _button_confirm(store: "Store", ids: list[int], uid: int) -> bool:
    for order in [store.row("purchase.order", i) for i in ids]:
        if order is None or order.get("state") not in ("draft", "sent"):
            continue
        if approval_allowed(store, order, uid):
            _approve(store, order["id"], uid)
        else:
            store.write("purchase.order", [order["id"]], {"state": "to approve"}, uid=uid)
    return True


def _approve(store: "Store", rid: int, uid: int) -> None:
    store.write("purchase.order", [rid], {"state": "purchase", "date_approve": store.now_str()}, uid=uid)


def _button_approve(store: "Store", ids: list[int], uid: int, force: bool = False) -> bool:
    for order in [store.row("purchase.order", i) for i in ids]:
        if order is not None and (force or approval_allowed(store, order, uid)):
            _approve(store, order["id"], uid)
    return True


def _set_state(state: str):
    def method(store: "Store", ids: list[int], uid: int) -> bool:
        return store.write("purchase.order", ids, {"state": state}, uid=uid)
    return method


def _line_saved(store: "Store", row: Row) -> None:
    subtotal = round(row.get("product_qty", 0.0) * row.get("price_unit", 0.0)
                     * (1 - row.get("discount", 0.0) / 100), 2)
    order = store.row("purchase.order", row.get("order_id")) or {}
    store.set_raw("purchase.order.line", row["id"], {
        "price_subtotal": subtotal, "price_total": subtotal, "product_uom_qty": row.get("product_qty", 0.0),
        "partner_id": order.get("partner_id", False),
    })


def _line_changed(store: "Store", row: Row) -> None:
    order_id = row.get("order_id")
    if not order_id or store.row("purchase.order", order_id) is None:
        return
    lines = store.rows("purchase.order.line")
    total = round(sum(lines[i].get("price_subtotal", 0.0)
                      for i in store.inverse("purchase.order.line", "order_id").get(order_id, ())), 2)
    store.set_raw("purchase.order", order_id, {"amount_untaxed": total, "amount_tax": 0.0, "amount_total": total})


def _line_name(store: "Store", vals: dict[str, Any], uid: int) -> Any:
    return store.display_name("product.product", vals.get("product_id")) or False


def _category_saved(store: "Store", row: Row) -> None:
    parent = store.row("product.category", row.get("parent_id"))
    name = row.get("name")
    store.set_raw("product.category", row["id"], {
        "complete_name": f"{parent.get('complete_name')} / {name}" if parent else name})


def _product_display(store: "Store", row: Row) -> Any:
    code = row.get("default_code")
    return f"[{code}] {row.get('name')}" if code else row.get("name") or False


def _qty_available(store: "Store", row: Row) -> float:
    quants = store.rows("stock.quant")
    locations = store.rows("stock.location")
    return sum(quants[q].get("quantity", 0.0) for q in store.inverse("stock.quant", "product_id").get(row["id"], ())
               if (locations.get(quants[q].get("location_id")) or {}).get("usage") == "internal")


MODELS = [
    Model("purchase.order", "Purchase Order", {
        "name": char("Order Reference", required=True,
                     default=lambda store, vals, uid: store.next_sequence("purchase.order", "P{:05d}")),
        "state": selection(PO_STATES, "Status", readonly=True, default="draft", tracking=True),
        "partner_id": m2o("res.partner", "Vendor", required=True, tracking=True),
        "partner_ref": char("Vendor Reference"),
        "user_id": m2o("res.users", "Buyer", default=lambda store, vals, uid: uid, tracking=True),
        "company_id": m2o("res.company", "Company", required=True, default=1),
        "currency_id": m2o("res.currency", "Currency", required=True, default=1),
        "currency_rate": float_("Currency Rate", readonly=True, default=1.0),
        "date_order": datetime_("Order Deadline", required=True, default=_now),
        "date_approve": datetime_("Confirmation Date", readonly=True),
        "date_planned": datetime_("Expected Arrival"),
        "effective_date": datetime_("Arrival", readonly=True),
        "origin": char("Source"),
        "note": html("Terms and Conditions"),
        "priority": selection([("0", "Normal"), ("1", "Urgent")], "Priority", default="0"),
        "locked": boolean("Locked"),
        "acknowledged": boolean("Acknowledged"),
        "order_line": o2m("purchase.order.line", "order_id", "Order Lines"),
        "amount_untaxed": monetary("Untaxed Amount", readonly=True),
        "amount_tax": monetary("Taxes", readonly=True),
        "amount_total": monetary("Total", readonly=True),
        "invoice_ids": m2m("account.move", "Bills", readonly=True),
        "invoice_count": computed(integer("Bill Count"), lambda store, row: len(row.get("invoice_ids", ()))),
        "invoice_status": selection([("no", "Nothing to Bill"), ("to invoice", "Waiting Bills"),
                                     ("invoiced", "Fully Billed")], "Billing Status", readonly=True, default="no"),
        "receipt_status": selection([("pending", "Not Received"), ("partial", "Partially Received"),
                                     ("full", "Fully Received")], "Receipt Status", readonly=True),
        "picking_ids": m2m("stock.picking", "Receptions", readonly=True),
        "picking_type_id": m2o("stock.picking.type", "Deliver To"),
        "dest_address_id": m2o("res.partner", "Dropship Address"),
        **thread_fields("purchase.order"),
    }, order="priority desc, id desc", mail_thread=True, tracking_subtype=_po_subtype,
        write_groups=("Purchase / User",),
        methods={"button_confirm": _button_confirm, "button_approve": _button_approve,
                 "button_cancel": _set_state("cancel"), "button_draft": _set_state("draft")}),
    Model("purchase.order.line", "Purchase Order Line", {
        "order_id": m2o("purchase.order", "Order Reference", required=True),
        "name": text("Description", required=True, default=_line_name),
        "sequence": integer("Sequence", default=10),
        "product_id": m2o("product.product", "Product"),
        "product_qty": float_("Quantity", required=True, default=1.0),
        "product_uom_qty": float_("Total Quantity", readonly=True),
        "product_uom_id": m2o("uom.uom", "Unit", default=1),
        "price_unit": float_("Unit Price", required=True),
        "discount": float_("Discount (%)"),
        "price_subtotal": monetary("Subtotal", readonly=True),
        "price_tax": float_("Tax", readonly=True),
        "price_total": monetary("Total", readonly=True),
        "date_planned": datetime_("Expected Arrival"),
        "qty_received": float_("Received Qty"),
        "qty_invoiced": float_("Billed Qty", readonly=True),
        "partner_id": m2o("res.partner", "Partner", readonly=True),
        "company_id": m2o("res.company", "Company", readonly=True, default=1),
        "currency_id": computed(m2o("res.currency", "Currency"), lambda store, row: (
            store.row("purchase.order", row.get("order_id")) or {}).get("currency_id", False)),
        "display_type": selection([("line_section", "Section"), ("line_subsection", "Subsection"),
                                   ("line_note", "Note")], "Display Type"),
        "state": computed(selection(PO_STATES, "Status"), lambda store, row: (
            store.row("purchase.order", row.get("order_id")) or {}).get("state", False), searchable=True),
        "invoice_lines": o2m("account.move.line", "purchase_line_id", "Bill Lines", readonly=True),
        "move_ids": o2m("stock.move", "purchase_line_id", "Reservation", readonly=True),
    }, order="order_id, sequence, id", on_save=_line_saved, after_save=_line_changed,
        write_groups=("Purchase / User",),
        display=lambda store, row: f"{store.display_name('purchase.order', row.get('order_id'))} - "
                                   f"{row.get('name')}"),
    Model("product.category", "Product Category", {
        "name": char("Name", required=True),
        "complete_name": char("Complete Name"),
        "parent_id": m2o("product.category", "Parent Category"),
        "child_id": o2m("product.category", "parent_id", "Child Categories"),
    }, order="complete_name", rec_name="complete_name", parent_name="parent_id", on_save=_category_saved),
    Model("product.product", "Product Variant", {
        "name": char("Name", required=True),
        "default_code": char("Internal Reference"),
        "barcode": char("Barcode"),
        "categ_id": m2o("product.category", "Product Category", default=1),
        "type": selection(PRODUCT_TYPES, "Product Type", required=True, default="consu"),
        "is_storable": boolean("Track Inventory"),
        "list_price": float_("Sales Price", default=1.0),
        "standard_price": float_("Cost"),
        "uom_id": m2o("uom.uom", "Unit", required=True, default=1),
        "purchase_ok": boolean("Purchase", default=True),
        "sale_ok": boolean("Sales", default=True),
        "can_be_expensed": boolean("Expenses"),
        "active": boolean("Active", default=True),
        "description_purchase": text("Purchase Description"),
        "company_id": m2o("res.company", "Company"),
        "seller_ids": o2m("product.supplierinfo", "product_id", "Vendors"),
        "orderpoint_ids": o2m("stock.warehouse.orderpoint", "product_id", "Minimum Stock Rules"),
        "qty_available": computed(float_("Quantity On Hand"), _qty_available),
        "virtual_available": computed(float_("Forecasted Quantity"), _qty_available),
        "product_tag_ids": m2m("product.tag", "Tags"),
        **thread_fields("product.product"),
    }, order="default_code, name, id", display=_product_display, mail_thread=True,
        write_groups=("Inventory / Administrator",)),
    Model("product.tag", "Product Tag", {
        "name": char("Name", required=True),
        "color": integer("Color"),
    }, order="name, id"),
    Model("product.supplierinfo", "Supplier Pricelist", {
        "partner_id": m2o("res.partner", "Vendor", required=True),
        "product_id": m2o("product.product", "Product Variant"),
        "product_name": char("Vendor Product Name"),
        "product_code": char("Vendor Product Code"),
        "sequence": integer("Sequence", default=1),
        "min_qty": float_("Quantity"),
        "price": float_("Unit Price"),
        "currency_id": m2o("res.currency", "Currency", required=True, default=1),
        "delay": integer("Delivery Lead Time", required=True, default=1),
        "company_id": m2o("res.company", "Company", default=1),
        "date_start": date("Start Date"),
        "date_end": date("End Date"),
    }, order="sequence, min_qty DESC, price, id", rec_name=None,
        display=lambda store, row: store.display_name("res.partner", row.get("partner_id"))),
]
