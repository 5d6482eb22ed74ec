"""Tests of the USPS Tracking v3 adapter: parsing stored payloads, and the HTTP exchange."""
import itertools
import json
import logging
import random
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
from responses import matchers
from tracking_numbers import DEFINITIONS

from tracking.carriers import http
from tracking.carriers.base import Outcome, TrackRequest
from tracking.carriers.usps import USPS
from tracking.status import SUBSTATUSES, Status

FIXTURES = Path(__file__).parent.parent / "fixtures" / "usps"
BASE = "https://apis.usps.com"
NUMBER = "9400109104250532908587"
TRACK_URL = f"{BASE}/tracking/v3/tracking/{NUMBER}"
TOKEN_URL = f"{BASE}/oauth2/v3/token"
SETTINGS = {"client_id": "cid", "client_secret": "secret"}


@pytest.fixture(autouse=True)
def fresh_tokens():
    http.tokens.clear()
    yield
    http.tokens.clear()


@pytest.fixture
def usps():
    return USPS(dict(SETTINGS))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(adapter, number, name, status=200):
    [request] = adapter.build_requests([number])
    return adapter.parse(request, status, fixture(name))


def test_declarations():
    assert (USPS.code, USPS.name, USPS.batch_size) == ("usps", "USPS", 1)
    assert USPS.default_base_url == "https://apis.usps.com"
    assert USPS.required_settings == ("client_id", "client_secret")
    assert USPS.uses_oauth is True


def test_build_request_is_a_get_per_number(usps):
    first, second = usps.build_requests([NUMBER, "ea 123456785 us"])
    assert (first.method, first.url, first.numbers) == ("GET", TRACK_URL, (NUMBER,))
    assert first.params == {"expand": "DETAIL"}
    assert second.url.endswith("/tracking/v3/tracking/EA123456785US")
    assert second.numbers == ("ea 123456785 us",)


def test_base_url_setting_is_honoured():
    adapter = USPS({**SETTINGS, "base_url": "https://apis-tem.usps.com/"})
    assert adapter.build_requests([NUMBER])[0].url.startswith("https://apis-tem.usps.com/tracking/")
    assert adapter.token_request().url == "https://apis-tem.usps.com/oauth2/v3/token"


def test_token_request(usps):
    request = usps.token_request()
    assert (request.method, request.url) == ("POST", TOKEN_URL)
    assert request.data == {"grant_type": "client_credentials", "client_id": "cid",
                            "client_secret": "secret", "scope": "tracking"}


def test_parse_sample_list(usps):
    [result] = parse(usps, NUMBER, "tracking-v3.json")
    assert result.outcome == Outcome.OK
    assert result.raw["trackingNumber"] == NUMBER  # the object for this number, not the list
    assert result.service == "USPS Ground Advantage"
    codes = [e.carrier_status_code for e in result.events]
    assert codes == ["GX", "03", "SF", "10", "T1", "TL", "TL", "TL", "A1", "07", "OF", "01"]
    label, accepted = result.events[:2]
    assert (label.status, label.substatus) == (Status.INFO_RECEIVED, "label_created")
    assert (accepted.status, accepted.substatus) == (Status.IN_TRANSIT, "picked_up")
    ofd, delivered = result.events[-2:]
    assert ofd.status == Status.OUT_FOR_DELIVERY
    assert (delivered.status, delivered.substatus) == (Status.DELIVERED, "delivered_to_locker")
    assert delivered.occurred_at_local == datetime(2024, 11, 22, 13, 58)
    assert delivered.utc_offset_minutes == -300
    assert delivered.description == "Delivered, Parcel Locker"
    assert (delivered.location.city, delivered.location.region) == ("HERNANDO", "FL")
    assert (delivered.location.postal_code, delivered.location.country) == ("34442", "US")
    assert result.delivered_at == datetime(2024, 11, 22, 18, 58, tzinfo=timezone.utc)
    assert result.signed_by is None
    in_transit = result.events[5]
    assert in_transit.location.city is None and in_transit.location.country is None


