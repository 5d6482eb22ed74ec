"""Offers in a real Chromium: they load after the status, lazily, and the copy button copies the code."""
import secrets

import pytest

from processes import app_env, flask_cli, free_port, start_gunicorn, wait_healthy

pytestmark = pytest.mark.browser

# Playwright's headless user agent says "HeadlessChrome": a bot, whose views are not counted.
SHOPPER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36")


def seed(url: str, base_url: str) -> str:
    """A merchant, a late-free in-transit shipment and a discount-code offer (offers have no API:
    the console writes them; here the models do); the page token."""
    from tracking import create_app, shipments
    from tracking.extensions import db
    from tracking.models import Merchant, Offer, OfferVariant
    app = create_app({"TESTING": True, "SECRET_KEY": "seeder", "SQLALCHEMY_DATABASE_URI": url,
                      "PUBLIC_BASE_URL": base_url})
    with app.app_context():
        merchant = Merchant(slug="acme", name="Acme Goods", timezone="UTC")
        db.session.add(merchant)
        db.session.flush()
        shipment, _ = shipments.register(merchant, {
            "tracking_number": "DEMOONTIME4242", "carrier": "demo",
            "order": {"number": "A-1", "customer": {"email": "shopper@example.com"},
                      "items": [{"sku": "MUG", "title": "Stoneware mug", "quantity": 1}]}})
        offer = Offer(merchant_id=merchant.id, name="Welcome", kind="discount_code")
        offer.variants.append(OfferVariant(merchant_id=merchant.id, name="A", discount_code="WELCOME-10",
                                           content={"en": {"headline": "10% off your next order"}}))
        db.session.add(offer)
        db.session.commit()
        token = shipment.public_token
        db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    directory = tmp_path_factory.mktemp("offers-browser")
    url = "sqlite:///" + str(directory / "offers.sqlite3")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = app_env(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_hex(16), PUBLIC_BASE_URL=base_url)
    flask_cli(env, "db", "upgrade")  # the schema an operator gets, not create_all's
    token = seed(url, base_url)
    server = start_gunicorn(env, port, directory, workers=1)
    try:
        wait_healthy(base_url, server)
        yield {"base_url": base_url, "token": token, "server": server}
    finally:
        server.stop()


def test_offer_loads_after_the_status_and_copies_its_code(live, browser):
    site = live
    context = browser.new_context(user_agent=SHOPPER_UA, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["base_url"])
    page = context.new_page()
    offer_requests = []
    page.on("request", lambda r: offer_requests.append(r.url) if r.url.endswith("/offers") else None)
    try:
        page.goto(f"{site['base_url']}/t/{site['token']}")
        page.locator("#headline").wait_for()
        offers = page.locator("section.offers")
        offers.wait_for(timeout=10_000)
        assert len(offer_requests) == 1  # fetched by htmx after the page, not part of it
        # Document order: the status section, then the offers.
        assert page.evaluate("""() => {
            const live = document.getElementById('live'), offers = document.querySelector('section.offers');
            return !!(live.compareDocumentPosition(offers) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        assert offers.get_by_role("heading", name="10% off your next order").is_visible()
        button = offers.get_by_role("button", name="Copy code")
        assert button.is_visible()
        button.focus()
        page.keyboard.press("Enter")  # works from the keyboard
        offers.get_by_role("status").filter(has_text="Copied").wait_for(timeout=5_000)
        assert page.evaluate("() => navigator.clipboard.readText()") == "WELCOME-10"
        assert offers.locator("code").inner_text() == "WELCOME-10"  # still selectable text
    finally:
        context.close()


def test_without_javascript_the_offer_still_renders(live, browser):
    site = live
    context = browser.new_context(user_agent=SHOPPER_UA, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site['base_url']}/t/{site['token']}")
        frame = page.frame_locator("iframe.offers-frame")
        frame.get_by_text("WELCOME-10").wait_for(timeout=10_000)
        assert not frame.get_by_role("button", name="Copy code").is_visible()  # no dead button
    finally:
        context.close()
