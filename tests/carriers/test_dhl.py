"""Tests of the DHL Shipment Tracking - Unified adapter: parsing stored payloads, and HTTP."""
import json
import logging
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from responses import matchers
from tracking_numbers import DEFINITIONS

from tracking.carriers import http
from tracking.carriers.base import Outcome, RateLimit, TrackRequest
from tracking.carriers.dhl import DHL
from tracking.status import SUBSTATUSES, Status

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dhl"
URL = "https://api-eu.dhl.com/track/shipments"
EXPRESS = "1234567891"
PAKET = "00340434161094042557"


@pytest.fixture(autouse=True)
def fresh_tokens():
    http.tokens.clear()


@pytest.fixture
def dhl():
    return DHL({"api_key": "key-1"})


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(adapter, number, name, status=200):
    [request] = adapter.build_requests([number])
    return adapter.parse(request, status, fixture(name))


def test_declarations():
    assert (DHL.code, DHL.name, DHL.batch_size) == ("dhl", "DHL", 1)
    assert DHL.default_base_url == "https://api-eu.dhl.com"
    assert DHL.required_settings == ("api_key",)
    assert DHL.uses_oauth is False
    assert DHL.rate_limit == RateLimit(per_second=1, per_day=250)


def test_build_request_sends_service_only_when_configured(dhl):
    [plain] = dhl.build_requests([EXPRESS])
    assert (plain.method, plain.url, plain.numbers) == ("GET", URL, (EXPRESS,))
    assert plain.params == {"trackingNumber": EXPRESS}
    assert plain.headers["DHL-API-Key"] == "key-1"
    [with_service] = DHL({"api_key": "k", "service": "express"}).build_requests(["12 3456 7891"])
    assert with_service.params == {"trackingNumber": EXPRESS, "service": "express"}
    assert with_service.numbers == ("12 3456 7891",)
    sandbox = DHL({"api_key": "k", "base_url": "https://api-test.dhl.com/"})
    assert sandbox.build_requests([EXPRESS])[0].url == "https://api-test.dhl.com/track/shipments"


def test_parse_shared_sample(dhl):
    [result] = parse(dhl, "7777777770", "unified.json")
    assert result.outcome == Outcome.OK
    assert result.raw["id"] == 7777777770
    [event] = result.events
    # pre-transit is a label, whatever the free text says ("DELIVERED" in this sample).
    assert (event.status, event.substatus) == (Status.INFO_RECEIVED, "label_created")
    assert event.carrier_status_code == "pre-transit"
    assert event.occurred_at_local == datetime(2018, 3, 2, 7, 53, 47)
    assert event.utc_offset_minutes is None  # no offset given: never stamped as UTC
    loc = event.location
    assert (loc.city, loc.postal_code, loc.country) == ("AMSTERDAM", "1043 AG", "NL")
    assert result.estimated_delivery_earliest == datetime(2018, 8, 3, tzinfo=timezone.utc)
    assert result.estimated_delivery_latest == datetime(2018, 8, 3, 22, tzinfo=timezone.utc)
    assert result.delivered_at is None and result.signed_by is None  # not delivered
    assert result.service is None  # "UNKNOWN - Product unknown" is no service name


def test_parse_express_newest_first(dhl, caplog):
    caplog.set_level(logging.WARNING, logger="tracking.carriers.dhl")
    [result] = parse(dhl, EXPRESS, "express-newest-first.json")
    assert not caplog.records  # every scan here is readable
    summary = [(e.status, e.substatus) for e in result.events]
    assert summary == [
        (Status.INFO_RECEIVED, "label_created"),
        (Status.IN_TRANSIT, "picked_up"),  # statusCode transit, substatus from the text
        (Status.IN_TRANSIT, "customs"),  # no statusCode: read from the text
        (Status.IN_TRANSIT, "arrived_at_facility"),
        (Status.OUT_FOR_DELIVERY, None),  # "With delivery courier"
        (Status.DELIVERED, "signed"),
    ]
    offsets = [e.utc_offset_minutes for e in result.events]
    assert offsets == [None, -240, None, 0, None, 120]
    arrived = result.events[3]
    assert arrived.occurred_at_local == datetime(2024, 5, 2, 22, 14, 31, 512000)
    assert arrived.description == "Arrived at DHL Sort Facility LEIPZIG - GERMANY"
    places = [(e.location.city, e.location.country) for e in result.events]
    assert places == [("NEW YORK", "US"), ("NEW YORK", "US"), ("LEIPZIG", "DE"),
                      ("Leipzig", "DE"), ("BONN", "DE"), ("BONN", "DE")]
    assert result.events[1].location.postal_code == "10001"
    assert result.events[-1].description == "Delivered - Signed for by: M MUELLER"
    assert result.delivered_at == datetime(2024, 5, 3, 9, 42, tzinfo=timezone.utc)
    assert result.signed_by == "M MUELLER"
    assert result.service == "EXPRESS WORLDWIDE"
    assert result.estimated_delivery_earliest == datetime(2024, 5, 3, 16, tzinfo=timezone.utc)


