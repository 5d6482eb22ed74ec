"""Each real carrier end to end: registered through the API, polled by `poll --once`, read back.

One migrated SQLite database, one merchant and one gunicorn serve the whole module; the fake
carriers (tests/e2e/fake_carriers.py) answer on 127.0.0.1 with the payloads of tests/fixtures,
renumbered to the number each test registers. Every carrier's `base_url` points there through
TRACKING_CARRIERS__<code>__<key> variables, as an operator would configure it.
"""
import base64
import random
import re
import secrets
import sqlite3
import string
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import requests

from fake_carriers import FakeCarriers, load_fixture
from processes import (
    ROOT, app_env, carrier_settings, dump_logs, flask_cli, free_port, start_gunicorn, wait_healthy,
)
from tracking.carriers.dhl import DHL
from tracking.carriers.fedex import FedEx
from tracking.carriers.ups import UPS
from tracking.carriers.usps import USPS

pytestmark = pytest.mark.e2e

CREDENTIALS = {
    "ups": {"client_id": "ups-e2e-client", "client_secret": "ups-e2e-secret"},
    "fedex": {"client_id": "fedex-e2e-client", "client_secret": "fedex-e2e-secret"},
    "usps": {"client_id": "usps-e2e-client", "client_secret": "usps-e2e-secret"},
    "dhl": {"api_key": "dhl-e2e-key"},
}
SUMMARY = re.compile(r"^poll: claimed=(\d+) polled=(\d+) new_events=(\d+) status_changes=(\d+) "
                     r"errors=(\d+) outcomes: (.*)$", re.M)


@dataclass(frozen=True)
class Case:
    """A fixture and what the API must show once it has been polled (events newest first)."""

    fixture: str
    status: str
    substatus: str | None
    # (occurred_at, status, substatus, carrier_status_code, description)
    events: list[tuple[str, str, str | None, str | None, str]]
    newest_city: str | None
    delivered_at: str | None = None
    eta_earliest: str | None = None


