"""Report arithmetic: Wilson intervals, the A/B comparison and its verdict, sums from the tables."""
from datetime import date
from decimal import Decimal

import pytest

from tracking.extensions import db
from tracking.models import OfferAttribution, OfferClick, OfferImpressionDay
from tracking.offers.reports import VariantStats, compare, offer_stats, total, wilson


def test_wilson_matches_published_values():
    low, high = wilson(10, 100)  # Newcombe (1998), and any statistics package
    assert low == pytest.approx(0.0552, abs=1e-4) and high == pytest.approx(0.1744, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(0, 50)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 0.08


def stats(name, clicks, impressions):
    return VariantStats(1, name, impressions=impressions, clicks=clicks)


def test_a_clear_winner_a_tie_and_too_little_data():
    better = compare(stats("A", 50, 2000), stats("B", 100, 2000), min_impressions=200)
    assert better.difference == pytest.approx(0.025) and better.interval[0] > 0 and better.p_value < 0.001
    assert "“B” gets more clicks than “A”" in better.verdict
    worse = compare(stats("A", 100, 2000), stats("B", 50, 2000), min_impressions=200)
    assert worse.interval[1] < 0 and "fewer" in worse.verdict
    tie = compare(stats("A", 50, 2000), stats("B", 55, 2000), min_impressions=200)
    assert tie.interval[0] < 0 < tie.interval[1] and tie.p_value > 0.05 and "No clear difference" in tie.verdict
    early = compare(stats("A", 5, 150), stats("B", 30, 150), min_impressions=200)
    assert early.difference is None and early.verdict.startswith("Not enough data yet")


def test_stats_are_summed_per_variant(app, merchant, shipment, make_offer):
    offer = make_offer(merchant, variants=[{}, {}])
    a, b = offer.variants
    for variant, day, n in ((a, date(2024, 1, 1), 10), (a, date(2024, 1, 2), 5), (b, date(2024, 1, 1), 7)):
        db.session.add(OfferImpressionDay(variant_id=variant.id, day=day, offer_id=offer.id,
                                          merchant_id=merchant.id, impressions=n))
    click = OfferClick(merchant_id=merchant.id, offer_id=offer.id, variant_id=b.id, shipment_id=shipment.id,
                       target_url="https://x.example")
    db.session.add(click)
    db.session.flush()
    db.session.add(OfferAttribution(merchant_id=merchant.id, click_id=click.id, offer_id=offer.id,
                                    variant_id=b.id, order_id=shipment.order_id, revenue=Decimal("38.00"),
                                    currency="USD"))
    db.session.commit()
    sa, sb = offer_stats([offer])[offer.id]
    assert (sa.impressions, sa.clicks, sa.orders) == (15, 0, 0)
    assert (sb.impressions, sb.clicks, sb.orders, sb.revenue) == (7, 1, 1, {"USD": Decimal("38.00")})
    assert sb.ctr == pytest.approx(1 / 7)
    both = total([sa, sb])
    assert (both.impressions, both.clicks, both.orders) == (22, 1, 1)
