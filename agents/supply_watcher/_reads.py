"""supply_watcher's batched reads: products and vendors, stock on hand, consumption and open orders, by product chunk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agents._core.odoo.gateway import Record
from agents._core.odoo.values import format_datetime, m2o_id, m2o_name, parse_date, parse_datetime
from agents._core.watcher import ScanContext

CHUNK = 1000  # products per batched read: keeps `in` lists and pages reasonable on a real server
OPEN_PO_STATES = ["draft", "sent", "to approve", "purchase"]
# The fields each read takes, by model: named once, so preflight checks the same list against the server.
PRODUCT_FIELDS = ["display_name", "active", "categ_id", "uom_id", "seller_ids"]
SELLER_FIELDS = ["partner_id", "product_id", "delay", "price", "min_qty", "currency_id", "date_start", "date_end"]
LOCATION_FIELDS = ["warehouse_id", "usage"]
TYPE_FIELDS = ["warehouse_id"]
MOVE_FIELDS = ["picking_id", "product_id", "location_id", "quantity", "product_uom", "date", "state", "location_usage",
               "location_dest_usage"]  # fmt: skip
QUANT_FIELDS = ["product_id", "location_id", "quantity", "reserved_quantity"]
ORDER_LINE_FIELDS = ["order_id", "product_id", "product_qty", "qty_received", "state"]
ORDER_FIELDS = ["name", "picking_type_id"]
Key = tuple[int, int]  # (product id, warehouse id)


@dataclass(frozen=True)
class Seller:
    """One line of a product's vendor price list (product.supplierinfo)."""

    id: int
    vendor_id: int
    vendor: str
    delay: float  # stated lead time, days
    price: float  # in currency_id: the vendor's currency, which the RFQ then uses
    min_qty: float
    currency_id: int | None


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    active: bool
    uom_id: int | None
    critical: bool
    sellers: tuple[Seller, ...]  # valid today, in Odoo's order: the first is the main vendor

    @property
    def seller(self) -> Seller | None:
        return self.sellers[0] if self.sellers else None

    def seller_for(self, vendor_id: int) -> Seller | None:
        return next((s for s in self.sellers if s.vendor_id == vendor_id), None)

    def rfq(self, quantity: float) -> dict[str, Any]:
        """create_rfq's arguments: the main vendor, its price in its own currency (another currency stays correct)."""
        seller = self.seller
        assert seller is not None
        return {"quantity": quantity, "vendor_id": seller.vendor_id, "price_unit": seller.price,
                **({"currency_id": seller.currency_id} if seller.currency_id else {})}


