"""The click redirect: signed links only, tampering refused, each click counted once, bots not."""
import re

import pytest
from sqlalchemy import select

from tests.offers.conftest import SHOPPER_UA
from tracking.extensions import db
from tracking.models import OfferClick
from tracking.offers import clicks
from tracking.offers.clicks import customer_key

BROWSER = {"User-Agent": SHOPPER_UA}


@pytest.fixture
def link(client, merchant, shipment, make_offer):
    """The signed link of a banner as the partial renders it."""
    make_offer(merchant, variants=[{"link_url": "https://shop.example/sale?utm=track"}])
    body = client.get(f"/t/{shipment.public_token}/offers", headers=BROWSER).get_data(as_text=True)
    return re.search(r'href="(/t/[^"]+/o/[^"]+)"', body).group(1)


def all_clicks():
    return db.session.scalars(select(OfferClick)).all()


def test_a_signed_link_redirects_and_counts_the_click(client, shipment, link):
    response = client.get(link, headers=BROWSER)
    assert response.status_code == 302 and response.headers["Location"] == "https://shop.example/sale?utm=track"
    assert response.headers["Cache-Control"] == "no-store"
    (click,) = all_clicks()
    assert click.shipment_id == shipment.id and click.customer_key == customer_key("shopper@example.com")


def test_a_double_fire_counts_once_a_later_click_again(app, client, link):
    client.get(link, headers=BROWSER)
    client.get(link, headers=BROWSER)
    assert len(all_clicks()) == 1
    app.config["OFFER_CLICK_DEDUPE_SECONDS"] = 0
    client.get(link, headers=BROWSER)
    assert len(all_clicks()) == 2


def test_bots_are_redirected_but_not_counted(client, link):
    response = client.get(link, headers={"User-Agent": "Slackbot-LinkExpanding 1.0"})
    assert response.status_code == 302 and all_clicks() == []


def test_signed_in_staff_are_redirected_but_not_counted(app, link, agent, console_client):
    staff = console_client(agent)  # support checking what a shopper's link does
    assert staff.get(link, headers=BROWSER).status_code == 302
    assert all_clicks() == []


def test_tampered_or_unsigned_links_are_refused(app, client, shipment, link):
    token, signed = re.match(r"/t/([^/]+)/o/(.+)", link).groups()
    payload, signature = signed.rsplit(".", 1)
    forged = [
        f"/t/{token}/o/{payload}.{signature[:-2]}xx",  # signature altered
        f"/t/{token}/o/{payload[:-3]}abc.{signature}",  # payload altered
        f"/t/{token}/o/https%3A%2F%2Fevil.example",  # a bare URL
        f"/t/{token}/o/",
    ]
    with app.test_request_context():
        from itsdangerous import URLSafeSerializer
        other_key = URLSafeSerializer("not-our-secret", salt=clicks.SALT)
        forged.append(f"/t/{token}/o/" + other_key.dumps([1, 1, shipment.id, "https://evil.example"]))
        ours = URLSafeSerializer(app.config["SECRET_KEY"], salt=clicks.SALT)
        forged.append(f"/t/{token}/o/" + ours.dumps([1, 1, shipment.id, "javascript:alert(1)"]))
        forged.append(f"/t/{token}/o/" + ours.dumps({"url": "https://evil.example"}))
    for url in forged:
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 404, url
        assert "evil.example" not in response.headers.get("Location", "")
    assert all_clicks() == []


def test_a_link_only_works_on_its_own_shipment_page(client, merchant, make_shipment, link):
    other = make_shipment(merchant, number="DEMOONTIME2", order_number="1002")
    signed = link.split("/o/", 1)[1]
    assert client.get(f"/t/{other.public_token}/o/{signed}", headers=BROWSER).status_code == 404
    assert all_clicks() == []


def test_only_http_urls_are_ever_signed(app, shipment):
    with app.test_request_context():
        for url in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "/relative", "", None,
                    "https://ok.example/\r\nSet-Cookie: x"):
            assert clicks.click_url(shipment, 1, 1, url) is None, url
        assert clicks.click_url(shipment, 1, 1, "https://ok.example/a").startswith(f"/t/{shipment.public_token}/o/")
