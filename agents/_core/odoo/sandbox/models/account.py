"""Accounting: vendor bills and customer invoices (account.move), their lines, and journals."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import (Model, Row, boolean, char, computed, date, float_, html, integer, m2m, m2o, monetary, o2m,
                      selection)
from ..mail import today_default
from .mail import thread_fields

if TYPE_CHECKING:
    from ..store import Store

MOVE_TYPES = [("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"),
              ("out_refund", "Customer Credit Note"), ("in_invoice", "Vendor Bill"),
              ("in_refund", "Vendor Credit Note"), ("out_receipt", "Sales Receipt"),
              ("in_receipt", "Purchase Receipt")]
PAYMENT_STATES = [("not_paid", "Not Paid"), ("in_payment", "In Payment"), ("paid", "Paid"),
                  ("partial", "Partially Paid"), ("reversed", "Reversed"), ("blocked", "Blocked"),
                  ("invoicing_legacy", "Invoicing App Legacy")]
_DRAFT_LABELS = {"in_invoice": "Draft Bill", "out_invoice": "Draft Invoice", "in_refund": "Draft Vendor Credit Note",
                 "out_refund": "Draft Credit Note", "entry": "Draft Entry"}
_SEQUENCES = {"in_invoice": "BILL", "in_refund": "RBILL", "out_invoice": "INV", "out_refund": "RINV"}


def _journal(store: "Store", vals: dict[str, Any], uid: int) -> Any:
    move_type = str(vals.get("move_type") or "entry")
    kind = "purchase" if move_type.startswith("in_") else "sale" if move_type.startswith("out_") else "general"
    return next((rid for rid, j in store.rows("account.journal").items() if j.get("type") == kind), False)


def _move_display(store: "Store", row: Row) -> Any:
    name = row.get("name")
    if name and name != "/":
        return name
    return f"{_DRAFT_LABELS.get(row.get('move_type'), 'Draft Entry')} (* {row['id']})"


def _move_saved(store: "Store", row: Row) -> None:
    partner = store.row("res.partner", row.get("partner_id")) or {}
    store.set_raw("account.move", row["id"], {
        "commercial_partner_id": partner.get("commercial_partner_id", row.get("partner_id", False)),
        "invoice_partner_display_name": store.display_name("res.partner", row.get("partner_id")),
    })


def _duplicated_refs(store: "Store", row: Row) -> tuple[int, ...]:
    """Other vendor bills with the same partner and reference: what Odoo warns about on a bill."""
    if not row.get("ref") or not row.get("move_type", "").startswith("in_"):
        return ()
    return tuple(rid for rid, other in store.rows("account.move").items()
                 if rid != row["id"] and other.get("ref") == row["ref"]
                 and other.get("commercial_partner_id") == row.get("commercial_partner_id")
                 and other.get("move_type") == row.get("move_type") and other.get("state") != "cancel")


def _post(store: "Store", ids: list[int], uid: int) -> bool:
    for rid in ids:
        move = store.row("account.move", rid)
        if move is None or move.get("state") != "draft":
            continue
        vals: dict[str, Any] = {"state": "posted"}
        if not move.get("name") or move.get("name") == "/":
            prefix = _SEQUENCES.get(move.get("move_type"), "MISC")
            day = move.get("invoice_date") or move.get("date")
            # Odoo numbers customer invoices per year and vendor bills per month.
            period, fmt = (day[:4], f"{prefix}/{day[:4]}/{{:05d}}") if prefix == "INV" else (
                day[:7], f"{prefix}/{day[:4]}/{day[5:7]}/{{:04d}}")
            vals["name"] = store.next_sequence(f"{prefix}/{period}", fmt)
        store.write("account.move", [rid], vals, uid=uid)
    return True


_OUTBOUND = ("in_invoice", "out_refund", "in_receipt")  # money leaves the company: Odoo signs these amounts negative


def _signed(row: Row, field: str) -> float:
    """Odoo's *_signed amounts: in company currency, negative for bills and customer refunds."""
    sign = -1 if row.get("move_type") in _OUTBOUND else 1
    return round(sign * row.get(field, 0.0) / (row.get("invoice_currency_rate") or 1.0), 2)


def _line_saved(store: "Store", row: Row) -> None:
    subtotal = round(row.get("quantity", 0.0) * row.get("price_unit", 0.0) * (1 - row.get("discount", 0.0) / 100), 2)
    move = store.row("account.move", row.get("move_id")) or {}
    store.set_raw("account.move.line", row["id"], {
        "price_subtotal": subtotal, "price_total": subtotal, "date": move.get("date", False),
        "partner_id": row.get("partner_id") or move.get("partner_id", False),
    })


def _line_changed(store: "Store", row: Row) -> None:
    move = store.row("account.move", row.get("move_id"))
    if move is None:
        return
    lines = store.rows("account.move.line")
    total = round(sum(lines[i].get("price_subtotal", 0.0)
                      for i in store.inverse("account.move.line", "move_id").get(move["id"], ())
                      if lines[i].get("display_type", "product") == "product"), 2)
    residual = 0.0 if move.get("payment_state") in ("paid", "in_payment", "reversed") else total
    store.set_raw("account.move", move["id"], {"amount_untaxed": total, "amount_tax": 0.0, "amount_total": total,
                                               "amount_residual": residual})