CASES = {
    # Newest first as UPS lists it; the three hub scans carry gmtDate/gmtTime (-04:00), the
    # pickup and the label do not: their local times stay without offset.
    "ups": Case(
        "in-transit-newest-first.json", "out_for_delivery", None, [
            ("2024-03-11T08:15:00-04:00", "out_for_delivery", None, "I/006/OT",
             "Out For Delivery Today"),
            ("2024-03-11T06:10:00-04:00", "in_transit", None, "I/005/AR",
             "Arrived at Facility on time & moving"),
            ("2024-03-10T23:30:00-04:00", "in_transit", None, "I/005/DP", "Departed from Facility"),
            ("2024-03-09T18:45:00", "in_transit", "picked_up", "P/038/PU", "Pickup Scan"),
            ("2024-03-09T12:00:00", "info_received", "label_created", "M/003/MP",
             "Shipper created a label, UPS has not received the package yet."),
        ], "ATLANTA", eta_earliest="2024-03-11T16:00:00"),
    # Oldest first, offsets missing on some scans, codes FedEx never documented (kept raw,
    # status carried over from the scan before), and "running late" on the newest scan.
    "fedex": Case(
        "no-offset-oldest-first.json", "in_transit", "delayed", [
            ("2024-12-01T19:40:00", "in_transit", "delayed", "AR", "Arrived at FedEx location"),
            ("2024-12-01T11:05:00-05:00", "in_transit", "customs_cleared", "CC",
             "International shipment release - Import"),
            ("2024-11-30T03:20:00-05:00", "exception", "customs", "CD",
             "Clearance delay: Import documentation required"),
            ("2024-11-29T22:00:00-05:00", "in_transit", None, "YY", "Unlisted scan"),
            ("2024-11-29T06:10:00-05:00", "in_transit", None, "XX", "In transit"),
            ("2024-11-28T17:45:00-05:00", "in_transit", "picked_up", "PU", "Picked up"),
            ("2024-11-28T09:30:00", "info_received", None, "ZZ", "Something FedEx never documented"),
            ("2024-11-28T08:00:00", "info_received", "label_created", "OC",
             "Shipment information sent to FedEx"),
        ], "ROCHESTER", eta_earliest="2024-12-03T14:00:00"),
    # The USPS v3 sample: twelve scans newest first, local times with GMTOffset -05:00.
    "usps": Case(
        "tracking-v3.json", "delivered", "delivered_to_locker", [
            ("2024-11-22T13:58:00-05:00", "delivered", "delivered_to_locker", "01",
             "Delivered, Parcel Locker"),
            ("2024-11-22T09:10:00-05:00", "out_for_delivery", None, "OF", "Out for Delivery"),
            ("2024-11-22T08:59:00-05:00", "in_transit", "arrived_at_facility", "07",
             "Arrived at Post Office"),
            ("2024-11-20T01:13:00-05:00", "in_transit", "arrived_at_facility", "A1",
             "Arrived at USPS Regional Facility"),
            ("2024-11-20T01:11:00-05:00", "in_transit", None, "TL", "In Transit to Next Facility"),
            ("2024-11-19T18:07:00-05:00", "in_transit", None, "TL", "In Transit to Next Facility"),
            ("2024-11-19T12:11:00-05:00", "in_transit", None, "TL", "In Transit to Next Facility"),
            ("2024-11-19T06:16:00-05:00", "in_transit", "departed_facility", "T1",
             "Departed USPS Regional Facility"),
            ("2024-11-18T18:02:00-05:00", "in_transit", "arrived_at_facility", "10",
             "Arrived at USPS Regional Origin Facility"),
            ("2024-11-18T17:01:00-05:00", "in_transit", "departed_facility", "SF",
             "Departed Post Office"),
            ("2024-11-18T11:10:00-05:00", "in_transit", "picked_up", "03",
             "USPS in possession of item"),
            ("2024-11-15T11:32:00-05:00", "info_received", "label_created", "GX",
             "Shipping Label Created, USPS Awaiting Item"),
        ], "HERNANDO", delivered_at="2024-11-22T18:58:00"),
    # DHL Express newest first: offsets given, `Z`, or absent (read in the merchant's zone, UTC,
    # for ordering only), a scan without statusCode read from its words, signed delivery.
    "dhl": Case(
        "express-newest-first.json", "delivered", "signed", [
            ("2024-05-03T11:42:00+02:00", "delivered", "signed", "delivered",
             "Delivered - Signed for by: M MUELLER"),
            ("2024-05-03T08:05:00", "out_for_delivery", None, "transit", "With delivery courier"),
            ("2024-05-02T22:14:31.512000+00:00", "in_transit", "arrived_at_facility", "transit",
             "Arrived at DHL Sort Facility LEIPZIG - GERMANY"),
            ("2024-05-02T19:03:00", "in_transit", "customs", None,
             "Customs clearance status updated. Note - The Customs clearance process is continuing."),
            ("2024-05-01T16:30:00-04:00", "in_transit", "picked_up", "transit", "Shipment picked up"),
            ("2024-05-01T09:00:00", "info_received", "label_created", "pre-transit",
             "Shipment information received"),
        ], "BONN", delivered_at="2024-05-03T09:42:00", eta_earliest="2024-05-03T16:00:00"),
}

ADAPTERS = {"ups": UPS, "fedex": FedEx, "usps": USPS, "dhl": DHL}
_ALNUM = string.digits + string.ascii_uppercase


def tracking_number(carrier: str) -> str:
    """A fresh number in the carrier's own format, with a valid check digit."""
    make = {
        "ups": lambda: "1Z" + "".join(random.choices(_ALNUM, k=15)) + random.choice(string.digits),
        "fedex": lambda: "".join(random.choices(string.digits, k=12)),
        "usps": lambda: "9400" + "".join(random.choices(string.digits, k=18)),
        "dhl": lambda: "".join(random.choices(string.digits, k=10)),
    }[carrier]
    while not ADAPTERS[carrier].recognises(number := make()):
        pass
    return number


@dataclass
class Stack:
    base_url: str
    env: dict
    key: str
    database: str
    gunicorn: object

    def api(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.key}"
        return session


@pytest.fixture(scope="module")
def fake():
    with FakeCarriers(CREDENTIALS) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory, fake):
    """A migrated SQLite database with one merchant and key, and gunicorn in front of it."""
    tmp = tmp_path_factory.mktemp("carriers-e2e")
    database = str(tmp / "carriers.sqlite3")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = app_env(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        SECRET_KEY=secrets.token_hex(16),
        PUBLIC_BASE_URL=base_url,
        EXPIRE_AFTER_DAYS=36500,  # the fixtures' scans are years old: not silence, just samples
        **carrier_settings({code: {**settings, "base_url": fake.base_url}
                            for code, settings in CREDENTIALS.items()}),
    )
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "create-merchant", "--slug", "carriers", "--name", "Carriers E2E")
    key = flask_cli(env, "create-api-key", "--merchant", "carriers").strip().splitlines()[-1].strip()
    assert key.startswith("trk_"), key
    gunicorn = start_gunicorn(env, port, tmp, workers=1)
    try:
        wait_healthy(base_url, gunicorn)
        yield Stack(base_url, env, key, database, gunicorn)
    finally:
        gunicorn.stop()


