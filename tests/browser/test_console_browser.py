"""The console in a real Chromium against a real server: sign in, change the brand colour, watch
the htmx preview follow, save, and see the live tracking page change; write an SMS template and
watch its preview follow as you type. axe checks both pages.

The server is gunicorn on a SQLite file migrated with `flask db upgrade`; the merchant, its owner
(password on stdin) and its API key come from the CLI, the shipment from the API.
"""

import pytest
import requests

from processes import start_shop
from test_tracking_page_browser import serious_violations

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "owner@brand.test", "a long and unusual passphrase 81"
NEW_BRAND = "#7a1f5c"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    site = start_shop(tmp_path_factory.mktemp("console-browser"), "brand", "Brand Test Shop",
                      {"email": EMAIL, "password": PASSWORD, "role": "owner", "name": "Olive Owner"},
                      {"tracking_number": "DEMOONTIME55501", "carrier": "demo",
                       "order": {"number": "B-1001", "customer": {"email": "shopper@example.com"}},
                       "destination": {"postal_code": "97205", "country": "US"}})
    yield {**site, "shipment_id": site["shipment"]["id"]}
    site["server"].stop()


def _brand_of(frame_or_page) -> str:
    return frame_or_page.locator("html").evaluate(
        "el => getComputedStyle(el).getPropertyValue('--brand').trim()")


def test_brand_colour_changes_preview_then_live_page(live, desktop, axe):
    base_url, token, page = live["base_url"], live["token"], desktop
    before = requests.get(f"{base_url}/t/{token}", timeout=10).text
    assert f"--brand:{NEW_BRAND}" not in before

    page.goto(f"{base_url}/console/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/console/login" not in u, timeout=TIMEOUT_MS)

    assert page.goto(f"{base_url}/console/branding").status == 200
    preview = page.frame_locator("iframe.preview-frame")
    assert _brand_of(preview) != NEW_BRAND

    violations = serious_violations(axe, page, "console branding")
    assert not violations, f"serious/critical axe violations on /console/branding: {[v['id'] for v in violations]}"

    page.fill("input[name=brand_color]", NEW_BRAND)
    page.wait_for_function(
        "c => (document.querySelector('iframe.preview-frame')?.getAttribute('srcdoc') || '').includes('--brand:' + c)",
        arg=NEW_BRAND, timeout=TIMEOUT_MS)
    page.frame_locator("iframe.preview-frame").locator("html").wait_for(timeout=TIMEOUT_MS)
    assert _brand_of(page.frame_locator("iframe.preview-frame")) == NEW_BRAND
    # Only a preview: the live page keeps the saved colour until the form is saved.
    assert f"--brand:{NEW_BRAND}" not in requests.get(f"{base_url}/t/{token}", timeout=10).text

    page.click("form.branding button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("input[name=brand_color]").input_value() == NEW_BRAND

    response = page.goto(f"{base_url}/t/{token}")
    assert response.status == 200
    assert f"--brand:{NEW_BRAND}" in page.content()
    assert _brand_of(page) == NEW_BRAND


def _sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/console/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/console/login" not in u, timeout=TIMEOUT_MS)


def test_sms_template_preview_follows_typing_then_the_api_serves_it(live, desktop, axe):
    base_url, token, page = live["base_url"], live["token"], desktop
    _sign_in(page, base_url)
    assert page.goto(f"{base_url}/console/messages/sms/en").status == 200
    violations = serious_violations(axe, page, "console messages")
    assert not violations, f"serious/critical axe violations on the message editor: {[v['id'] for v in violations]}"

    preview = page.locator("#message-preview")
    page.fill("textarea[name=body]", "Parcel news <b>now</b>: {order.__class__}")
    preview.get_by_text("is not allowed").wait_for(timeout=TIMEOUT_MS)  # refused, said in place

    page.fill("textarea[name=body]", "{shop_name} <b>news</b>: {tracking_link}")
    preview.locator(".message-body").filter(has_text=token).wait_for(timeout=TIMEOUT_MS)
    assert preview.locator(".message-body").inner_text() == f"Brand Test Shop <b>news</b>: {base_url}/t/{token}"
    assert preview.locator("b").count() == 0  # merchant text is shown, never interpreted
    assert "1 SMS segment" in preview.locator(".sms-length").inner_text()

    page.click("form.messages button[type=submit]")
    page.wait_for_load_state()
    served = requests.get(f"{base_url}/api/v1/shipments/{live['shipment_id']}/messages/sms?locale=en",
                          headers={"Authorization": f"Bearer {live['key']}"}, timeout=10)
    assert served.status_code == 200, served.text
    assert served.json()["body"] == f"Brand Test Shop <b>news</b>: {base_url}/t/{token}"