MODELS = [
    Model("account.journal", "Journal", {
        "name": char("Journal Name", required=True),
        "code": char("Short Code", required=True),
        "type": selection([("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"), ("bank", "Bank"),
                           ("credit", "Credit Card"), ("general", "Miscellaneous")], "Type", required=True),
        "active": boolean("Active", default=True),
        "sequence": integer("Sequence", default=10),
        "company_id": m2o("res.company", "Company", required=True, default=1),
    }, order="sequence, type, code"),
    Model("account.move", "Journal Entry", {
        "name": char("Number", default="/"),
        "ref": char("Reference", tracking=True),
        "move_type": selection(MOVE_TYPES, "Type", required=True, readonly=True, default="entry"),
        "state": selection([("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], "Status",
                           required=True, readonly=True, default="draft", tracking=True),
        "payment_state": selection(PAYMENT_STATES, "Payment Status", readonly=True, default="not_paid"),
        "partner_id": m2o("res.partner", "Partner", tracking=True),
        "commercial_partner_id": m2o("res.partner", "Commercial Entity", readonly=True),
        "invoice_partner_display_name": char("Invoice Partner Display Name", readonly=True),
        "invoice_date": date("Invoice/Bill Date"),
        "invoice_date_due": date("Due Date"),
        "date": date("Date", required=True, default=today_default),
        "journal_id": m2o("account.journal", "Journal", required=True, default=_journal),
        "currency_id": m2o("res.currency", "Currency", required=True, default=1),
        "company_id": m2o("res.company", "Company", default=1),
        "amount_untaxed": monetary("Untaxed Amount", readonly=True),
        "amount_tax": monetary("Tax", readonly=True),
        "amount_total": monetary("Total", readonly=True),
        "amount_residual": monetary("Amount Due", readonly=True),
        "invoice_currency_rate": float_("Currency Rate", default=1.0),  # units of the move's currency per company unit
        "amount_total_signed": computed(monetary("Total Signed"), lambda store, row: _signed(row, "amount_total")),
        "amount_residual_signed": computed(monetary("Amount Due Signed"), lambda store, row: _signed(row, "amount_residual")),
        "invoice_origin": char("Origin", readonly=True),
        "payment_reference": char("Payment Reference"),
        "narration": html("Terms and Conditions"),
        "checked": boolean("Reviewed"),
        "auto_post": selection([("no", "No"), ("at_date", "At Date"), ("monthly", "Monthly"),
                                ("quarterly", "Quarterly"), ("yearly", "Yearly")], "Auto-post",
                               required=True, default="no"),
        "invoice_user_id": m2o("res.users", "Salesperson", default=lambda store, vals, uid: uid),
        "invoice_line_ids": o2m("account.move.line", "move_id", "Invoice lines"),
        "line_ids": o2m("account.move.line", "move_id", "Journal Items"),
        "attachment_ids": o2m("ir.attachment", "res_id", "Attachments", model_field="res_model"),
        "duplicated_ref_ids": computed(m2m("account.move", "Duplicated Ref"), _duplicated_refs),
        "purchase_id": m2o("purchase.order", "Purchase Order", store=False),  # Odoo's prefill helper: always empty
        "purchase_order_count": computed(integer("Purchase Order Count"), lambda store, row: len({
            (store.row("purchase.order.line", store.row("account.move.line", i).get("purchase_line_id")) or {})
            .get("order_id") for i in store.inverse("account.move.line", "move_id").get(row["id"], ())} - {None, False})),
        **thread_fields("account.move"),
    }, order="date desc, name desc, id desc", display=_move_display, mail_thread=True, on_save=_move_saved,
        write_groups=("Accounting / Invoicing",), methods={
            "action_post": _post,
            "button_draft": lambda store, ids, uid: store.write("account.move", ids, {"state": "draft"}, uid=uid),
            "button_cancel": lambda store, ids, uid: store.write("account.move", ids, {"state": "cancel"}, uid=uid),
        }),
    Model("account.move.line", "Journal Item", {
        "move_id": m2o("account.move", "Journal Entry", required=True),
        "name": char("Label"),
        "product_id": m2o("product.product", "Product"),
        "quantity": float_("Quantity", default=1.0),
        "price_unit": float_("Unit Price"),
        "discount": float_("Discount (%)"),
        "price_subtotal": monetary("Subtotal", readonly=True),
        "price_total": monetary("Total", readonly=True),
        "partner_id": m2o("res.partner", "Partner"),
        "purchase_line_id": m2o("purchase.order.line", "Purchase Order Line", readonly=True),
        "display_type": selection([("product", "Product"), ("cogs", "Cost of Goods Sold"), ("tax", "Tax"),
                                   ("discount", "Discount"), ("rounding", "Rounding"),
                                   ("payment_term", "Payment Term"), ("line_section", "Section"),
                                   ("line_subsection", "Subsection"), ("line_note", "Note"),
                                   ("epd", "Early Payment Discount")], "Display Type", required=True,
                                  default="product"),
        "date": date("Date", readonly=True),
        "parent_state": computed(selection([("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
                                           "Parent State"), lambda store, row: (
            store.row("account.move", row.get("move_id")) or {}).get("state", False), searchable=True),
        "company_id": m2o("res.company", "Company", readonly=True, default=1),
        "currency_id": m2o("res.currency", "Currency", required=True, default=1),
    }, order="date desc, move_id desc, id", on_save=_line_saved, after_save=_line_changed,
        write_groups=("Accounting / Invoicing",)),
]
