"""The support console in a real Chromium: an agent finds a shipment by the customer's email as
they type, opens it, presses re-poll and sees the carrier's new events appear in place.

The server is gunicorn on a SQLite file migrated with `flask db upgrade`; no worker runs, so the
re-poll is the shipment's first look at the (simulated) carrier.
"""
import pytest

from processes import start_shop
from test_tracking_page_browser import serious_violations

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "agent@support.test", "a long and unusual passphrase 92"
CUSTOMER = "Robin.Shopper@Example.com"
NUMBER = "DEMOONTIME66601"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    site = start_shop(tmp_path_factory.mktemp("support-browser"), "helpdesk", "Helpdesk Shop",
                      {"email": EMAIL, "password": PASSWORD, "role": "agent", "name": "Agnes Agent"},
                      {"tracking_number": NUMBER, "carrier": "demo",
                       "order": {"number": "H-7001", "customer": {"email": CUSTOMER, "name": "Robin Shopper"}},
                       "destination": {"postal_code": "97205", "country": "US"}},
                      DEMO_SECONDS_PER_HOUR="0.01")
    yield site
    site["server"].stop()


def test_agent_finds_by_email_opens_and_repolls(live, desktop, axe):
    base_url, page = live["base_url"], desktop
    page.goto(f"{base_url}/support/search")  # anonymous: sent to the shared console sign-in
    page.wait_for_url(lambda u: "/console/login" in u, timeout=TIMEOUT_MS)
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/support/search" in u, timeout=TIMEOUT_MS)

    page.locator("#q").press_sequentially("robin.shopper@example", delay=20)  # typed, never submitted
    result = page.locator("#results a", has_text=NUMBER)
    result.wait_for(timeout=TIMEOUT_MS)
    assert "q=robin.shopper" in page.url  # htmx pushed the search into the address bar
    violations = serious_violations(axe, page, "support search")
    assert not violations, f"serious/critical axe violations on /support/search: {[v['id'] for v in violations]}"

    result.click()
    page.wait_for_url(lambda u: "/support/shipments/" in u, timeout=TIMEOUT_MS)
    assert page.locator("#repoll-result").inner_text().strip() == ""
    timeline_before = page.locator("table.timeline tbody tr").count()
    assert timeline_before == 0
    url_before = page.url

    page.get_by_role("button", name="Re-poll now").click()
    outcome = page.locator("#repoll-result .repoll-result")
    outcome.wait_for(timeout=TIMEOUT_MS)
    text = outcome.inner_text()
    assert "Outcome: Answered." in text, text
    assert page.locator("#repoll-result .new-events li").count() >= 1
    assert "Shipment information sent to carrier" in text
    assert page.url == url_before  # shown in place, no navigation

    page.reload()
    assert page.locator("table.timeline tbody tr").count() >= 1
    assert page.locator("table.audit tr[data-action=repoll]").count() == 1
    violations = serious_violations(axe, page, "support shipment")
    assert not violations, f"serious/critical axe violations on the shipment page: {[v['id'] for v in violations]}"
