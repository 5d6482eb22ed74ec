"""Tracking page views: counted per shipment and local day, shoppers only, shown on the overview."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import PageViewDay
from tracking import counters
from tracking.counters import local_day
from tracking.pages import page_views

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " \
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
IMMEDIATE = [{"PAGE_VIEW_FLUSH_SECONDS": 0}]  # the default in tests; named where it matters


def counts():
    return {(row.shipment_id, row.day.isoformat()): row.views
            for row in db.session.scalars(select(PageViewDay))}


def view(client, shipment, **headers):
    return client.get(f"/t/{shipment.public_token}", headers={"User-Agent": PHONE, **headers})


@pytest.mark.parametrize("app", IMMEDIATE, indirect=True)
def test_each_full_page_view_is_counted_once(app, client, merchant, make_shipment):
    one, two = make_shipment(merchant, "DEMOONTIME1", "1"), make_shipment(merchant, "DEMOONTIME2", "2")
    for _ in range(3):
        assert view(client, one).status_code == 200
    view(client, two)
    today = local_day(datetime.now(timezone.utc), merchant.timezone)
    assert counts() == {(one.id, today.isoformat()): 3, (two.id, today.isoformat()): 1}


@pytest.mark.parametrize("app", IMMEDIATE, indirect=True)
def test_refreshes_bots_heads_and_unknown_tokens_are_not_views(app, client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    token = shipment.public_token
    client.get(f"/t/{token}", headers={"User-Agent": PHONE, "HX-Request": "true"})  # live refresh
    client.get(f"/t/{token}/status", headers={"User-Agent": PHONE})
    client.head(f"/t/{token}", headers={"User-Agent": PHONE})
    for agent in ["WhatsApp/2.23.20.0", "facebookexternalhit/1.1", "Mozilla/5.0 (compatible; "
                  "Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0", ""]:
        client.get(f"/t/{token}", headers={"User-Agent": agent})
    assert client.get("/t/no-such-token", headers={"User-Agent": PHONE}).status_code == 404
    assert counts() == {}


@pytest.mark.parametrize("app", IMMEDIATE, indirect=True)
def test_a_repeat_view_answered_304_still_counts(app, client, merchant, make_shipment):
    shipment = make_shipment(merchant)
    etag = view(client, shipment).headers["ETag"]
    assert view(client, shipment, **{"If-None-Match": etag}).status_code == 304
    assert list(counts().values()) == [2]


def test_views_are_buffered_then_written_in_one_batch(app, client, merchant, make_shipment):
    app.config["PAGE_VIEW_FLUSH_SECONDS"] = 3600
    shipment = make_shipment(merchant)
    for _ in range(5):
        view(client, shipment)
    assert counts() == {}  # still in memory: no write per view
    assert app.extensions["page_views"].flush() == 1
    assert list(counts().values()) == [5]
    view(client, shipment)
    app.extensions["page_views"].flush()
    assert list(counts().values()) == [6]  # added to the day's counter, not a second row


def test_the_day_is_the_merchants_local_day(app, make_merchant, make_shipment):
    tokyo = make_merchant("tokyo", timezone="Asia/Tokyo")
    shipment = make_shipment(tokyo)
    late_utc = datetime(2026, 3, 9, 20, 0, tzinfo=timezone.utc)  # 05:00 on the 10th in Tokyo
    with app.test_request_context(headers={"User-Agent": PHONE}):
        page_views.record_view(tokyo.id, shipment.id, tokyo.timezone, late_utc)
    app.extensions["page_views"].flush()
    assert counts() == {(shipment.id, "2026-03-10"): 1}


@pytest.mark.parametrize("app", IMMEDIATE, indirect=True)
def test_a_failed_write_never_breaks_the_page(app, client, merchant, make_shipment, monkeypatch, caplog):
    shipment = make_shipment(merchant)

    class Broken:
        dialect = db.engine.dialect

        def begin(self):
            raise OSError("database went away")
    monkeypatch.setattr(counters, "db", type("FakeDb", (), {"engine": Broken()})())
    assert view(client, shipment).status_code == 200
    assert "could not write 1 page_view_days counters" in caplog.text
