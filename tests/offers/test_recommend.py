"""The recommendation precompute on a small order history whose right answer is known.

The coffee shop (catalogue_helpers.coffee_shop_history), 39 orders:
  BEANS in 20; FILTERS in 5, always with BEANS; GRINDER in 4, 3 of them with BEANS; SCALE in 2,
  both with BEANS; GIFTBOX in 32, 16 of them with BEANS (exactly its share everywhere: lift
  16·39/(20·32) = 0.98, chance); DECAF in 2, alone. KETTLE and MUG are never sold.
So for BEANS: FILTERS (lift 5·39/(20·5) = 1.95) before GRINDER (3·39/(20·4) = 1.46); GIFTBOX,
though it shares the most orders (16), is no "bought together"; SCALE shares too few (2 < 3).
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.offers.catalogue_helpers import add_orders, coffee_shop_catalogue, coffee_shop_history
from tracking.extensions import db
from tracking.models import ProductRecommendation, RecommendationRun
from tracking.offers.recommend import compute, compute_all, count_history

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def settings(app):
    app.config.update(RECOMMENDATIONS_PER_PRODUCT=5, RECOMMENDATIONS_MIN_SUPPORT=3,
                      RECOMMENDATIONS_HISTORY_DAYS=365)


def recs(merchant, sku: str) -> list[tuple[str, str]]:
    """(recommended sku, source) for `sku`, by rank."""
    return [tuple(row) for row in db.session.execute(select(ProductRecommendation.recommended_sku, ProductRecommendation.source)
                              .where(ProductRecommendation.merchant_id == merchant.id,
                                     ProductRecommendation.sku == sku)
                              .order_by(ProductRecommendation.rank))]


def test_lift_ranks_the_associated_item_over_the_one_in_every_basket(merchant):
    coffee_shop_catalogue(merchant)
    coffee_shop_history(merchant)
    history = count_history(merchant.id, None)
    assert history.orders == 39
    # Raw co-occurrence would put GIFTBOX first: it shares the most orders with BEANS.
    assert history.pair_orders[("BEANS", "GIFTBOX")] == 16 > history.pair_orders[("BEANS", "FILTERS")] == 5
    compute(merchant.id)
    assert recs(merchant, "BEANS") == [
        ("FILTERS", "bought_together"), ("GRINDER", "bought_together"),  # lift 1.95, then 1.46
        ("DECAF", "category"),                                         # coffee's best seller
        ("GIFTBOX", "best_seller"), ("SCALE", "best_seller"),          # 32 orders, then 2
    ]
    scores = dict(db.session.execute(select(ProductRecommendation.recommended_sku, ProductRecommendation.score)
                                     .filter_by(merchant_id=merchant.id, sku="BEANS")).all())
    assert scores["FILTERS"] == pytest.approx(5 * 39 / (20 * 5))
    assert scores["GRINDER"] == pytest.approx(3 * 39 / (20 * 4))


def test_minimum_support_keeps_a_coincidental_pair_out(app, merchant):
    coffee_shop_catalogue(merchant)
    coffee_shop_history(merchant)
    compute(merchant.id)
    assert ("SCALE", "bought_together") not in recs(merchant, "BEANS")
    app.config["RECOMMENDATIONS_MIN_SUPPORT"] = 2
    compute(merchant.id)
    # SCALE's lift equals FILTERS' (1.95); the pair sharing more orders comes first.
    assert recs(merchant, "BEANS")[:3] == [("FILTERS", "bought_together"), ("SCALE", "bought_together"),
                                           ("GRINDER", "bought_together")]


def test_fallbacks_fill_from_the_category_then_the_merchant_best_sellers(merchant):
    coffee_shop_catalogue(merchant)
    coffee_shop_history(merchant)
    compute(merchant.id)
    assert recs(merchant, "FILTERS") == [
        ("BEANS", "bought_together"), ("GIFTBOX", "bought_together"),  # 1.95, then 5·39/(5·32) = 1.22
        ("GRINDER", "category"), ("SCALE", "category"),                 # brewing, by orders; KETTLE unsold
        ("DECAF", "best_seller"),
    ]
    # Never sold and nothing sold in its category: the merchant's best sellers, never itself.
    assert recs(merchant, "MUG") == [("GIFTBOX", "best_seller"), ("BEANS", "best_seller"),
                                     ("FILTERS", "best_seller"), ("GRINDER", "best_seller"),
                                     ("DECAF", "best_seller")]


def test_out_of_stock_products_are_never_recommended(merchant):
    coffee_shop_catalogue(merchant, FILTERS={"in_stock": False})
    coffee_shop_history(merchant)
    compute(merchant.id)
    assert recs(merchant, "BEANS")[0] == ("GRINDER", "bought_together")
    assert not db.session.scalars(select(ProductRecommendation).filter_by(recommended_sku="FILTERS")).all()
    assert recs(merchant, "FILTERS")[0] == ("BEANS", "bought_together")  # it still gets its own


def test_sold_skus_missing_from_the_catalogue_are_not_recommended(merchant):
    coffee_shop_catalogue(merchant)
    coffee_shop_history(merchant)
    add_orders(merchant, [["BEANS", "GHOST"]], times=5)
    compute(merchant.id)
    assert "GHOST" not in [sku for sku, _ in recs(merchant, "BEANS")]
    assert recs(merchant, "GHOST")[0] == ("BEANS", "bought_together")


def test_one_merchant_history_never_feeds_another(make_merchant, merchant):
    other = make_merchant("bravo")
    for shop in (merchant, other):
        coffee_shop_catalogue(shop)
    coffee_shop_history(merchant)
    add_orders(other, [["BEANS", "MUG"]], times=10)
    add_orders(other, [["GIFTBOX"]], times=10)
    compute_all()
    assert ("MUG", "bought_together") not in recs(merchant, "BEANS")
    assert recs(other, "BEANS")[0] == ("MUG", "bought_together")
    assert ("FILTERS", "bought_together") not in recs(other, "BEANS")
    assert db.session.scalar(select(RecommendationRun.orders).filter_by(merchant_id=other.id)) == 20


def test_a_recompute_replaces_the_merchant_rows_and_leaves_others(make_merchant, merchant):
    other = make_merchant("bravo")
    for shop in (merchant, other):
        coffee_shop_catalogue(shop)
        coffee_shop_history(shop)
    compute_all()
    count = len(db.session.scalars(select(ProductRecommendation).filter_by(merchant_id=merchant.id)).all())
    others = len(db.session.scalars(select(ProductRecommendation).filter_by(merchant_id=other.id)).all())
    assert count == 8 * 5  # 8 skus (every catalogued or sold one), 5 each
    compute(merchant.id)
    assert len(db.session.scalars(select(ProductRecommendation).filter_by(merchant_id=merchant.id)).all()) == count
    assert len(db.session.scalars(select(ProductRecommendation).filter_by(merchant_id=other.id)).all()) == others
    runs = db.session.scalars(select(RecommendationRun).filter_by(merchant_id=merchant.id)).all()
    assert len(runs) == 2 and runs[-1].rows == count and runs[-1].orders == 39


def test_orders_older_than_the_history_window_are_ignored(app, merchant):
    coffee_shop_catalogue(merchant)
    add_orders(merchant, [["BEANS", "MUG"]], times=5, days_ago=400)
    add_orders(merchant, [["BEANS", "FILTERS"], ["GIFTBOX"]], times=5)
    compute(merchant.id)
    assert recs(merchant, "BEANS")[0] == ("FILTERS", "bought_together")
    assert ("MUG", "bought_together") not in recs(merchant, "BEANS")
    app.config["RECOMMENDATIONS_HISTORY_DAYS"] = 0  # all of it
    compute(merchant.id)
    assert ("MUG", "bought_together") in recs(merchant, "BEANS")


def test_compute_all_skips_merchants_computed_recently(make_merchant, merchant):
    coffee_shop_catalogue(merchant)
    make_merchant("empty")  # nothing to compute from
    assert [s.merchant_id for s in compute_all()] == [merchant.id]
    assert compute_all(fresh_for=timedelta(hours=1)) == []
    assert len(compute_all()) == 1


def test_a_repeated_item_in_one_order_counts_once(merchant):
    coffee_shop_catalogue(merchant)
    add_orders(merchant, [["BEANS", "BEANS", "FILTERS"]], times=3)
    history = count_history(merchant.id, None)
    assert history.item_orders["BEANS"] == 3
    assert history.pair_orders[("BEANS", "FILTERS")] == 3


def test_cli_recomputes_one_merchant_or_all(runner, merchant):
    coffee_shop_catalogue(merchant)
    coffee_shop_history(merchant)
    result = runner.invoke(args=["recommendations", "--merchant", "acme"])
    assert result.exit_code == 0, result.output
    assert f"merchant {merchant.id}: 40 recommendations for 8 products from 39 orders" in result.output
    assert recs(merchant, "BEANS")[0] == ("FILTERS", "bought_together")
    assert runner.invoke(args=["recommendations"]).exit_code == 0
    missing = runner.invoke(args=["recommendations", "--merchant", "nobody"])
    assert missing.exit_code != 0 and "no merchant with slug 'nobody'" in missing.output


def test_the_worker_job_skips_what_another_worker_just_computed(app, merchant):
    from tracking.polling.worker import recommendations_round
    coffee_shop_catalogue(merchant)
    recommendations_round(app)
    recommendations_round(app)
    assert len(db.session.scalars(select(RecommendationRun).filter_by(merchant_id=merchant.id)).all()) == 1