@pytest.fixture
def api(request, stack, fake):
    """An API session for the test; the fake's request log starts empty; logs shown on failure."""
    fake.reset()
    with stack.api() as session:
        yield session
    if getattr(getattr(request.node, "rep_call", None), "failed", False):
        dump_logs([stack.gunicorn])
    assert "Traceback" not in stack.gunicorn.log(), stack.gunicorn.log()


def poll_once(stack: Stack) -> dict:
    """Run `flask poll --once` in its own process; its summary as numbers and outcome counts."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "poll", "--once"],
                          cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60,
                          check=False)
    output = f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    print(output)
    assert done.returncode == 0, output
    assert "Traceback" not in done.stderr, output
    match = SUMMARY.search(done.stdout)
    assert match, output
    names = ("claimed", "polled", "new_events", "status_changes", "errors")
    summary = dict(zip(names, map(int, match.groups()[:5])))
    outcomes = match.group(6)
    summary["outcomes"] = {} if outcomes == "none" else dict(
        (name, int(count)) for name, count in (part.split("=") for part in outcomes.split(", ")))
    return summary


def register(api: requests.Session, stack: Stack, carrier: str, number: str) -> dict:
    created = api.post(f"{stack.base_url}/api/v1/shipments", json={
        "tracking_number": number, "carrier": carrier,
        "order": {"number": f"E2E-{carrier}-{number[-6:]}",
                  "customer": {"email": "shopper@example.com"}},
    }, timeout=10)
    assert created.status_code == 201, created.text
    shipment = created.json()
    assert shipment["carrier"] == carrier and shipment["tracking_number"] == number, shipment
    assert shipment["status"] == "pending" and shipment["events"] == [], shipment
    return shipment


def read(api: requests.Session, stack: Stack, shipment_id: int) -> dict:
    response = api.get(f"{stack.base_url}/api/v1/shipments/{shipment_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def check_carrier_requests(fake: FakeCarriers, carrier: str, number: str) -> None:
    """One token request with the account's credentials, one tracking call carrying its token."""
    settings = CREDENTIALS[carrier]
    tokens, calls = fake.requests(carrier, "token"), fake.requests(carrier, "track")
    assert len(calls) == 1, calls
    [call] = calls
    if carrier == "dhl":
        assert tokens == [], tokens
        assert call.headers.get("dhl-api-key") == settings["api_key"], call.headers
        assert "authorization" not in call.headers, call.headers
        assert call.query["trackingNumber"] == number, call.query
        return
    assert len(tokens) == 1, f"{carrier} token fetched {len(tokens)} times"
    [token] = tokens
    assert call.headers.get("authorization") == f"Bearer {fake.tokens[carrier]}", call.headers
    form = token.form()
    assert form["grant_type"] == "client_credentials", form
    if carrier == "ups":
        pair = base64.b64encode(f"{settings['client_id']}:{settings['client_secret']}".encode())
        assert token.headers.get("authorization") == f"Basic {pair.decode()}", token.headers
        assert call.path == f"/api/track/v1/details/{number}", call.path
        assert call.query.get("locale") == "en_US", call.query
        assert call.headers.get("transid") and call.headers.get("transactionsrc"), call.headers
    else:
        assert (form["client_id"], form["client_secret"]) == (
            settings["client_id"], settings["client_secret"]), form
    if carrier == "fedex":
        body = call.json()
        assert body["includeDetailedScans"] is True, body
        assert [i["trackingNumberInfo"]["trackingNumber"] for i in body["trackingInfo"]] == [number]
    if carrier == "usps":
        assert form.get("scope") == "tracking", form
        assert call.path == f"/tracking/v3/tracking/{number}", call.path
        assert call.query.get("expand") == "DETAIL", call.query


