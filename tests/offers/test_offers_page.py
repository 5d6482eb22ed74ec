"""The offers on the tracking page: lazy placeholder, targeting, locales, escaping, impressions."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.offers.conftest import SHOPPER_UA, deliver
from tracking.extensions import db
from tracking.offers.routes import offers_cache
from tracking.models import OfferImpressionDay, ProductRecommendation
from tracking.models.types import utcnow

BROWSER = {"User-Agent": SHOPPER_UA}


def offers_of(client, shipment, **params):
    response = client.get(f"/t/{shipment.public_token}/offers", headers=BROWSER, query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def impressions() -> int:
    return db.session.scalar(select(func.coalesce(func.sum(OfferImpressionDay.impressions), 0)))


def test_page_holds_a_lazy_placeholder_only_when_there_are_offers(client, merchant, shipment, make_offer):
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "offers-placeholder" not in page
    make_offer(merchant)
    from tracking.pages.routes import page_cache
    page_cache.clear()
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    placeholder = re.search(r'<div id="offers"[^>]*>', page).group(0)
    assert f'hx-get="/t/{shipment.public_token}/offers"' in placeholder and 'hx-trigger="revealed"' in placeholder
    assert page.index('id="live"') < page.index('id="offers"')  # after the status
    assert f'<noscript><iframe class="offers-frame" src="/t/{shipment.public_token}/offers?embed=1"' in page
    assert "htmx.min.js" in page and "js/copy.js" in page
    assert "banner headline" not in page  # the page itself computes no offer


def test_partial_shows_the_offer_and_counts_one_impression(client, merchant, shipment, make_offer):
    offer = make_offer(merchant, variants=[{"image_url": "https://cdn.example/b.png"}])
    body = offers_of(client, shipment)
    assert "banner headline 0" in body and 'src="https://cdn.example/b.png"' in body
    assert re.search(rf'href="/t/{shipment.public_token}/o/[^"]+">Shop now</a>', body)
    assert "https://shop.example/sale" not in body  # only through the signed redirect
    assert impressions() == 1
    offers_of(client, shipment)
    row = db.session.scalars(select(OfferImpressionDay)).one()
    assert (row.impressions, row.offer_id, row.variant_id) == (2, offer.id, offer.variants[0].id)


def test_bots_see_offers_but_are_not_counted(client, merchant, shipment, make_offer):
    make_offer(merchant)
    for agent in ("facebookexternalhit/1.1", "curl/8.0", ""):
        response = client.get(f"/t/{shipment.public_token}/offers", headers={"User-Agent": agent})
        assert "banner headline" in response.get_data(as_text=True)
    assert impressions() == 0


def test_merchant_text_is_escaped_and_only_http_links_are_used(client, merchant, shipment, make_offer):
    make_offer(merchant, variants=[{"headline": "<script>alert(1)</script>", "body": '"><img src=x onerror=alert(2)>',
                                    "link_url": "javascript:alert(3)", "image_url": "data:image/png;base64,AAAA"}])
    body = offers_of(client, shipment)
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body
    assert "javascript:" not in body and "data:image" not in body
    assert "/o/" not in body  # no link at all


def test_one_offer_per_placement_highest_priority_first(client, merchant, shipment, make_offer):
    make_offer(merchant, name="low", priority=1, variants=[{"headline": "Low priority"}])
    make_offer(merchant, name="high", priority=5, variants=[{"headline": "High priority"}])
    make_offer(merchant, kind="loyalty", placement="beside_timeline", variants=[{"headline": "Join the club"}])
    body = offers_of(client, shipment)
    assert "High priority" in body and "Low priority" not in body and "Join the club" in body


def test_schedule_and_switch_are_respected(client, merchant, shipment, make_offer):
    now = utcnow()
    make_offer(merchant, variants=[{"headline": "Ended"}], ends_at=now - timedelta(hours=1))
    make_offer(merchant, variants=[{"headline": "Not yet"}], starts_at=now + timedelta(hours=1))
    make_offer(merchant, variants=[{"headline": "Switched off"}], enabled=False)
    assert offers_of(client, shipment).strip() == ""


def test_text_in_the_shoppers_language_with_fallback(client, merchant, shipment, make_offer):
    make_offer(merchant, variants=[{"content": {"en": {"headline": "Hello"}, "fr": {"headline": "Bonjour"}}}])
    assert "Bonjour" in offers_of(client, shipment, lang="fr")
    assert "Hello" in offers_of(client, shipment, lang="de")  # no German: the merchant's default


def test_lost_parcel_gets_the_apology_not_the_upsell(client, merchant, shipment, make_offer):
    make_offer(merchant, variants=[{"headline": "Buy more"}])
    make_offer(merchant, kind="discount_code", placement="beside_timeline", rules={"status": ["exception"]},
               variants=[{"headline": "Sorry about this", "discount_code": "SORRY-15"}])
    assert "Buy more" in offers_of(client, shipment) and "Sorry" not in offers_of(client, shipment)
    shipment.status, shipment.substatus = "exception", "lost"
    db.session.commit()
    body = offers_of(client, shipment)
    assert "Buy more" not in body and "Sorry about this" in body
    code = re.search(r'<code id="(offer-\d+-code)"[^>]*>SORRY-15</code>', body)
    assert code and f'data-copy-target="#{code.group(1)}"' in body
    assert re.search(r'<button type="button" class="button copy-button"[^>]*hidden>', body)
    assert 'role="status" aria-live="polite"' in body


def test_recommendations_read_the_precomputed_table(client, merchant, shipment, make_offer, make_product):
    make_offer(merchant, kind="recommendations", variants=[{"headline": "Goes well with your mug"}])
    assert offers_of(client, shipment).strip() == ""  # nothing precomputed yet: no empty block
    make_product(merchant, "SAUCER", title="Matching saucer", price=6, currency="USD")
    make_product(merchant, "GONE", title="Sold out", in_stock=False)
    make_product(merchant, "TEA", title="Green tea")
    for rank, sku in enumerate(["GONE", "TEA", "SAUCER"], 1):
        db.session.add(ProductRecommendation(merchant_id=merchant.id, sku="MUG", recommended_sku=sku,
                                             score=1.0 / rank, rank=rank, source="bought_together"))
    db.session.commit()
    offers_cache.clear()  # rows written by hand: the recompute would have moved the merchant's version
    body = offers_of(client, shipment)
    assert "Matching saucer" in body and "$6.00" in body
    assert "Sold out" not in body and "Green tea" not in body  # out of stock; just bought


def test_review_request_after_delivery_and_embed_page(client, merchant, shipment, make_offer):
    make_offer(merchant, kind="review_request", variants=[{"headline": "How was it?"}])
    assert "How was it?" not in offers_of(client, shipment)
    deliver(shipment, days_ago=2)
    embed = offers_of(client, shipment, embed="1")
    assert embed.startswith("<!doctype html>") and '<base target="_top">' in embed and "How was it?" in embed


def test_unknown_token_is_404(client, merchant):
    assert client.get("/t/nope/offers").status_code == 404


def selects_while(action) -> int:
    """How many SELECTs `action` sends to the database."""
    from sqlalchemy import event
    seen = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len([q for q in seen if q.lstrip().upper().startswith("SELECT")])


def test_the_offers_partial_is_cached_and_still_counts_every_view(client, merchant, shipment, make_offer):
    from tracking.offers.catalogue import upsert
    make_offer(merchant, variants=[{"headline": "Autumn sale"}])
    first = offers_of(client, shipment)
    assert selects_while(lambda: offers_of(client, shipment)) == 1  # the page state, nothing more
    assert offers_of(client, shipment) == first and "Autumn sale" in first
    assert impressions() == 3  # every view counted, cached or not
    upsert(merchant.id, [{"sku": "MUG", "title": "Mug", "in_stock": False}])  # moves the version
    assert selects_while(lambda: offers_of(client, shipment)) > 1  # rendered afresh


def test_a_recompute_shows_on_cached_offers_at_once(client, merchant, shipment, make_offer, make_product,
                                                    make_shipment):
    from tracking.offers import recommend
    make_offer(merchant, kind="recommendations", variants=[{"headline": "Goes well with your mug"}])
    make_product(merchant, "SAUCER", title="Matching saucer")
    make_shipment(merchant, "DEMOONTIME9", "9", items=[{"sku": "SAUCER", "title": "Saucer", "quantity": 1}])
    assert offers_of(client, shipment).strip() == ""  # cached: nothing computed yet
    recommend.compute(merchant.id)  # the shop's best seller fills in for the mug
    assert "Matching saucer" in offers_of(client, shipment)


def test_signed_in_staff_looking_at_offers_are_not_impressions(app, merchant, shipment, make_offer, agent,
                                                                console_client):
    make_offer(merchant)
    staff = console_client(agent)
    body = staff.get(f"/t/{shipment.public_token}/offers", headers=BROWSER).get_data(as_text=True)
    assert "banner headline 0" in body
    assert impressions() == 0