class Supply:
    """One scan's reads. Products, tags, locations and operation types are read once however many rules ask."""

    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.gateway = ctx.gateway
        self.today = ctx.now.astimezone(ctx.calendar.tz).date()
        critical = getattr(ctx.policy, "critical", None)
        self._critical_categories = {_key(c) for c in (critical.categories if critical else [])}
        self._critical_tags = {_key(t) for t in (critical.tags if critical else [])}
        self._products: dict[int, Product] = {}
        self._tags: dict[int, str] = {}
        self._location_wh: dict[int, int | None] = {}  # internal locations only: others hold no stock on hand
        self._type_wh: dict[int, int | None] = {}
        self.reorder_cache: dict[str, Any] = {}  # domain -> the reorder rules read for it (see _reorder.reorder_points)

    def by_ids(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[Record]:
        """Records by id, archived ones too (as `read` would give them), as one search_read: a page, not a call each."""
        domain: list[Any] = [("id", "in", list(ids))]
        if "active" in self.gateway.fields_get(model):
            domain.append(("active", "in", [True, False]))
        return self.gateway.search_read(model, domain, fields)

    # -- products and vendors ------------------------------------------------------------------------------

    def products(self, ids: Iterable[int]) -> dict[int, Product]:
        """Products by id, archived ones included (`read` does not filter them), with their valid sellers."""
        wanted = sorted(set(ids))
        missing = [i for i in wanted if i not in self._products]
        fields = list(PRODUCT_FIELDS)
        tagged = bool(self._critical_tags) and "product_tag_ids" in self.gateway.fields_get("product.product")
        for chunk in chunks(missing):
            rows = self.by_ids("product.product", chunk, fields + (["product_tag_ids"] if tagged else []))
            sellers = self._sellers({s for row in rows for s in row.get("seller_ids") or ()})
            tags = self._tag_names({t for row in rows for t in row.get("product_tag_ids") or ()}) if tagged else {}
            for row in rows:
                own = tuple(s for sid in row.get("seller_ids") or () if (s := sellers.get(sid)) and s[0] in (None, row["id"]))
                names = {tags.get(t, "") for t in row.get("product_tag_ids") or ()}
                self._products[row["id"]] = Product(
                    id=row["id"], name=str(row.get("display_name") or f"product #{row['id']}"), active=bool(row.get("active")),
                    uom_id=m2o_id(row.get("uom_id")), critical=self._is_critical(m2o_name(row.get("categ_id")), names),
                    sellers=tuple(seller for _, seller in own),
                )  # fmt: skip
        return {i: self._products[i] for i in wanted if i in self._products}

    def _sellers(self, ids: set[int]) -> dict[int, tuple[int | None, Seller]]:
        """Supplier info id -> (the variant it is limited to, the seller); expired and future prices left out."""
        fields = SELLER_FIELDS
        out: dict[int, tuple[int | None, Seller]] = {}
        for chunk in chunks(sorted(ids)):
            for row in self.by_ids("product.supplierinfo", chunk, fields):
                vendor = m2o_id(row.get("partner_id"))
                start, end = parse_date(row.get("date_start")), parse_date(row.get("date_end"))
                if vendor is None or (start and start > self.today) or (end and end < self.today):
                    continue
                name = m2o_name(row.get("partner_id")) or f"vendor #{vendor}"
                seller = Seller(row["id"], vendor, name, float(row.get("delay") or 0), float(row.get("price") or 0),
                                float(row.get("min_qty") or 0), m2o_id(row.get("currency_id")))  # fmt: skip
                out[row["id"]] = (m2o_id(row.get("product_id")), seller)
        return out

    def _tag_names(self, ids: set[int]) -> dict[int, str]:
        todo = sorted(ids - set(self._tags))
        for chunk in chunks(todo):
            self._tags |= {row["id"]: str(row.get("name") or "") for row in self.by_ids("product.tag", chunk, ["name"])}
        return self._tags

    def _is_critical(self, category: str | None, tags: set[str]) -> bool:
        # "Medical Supplies / Critical / Vaccines" is in category "Critical" (and in the full path written out).
        path = [_key(part) for part in (category or "").split("/")]
        in_category = bool(self._critical_categories & ({" / ".join(path)} | set(path)))
        return in_category or bool(self._critical_tags & {_key(t) for t in tags})

    # -- where things are ------------------------------------------------------------------------------------

    def warehouses_of_locations(self, ids: Iterable[int]) -> dict[int, int | None]:
        """Location id -> its warehouse, None for a location that is not internal stock or has no warehouse."""
        todo = sorted(set(ids) - set(self._location_wh))
        for chunk in chunks(todo):
            for row in self.by_ids("stock.location", chunk, LOCATION_FIELDS):
                self._location_wh[row["id"]] = m2o_id(row.get("warehouse_id")) if row.get("usage") == "internal" else None
        return self._location_wh

    def warehouses_of_types(self, ids: Iterable[int]) -> dict[int, int | None]:
        todo = sorted(set(ids) - set(self._type_wh))
        for chunk in chunks(todo):
            for row in self.by_ids("stock.picking.type", chunk, TYPE_FIELDS):
                self._type_wh[row["id"]] = m2o_id(row.get("warehouse_id"))
        return self._type_wh

    def products_on(self, picking_ids: Sequence[int]) -> dict[int, set[int]]:
        """Transfer id -> the products of its moves: one read of the moves per chunk of transfers."""
        products: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(picking_ids):
            for page in self.gateway.pages("stock.move", [("picking_id", "in", chunk)], ["picking_id", "product_id"]):
                for move in page:
                    if (picking := m2o_id(move.get("picking_id"))) and (product := m2o_id(move.get("product_id"))):
                        products[picking].add(product)
        return products

    # -- quantities ----------------------------------------------------------------------------------------------

    def consumption_moves(self, product_ids: Sequence[int], since: datetime, usages: Sequence[str],
                          *, until: datetime | None = None) -> Iterator[tuple[Key, datetime, float]]:
        """Done moves out of stock to the usages that count as use: ((product, warehouse), date, quantity)."""
        for key, row in self._use(product_ids, since, usages, until):
            when = parse_datetime(row.get("date"))
            if when is not None:
                yield key, when, float(row.get("quantity") or 0)

    def consumption(self, product_ids: Sequence[int], since: datetime, usages: Sequence[str]) -> dict[Key, float]:
        """Quantity used since `since`, by product and warehouse."""
        used: dict[Key, float] = defaultdict(float)
        for key, row in self._use(product_ids, since, usages, None):
            used[key] += float(row.get("quantity") or 0)
        return used

    def _use(self, product_ids: Sequence[int], since: datetime, usages: Sequence[str],
             until: datetime | None) -> Iterator[tuple[Key, Record]]:
        domain = [("state", "=", "done"), ("product_id", "in", list(product_ids)), ("date", ">=", format_datetime(since)),
                  ("location_usage", "=", "internal"), ("location_dest_usage", "in", list(usages))]  # fmt: skip
        if until is not None:
            domain.append(("date", "<", format_datetime(until)))
        products = self.products(product_ids)
        for page in self.gateway.pages("stock.move", domain, ["product_id", "location_id", "quantity", "product_uom", "date"]):
            warehouses = self.warehouses_of_locations({m2o_id(r.get("location_id")) or 0 for r in page})
            for row in page:
                key = self._move_key(row, products, warehouses)
                if key is not None:
                    yield key, row

    def _move_key(self, row: Record, products: dict[int, Product], warehouses: dict[int, int | None]) -> Key | None:
        product = products.get(m2o_id(row.get("product_id")) or 0)
        warehouse = warehouses.get(m2o_id(row.get("location_id")) or 0)
        if product is None:
            self.ctx.skip("stock.move", row["id"], "its product cannot be read: not counted as use")
            return None
        if warehouse is None:
            self.ctx.skip("stock.move", row["id"], "its source is no warehouse's internal stock: not counted as use")
            return None
        uom = m2o_id(row.get("product_uom"))
        if uom is not None and product.uom_id is not None and uom != product.uom_id:
            unit = m2o_name(row.get("product_uom"))
            self.ctx.skip("stock.move", row["id"], f"in {unit}, not the product's unit: not counted")
            return None
        return product.id, warehouse

    def on_hand(self, product_ids: Sequence[int]) -> dict[Key, float]:
        """Available quantity (on hand - reserved) in each warehouse's internal locations."""
        domain = [("product_id", "in", list(product_ids))]  # other locations' quants are left out below, by location
        stock: dict[Key, float] = defaultdict(float)
        for page in self.gateway.pages("stock.quant", domain, QUANT_FIELDS):
            warehouses = self.warehouses_of_locations({m2o_id(r.get("location_id")) or 0 for r in page})
            for row in page:
                warehouse = warehouses.get(m2o_id(row.get("location_id")) or 0)
                if warehouse is not None:
                    key = (m2o_id(row.get("product_id")) or 0, warehouse)
                    stock[key] += float(row.get("quantity") or 0) - float(row.get("reserved_quantity") or 0)
        return stock

    def open_orders(self, product_ids: Sequence[int]) -> dict[Key | tuple[int, None], list[str]]:
        """Open RFQs and purchase orders not fully received, by product and destination warehouse (None: unknown)."""
        domain = [("product_id", "in", list(product_ids)), ("state", "in", OPEN_PO_STATES)]
        fields = ORDER_LINE_FIELDS
        lines = [line for page in self.gateway.pages("purchase.order.line", domain, fields) for line in page if _open(line)]
        orders: dict[int, Record] = {}
        for chunk in chunks(sorted({m2o_id(line.get("order_id")) or 0 for line in lines})):
            orders |= {row["id"]: row for row in self.by_ids("purchase.order", chunk, ORDER_FIELDS)}
        types = self.warehouses_of_types({m2o_id(o.get("picking_type_id")) or 0 for o in orders.values()} - {0})
        found: dict[Key | tuple[int, None], list[str]] = defaultdict(list)
        for line in lines:
            order = orders.get(m2o_id(line.get("order_id")) or 0)
            if order is not None:
                warehouse = types.get(m2o_id(order.get("picking_type_id")) or 0)
                found[(m2o_id(line.get("product_id")) or 0, warehouse)].append(str(order.get("name")))
        return found


def _open(line: Record) -> bool:
    """An RFQ line, or a purchase order line not fully received."""
    return line.get("state") != "purchase" or float(line.get("qty_received") or 0) < float(line.get("product_qty") or 0)


def orders_for(found: dict[Key | tuple[int, None], list[str]], key: Key) -> list[str]:
    """Open orders to this warehouse, and those whose destination is not known (they may be for it)."""
    return [*found.get(key, []), *found.get((key[0], None), [])]


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def days_between(start: datetime, end: datetime) -> float:
    return (end - start) / timedelta(days=1)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()