@pytest.mark.parametrize("carrier", list(CASES))
def test_carrier_polled_once_and_read_through_the_api(carrier, stack, fake, api):
    case = CASES[carrier]
    number = tracking_number(carrier)
    fake.track(carrier, number, case.fixture)
    shipment = register(api, stack, carrier, number)

    summary = poll_once(stack)
    assert summary == {"claimed": 1, "polled": 1, "new_events": len(case.events),
                       "status_changes": 1, "errors": 0, "outcomes": {"ok": 1}}, summary
    check_carrier_requests(fake, carrier, number)

    data = read(api, stack, shipment["id"])
    assert (data["status"], data["substatus"]) == (case.status, case.substatus), data
    events = data["events"]
    seen = [(e["occurred_at"], e["status"], e["substatus"], e["carrier_status_code"],
             e["description"]) for e in events]
    assert seen == case.events, "\n".join(map(repr, seen))
    assert events[0]["location"]["city"] == case.newest_city, events[0]
    for event in events:
        stamp = event["occurred_at"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?", stamp), stamp
        country = event["location"]["country"]
        assert country is None or re.fullmatch(r"[A-Z]{2}", country), event
    if case.delivered_at:
        assert data["delivered_at"] and data["delivered_at"].startswith(case.delivered_at), data
    else:
        assert data["delivered_at"] is None, data
    if case.eta_earliest:
        assert data["estimated_delivery"]["earliest"].startswith(case.eta_earliest), data

    # The shopper's page reads the same timeline from the database.
    assert data["tracking_url"].startswith(f"{stack.base_url}/t/"), data["tracking_url"]
    page = requests.get(data["tracking_url"], timeout=10)
    assert page.status_code == 200 and number in page.text, page.text[:500]


def test_repoll_of_every_carrier_in_one_process_adds_nothing(stack, fake, api):
    """All four carriers in one round (one token each), then the same answers again: idempotent."""
    shipments = {}
    for carrier, case in CASES.items():
        number = tracking_number(carrier)
        fake.track(carrier, number, case.fixture)
        shipments[carrier] = register(api, stack, carrier, number)

    first = poll_once(stack)
    total = sum(len(case.events) for case in CASES.values())
    assert first == {"claimed": 4, "polled": 4, "new_events": total, "status_changes": 4,
                     "errors": 0, "outcomes": {"ok": 4}}, first
    before = {c: read(api, stack, s["id"]) for c, s in shipments.items()}

    # Due again at once (an API refresh right after a poll is deliberately not honoured).
    ids = [s["id"] for s in shipments.values()]
    with sqlite3.connect(stack.database) as conn:
        conn.execute(f"UPDATE shipments SET next_poll_at = '2000-01-01 00:00:00.000000' "
                     f"WHERE id IN ({', '.join('?' * len(ids))})", ids)
    conn.close()
    again = poll_once(stack)
    assert again == {"claimed": 4, "polled": 4, "new_events": 0, "status_changes": 0,
                     "errors": 0, "outcomes": {"ok": 4}}, again
    for carrier, shipment in shipments.items():
        assert read(api, stack, shipment["id"]) == before[carrier], carrier
        assert len(fake.requests(carrier, "track")) == 2, carrier
        # A new process fetches a new token, once, and reuses it for that process's calls.
        assert len(fake.requests(carrier, "token")) == (0 if carrier == "dhl" else 2), carrier


def test_throttled_and_unknown_numbers_stay_pending(stack, fake, api):
    """USPS answers 429 with Retry-After: 120; DHL does not know its number (404 problem JSON)."""
    usps_number, dhl_number = tracking_number("usps"), tracking_number("dhl")
    fake.reply("usps", usps_number, 429, load_fixture("usps", "throttled.json"),
               {"Retry-After": "120"})
    usps = register(api, stack, "usps", usps_number)
    dhl = register(api, stack, "dhl", dhl_number)

    summary = poll_once(stack)
    assert summary == {"claimed": 2, "polled": 1, "new_events": 0, "status_changes": 0,
                       "errors": 1, "outcomes": {"not_found": 1, "throttled": 1}}, summary
    assert len(fake.requests("usps", "token")) == 1
    assert len(fake.requests("usps", "track")) == 1 and len(fake.requests("dhl", "track")) == 1

    for shipment in (usps, dhl):
        data = read(api, stack, shipment["id"])
        assert data["status"] == "pending" and data["substatus"] is None, data
        assert data["events"] == [] and data["delivered_at"] is None, data

    # The poller waits as long as USPS asked; an unknown number is no failure, just not yet known.
    with sqlite3.connect(stack.database) as conn:
        rows = dict((row[0], row[1:]) for row in conn.execute(
            "SELECT id, poll_failures, last_poll_error, last_polled_at, next_poll_at "
            "FROM shipments WHERE id IN (?, ?)", (usps["id"], dhl["id"])))
    conn.close()
    failures, error, polled_at, next_poll = rows[usps["id"]]
    assert failures == 1 and error.startswith("throttled"), rows
    wait = datetime.fromisoformat(next_poll) - datetime.fromisoformat(polled_at)
    assert timedelta(seconds=120) <= wait < timedelta(seconds=240), wait
    failures, error, polled_at, next_poll = rows[dhl["id"]]
    assert failures == 0 and error is None, rows
    assert datetime.fromisoformat(next_poll) > datetime.fromisoformat(polled_at), rows