def test_every_status_is_canonical(usps):
    for name, number in (("tracking-v3.json", NUMBER),
                         ("traps-oldest-first.json", "9205590164917312751089"),
                         ("several-international.json", "EA123456785US")):
        [result] = parse(usps, number, name)
        for event in result.events:
            assert event.status in {s.value for s in Status}
            assert event.substatus is None or event.substatus in SUBSTATUSES


def test_newest_first_and_oldest_first_give_the_same_events(usps):
    data = json.loads(fixture("tracking-v3.json"))[0]
    [request] = usps.build_requests([NUMBER])
    newest_first = usps.parse(request, 200, json.dumps(data).encode())[0].events
    data["trackingEvents"].reverse()
    oldest_first = usps.parse(request, 200, json.dumps([data]).encode())[0].events
    assert newest_first == oldest_first


def test_traps_offsets(usps):
    [result] = parse(usps, "9205590164917312751089", "traps-oldest-first.json")
    offsets = {e.carrier_status_code: e.utc_offset_minutes for e in result.events}
    assert offsets["GX"] == -360  # "-06:00"
    assert offsets["03"] == -360  # minutes: "-360"
    assert offsets["SF"] == -360  # none given: eventTimestamp - GMTTimestamp, to the quarter hour
    assert offsets["A1"] == -360  # empty string, computed likewise (Denver after the DST change)
    assert offsets["Q7"] is None  # "MST" and no GMTTimestamp: unknown, never guessed as UTC
    assert offsets["30"] == -420  # "-7:00", as in the spec example
    assert all(e.occurred_at_local.tzinfo is None for e in result.events)


def test_traps_text_is_cleaned(usps):
    [result] = parse(usps, "9205590164917312751089", "traps-oldest-first.json")
    arrived = next(e for e in result.events if e.carrier_status_code == "A1")
    assert arrived.description == "Arrived at USPS Regional Facility"
    assert arrived.location.city == "DENVER CO DISTRIBUTION CENTER"
    assert arrived.location.country == "US"  # empty eventCountry on a located domestic scan
    assert result.service == "Priority Mail"
    assert result.events[-1].description == "Held at Post Office, At Customer Request"


def test_failed_attempt_and_eta(usps):
    [result] = parse(usps, "9205590164917312751089", "traps-oldest-first.json")
    attempt = next(e for e in result.events if e.carrier_status_code == "30")
    assert (attempt.status, attempt.substatus) == (Status.FAILED_ATTEMPT, "location_inaccessible")
    assert result.estimated_delivery_earliest == datetime(2024, 3, 13, 3, tzinfo=timezone.utc)
    assert result.delivered_at is None


def test_unknown_codes_are_logged_and_never_guessed(usps, caplog):
    caplog.set_level(logging.WARNING, logger="tracking.carriers.usps")
    [result] = parse(usps, "9205590164917312751089", "traps-oldest-first.json")
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "tracking.carriers.usps")
    assert "'Q7'" in logged and "'H9'" in logged
    by_code = {e.carrier_status_code: e for e in result.events}
    # Newest scan unreadable: USPS's own statusCategory ("Alert") speaks for it.
    assert (by_code["H9"].status, by_code["H9"].substatus) == (Status.EXCEPTION, None)
    # An older unreadable scan changes nothing: it keeps the status of the scan before it.
    assert by_code["Q7"].status == by_code["A1"].status and by_code["Q7"].substatus is None
    assert by_code["Q7"].carrier_status_code == "Q7"  # the raw code is kept


def test_unknown_code_with_nothing_readable_is_not_in_transit(usps, caplog):
    data = {"trackingNumber": NUMBER, "statusCategory": "Something New", "trackingEvents": [
        {"eventType": "Mystery", "eventTimestamp": "2024-01-02T10:00:00", "eventCode": "Z1"},
        {"eventType": "Label", "eventTimestamp": "2024-01-01T10:00:00", "eventCode": "GX"},
    ]}
    [request] = usps.build_requests([NUMBER])
    [result] = usps.parse(request, 200, json.dumps(data).encode())
    assert [e.status for e in result.events] == [Status.INFO_RECEIVED, Status.INFO_RECEIVED]
    assert "'Z1'" in caplog.text


