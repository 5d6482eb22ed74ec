"""The shopper's tracking page: full page and htmx partial, polling, branding, safety."""
from tests.pages.conftest import scan
from tracking.extensions import db


def test_page_shows_status_timeline_items_and_support(client, merchant, make_shipment, add_events):
    items = [{"sku": "A1", "title": "Blue kettle", "quantity": 2, "image_url": "https://img.test/k.png"}]
    shipment = make_shipment(merchant, items=items)
    add_events(shipment, scan("2026-11-20T09:00:00", "in_transit", "Picked up", substatus="picked_up"),
               scan("2026-11-21T07:30:00", "out_for_delivery", "Out for delivery", code="OD"))
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "<h1 id=\"headline\" class=\"headline\">Out for delivery</h1>" in page
    assert "Friday, November 20, 2026" in page and "Saturday, November 21, 2026" in page
    assert page.index("Saturday, November 21") < page.index("Friday, November 20")  # newest day first
    assert "7:30" in page  # local wall time of the scan, not converted
    assert "Blue kettle" in page and "https://img.test/k.png" in page
    assert "https://acme.test/returns" in page and "mailto:help@acme.test" in page
    assert 'aria-current="step"' in page
    assert "shopper@example.com" not in page  # no customer contact details


def test_htmx_request_gets_the_partial_only(client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    full = client.get(f"/t/{shipment.public_token}")
    partial = client.get(f"/t/{shipment.public_token}", headers={"HX-Request": "true"})
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in partial.headers["Vary"]
    assert full.get_data(as_text=True).startswith("<!doctype html>")
    body = partial.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith("<section id=\"live\"")
    assert client.get(f"/t/{shipment.public_token}/status").get_data(as_text=True) == body


def test_polling_trigger_only_until_delivered(client, merchant, make_shipment, add_events):
    shipment = make_shipment(merchant)
    url = f"/t/{shipment.public_token}"
    live = client.get(url).get_data(as_text=True)
    assert 'hx-trigger="every 30s"' in live and "htmx.min.js" in live
    add_events(shipment, scan("2026-11-21T12:00:00", "delivered", "Delivered", code="DL"))
    done = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and "hx-get" not in done
    assert "htmx.min.js" not in client.get(url).get_data(as_text=True)


def test_unknown_token_is_a_friendly_404(client, app):
    response = client.get("/t/does-not-exist")
    assert response.status_code == 404
    assert "We could not find this page" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_carrier_text_and_merchant_fields_are_inert(client, make_merchant, make_shipment, add_events):
    evil = make_merchant("evil", name='<script>alert("m")</script>',
                         brand_color="red;}<s",
                         support_url='javascript:alert(1)" onmouseover="x')
    shipment = make_shipment(evil)
    add_events(shipment, scan("2026-11-21T10:00:00", "in_transit",
                              '<img src=x onerror=alert(1)>Arrived <SUP>&#153;</SUP>  '))
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page
    assert "&lt;script&gt;alert(&#34;m&#34;)&lt;/script&gt;" in page
    assert "--brand:#1f4e79" in page  # the invalid colour fell back to the default
    assert 'onmouseover="x' not in page and "javascript:" not in page
    assert "Arrived ™" in page


def test_etag_lets_a_weak_connection_skip_an_unchanged_page(client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    first = client.get(f"/t/{shipment.public_token}")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers.get("ETag")
    again = client.get(f"/t/{shipment.public_token}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code in (200, 304)  # the "updated at" minute may have rolled over
    if again.status_code == 304:
        assert again.data == b""


def test_other_parcels_of_the_order_are_listed(client, merchant, make_shipment):
    first = make_shipment(merchant, number="DEMOONTIME1", order_number="77")
    second = make_shipment(merchant, number="DEMOONTIME2", order_number="77")
    page = client.get(f"/t/{first.public_token}").get_data(as_text=True)
    assert "This order shipped in 2 parcels" in page
    assert f"/t/{second.public_token}" in page and "DEMOONTIME2" in page


def test_delay_and_eta_are_told_honestly(client, merchant, make_shipment, add_events):
    from datetime import datetime, timezone
    shipment = make_shipment(merchant)
    add_events(shipment, scan("2026-11-20T09:00:00", "in_transit", "Weather delay", substatus="delayed"),
               estimated_delivery_earliest=datetime(2099, 1, 5, 14, tzinfo=timezone.utc),
               estimated_delivery_latest=datetime(2099, 1, 5, 18, tzinfo=timezone.utc))
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "Running late" in page
    assert "Expected Mon, Jan 5, between 9:00" in page  # in the merchant's New York time
    shipment.estimated_delivery_latest = datetime(2020, 1, 1, tzinfo=timezone.utc)
    shipment.estimated_delivery_earliest = datetime(2020, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "Later than expected" in page


def test_shipment_of_an_uninstalled_carrier_still_shows_its_timeline(client, merchant, make_shipment,
                                                                    add_events):
    shipment = make_shipment(merchant, number="GONE123", carrier="gone")  # plugin uninstalled since
    add_events(shipment, scan("2026-11-21T10:00:00", "in_transit", "Arrived at depot"))
    page = client.get(f"/t/{shipment.public_token}").get_data(as_text=True)
    assert "GONE · <span class=\"number\">GONE123</span>" in page
    assert "Arrived at depot" in page and "On its way" in page


def test_a_view_moves_the_shipment_up_the_queue_but_only_within_bounds(client, app, merchant,
                                                                       make_shipment):
    from datetime import timedelta
    from tracking.models.types import utcnow
    shipment = make_shipment(merchant)
    later = utcnow() + timedelta(hours=6)
    shipment.next_poll_at, shipment.last_polled_at = later, utcnow() - timedelta(hours=1)
    db.session.commit()
    version = shipment.updated_at
    client.get(f"/t/{shipment.public_token}")
    db.session.expire_all()
    assert utcnow() < shipment.next_poll_at <= utcnow() + timedelta(seconds=60)
    assert shipment.updated_at == version  # cached pages stay valid
    # Polled a minute ago: a reload loop does not bring it forward again.
    shipment.next_poll_at, shipment.last_polled_at = later, utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.get(f"/t/{shipment.public_token}")
    db.session.expire_all()
    assert shipment.next_poll_at == later
    # Done being polled (final): a view never restarts polling.
    shipment.next_poll_at, shipment.last_polled_at = None, utcnow() - timedelta(days=1)
    db.session.commit()
    client.get(f"/t/{shipment.public_token}")
    db.session.expire_all()
    assert shipment.next_poll_at is None
