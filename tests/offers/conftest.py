"""Offer fixtures: offers with variants, shipments with items, the console's signed-in users."""
from datetime import timedelta

import pytest

from tests.console.conftest import (PASSWORD, admin, agent, console_client, logged_in, make_user,  # noqa: F401
                                    owner)
from tracking.extensions import db
from tracking.models import Offer, OfferVariant, Product
from tracking.models.types import utcnow

SHOPPER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36")
ITEMS = [{"sku": "MUG", "title": "Stoneware mug", "quantity": 2, "price": 14.5, "currency": "USD",
          "category": "kitchen"},
         {"sku": "TEA", "title": "Green tea", "quantity": 1, "price": 9, "currency": "USD",
          "category": "pantry"}]


@pytest.fixture
def make_offer(app):
    """make_offer(merchant, kind="banner", placement=..., rules=..., variants=[{...}], **fields)."""
    def make(merchant, kind: str = "banner", name: str | None = None, variants=None, **fields) -> Offer:
        offer = Offer(merchant_id=merchant.id, name=name or f"{kind} offer", kind=kind,
                      placement=fields.pop("placement", "under_status"), **fields)
        for n, spec in enumerate([{}] if variants is None else variants):
            spec = dict(spec)
            content = spec.pop("content", None) or {
                "en": {"headline": spec.pop("headline", f"{kind} headline {n}"),
                       "body": spec.pop("body", "Body text"), "cta": spec.pop("cta", "Shop now")}}
            offer.variants.append(OfferVariant(
                merchant_id=merchant.id, name=spec.pop("name", "AB"[n] if n < 2 else f"V{n}"),
                content=content, link_url=spec.pop("link_url", "https://shop.example/sale"),
                **spec))
        db.session.add(offer)
        db.session.commit()
        return offer
    return make


@pytest.fixture
def shipment(merchant, make_shipment):
    """An in-transit-to-be shipment of `merchant` with two items (mug, tea)."""
    return make_shipment(merchant, items=ITEMS)


@pytest.fixture
def make_product(app):
    def make(merchant, sku: str, **fields) -> Product:
        product = Product(merchant_id=merchant.id, sku=sku, title=fields.pop("title", sku.title()),
                          url=fields.pop("url", f"https://shop.example/p/{sku.lower()}"), **fields)
        db.session.add(product)
        db.session.commit()
        return product
    return make


def deliver(shipment, days_ago: float = 0) -> None:
    """Mark a shipment delivered `days_ago` days ago (straight on the row, as a poll would leave it)."""
    shipment.status, shipment.delivered_at = "delivered", utcnow() - timedelta(days=days_ago)
    db.session.commit()