def test_several_objects_pick_the_number_and_countries(usps):
    [result] = parse(usps, "EA123456785US", "several-international.json")
    assert result.raw["trackingNumber"] == "EA123456785US"
    assert result.service == "Priority Mail Express International"
    countries = [e.location.country for e in result.events]
    assert countries == ["US", "US", "DE", "DE"]  # "", "UNITED STATES", "GERMANY", "GERMANY"
    delivered = result.events[-1]
    assert (delivered.status, delivered.substatus) == (Status.DELIVERED, "signed")
    assert delivered.utc_offset_minutes == 120
    assert result.events[-2].utc_offset_minutes == 120  # "+120" minutes
    assert result.signed_by == "K SCHMIDT"
    assert result.delivered_at == datetime(2024, 6, 7, 9, 20, tzinfo=timezone.utc)


def test_label_only_is_ok_without_events(usps):
    [result] = parse(usps, "9400100000000000000000", "several-international.json")
    assert result.outcome == Outcome.OK and result.events == []


def test_not_found_and_invalid(usps):
    [missing] = parse(usps, "9400100000000000000000", "not-found.json", status=404)
    assert missing.outcome == Outcome.NOT_FOUND
    assert "could not be found" in missing.detail
    [invalid] = parse(usps, "ABC", "invalid-number.json", status=400)
    assert invalid.outcome == Outcome.INVALID_NUMBER


def test_garbage_raises_for_the_transport(usps):
    [request] = usps.build_requests([NUMBER])
    for status, body in ((200, b"<html>oops</html>"), (404, b"<html>Not Found</html>"),
                         (200, b'[{"trackingNumber": "A"}, {"trackingNumber": "B"}]')):
        with pytest.raises((ValueError, KeyError, TypeError)):
            usps.parse(request, status, body)


@pytest.mark.parametrize("number, expected", [
    (NUMBER, True),
    ("9400 1091 0425 0532 9085 87", True),
    ("9400109104250532908588", False),  # wrong check digit
    ("94001091042505329086", True),  # 20 digits
    ("9205590164917312751089", True),
    ("9105590164917312751089", False),  # 91 is not an IMpb prefix here
    ("EA123456785US", True),
    ("ea123456785us", True),
    ("EA123456784US", False),
    ("EA123456785DE", False),  # an S10 number of another post
    ("1Z999AA10123456784", False),
])
def test_recognises(number, expected):
    assert USPS.recognises(number) is expected


def _library_says(number: str, courier: str) -> bool:
    return any(d.courier.code == courier and (t := d.test(number)) and t.valid
               for d in DEFINITIONS)


def test_check_digits_agree_with_the_tracking_numbers_library():
    rng = random.Random(7)
    for prefix, length in itertools.product(("92", "93", "94", "95"), (20, 22)):
        for _ in range(40):
            number = prefix + "".join(rng.choice("0123456789") for _ in range(length - 2))
            assert USPS.recognises(number) == _library_says(number, "usps"), number
    for _ in range(200):
        number = rng.choice(["EA", "RR", "LX", "CP"]) + f"{rng.randrange(10**9):09d}US"
        assert USPS.recognises(number) == _library_says(number, "s10"), number


# --- the HTTP exchange, through the shared transport ---

def _token(rsps, token="tok-1", expires_in=28799):
    return rsps.post(TOKEN_URL, json={"access_token": token, "token_type": "Bearer",
                                      "expires_in": expires_in})


def _track(rsps, body=None, **kwargs):
    kwargs.setdefault("body", fixture("tracking-v3.json") if body is None else body)
    return rsps.get(TRACK_URL, match=[matchers.query_param_matcher({"expand": "DETAIL"})],
                    **kwargs)


def test_track_fetches_a_token_once_and_reuses_it(usps, no_outbound_network):
    rsps = no_outbound_network
    token = _token(rsps)
    track = _track(rsps, content_type="application/json")
    first = usps.track([TrackRequest(NUMBER)])
    second = usps.track([TrackRequest(NUMBER)])
    assert [r.outcome for r in first + second] == [Outcome.OK, Outcome.OK]
    assert token.call_count == 1 and track.call_count == 2
    form = parse_qs(rsps.calls[0].request.body)
    assert form == {"grant_type": ["client_credentials"], "client_id": ["cid"],
                    "client_secret": ["secret"], "scope": ["tracking"]}
    sent = rsps.calls[1].request
    assert sent.headers["Authorization"] == "Bearer tok-1"
    assert sent.headers["Accept"] == "application/json"
    assert sent.url == f"{TRACK_URL}?expand=DETAIL"


