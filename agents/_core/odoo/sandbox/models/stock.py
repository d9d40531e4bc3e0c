"""Inventory: clinics as warehouses, locations, receipts and consumption moves, stock levels, reorder rules."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import (Model, Row, boolean, char, computed, date, datetime_, float_, html, integer, m2o, o2m,
                      selection)
from .mail import thread_fields

if TYPE_CHECKING:
    from ..store import Store

USAGES = [("supplier", "Vendor"), ("view", "Virtual"), ("internal", "Internal"), ("customer", "Customer"),
          ("inventory", "Inventory Loss"), ("production", "Production"), ("transit", "Transit")]
PICKING_CODES = [("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")]
PICKING_STATES = [("draft", "Draft"), ("waiting", "Waiting Another Operation"), ("confirmed", "Waiting"),
                  ("assigned", "Ready"), ("done", "Done"), ("cancel", "Cancelled")]
MOVE_STATES = [("draft", "New"), ("waiting", "Waiting Another Move"), ("confirmed", "Waiting Availability"),
               ("partially_available", "Partially Available"), ("assigned", "Available"), ("done", "Done"),
               ("cancel", "Cancelled")]
_SHORT = {"incoming": "IN", "outgoing": "OUT", "internal": "INT"}


def _related(model: str, link: str, field: str):
    return lambda store, row: (store.row(model, row.get(link)) or {}).get(field, False)


def _location_saved(store: "Store", row: Row) -> None:
    # Odoo's rule: a view location is known by its own name, anything else by its parent's path.
    parent = store.row("stock.location", row.get("location_id"))
    name = row.get("name")
    complete = f"{parent.get('complete_name')}/{name}" if parent and row.get("usage") != "view" else name
    store.set_raw("stock.location", row["id"], {"complete_name": complete})


def _picking_name(store: "Store", vals: dict[str, Any], uid: int) -> Any:
    ptype = store.row("stock.picking.type", vals.get("picking_type_id")) or {}
    warehouse = store.row("stock.warehouse", ptype.get("warehouse_id")) or {}
    prefix = f"{warehouse.get('code', 'WH')}/{_SHORT.get(ptype.get('code'), 'INT')}"
    return store.next_sequence(prefix, prefix + "/{:05d}")


def _validate(store: "Store", ids: list[int], uid: int) -> bool:
    now = store.now_str()
    for rid in ids:
        for move in store.inverse("stock.move", "picking_id").get(rid, ()):
            store.write("stock.move", [move], {"state": "done", "date": now}, uid=uid)
        store.write("stock.picking", [rid], {"state": "done", "date_done": now}, uid=uid)
    return True


def _qty_to_order(store: "Store", row: Row) -> float:
    forecast = row.get("qty_forecast", 0.0)
    if forecast >= row.get("product_min_qty", 0.0):
        return 0.0
    return max(row.get("product_max_qty", 0.0) - forecast, 0.0)


MODELS = [
    Model("stock.location", "Inventory Locations", {
        "name": char("Location Name", required=True),
        "complete_name": char("Full Location Name"),
        "location_id": m2o("stock.location", "Parent Location"),
        "child_ids": o2m("stock.location", "location_id", "Contains"),
        "usage": selection(USAGES, "Location Type", required=True, default="internal"),
        "warehouse_id": m2o("stock.warehouse", "Warehouse"),
        "active": boolean("Active", default=True),
        "company_id": m2o("res.company", "Company", default=1),
    }, order="complete_name, id", rec_name="complete_name", parent_name="location_id", on_save=_location_saved),
    Model("stock.warehouse", "Warehouse", {
        "name": char("Warehouse", required=True),
        "code": char("Short Name", required=True),
        "lot_stock_id": m2o("stock.location", "Location Stock"),
        "view_location_id": m2o("stock.location", "View Location"),
        "in_type_id": m2o("stock.picking.type", "In Type"),
        "out_type_id": m2o("stock.picking.type", "Out Type"),
        "partner_id": m2o("res.partner", "Address"),
        "active": boolean("Active", default=True),
        "sequence": integer("Sequence", default=10),
        "company_id": m2o("res.company", "Company", required=True, default=1),
    }, order="sequence,id"),
    Model("stock.picking.type", "Operation Type", {
        "name": char("Operation Type", required=True),
        "code": selection(PICKING_CODES, "Type of Operation", required=True),
        "sequence_code": char("Sequence Prefix", required=True),
        "warehouse_id": m2o("stock.warehouse", "Warehouse"),
        "default_location_src_id": m2o("stock.location", "Source Location"),
        "default_location_dest_id": m2o("stock.location", "Destination Location"),
        "active": boolean("Active", default=True),
        "company_id": m2o("res.company", "Company", required=True, default=1),
    }, order="sequence, id", display=lambda store, row: (
        f"{store.display_name('stock.warehouse', row['warehouse_id'])}: {row.get('name')}"
        if row.get("warehouse_id") else row.get("name"))),
    Model("stock.picking", "Transfer", {
        "name": char("Reference", readonly=True, default=_picking_name),
        "origin": char("Source Document"),
        "partner_id": m2o("res.partner", "Contact"),
        "picking_type_id": m2o("stock.picking.type", "Operation Type", required=True),
        "picking_type_code": computed(selection(PICKING_CODES, "Type of Operation"),
                                      _related("stock.picking.type", "picking_type_id", "code"), searchable=True),
        "location_id": m2o("stock.location", "Source Location", required=True),
        "location_dest_id": m2o("stock.location", "Destination Location", required=True),
        "scheduled_date": datetime_("Scheduled Date", default=lambda store, vals, uid: store.now_str()),
        "date_deadline": datetime_("Deadline", readonly=True),
        "date_done": datetime_("Date of Transfer"),
        "state": selection(PICKING_STATES, "Status", readonly=True, default="draft", tracking=True),
        "move_ids": o2m("stock.move", "picking_id", "Stock Moves"),
        "move_type": selection([("direct", "As soon as possible"), ("one", "When all products are ready")],
                               "Shipping Policy", required=True, default="direct"),
        "priority": selection([("0", "Normal"), ("1", "Urgent")], "Priority", default="0"),
        "user_id": m2o("res.users", "Responsible"),
        "note": html("Notes"),
        "backorder_id": m2o("stock.picking", "Back Order of", readonly=True),
        "purchase_id": computed(m2o("purchase.order", "Purchase Orders"), lambda store, row: next((
            (store.row("purchase.order.line", store.row("stock.move", m).get("purchase_line_id")) or {})
            .get("order_id") for m in store.inverse("stock.move", "picking_id").get(row["id"], ())
            if store.row("stock.move", m).get("purchase_line_id")), False)),
        "company_id": m2o("res.company", "Company", readonly=True, default=1),
        **thread_fields("stock.picking"),
    }, order="priority desc, scheduled_date asc, id desc", mail_thread=True, write_groups=("Inventory / User",),
        methods={"button_validate": _validate}),
    Model("stock.move", "Stock Move", {
        "reference": char("Reference", readonly=True),
        "origin": char("Source Document"),
        "product_id": m2o("product.product", "Product", required=True),
        "product_uom_qty": float_("Demand", required=True),
        "quantity": float_("Quantity"),
        "product_uom": m2o("uom.uom", "Unit", required=True, default=1),
        "location_id": m2o("stock.location", "Source Location", required=True),
        "location_dest_id": m2o("stock.location", "Intermediate Location", required=True),
        "location_usage": computed(selection(USAGES, "Source Location Type"),
                                   _related("stock.location", "location_id", "usage"), searchable=True),
        "location_dest_usage": computed(selection(USAGES, "Destination Location Type"),
                                        _related("stock.location", "location_dest_id", "usage"), searchable=True),
        "picking_id": m2o("stock.picking", "Transfer"),
        "picking_type_id": m2o("stock.picking.type", "Operation Type"),
        "picking_code": computed(selection(PICKING_CODES, "Type of Operation"),
                                 _related("stock.picking.type", "picking_type_id", "code"), searchable=True),
        "state": selection(MOVE_STATES, "Status", readonly=True, default="draft"),
        "date": datetime_("Date Scheduled", required=True, default=lambda store, vals, uid: store.now_str()),
        "date_deadline": datetime_("Deadline", readonly=True),
        "partner_id": m2o("res.partner", "Destination Address "),
        "purchase_line_id": m2o("purchase.order.line", "Purchase Order Line", readonly=True),
        "warehouse_id": m2o("stock.warehouse", "Warehouse"),
        "price_unit": float_("Price Unit"),
        "procure_method": selection([("make_to_stock", "Default: Take From Stock"),
                                     ("make_to_order", "Advanced: Apply Procurement Rules")],
                                    "Supply Method", required=True, default="make_to_stock"),
        "priority": selection([("0", "Normal"), ("1", "Urgent")], "Priority", readonly=True, default="0"),
        "company_id": m2o("res.company", "Company", required=True, default=1),
    }, order="id", rec_name="reference", display=lambda store, row: (
        f"{row.get('reference') or ''}: {store.display_name('stock.location', row.get('location_id'))}"
        f" > {store.display_name('stock.location', row.get('location_dest_id'))}")),
    Model("stock.quant", "Quants", {
        "product_id": m2o("product.product", "Product", required=True),
        "location_id": m2o("stock.location", "Location", required=True),
        "warehouse_id": computed(m2o("stock.warehouse", "Warehouse"),
                                 _related("stock.location", "location_id", "warehouse_id"), searchable=True),
        "quantity": float_("Quantity", readonly=True),
        "reserved_quantity": float_("Reserved Quantity", required=True, readonly=True),
        "available_quantity": computed(float_("Available Quantity"), lambda store, row: (
            row.get("quantity", 0.0) - row.get("reserved_quantity", 0.0))),
        "in_date": datetime_("Incoming Date", required=True, readonly=True,
                             default=lambda store, vals, uid: store.now_str()),
        "company_id": m2o("res.company", "Company", readonly=True, default=1),
    }, rec_name=None, display=lambda store, row: store.display_name("product.product", row.get("product_id"))),
    Model("stock.warehouse.orderpoint", "Minimum Inventory Rule", {
        "name": char("Name", required=True, readonly=True, default=lambda store, vals, uid: store.next_sequence(
            "stock.warehouse.orderpoint", "OP/{:05d}")),
        "product_id": m2o("product.product", "Product", required=True),
        "product_category_id": computed(m2o("product.category", "Product Category"),
                                        _related("product.product", "product_id", "categ_id"), searchable=True),
        "warehouse_id": m2o("stock.warehouse", "Warehouse", required=True),
        "location_id": m2o("stock.location", "Location", required=True),
        "product_min_qty": float_("Min Quantity", required=True),
        "product_max_qty": float_("Max Quantity", required=True),
        # Odoo computes these from stock and pending moves; the sandbox keeps them as given.
        "qty_forecast": float_("Forecast", store=False, readonly=True),
        "qty_on_hand": float_("On Hand", store=False, readonly=True),
        "lead_days": float_("Lead Days", store=False, readonly=True),
        "qty_to_order": computed(float_("To Order"), _qty_to_order),
        "qty_to_order_manual": float_("To Order Manual"),
        "trigger": selection([("auto", "Auto"), ("manual", "Manual")], "Trigger", required=True, default="auto"),
        "supplier_id": m2o("product.supplierinfo", "Vendor Pricelist"),
        "snoozed_until": date("Snoozed"),
        "deadline_date": date("Deadline", readonly=True),
        "active": boolean("Active", default=True),
        "company_id": m2o("res.company", "Company", required=True, default=1),
    }, order="location_id,id", write_groups=("Inventory / Administrator",)),
]