def test_newest_first_and_oldest_first_give_the_same_events(dhl):
    data = json.loads(fixture("express-newest-first.json"))
    [request] = dhl.build_requests([EXPRESS])
    newest_first = dhl.parse(request, 200, json.dumps(data).encode())[0].events
    data["shipments"][0]["events"].reverse()
    oldest_first = dhl.parse(request, 200, json.dumps(data).encode())[0].events
    assert newest_first == oldest_first


def test_parcel_keywords_and_configured_service():
    adapter = DHL({"api_key": "k", "service": "parcel-de"})
    [result] = parse(adapter, PAKET, "parcel-de-oldest-first.json")
    assert result.raw["service"] == "parcel-de"
    summary = [(e.status, e.substatus) for e in result.events]
    assert summary == [
        (Status.INFO_RECEIVED, "label_created"),
        (Status.IN_TRANSIT, None),
        (Status.OUT_FOR_DELIVERY, None),  # loaded onto the delivery vehicle
        (Status.FAILED_ATTEMPT, None),  # failure + "delivery attempt"
        (Status.AVAILABLE_FOR_PICKUP, "delivered_to_locker"),  # ready at a PACKSTATION
        (Status.DELIVERED, "delivered_to_locker"),
    ]
    assert result.events[2].description == "The shipment has been loaded onto the delivery vehicle"
    assert result.events[1].location.city == "Hamburg"
    assert result.service == "DHL PAKET"
    assert result.estimated_delivery_earliest == datetime(2024, 4, 4, 8, tzinfo=timezone.utc)
    assert result.estimated_delivery_latest == datetime(2024, 4, 4, 12, tzinfo=timezone.utc)
    assert result.delivered_at == datetime(2024, 4, 5, 15, 31, tzinfo=timezone.utc)
    assert result.signed_by is None


def test_without_service_the_first_shipment_of_the_number_is_taken(dhl):
    [result] = parse(dhl, PAKET, "parcel-de-oldest-first.json")
    assert result.raw["service"] == "parcel-uk"
    returning = result.events[-1]
    assert (returning.status, returning.substatus) == (Status.EXCEPTION, "returning_to_sender")
    assert result.service is None


def test_unknown_codes_are_logged_and_never_claimed_in_transit(dhl, caplog):
    caplog.set_level(logging.WARNING, logger="tracking.carriers.dhl")
    [result] = parse(dhl, "GM2951173225174494", "unknown-codes.json")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "'in-warehouse'" in logged and "'unknown'" in logged
    assert [e.carrier_status_code for e in result.events] == ["pre-transit", "in-warehouse",
                                                              "unknown"]
    # Nothing readable after the label: the unreadable scans say no more than the label did.
    assert [e.status for e in result.events] == [Status.INFO_RECEIVED] * 3
    assert all(e.status != Status.IN_TRANSIT for e in result.events)


def test_unreadable_newest_scan_takes_the_shipment_status(dhl):
    data = json.loads(fixture("unknown-codes.json"))
    data["shipments"][0]["status"]["statusCode"] = "failure"
    [request] = dhl.build_requests(["GM2951173225174494"])
    [result] = dhl.parse(request, 200, json.dumps(data).encode())
    assert [e.status for e in result.events] == [Status.INFO_RECEIVED, Status.INFO_RECEIVED,
                                                 Status.EXCEPTION]


def test_every_status_is_canonical(dhl):
    for name, number in (("unified.json", "7777777770"), ("express-newest-first.json", EXPRESS),
                         ("parcel-de-oldest-first.json", PAKET),
                         ("unknown-codes.json", "GM2951173225174494")):
        [result] = parse(dhl, number, name)
        for event in result.events:
            assert event.status in {s.value for s in Status}
            assert event.substatus is None or event.substatus in SUBSTATUSES


def test_not_found_invalid_and_empty(dhl):
    [missing] = parse(dhl, EXPRESS, "not-found.json", status=404)
    assert missing.outcome == Outcome.NOT_FOUND
    assert missing.detail == "No result found: No shipment with given tracking number found."
    [invalid] = parse(dhl, "12", "invalid-number.json", status=400)
    assert invalid.outcome == Outcome.INVALID_NUMBER
    [request] = dhl.build_requests([EXPRESS])
    [empty] = dhl.parse(request, 200, b'{"shipments": []}')
    assert empty.outcome == Outcome.NOT_FOUND


