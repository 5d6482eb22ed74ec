"""Order lookup: full page for the order's owner, status only by number, nothing for a guess."""
import re

import pytest

NOT_FOUND = "We could not find a match for those details"


@pytest.fixture
def shipment(merchant, make_shipment, add_events):
    from tests.pages.conftest import scan
    items = [{"sku": "S1", "title": "Secret gift"}]
    shipment = make_shipment(merchant, number="DEMOONTIME9", order_number="A-100", items=items)
    add_events(shipment, scan("2026-11-21T10:00:00", "in_transit", "Arrived at hub"))
    return shipment


def lookup(client, **fields):
    return client.post("/acme/track", data=fields)


def test_form_renders_with_labels(client, merchant):
    page = client.get("/acme/track").get_data(as_text=True)
    for field in ("order-order_number", "order-contact", "number-tracking_number"):
        assert re.search(rf'<label for="{field}">', page)


def test_order_number_and_email_open_the_full_page(client, shipment):
    response = lookup(client, **{"order-order_number": "#a-100 ", "order-contact": "Shopper@Example.com"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{shipment.public_token}")


def test_order_number_and_postal_code(client, shipment):
    response = lookup(client, **{"order-order_number": "A-100", "order-contact": "97 205"})
    assert response.status_code == 302


def test_wrong_guesses_look_the_same_as_missing_orders(client, shipment):
    wrong_email = lookup(client, **{"order-order_number": "A-100", "order-contact": "x@example.com"})
    no_order = lookup(client, **{"order-order_number": "Z-999", "order-contact": "x@example.com"})
    assert wrong_email.status_code == no_order.status_code == 200
    assert NOT_FOUND in wrong_email.get_data(as_text=True)
    # Identical but for the number the shopper typed, which the form keeps for them.
    assert wrong_email.get_data().replace(b"A-100", b"Z-999") == no_order.get_data()
    assert shipment.public_token not in wrong_email.get_data(as_text=True)


def test_tracking_number_alone_shows_status_and_timeline_only(client, shipment):
    page = lookup(client, **{"number-tracking_number": "demoontime9"}).get_data(as_text=True)
    assert "Arrived at hub" in page and "On its way" in page
    assert "Secret gift" not in page and shipment.public_token not in page
    assert "hx-get" not in page


def test_unknown_merchant_is_404(client, merchant):
    assert client.get("/nobody/track").status_code == 404


def test_another_merchants_order_is_not_found(client, shipment, make_merchant):
    make_merchant("other")
    response = client.post("/other/track", data={"order-order_number": "A-100",
                                                 "order-contact": "shopper@example.com"})
    assert response.status_code == 200 and NOT_FOUND in response.get_data(as_text=True)


@pytest.mark.parametrize("app", [{"LOOKUP_RATE_LIMIT": "3 per minute"}], indirect=True)
def test_lookup_is_rate_limited(client, shipment):
    for _ in range(3):
        lookup(client, **{"order-order_number": "A-1", "order-contact": "a@b.c"})
    response = lookup(client, **{"order-order_number": "A-100", "order-contact": "shopper@example.com"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_hostile_input_is_handled(client, shipment):
    response = lookup(client, **{"order-order_number": "' OR 1=1 --<script>", "order-contact": "\x00" * 300})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)
