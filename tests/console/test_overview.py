"""Console overview: counts by status, shipments needing attention, registrations per day."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tracking.console.overview import registered_per_day
from tracking.extensions import db


def set_state(shipment, status, stalled=False, last_event_at=None):
    shipment.status, shipment.stalled, shipment.last_event_at = status, stalled, last_event_at
    db.session.commit()
    return shipment


def test_counts_and_attention(merchant, make_merchant, make_shipment, agent, console_client):
    now = datetime.now(timezone.utc)
    newer = set_state(make_shipment(merchant, "DEMOEXCEPTION1", "1"), "exception",
                      last_event_at=now - timedelta(hours=2))
    older = set_state(make_shipment(merchant, "DEMOATTEMPT1", "2"), "failed_attempt",
                      last_event_at=now - timedelta(days=3))
    stalled = set_state(make_shipment(merchant, "DEMOONTIME1", "3"), "in_transit", stalled=True,
                        last_event_at=now - timedelta(days=1))
    set_state(make_shipment(merchant, "DEMOONTIME2", "4"), "delivered")
    set_state(make_shipment(make_merchant("other"), "DEMOEXCEPTION9", "9"), "exception")
    page = console_client(agent).get("/console/").get_data(as_text=True)
    assert re.search(r'data-status="exception">1<', page)
    assert re.search(r'data-status="delivered">1<', page)
    assert re.search(r'data-status="pending">0<', page)
    assert "4 shipments in all." in page
    links = re.findall(r'href="/t/([^"]+)"', page)
    assert links == [older.public_token, stalled.public_token, newer.public_token]
    assert "DEMOEXCEPTION9" not in page


def test_nothing_needs_attention(owner, console_client):
    page = console_client(owner).get("/console/").get_data(as_text=True)
    assert "Nothing needs your attention." in page and "0 shipments in all." in page


def test_days_follow_the_merchants_timezone(app, merchant, make_shipment, owner, console_client):
    zone = ZoneInfo("America/New_York")  # the merchant fixture's timezone
    now = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)  # 08:00 in New York
    late_evening = datetime(2026, 3, 10, 2, 30, tzinfo=timezone.utc)  # 22:30 on the 9th there
    too_old = datetime(2026, 3, 3, 4, 0, tzinfo=timezone.utc)  # 23:00 on the 2nd there
    for number, when in [("DEMO1", late_evening), ("DEMO2", now), ("DEMO3", too_old)]:
        make_shipment(merchant, number, number).created_at = when
    db.session.commit()
    with app.test_request_context():
        from flask_login import login_user
        login_user(owner)
        days = dict(registered_per_day(zone, now))
    assert len(days) == 7 and min(days).isoformat() == "2026-03-04"
    assert days[datetime(2026, 3, 9).date()] == 1 and days[datetime(2026, 3, 10).date()] == 1
    assert sum(days.values()) == 2
    page = console_client(owner).get("/console/").get_data(as_text=True)
    assert "America/New_York" in page and "link previews, crawlers" in page


PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) " \
        "Chrome/124.0 Mobile Safari/537.36"


@pytest.mark.parametrize("app", [{"PAGE_VIEW_FLUSH_SECONDS": 0}], indirect=True)
def test_page_views_of_the_merchant_only(app, client, merchant, make_merchant, make_shipment, agent,
                                         console_client):
    mine = make_shipment(merchant, "DEMOONTIME1", "1")
    theirs = make_shipment(make_merchant("other"), "DEMOONTIME9", "9")
    for shipment, times in [(mine, 2), (theirs, 7)]:
        for _ in range(times):
            client.get(f"/t/{shipment.public_token}", headers={"User-Agent": PHONE})
    page = console_client(agent).get("/console/").get_data(as_text=True)
    assert "2 tracking page views by shoppers." in page
    assert len(re.findall(r'data-views="[0-9-]+">2<', page)) == 1
    assert len(re.findall(r'data-views="[0-9-]+">0<', page)) == 6


@pytest.mark.parametrize("app", [{"PAGE_VIEW_FLUSH_SECONDS": 0}], indirect=True)
def test_staff_looking_at_a_page_is_not_a_page_view(app, merchant, make_shipment, agent, console_client):
    shipment = make_shipment(merchant)
    staff = console_client(agent)
    assert staff.get(f"/t/{shipment.public_token}", headers={"User-Agent": PHONE}).status_code == 200
    page = staff.get("/console/").get_data(as_text=True)
    assert "0 tracking page views by shoppers." in page
