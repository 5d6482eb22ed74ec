"""Console offers: managers create and edit offers and variants; hostile input refused; reports."""
from datetime import date

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import Offer, OfferImpressionDay, OfferVariant

OFFER = {"name": "Autumn sale", "kind": "banner", "placement": "under_status", "priority": "3",
         "enabled": "y", "status": ["in_transit", "delivered"], "countries": "us, ca", "customer": "repeat"}
VARIANT = {"name": "A", "weight": "2", "link_url": "https://shop.example/autumn",
           "headline_en": "Autumn is here", "body_en": "20% off scarves", "cta_en": "Shop scarves",
           "headline_fr": "L'automne est là"}


def offers():
    return db.session.scalars(select(Offer)).all()


def test_agents_may_not_open_offers(agent, console_client, merchant, make_offer):
    offer = make_offer(merchant)
    client = console_client(agent)
    for url in ("/console/offers", "/console/offers/new", f"/console/offers/{offer.id}",
                f"/console/offers/{offer.id}/report", f"/console/offers/{offer.id}/variants/new"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/console/offers/delete/{offer.id}").status_code == 403
    assert "/console/offers" not in client.get("/console/").get_data(as_text=True)


def test_create_an_offer_then_its_variant(owner, console_client):
    client = console_client(owner)
    response = client.post("/console/offers/new", data=OFFER)
    (offer,) = offers()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/offers/{offer.id}/variants/new")
    assert offer.rules == {"status": ["in_transit", "delivered"], "countries": ["US", "CA"], "customer": "repeat"}
    assert (offer.priority, offer.enabled, offer.kind) == (3, True, "banner")
    response = client.post(f"/console/offers/{offer.id}/variants/new", data=VARIANT)
    assert response.status_code == 302
    (variant,) = offer.variants
    assert variant.weight == 2 and variant.merchant_id == offer.merchant_id
    assert variant.content == {"en": {"headline": "Autumn is here", "body": "20% off scarves", "cta": "Shop scarves"},
                               "fr": {"headline": "L'automne est là", "body": "", "cta": ""}}
    page = client.get(f"/console/offers/{offer.id}").get_data(as_text=True)
    assert "Autumn sale" in page and 'value="us, ca"' not in page and 'value="US, CA"' in page
    listing = client.get("/console/offers").get_data(as_text=True)
    assert "Autumn sale" in listing and 'aria-current="page"' in listing


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"kind": "popup"}, "kind"),
    ({"priority": "-5"}, "priority"),
    ({"starts_at": "2025-03-02T10:00", "ends_at": "2025-03-01T10:00"}, "ends_at"),
    ({"status": ["teleported"]}, "status"),
    ({"countries": "France"}, None),
    ({"days_since_delivery_min": "9", "days_since_delivery_max": "2"}, None),
])
def test_bad_offers_are_refused_and_nothing_is_saved(admin, console_client, changes, field):
    response = console_client(admin).post("/console/offers/new", data={**OFFER, **changes})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert (f'id="{field}-error"' in body) if field else ('role="alert"' in body)
    assert offers() == []


@pytest.mark.parametrize("changes, field", [
    ({"link_url": "javascript:alert(1)"}, "link_url"),
    ({"image_url": "data:image/png;base64,AAAA"}, "image_url"),
    ({"weight": "5000"}, "weight"),
    ({"weight": ""}, "weight"),
    ({"headline_en": ""}, "headline_en"),
    ({"headline_en": "x" * 121}, "headline_en"),
    ({"body_en": "bad \x07 bell"}, "body_en"),
])
def test_bad_variants_are_refused(owner, console_client, merchant, make_offer, changes, field):
    offer = make_offer(merchant, variants=[])
    response = console_client(owner).post(f"/console/offers/{offer.id}/variants/new", data={**VARIANT, **changes})
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(OfferVariant)).all() == []


def test_a_discount_code_offer_needs_a_code(owner, console_client, merchant, make_offer):
    offer = make_offer(merchant, kind="discount_code", variants=[])
    client = console_client(owner)
    response = client.post(f"/console/offers/{offer.id}/variants/new", data=VARIANT)
    assert response.status_code == 422 and 'id="discount_code-error"' in response.get_data(as_text=True)
    bad = client.post(f"/console/offers/{offer.id}/variants/new", data={**VARIANT, "discount_code": "<b>X</b>"})
    assert bad.status_code == 422
    ok = client.post(f"/console/offers/{offer.id}/variants/new", data={**VARIANT, "discount_code": "SAVE-10"})
    assert ok.status_code == 302 and offer.variants[0].discount_code == "SAVE-10"


def test_edit_and_delete(owner, console_client, merchant, make_offer):
    offer = make_offer(merchant, variants=[{}, {}])
    a, b = offer.variants
    db.session.add(OfferImpressionDay(variant_id=b.id, day=date(2024, 1, 1), offer_id=offer.id,
                                      merchant_id=merchant.id, impressions=3))
    db.session.commit()
    client = console_client(owner)
    assert client.post(f"/console/offers/{offer.id}", data={**OFFER, "name": "Renamed"}).status_code == 302
    assert offer.name == "Renamed"
    form = client.get(f"/console/offers/{offer.id}/variants/{a.id}").get_data(as_text=True)
    assert "banner headline 0" in form
    assert client.post(f"/console/offers/{offer.id}/variants/{b.id}/delete").status_code == 302
    assert [v.id for v in offer.variants] == [a.id]
    assert db.session.scalars(select(OfferImpressionDay)).all() == []
    assert client.post(f"/console/offers/delete/{offer.id}").status_code == 302
    assert offers() == []


def test_report_shows_figures_and_the_ab_verdict(owner, console_client, merchant, make_offer):
    offer = make_offer(merchant, variants=[{"name": "Control"}, {"name": "Challenger"}])
    for variant, n in zip(offer.variants, (40, 60)):
        db.session.add(OfferImpressionDay(variant_id=variant.id, day=date(2024, 1, 1), offer_id=offer.id,
                                          merchant_id=merchant.id, impressions=n))
    db.session.commit()
    body = console_client(owner).get(f"/console/offers/{offer.id}/report").get_data(as_text=True)
    assert "Control" in body and "Challenger" in body and ">100<" in body
    assert "Not enough data yet" in body


def test_another_merchants_offer_is_404(owner, console_client, make_merchant, make_offer):
    theirs = make_offer(make_merchant("other"))
    client = console_client(owner)
    variant = theirs.variants[0]
    for url in (f"/console/offers/{theirs.id}", f"/console/offers/{theirs.id}/report",
                f"/console/offers/{theirs.id}/variants/{variant.id}"):
        assert client.get(url).status_code == 404
    assert client.post(f"/console/offers/delete/{theirs.id}").status_code == 404
    assert "banner offer" not in client.get("/console/offers").get_data(as_text=True)


def test_a_first_offer_shows_on_a_cached_page_at_once(client, shipment, owner, console_client):
    url = f"/t/{shipment.public_token}"
    assert "offers-placeholder" not in client.get(url).get_data(as_text=True)  # cached without offers
    console = console_client(owner)
    console.post("/console/offers/new", data=OFFER)
    (offer,) = offers()
    console.post(f"/console/offers/{offer.id}/variants/new", data=VARIANT)
    assert "offers-placeholder" in client.get(url).get_data(as_text=True)
    console.post(f"/console/offers/delete/{offer.id}")
    assert "offers-placeholder" not in client.get(url).get_data(as_text=True)