def test_garbage_raises_for_the_transport(dhl):
    [request] = dhl.build_requests([EXPRESS])
    for status, body in ((200, b"<html/>"), (404, b"<html>Not Found</html>"), (200, b"{}")):
        with pytest.raises((ValueError, KeyError, TypeError)):
            dhl.parse(request, status, body)


@pytest.mark.parametrize("number, expected", [
    (EXPRESS, True),  # 123456789 mod 7 = 1
    ("1234567890", False),
    ("12 3456 7891", True),
    ("GM2951173225174494", True),
    ("RR123456785DE", True),  # S10 issued by Deutsche Post DHL
    ("RR123456784DE", False),
    ("LX123456785SG", True),  # eCommerce LX series
    ("EA123456785US", False),
    ("9400109104250532908587", False),
])
def test_recognises(number, expected):
    assert DHL.recognises(number) is expected


def test_express_check_digit_agrees_with_the_tracking_numbers_library():
    express = next(d for d in DEFINITIONS if d.product.name == "DHL Express")
    rng = random.Random(11)
    for _ in range(300):
        number = f"{rng.randrange(10**10):010d}"
        assert DHL.recognises(number) == express.test(number).valid, number


# --- the HTTP exchange, through the shared transport ---

def _track(rsps, params=None, **kwargs):
    kwargs.setdefault("body", fixture("express-newest-first.json"))
    query = matchers.query_param_matcher(params or {"trackingNumber": EXPRESS})
    return rsps.get(URL, match=[query], **kwargs)


def test_track_sends_key_and_number(dhl, no_outbound_network):
    rsps = no_outbound_network
    call = _track(rsps, content_type="application/json")
    [result] = dhl.track([TrackRequest(EXPRESS)])
    assert result.outcome == Outcome.OK and call.call_count == 1
    sent = rsps.calls[0].request
    assert sent.headers["DHL-API-Key"] == "key-1"
    assert "Authorization" not in sent.headers
    assert sent.url == f"{URL}?trackingNumber={EXPRESS}"


def test_track_with_service(no_outbound_network):
    _track(no_outbound_network, params={"trackingNumber": EXPRESS, "service": "express"})
    [result] = DHL({"api_key": "k", "service": "express"}).track([TrackRequest(EXPRESS)])
    assert result.outcome == Outcome.OK


def test_throttled_without_retry_after(dhl, no_outbound_network):
    _track(no_outbound_network, body=fixture("throttled.json"), status=429)
    [result] = dhl.track([TrackRequest(EXPRESS)])
    assert (result.outcome, result.retry_after) == (Outcome.THROTTLED, None)


def test_not_found_end_to_end(dhl, no_outbound_network):
    _track(no_outbound_network, body=fixture("not-found.json"), status=404,
           content_type="application/problem+json")
    [result] = dhl.track([TrackRequest(EXPRESS)])
    assert result.outcome == Outcome.NOT_FOUND


@pytest.mark.parametrize("status, outcome", [
    (401, Outcome.AUTH_FAILED), (403, Outcome.AUTH_FAILED), (500, Outcome.SERVER_ERROR),
])
def test_failure_statuses(dhl, no_outbound_network, status, outcome):
    _track(no_outbound_network, body=b'{"title": "x", "status": %d}' % status, status=status)
    [result] = dhl.track([TrackRequest(EXPRESS)])
    assert result.outcome == outcome


def test_timeout_and_unreadable_body(dhl, no_outbound_network):
    _track(no_outbound_network, body=requests.Timeout("read timed out"))
    _track(no_outbound_network, body=b"<html>maintenance</html>")
    [slow] = dhl.track([TrackRequest(EXPRESS)])
    [garbled] = dhl.track([TrackRequest(EXPRESS)])
    assert slow.outcome == Outcome.TIMEOUT
    assert garbled.outcome == Outcome.BAD_RESPONSE


def test_missing_key_makes_no_call(no_outbound_network):
    [result] = DHL({}).track([TrackRequest(EXPRESS)])
    assert result.outcome == Outcome.NOT_CONFIGURED
    assert not no_outbound_network.calls


def test_delivered_back_to_the_sender_is_an_exception(dhl):
    data = {"shipments": [{"id": EXPRESS, "events": [
        {"timestamp": "2024-04-09T10:00:00", "statusCode": "delivered", "status": "Delivered",
         "description": "The shipment has been delivered back to the sender."},
    ]}]}
    [request] = dhl.build_requests([EXPRESS])
    [result] = dhl.parse(request, 200, json.dumps(data).encode())
    [event] = result.events
    assert (event.status, event.substatus) == (Status.EXCEPTION, "returned_to_sender")
    assert result.delivered_at is None
