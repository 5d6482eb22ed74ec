"""The tracking page in a real Chromium, against a real server process.

The test process seeds and advances shipments straight in the server's SQLite database (through
the same `shipments.register` and `timeline.merge` the worker uses); the browser must pick the
changes up through htmx polling, without reloading, and stop polling once the parcel is delivered.
"""
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from processes import app_env, free_port, start_gunicorn, wait_healthy

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/browser-shot.png"
PORTLAND = -480  # UTC offset in minutes of the simulated scans
NEW_EVENT_TEXT = "Out for delivery on van 42 (browser test)"
DELIVERED_TEXT = "Delivered to front porch (browser test)"
UPDATE_TIMEOUT_MS = 15_000


class Seeder:
    """Writes to the server's database from the test process, with the app's own code."""

    def __init__(self, url: str, base_url: str):
        from tracking import create_app
        self.app = create_app({
            "TESTING": True, "SECRET_KEY": "seeder", "SQLALCHEMY_DATABASE_URI": url,
            "PUBLIC_BASE_URL": base_url, "PAGE_REFRESH_SECONDS": 1,
        })

    def create_schema(self) -> None:
        from tracking.extensions import db
        from tracking.models import Merchant
        with self.app.app_context():
            db.create_all()
            db.session.add(Merchant(
                slug="acme", name="Acme Goods", timezone="America/Los_Angeles",
                support_email="help@acme.test", returns_url="https://acme.test/returns",
            ))
            db.session.commit()

    def shipment(self, events: list, **summary) -> str:
        """Register a demo shipment for Acme with two items, merge `events`; its public token."""
        from sqlalchemy import select
        from tracking import shipments
        from tracking.extensions import db
        from tracking.models import Merchant
        number = f"DEMOONTIME{secrets.randbelow(10**8):08d}"
        with self.app.app_context():
            merchant = db.session.scalar(select(Merchant).filter_by(slug="acme"))
            shipment, created = shipments.register(merchant, {
                "tracking_number": number, "carrier": "demo",
                "order": {"number": f"A-{number[-5:]}", "customer": {"email": "shopper@example.com"},
                          "items": [
                              {"sku": "MUG", "title": "Stoneware mug", "quantity": 2, "price": 14.5,
                               "currency": "USD", "image_url": "/static/img/demo-mug.svg"},
                              {"sku": "TEE", "title": "Organic cotton tee, size M", "quantity": 1,
                               "price": 25, "currency": "USD", "image_url": "/static/img/demo-tee.svg"},
                          ]},
                "destination": {"city": "Portland", "region": "OR", "postal_code": "97205", "country": "US"},
            })
            assert created
            db.session.flush()
            self._merge(shipment, events, **summary)
            db.session.commit()
            return shipment.public_token

    def merge(self, token: str, events: list, **summary) -> None:
        """Merge more scans into the shipment behind `token` and commit, as a poll would."""
        from sqlalchemy import select
        from tracking.extensions import db
        from tracking.models import Shipment
        with self.app.app_context():
            shipment = db.session.scalar(select(Shipment).filter_by(public_token=token))
            self._merge(shipment, events, **summary)
            db.session.commit()

    @staticmethod
    def _merge(shipment, events: list, **summary) -> None:
        from tracking import timeline
        from tracking.carriers.base import TrackResult
        timeline.merge(shipment, TrackResult(shipment.tracking_number, events=events, service="Demo Ground",
                                             **summary))


def scan(hours_ago: float, status: str, description: str, code: str, substatus: str | None = None,
         city: str = "Portland", region: str = "OR", postal_code: str = "97218"):
    """A carrier scan `hours_ago`, in Portland's wall time with its offset."""
    from tracking.carriers.base import CarrierEvent, Location
    instant = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    local = (instant + timedelta(minutes=PORTLAND)).replace(tzinfo=None, microsecond=0)
    return CarrierEvent(occurred_at_local=local, utc_offset_minutes=PORTLAND, status=status,
                        description=description, carrier_status_code=code, substatus=substatus,
                        location=Location(city, region, postal_code, "US"))


def in_transit_scans() -> list:
    return [
        scan(30, "info_received", "Shipment information sent to carrier", "OC", city="Louisville",
             region="KY", postal_code="40209"),
        scan(27, "in_transit", "Picked up", "PU", "picked_up", city="Louisville", region="KY",
             postal_code="40209"),
        scan(5, "in_transit", "Arrived at destination facility", "AR", "arrived_at_facility"),
    ]


def eta(hours_from_now: float) -> dict:
    start = datetime.now(timezone.utc) + timedelta(hours=hours_from_now)
    return {"estimated_delivery_earliest": start, "estimated_delivery_latest": start + timedelta(hours=4)}


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    """gunicorn on a fresh SQLite file, pages refreshing every second; no worker."""
    directory = tmp_path_factory.mktemp("browser")
    url = "sqlite:///" + str(directory / "browser.sqlite3")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    seeder = Seeder(url, base_url)
    seeder.create_schema()
    env = app_env(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_hex(16),
                  PAGE_REFRESH_SECONDS=1, PUBLIC_BASE_URL=base_url)
    server = start_gunicorn(env, port, directory, workers=2)
    try:
        wait_healthy(base_url, server)
        yield {"base_url": base_url, "seeder": seeder, "server": server}
    finally:
        server.stop()
        with seeder.app.app_context():
            from tracking.extensions import db
            db.engine.dispose()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone-sized page."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.js_errors = errors
    yield page
    context.close()


def _live_text(page) -> str:
    return page.locator("#live").inner_text()


def assert_fits(page) -> None:
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"page is {sizes[0]}px wide in a {sizes[1]}px viewport"