def test_token_is_renewed_before_it_expires(usps, no_outbound_network, monkeypatch):
    rsps = no_outbound_network
    clock = [1000.0]
    monkeypatch.setattr(http.time, "monotonic", lambda: clock[0])
    _token(rsps, "tok-1")
    _token(rsps, "tok-2")
    _track(rsps)
    usps.track([TrackRequest(NUMBER)])
    clock[0] += 28799 - http.TOKEN_MARGIN_SECONDS - 1
    usps.track([TrackRequest(NUMBER)])
    clock[0] += 2
    usps.track([TrackRequest(NUMBER)])
    bearers = [c.request.headers.get("Authorization") for c in rsps.calls
               if c.request.url.startswith(TRACK_URL)]
    assert bearers == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_token_is_renewed_once_after_a_401(usps, no_outbound_network):
    rsps = no_outbound_network
    _token(rsps, "tok-1")
    _token(rsps, "tok-2")
    _track(rsps, body=b'{"error": {"code": "401", "message": "expired"}}', status=401)
    _track(rsps)
    [result] = usps.track([TrackRequest(NUMBER)])
    assert result.outcome == Outcome.OK
    bearers = [c.request.headers.get("Authorization") for c in rsps.calls
               if c.request.url.startswith(TRACK_URL)]
    assert bearers == ["Bearer tok-1", "Bearer tok-2"]


def test_refused_credentials(usps, no_outbound_network):
    no_outbound_network.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    [result] = usps.track([TrackRequest(NUMBER)])
    assert result.outcome == Outcome.AUTH_FAILED


def test_throttled_with_retry_after(usps, no_outbound_network):
    _token(no_outbound_network)
    _track(no_outbound_network, body=fixture("throttled.json"), status=429,
           headers={"Retry-After": "30"})
    [result] = usps.track([TrackRequest(NUMBER)])
    assert (result.outcome, result.retry_after) == (Outcome.THROTTLED, 30.0)


def test_unavailable_with_retry_after(usps, no_outbound_network):
    _token(no_outbound_network)
    _track(no_outbound_network, body=b"Service Unavailable", status=503,
           headers={"Retry-After": "120"})
    [result] = usps.track([TrackRequest(NUMBER)])
    assert (result.outcome, result.retry_after) == (Outcome.SERVER_ERROR, 120.0)


def test_not_found_end_to_end(usps, no_outbound_network):
    _token(no_outbound_network)
    _track(no_outbound_network, body=fixture("not-found.json"), status=404)
    [result] = usps.track([TrackRequest(NUMBER)])
    assert result.outcome == Outcome.NOT_FOUND


def test_timeout_and_unreadable_body(usps, no_outbound_network):
    _token(no_outbound_network)
    _track(no_outbound_network, body=requests.Timeout("read timed out"))
    _track(no_outbound_network, body=b"<html>maintenance</html>")
    [slow] = usps.track([TrackRequest(NUMBER)])
    [garbled] = usps.track([TrackRequest(NUMBER)])
    assert slow.outcome == Outcome.TIMEOUT
    assert garbled.outcome == Outcome.BAD_RESPONSE


def test_missing_settings_make_no_call(no_outbound_network):
    [result] = USPS({"client_id": "cid"}).track([TrackRequest(NUMBER)])
    assert result.outcome == Outcome.NOT_CONFIGURED and "client_secret" in result.detail
    assert not no_outbound_network.calls


def test_scan_with_unreadable_time_is_skipped(usps, caplog):
    data = {"trackingNumber": NUMBER, "trackingEvents": [
        {"eventType": "Accepted", "eventTimestamp": "2024-13-45T99:00:00", "eventCode": "03"},
        {"eventType": "Label", "eventTimestamp": "2024-01-01T10:00:00", "eventCode": "GX"},
    ]}
    [request] = usps.build_requests([NUMBER])
    [result] = usps.parse(request, 200, json.dumps(data).encode())
    assert [e.carrier_status_code for e in result.events] == ["GX"]
    assert "readable time" in caplog.text
