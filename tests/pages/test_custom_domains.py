"""Host routing: custom domains serve their merchant's shopper pages only; unknown hosts 404."""
import pytest

from tracking.extensions import db
from tracking.models import CustomDomain

DOMAIN = "track.acme-shop.com"


@pytest.fixture
def domain(merchant):
    row = CustomDomain(merchant_id=merchant.id, hostname=DOMAIN)
    db.session.add(row)
    db.session.commit()
    return row


def get(client, path, host=DOMAIN, **kwargs):
    return client.get(path, headers={"Host": host}, **kwargs)


def test_tracking_page_answers_on_the_merchants_domain(client, domain, merchant, make_shipment):
    shipment = make_shipment(merchant)
    response = get(client, f"/t/{shipment.public_token}")
    assert response.status_code == 200 and "Acme Goods" in response.get_data(as_text=True)
    assert get(client, f"/t/{shipment.public_token}/status").status_code == 200
    assert get(client, f"/t/{shipment.public_token}", host=DOMAIN.upper() + ":443").status_code == 200


def test_another_merchants_token_is_404_there(client, domain, make_merchant, make_shipment):
    other = make_merchant("other", name="Other Shop")
    shipment = make_shipment(other)
    response = get(client, f"/t/{shipment.public_token}")
    assert response.status_code == 404
    assert "Other Shop" not in response.get_data(as_text=True)
    assert get(client, "/t/no-such-token").status_code == 404


def test_lookup_on_the_domain_root(client, domain, merchant, make_merchant):
    make_merchant("other", name="Other Shop")
    response = get(client, "/track")
    assert response.status_code == 200 and "Acme Goods" in response.get_data(as_text=True)
    assert get(client, "/other/track").status_code == 404
    assert client.get("/track").status_code == 404  # not on the primary host


def test_static_and_health_answer_there(client, domain):
    assert get(client, "/healthz").status_code == 200
    response = get(client, "/static/css/console.css")
    assert response.status_code == 200
    response.close()


@pytest.mark.parametrize("path", ["/console/login", "/api/v1/shipments", "/acme/track", "/"])
def test_everything_else_is_404_there(client, domain, path):
    if path == "/acme/track":  # the merchant's own lookup under its slug is allowed
        assert get(client, path).status_code == 200
        return
    assert get(client, path).status_code == 404


def test_unknown_host_is_a_neutral_404(client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    for path in (f"/t/{shipment.public_token}", "/acme/track", "/console/login", "/healthz"):
        response = get(client, path, host="evil.example.org")
        assert response.status_code == 404
        assert "Acme" not in response.get_data(as_text=True)


def test_primary_hosts_serve_everything(app, client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    assert get(client, f"/t/{shipment.public_token}", host="127.0.0.1:5000").status_code == 200
    app.config["PRIMARY_HOSTS"] = ["tracking.example.net"]
    assert get(client, f"/t/{shipment.public_token}", host="tracking.example.net").status_code == 200
    assert get(client, f"/t/{shipment.public_token}", host="localhost").status_code == 404


def test_links_use_the_domain_once_it_is_verified(client, domain, merchant, make_merchant, make_shipment,
                                                 api_headers):
    from tracking.models.types import utcnow
    from tracking.shipments import tracking_url
    shipment = make_shipment(merchant)
    other = make_shipment(make_merchant("other"), "DEMOONTIME9")
    assert tracking_url(shipment) == f"https://track.test/t/{shipment.public_token}"  # not checked yet
    domain.verified_at = utcnow()
    db.session.commit()
    assert tracking_url(shipment) == f"https://{DOMAIN}/t/{shipment.public_token}"
    assert tracking_url(other).startswith("https://track.test/t/")
    listed = client.get("/api/v1/shipments", headers=api_headers).get_json()
    assert [s["tracking_url"] for s in listed["data"]] == [f"https://{DOMAIN}/t/{shipment.public_token}"]
    assert get(client, f"/t/{shipment.public_token}").status_code == 200  # and the link works there


def test_the_offers_partial_and_click_links_answer_on_the_domain(client, domain, merchant, make_merchant,
                                                                 make_shipment):
    shipment = make_shipment(merchant)
    assert get(client, f"/t/{shipment.public_token}/offers").status_code == 200
    assert get(client, f"/t/{shipment.public_token}/o/not-signed").status_code == 404  # reached, refused
    other = make_shipment(make_merchant("other"), "DEMOONTIME9")
    assert get(client, f"/t/{other.public_token}/offers").status_code == 404