def serious_violations(axe, page, label: str) -> list[dict]:
    """Run axe; print every violation, return the serious and critical ones."""
    results = axe.run(page)
    violations = results.response["violations"]
    print(f"\n[axe {label}] axe-core {results.response.get('testEngine', {}).get('version')}: "
          f"{len(violations)} violation(s) on {results.response.get('url')}")
    for v in violations:
        print(f"\n[axe {label}] {v['impact']}: {v['id']} - {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            print(f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
            print(f"      html: {node['html'][:300]}")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_page_updates_live_and_stops_polling_when_delivered(live, phone):
    base_url, seeder = live["base_url"], live["seeder"]
    token = seeder.shipment(in_transit_scans(), **eta(20))
    status_requests = []
    phone.on("request", lambda r: status_requests.append(r) if f"/t/{token}/status" in r.url else None)
    navigations = []
    phone.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == phone.main_frame else None)

    response = phone.goto(f"{base_url}/t/{token}")
    assert response.status == 200
    assert phone.locator("h1#headline").inner_text() == "On its way"
    assert phone.title().startswith("On its way")
    events = phone.locator("#live li.event")
    assert events.count() == 3
    assert events.first.locator(".said").inner_text() == "Arrived at destination facility"
    text = _live_text(phone)
    for expected in ("Picked up", "Louisville, KY, US", "Portland, OR, US", "Expected "):
        assert expected in text, f"{expected!r} not in\n{text}"
    assert phone.locator("li[aria-current=step]").count() == 1
    assert phone.locator(".items li.item").count() == 2
    assert phone.get_attribute("#live", "hx-trigger") == "every 1s"
    assert phone.evaluate("typeof window.htmx") == "object", "htmx did not load"
    assert_fits(phone)

    phone.evaluate("window.__marker = 1")
    seen_before = len(navigations)

    # A new scan lands in the database: the page shows it by itself.
    seeder.merge(token, [scan(0.1, "out_for_delivery", NEW_EVENT_TEXT, "OD")], **eta(3))
    phone.wait_for_function("t => document.querySelector('#live').innerText.includes(t)",
                            arg=NEW_EVENT_TEXT, timeout=UPDATE_TIMEOUT_MS)
    assert phone.evaluate("window.__marker") == 1, "the page reloaded instead of swapping the partial"
    assert len(navigations) == seen_before, navigations
    assert phone.locator("h1#headline").inner_text() == "Out for delivery"
    assert phone.locator("#live li.event").count() == 4
    assert phone.locator("#live li.event").first.locator(".said").inner_text() == NEW_EVENT_TEXT
    assert phone.get_attribute("#live", "hx-trigger") == "every 1s"
    assert status_requests, "no htmx request to the status partial"
    assert status_requests[0].headers.get("hx-request") == "true", status_requests[0].headers
    assert_fits(phone)

    # Delivered: the last swap drops the trigger and polling stops.
    seeder.merge(token, [scan(0.01, "delivered", DELIVERED_TEXT, "DL")])
    phone.wait_for_function("() => document.querySelector('#headline').innerText === 'Delivered'",
                            timeout=UPDATE_TIMEOUT_MS)
    assert phone.evaluate("window.__marker") == 1
    assert phone.evaluate("document.querySelector('#live').hasAttribute('hx-trigger')") is False
    assert DELIVERED_TEXT in _live_text(phone) and "Delivered on " in _live_text(phone)
    phone.wait_for_timeout(300)  # let a request already in flight finish
    count = len(status_requests)
    phone.wait_for_timeout(3_000)  # three refresh periods
    assert len(status_requests) == count, (
        f"still polling after delivery: {[r.url for r in status_requests[count:]]}")
    assert phone.js_errors == [], phone.js_errors
    assert_fits(phone)
    phone.screenshot(path=SCREENSHOT, full_page=True)
    print(f"\nscreenshot of the delivered page at 360px: {SCREENSHOT}")


def test_page_has_no_serious_accessibility_problems(live, phone, axe):
    base_url, seeder = live["base_url"], live["seeder"]
    moving = seeder.shipment(in_transit_scans(), **eta(20))
    delivered = seeder.shipment(in_transit_scans() + [scan(1, "delivered", "Delivered, front door", "DL")])
    trouble = seeder.shipment(in_transit_scans() + [
        scan(1, "exception", "Damaged - held at facility for inspection", "DE", "damaged")])
    pages = {
        "in transit": f"/t/{moving}",
        "delivered": f"/t/{delivered}",
        "exception": f"/t/{trouble}",
        "order lookup": "/acme/track",
    }
    problems = {}
    for label, path in pages.items():
        response = phone.goto(base_url + path)
        assert response.status == 200, (label, response.status)
        found = serious_violations(axe, phone, label)
        if found:
            problems[label] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in found]
    assert not problems, f"serious or critical axe violations: {problems}"


def test_page_works_without_javascript(live, browser):
    base_url, seeder = live["base_url"], live["seeder"]
    token = seeder.shipment(in_transit_scans(), **eta(20))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        assert page.goto(f"{base_url}/t/{token}").status == 200
        assert page.locator("h1#headline").inner_text() == "On its way"
        assert page.locator("#live li.event").count() == 3
        assert "Arrived at destination facility" in page.locator("#live").inner_text()
        assert page.locator(".items li.item").count() == 2
        assert "Stoneware mug" in page.content()
        assert page.locator("script[src*=htmx]").count() == 1  # present but inert
        # A reload brings news without JavaScript.
        seeder.merge(token, [scan(0.1, "out_for_delivery", NEW_EVENT_TEXT, "OD")])
        page.reload()
        assert page.locator("h1#headline").inner_text() == "Out for delivery"
        assert NEW_EVENT_TEXT in page.locator("#live").inner_text()
    finally:
        context.close()
