"""Helpers for catalogue and recommendation tests: products and order histories written directly."""
import itertools
from datetime import timedelta

from tracking.extensions import db
from tracking.models import LineItem, Order, Product
from tracking.models.types import utcnow

_numbers = itertools.count(1)


def add_products(merchant, *skus: str, **fields_by_sku) -> dict[str, Product]:
    """Products of `merchant`: add_products(m, "A", "B", C={"category": "x", "in_stock": False})."""
    products = {}
    for sku in [*skus, *fields_by_sku]:
        fields = {"title": f"Product {sku}", "price": "10.00", "currency": "USD",
                  **fields_by_sku.get(sku, {})}
        products[sku] = Product(merchant_id=merchant.id, sku=sku, **fields)
        db.session.add(products[sku])
    db.session.commit()
    return products


def add_orders(merchant, baskets, times: int = 1, days_ago: float = 10,
               email: str = "shopper@example.com") -> None:
    """`times` orders of each basket (a list of skus) for `merchant`, placed `days_ago`."""
    placed = utcnow() - timedelta(days=days_ago)
    for basket in baskets:
        for _ in range(times):
            order = Order(merchant_id=merchant.id, number=f"H{next(_numbers)}", placed_at=placed,
                          customer_email=email)
            order.items = [LineItem(sku=sku, title=f"Product {sku}", quantity=1) for sku in basket]
            db.session.add(order)
    db.session.commit()


def coffee_shop_history(merchant) -> None:
    """39 orders whose right answer is known (see tests/offers/test_recommend.py)."""
    add_orders(merchant, [["BEANS", "FILTERS", "GIFTBOX"]], times=5)
    add_orders(merchant, [["BEANS", "GRINDER", "GIFTBOX"]], times=3)
    add_orders(merchant, [["BEANS", "SCALE", "GIFTBOX"]], times=2)
    add_orders(merchant, [["BEANS", "GIFTBOX"]], times=6)
    add_orders(merchant, [["BEANS"]], times=4)
    add_orders(merchant, [["GIFTBOX"]], times=16)
    add_orders(merchant, [["GRINDER"]], times=1)
    add_orders(merchant, [["DECAF"]], times=2)


def coffee_shop_catalogue(merchant, **overrides) -> dict[str, Product]:
    """The coffee shop's products; `overrides` change fields per sku."""
    categories = {"BEANS": "coffee", "DECAF": "coffee", "FILTERS": "brewing", "GRINDER": "brewing",
                  "SCALE": "brewing", "KETTLE": "brewing", "GIFTBOX": "gifts", "MUG": "kitchen"}
    return add_products(merchant, **{sku: {"category": category, **overrides.get(sku, {})}
                                     for sku, category in categories.items()})
