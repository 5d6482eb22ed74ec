"""The real thing: migrations, CLI, gunicorn and the worker as processes, talking over HTTP.

A shop registers a demo-carrier shipment through the API; the worker polls the simulated carrier
on an accelerated clock; the tracking page and the API show the journey as it happens, up to
delivery, after which the page stops asking htmx to refresh it.
"""
import html
import json
import re
import secrets
import time
from urllib.parse import urlsplit

import pytest
import requests

from processes import app_env, dump_logs, flask_cli, free_port, start_gunicorn, start_worker, wait_healthy

pytestmark = pytest.mark.e2e

# One scenario hour per 0.25 s: the "ontime" journey (delivered at hour 59.5) takes ~15 s.
SECONDS_PER_HOUR = 0.25
DEADLINE_SECONDS = 30
# The polling policy on the demo's clock: every wait divided by 3600 / 0.25 (an hour in 0.25 s),
# and no night, which would otherwise push polls to the destination's real morning.
DEMO_POLL_POLICY = {"time_scale": 3600 / SECONDS_PER_HOUR, "night_start_hour": 0, "night_end_hour": 0}
PENDING_HEADLINE = "Waiting for the carrier's first scan"


@pytest.fixture
def stack(request, e2e_database_url, tmp_path):
    """Migrated database, a merchant and API key, then gunicorn (2 workers) and the poller."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = app_env(
        SQLALCHEMY_DATABASE_URI=e2e_database_url,
        SECRET_KEY=secrets.token_hex(16),
        DEMO_SECONDS_PER_HOUR=SECONDS_PER_HOUR,
        WORKER_INTERVAL_SECONDS=1,
        POLL_POLICY=json.dumps(DEMO_POLL_POLICY),
        PAGE_REFRESH_SECONDS=2,
        PUBLIC_BASE_URL=base_url,
    )
    flask_cli(env, "db", "upgrade")  # Alembic migrations, on an empty database of either kind
    flask_cli(env, "create-merchant", "--slug", "e2e", "--name", "E2E")
    key = flask_cli(env, "create-api-key", "--merchant", "e2e").strip().splitlines()[-1].strip()
    assert key.startswith("trk_"), key

    processes = []
    try:
        processes.append(start_gunicorn(env, port, tmp_path))
        processes.append(start_worker(env, tmp_path))
        wait_healthy(base_url, processes[0])
        yield {"base_url": base_url, "key": key, "processes": processes}
    finally:
        for process in processes:
            process.stop()
        if any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
               for when in ("setup", "call")):
            dump_logs(processes)


def _headline(page: str) -> str:
    match = re.search(r'<h1 id="headline"[^>]*>(.*?)</h1>', page, re.S)
    assert match, f"no headline in page:\n{page[:2000]}"
    return html.unescape(match.group(1)).strip()


def _live_section(page: str) -> str:
    match = re.search(r'<section id="live".*?</section>', page, re.S)
    assert match, f"no #live section in page:\n{page[:2000]}"
    return match.group(0)


def _event_count(page: str) -> int:
    return len(re.findall(r'<li class="event ', page))


def test_shipment_journey_over_http(stack):
    base_url, processes = stack["base_url"], stack["processes"]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {stack['key']}"
    number = f"DEMOONTIME{secrets.randbelow(10**8):08d}"

    # The shop registers the parcel.
    started = time.monotonic()
    created = api.post(f"{base_url}/api/v1/shipments", json={
        "tracking_number": number,
        "carrier": "demo",
        "order": {"number": f"E2E-{number[-6:]}", "customer": {"email": "shopper@example.com"},
                  "items": [{"sku": "MUG-1", "title": "Demo mug", "quantity": 1}]},
        "destination": {"city": "Portland", "region": "OR", "postal_code": "97205", "country": "US"},
    }, timeout=10)
    assert created.status_code == 201, created.text
    shipment = created.json()
    assert shipment["tracking_number"] == number and shipment["carrier"] == "demo"
    url = urlsplit(shipment["tracking_url"])
    assert url.netloc == f"127.0.0.1:{base_url.rsplit(':', 1)[1]}", shipment["tracking_url"]
    page_url = f"{base_url}{url.path}"
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{22,}", url.path), url.path

    # Registering again answers 200 with the same shipment.
    again = api.post(f"{base_url}/api/v1/shipments", json={
        "tracking_number": number, "carrier": "demo",
        "order": {"number": f"E2E-{number[-6:]}"}}, timeout=10)
    assert again.status_code == 200 and again.json()["id"] == shipment["id"], again.text

    # The shopper opens the page; it exists at once, whatever the worker has done so far.
    first = requests.get(page_url, timeout=10)
    assert first.status_code == 200, first.text
    assert number in first.text and "Demo mug" in first.text
    assert 'hx-trigger="every 2s"' in _live_section(first.text), "a moving shipment's page polls"

    # The page moves as the worker polls the carrier, without anyone asking the carrier from the web.
    headlines, counts, page = [], [], first.text
    while time.monotonic() - started < DEADLINE_SECONDS:
        for process in processes:
            assert process.alive(), f"{process.name} died:\n{process.log()}"
        response = requests.get(page_url, timeout=10)
        assert response.status_code == 200, response.text
        page = response.text
        headline = _headline(page)
        if not headlines or headlines[-1] != headline:
            headlines.append(headline)
        counts.append(_event_count(page))
        if headline == "Delivered":
            break
        time.sleep(0.3)
    elapsed = time.monotonic() - started
    print(f"\n[{number}] headlines seen in {elapsed:.1f}s: {headlines}; events seen: {sorted(set(counts))}")

    assert headlines[-1] == "Delivered", (
        f"not delivered within {DEADLINE_SECONDS}s; headlines seen: {headlines}\n{_live_section(page)}")
    moving = [h for h in headlines if h not in (PENDING_HEADLINE, "Delivered")]
    assert len(moving) >= 2, f"the page should show the journey step by step; saw {headlines}"
    assert "On its way" in headlines, headlines
    assert len(set(counts)) >= 3, f"events should appear a few at a time; counts seen {counts}"

    # Delivered: full timeline, signer, no more htmx polling.
    live = _live_section(page)
    assert _event_count(page) == 11, live
    for text in ("Delivered, signed for by J. DOE", "Out for delivery", "Picked up",
                 "Portland, OR, US", "Signed by J. DOE"):
        assert text in live, f"{text!r} missing from\n{live}"
    assert "hx-trigger" not in live, f"a delivered shipment must not keep polling:\n{live}"

    # The htmx partial answers on its own URL and on the page URL with HX-Request.
    partial = requests.get(f"{page_url}/status", timeout=10)
    assert partial.status_code == 200 and partial.text.lstrip().startswith('<section id="live"'), partial.text[:500]
    via_htmx = requests.get(page_url, headers={"HX-Request": "true"}, timeout=10)
    assert via_htmx.status_code == 200 and "<html" not in via_htmx.text, via_htmx.text[:500]
    assert "HX-Request" in via_htmx.headers.get("Vary", ""), via_htmx.headers

    # The API tells the same story, newest first.
    detail = api.get(f"{base_url}/api/v1/shipments/{shipment['id']}", timeout=10)
    assert detail.status_code == 200, detail.text
    data = detail.json()
    assert data["status"] == "delivered" and data["substatus"] == "signed", data
    assert data["delivered_at"], data
    events = data["events"]
    assert len(events) == 11, events
    assert events[0]["status"] == "delivered" and events[-1]["status"] == "info_received", events
    assert events[0]["description"] == "Delivered, signed for by J. DOE"
    assert events[0]["location"]["city"] == "Portland"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d", events[0]["occurred_at"]), events[0]
    assert events[0]["occurred_at"].endswith("-08:00"), events[0]  # Portland, as the carrier said
    listed = api.get(f"{base_url}/api/v1/shipments", params={"tracking_number": number}, timeout=10)
    assert listed.status_code == 200 and [s["id"] for s in listed.json()["data"]] == [shipment["id"]], listed.text

    # Another merchant's view (no key) is refused; the page of an unknown token is a 404.
    assert requests.get(f"{base_url}/api/v1/shipments/{shipment['id']}", timeout=10).status_code == 401
    assert requests.get(f"{base_url}/t/{'x' * 22}", timeout=10).status_code == 404

    # Nothing blew up in either process along the way.
    for process in processes:
        assert "Traceback" not in process.log(), f"{process.name} logged a traceback:\n{process.log()}"
