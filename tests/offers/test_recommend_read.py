"""The page's read side: recommendations for a shipment's order, and consumables due again."""
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.offers.catalogue_helpers import coffee_shop_catalogue, coffee_shop_history
from tracking.extensions import db
from tracking.models import Product
from tracking.models.types import utcnow
from tracking.offers.recommend import compute
from tracking.offers.recommendations import for_shipment, replenishment_due


@pytest.fixture(autouse=True)
def settings(app):
    app.config.update(RECOMMENDATIONS_PER_PRODUCT=5, RECOMMENDATIONS_MIN_SUPPORT=3,
                      RECOMMENDATIONS_HISTORY_DAYS=365)


@pytest.fixture
def shop(merchant):
    """The coffee shop of test_recommend.py, its recommendations computed."""
    products = coffee_shop_catalogue(merchant, BEANS={"replenish_after_days": 30})
    coffee_shop_history(merchant)
    compute(merchant.id)
    return products


@pytest.fixture
def bought(make_shipment, merchant):
    """bought(*skus, delivered_days_ago=None, placed_days_ago=1): a shipment of those items."""
    numbers = iter(range(1, 100))

    def make(*skus, delivered_days_ago=None, placed_days_ago=1):
        n = next(numbers)
        shipment = make_shipment(merchant, number=f"DEMOONTIME{n}", order_number=f"R{n}",
                                 items=[{"sku": sku, "title": sku.title(), "quantity": 1} for sku in skus])
        shipment.order.placed_at = utcnow() - timedelta(days=placed_days_ago)
        if delivered_days_ago is not None:
            shipment.status, shipment.delivered_at = "delivered", utcnow() - timedelta(days=delivered_days_ago)
        db.session.commit()
        return shipment
    return make


def skus(products) -> list[str]:
    return [p.sku for p in products]


def test_the_order_items_recommendations_best_first(shop, bought):
    assert skus(for_shipment(bought("BEANS"))) == ["FILTERS", "GRINDER", "DECAF", "GIFTBOX"]
    assert skus(for_shipment(bought("BEANS"), limit=2)) == ["FILTERS", "GRINDER"]
    assert for_shipment(bought("BEANS"), limit=0) == []
    assert all(isinstance(p, Product) for p in for_shipment(bought("BEANS")))


def test_never_what_was_just_bought_and_bought_together_first_across_items(shop, bought):
    # BEANS gives GRINDER (lift 1.46), FILTERS gives GIFTBOX (1.22); then the categories' fillers.
    assert skus(for_shipment(bought("BEANS", "FILTERS"))) == ["GRINDER", "GIFTBOX", "DECAF", "SCALE"]


def test_stock_is_checked_again_at_read_time(shop, bought):
    shop["FILTERS"].in_stock = False
    db.session.commit()
    assert skus(for_shipment(bought("BEANS"))) == ["GRINDER", "DECAF", "GIFTBOX", "SCALE"]


def test_an_order_without_known_items_gets_nothing(shop, bought):
    assert for_shipment(bought()) == []
    assert for_shipment(bought("UNKNOWN-SKU")) == []


def test_a_consumable_comes_back_once_due_after_delivery(shop, bought):
    not_yet = bought("BEANS", delivered_days_ago=29, placed_days_ago=40)
    assert replenishment_due(not_yet) == []
    assert "BEANS" not in skus(for_shipment(not_yet))
    due = bought("BEANS", delivered_days_ago=31, placed_days_ago=40)
    assert skus(replenishment_due(due)) == ["BEANS"]
    assert skus(for_shipment(due)) == ["BEANS", "FILTERS", "GRINDER", "DECAF"]


def test_undelivered_counts_from_the_order_and_now_can_be_given(shop, bought):
    shipment = bought("BEANS", placed_days_ago=20)
    assert replenishment_due(shipment) == []
    assert skus(replenishment_due(shipment, now=utcnow() + timedelta(days=11))) == ["BEANS"]
    assert skus(for_shipment(shipment, now=utcnow() + timedelta(days=11)))[0] == "BEANS"


def test_out_of_stock_or_plain_products_are_never_due(shop, bought):
    shop["BEANS"].in_stock = False
    db.session.commit()
    assert replenishment_due(bought("BEANS", "FILTERS", delivered_days_ago=400)) == []


def test_another_merchants_catalogue_and_history_stay_out(shop, bought, make_merchant, make_shipment):
    other = make_merchant("bravo")
    coffee_shop_catalogue(other, BEANS={"replenish_after_days": 1})
    shipment = make_shipment(other, number="DEMOONTIMEB1", order_number="B1",
                             items=[{"sku": "BEANS", "title": "Beans", "quantity": 1}])
    shipment.delivered_at = utcnow() - timedelta(days=5)
    db.session.commit()
    # Bravo has no history and no recommendations: only its own due consumable, its own row.
    found = for_shipment(shipment)
    assert [(p.sku, p.merchant_id) for p in found] == [("BEANS", other.id)]
    assert all(p.merchant_id == shop["BEANS"].merchant_id for p in for_shipment(bought("BEANS")))


def test_the_read_is_a_few_queries(shop, bought):
    shipment = bought("BEANS", "FILTERS", delivered_days_ago=40)
    shipment.order.items  # the page has loaded them already
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert len(for_shipment(shipment)) == 4
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 2, statements
