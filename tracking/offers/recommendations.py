"""The read side of recommendations, for the tracking page: indexed lookups, no computation."""
from datetime import datetime, timedelta

from sqlalchemy import and_, select

from ..extensions import db
from ..models import Product, ProductRecommendation, Shipment
from ..models.types import utcnow

# Across the order's items, items bought together come before category and best-seller fillers.
SOURCE_ORDER = {"bought_together": 0, "category": 1, "best_seller": 2}


def _order_skus(shipment: Shipment) -> list[str]:
    """The skus of the shipment's order, each once (the page has usually loaded the items)."""
    return list(dict.fromkeys(item.sku for item in shipment.order.items))


def _bought_at(shipment: Shipment) -> datetime:
    """Delivery, or the order when not delivered: replenishment is counted from there."""
    order = shipment.order
    return shipment.delivered_at or order.placed_at or order.created_at or shipment.created_at


def replenishment_due(shipment: Shipment, now: datetime | None = None) -> list[Product]:
    """The order's in-stock consumables whose `replenish_after_days` have passed, by sku."""
    skus = _order_skus(shipment)
    if not skus:
        return []
    now, bought = now or utcnow(), _bought_at(shipment)
    consumables = db.session.scalars(select(Product).where(
        Product.merchant_id == shipment.merchant_id, Product.sku.in_(skus),
        Product.in_stock.is_(True), Product.replenish_after_days.is_not(None),
    ).order_by(Product.sku))
    return [p for p in consumables if bought + timedelta(days=p.replenish_after_days) <= now]


def for_shipment(shipment: Shipment, limit: int = 4, now: datetime | None = None) -> list[Product]:
    """In-stock products for the shopper of this shipment, best first, at most `limit`.

    Consumables of the order that are due again come first; then the precomputed
    recommendations of the order's items, never an item of the order itself.
    """
    skus = _order_skus(shipment)
    if not skus or limit <= 0:
        return []
    due = replenishment_due(shipment, now)
    rec = ProductRecommendation
    found = db.session.execute(
        select(Product, rec.source, rec.rank, rec.score)
        .join(Product, and_(Product.merchant_id == rec.merchant_id, Product.sku == rec.recommended_sku))
        .where(rec.merchant_id == shipment.merchant_id, rec.sku.in_(skus),
               rec.recommended_sku.not_in(skus), Product.in_stock.is_(True))
    ).all()
    found.sort(key=lambda row: (SOURCE_ORDER.get(row[1], len(SOURCE_ORDER)), row[2], -row[3],
                                row[0].sku))
    picked = {product.sku: product for product in due}
    for product, *_ in found:
        if len(picked) >= limit:
            break
        picked.setdefault(product.sku, product)
    return list(picked.values())[:limit]
