"""Attribution: a new order through the API credited to the customer's last click in the window."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import OfferAttribution, OfferClick, Order
from tracking.models.types import utcnow
from tracking.offers.clicks import customer_key


@pytest.fixture
def click_on(merchant, shipment, make_offer):
    """click_on(days_ago, email=...) records a click on a banner variant; the click."""
    offer = make_offer(merchant, variants=[{}, {}])

    def click(days_ago: float, variant: int = 0, email: str = "shopper@example.com") -> OfferClick:
        row = OfferClick(merchant_id=merchant.id, offer_id=offer.id, variant_id=offer.variants[variant].id,
                         shipment_id=shipment.id, customer_key=customer_key(email),
                         target_url="https://shop.example/sale", clicked_at=utcnow() - timedelta(days=days_ago))
        db.session.add(row)
        db.session.commit()
        return row
    return click


def new_order(client, api_headers, number: str, email: str = "Shopper@Example.COM", items=None):
    response = client.post("/api/v1/shipments", headers=api_headers, json={
        "tracking_number": f"DEMOONTIME{number}", "carrier": "demo",
        "order": {"number": number, "customer": {"email": email} if email else {},
                  "items": items if items is not None else [
                      {"sku": "MUG", "title": "Mug", "quantity": 2, "price": 14.5, "currency": "USD"},
                      {"sku": "TEA", "title": "Tea", "quantity": 1, "price": 9, "currency": "USD"}]}})
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(select(Order).filter_by(number=number))


def attributions():
    return db.session.scalars(select(OfferAttribution)).all()


def test_last_click_in_the_window_wins_with_the_orders_revenue(client, api_headers, click_on):
    click_on(3, variant=0)
    last = click_on(1, variant=1)
    order = new_order(client, api_headers, "2001")
    (attribution,) = attributions()
    assert (attribution.click_id, attribution.variant_id, attribution.order_id) == (last.id, last.variant_id, order.id)
    assert attribution.revenue == Decimal("38.00") and attribution.currency == "USD"


def test_clicks_outside_the_window_or_of_someone_else_do_not_count(app, client, api_headers, click_on):
    click_on(8)  # OFFER_ATTRIBUTION_DAYS is 7
    click_on(1, email="someone.else@example.com")
    new_order(client, api_headers, "2002")
    assert attributions() == []
    app.config["OFFER_ATTRIBUTION_DAYS"] = 10
    new_order(client, api_headers, "2003")
    assert len(attributions()) == 1


def test_an_order_without_email_or_seen_again_is_not_attributed(client, api_headers, click_on):
    click_on(1)
    new_order(client, api_headers, "2004", email="")
    assert attributions() == []
    new_order(client, api_headers, "2005")
    # The same order again (a second parcel of it) is not a new order: still one attribution.
    response = client.post("/api/v1/shipments", headers=api_headers, json={
        "tracking_number": "DEMOONTIME2005B", "carrier": "demo",
        "order": {"number": "2005", "customer": {"email": "shopper@example.com"}, "items": []}})
    assert response.status_code == 201
    assert len(attributions()) == 1


def test_another_merchants_click_is_never_credited(client, api_headers, make_merchant, make_offer, make_shipment):
    other = make_merchant("other")
    offer = make_offer(other)
    theirs = make_shipment(other, number="DEMOONTIME9")
    db.session.add(OfferClick(merchant_id=other.id, offer_id=offer.id, variant_id=offer.variants[0].id,
                              shipment_id=theirs.id, customer_key=customer_key("shopper@example.com"),
                              target_url="https://x.example", clicked_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    new_order(client, api_headers, "2006")
    assert attributions() == []


def test_mixed_currencies_count_the_order_without_a_revenue(client, api_headers, click_on):
    click_on(1)
    new_order(client, api_headers, "2007", items=[
        {"sku": "A", "title": "A", "quantity": 1, "price": 5, "currency": "USD"},
        {"sku": "B", "title": "B", "quantity": 1, "price": 5, "currency": "EUR"}])
    (attribution,) = attributions()
    assert attribution.revenue is None and attribution.currency is None
