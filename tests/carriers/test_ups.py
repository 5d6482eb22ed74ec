"""Tests of the UPS adapter: parsing stored payloads, request building, tokens and errors."""
import base64
import json
import logging
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import tracking_numbers

from tracking.carriers import http
from tracking.carriers.base import HttpRequest, Outcome, TrackRequest
from tracking.carriers.ups import PARAMS, STATUS_CODES, TYPES, UPS, check_digit
from tracking.status import STATUSES, SUBSTATUSES

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ups"
SETTINGS = {"client_id": "client-id", "client_secret": "s3cret:with colon"}
BASE = "https://onlinetools.ups.com"
TOKEN_URL = f"{BASE}/security/v1/oauth/token"
SAMPLE = "1Z1442YY7229014688"
MOVING = "1ZA1B2C30312345673"
DELIVERED = "1ZV12AB20366000017"
LEAD, SECOND = "1ZA1B2C30312345682", "1ZA1B2C30312345691"
UNKNOWN = "1Z99AA990143219872"


def track_url(number: str, base: str = BASE) -> str:
    return f"{base}/api/track/v1/details/{number}"


@pytest.fixture(autouse=True)
def fresh_tokens():
    http.tokens.clear()
    yield
    http.tokens.clear()


@pytest.fixture
def ups():
    return UPS(dict(SETTINGS))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(ups, number: str, body, status: int = 200):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    [result] = ups.parse(HttpRequest("GET", track_url(number), (number,)), status, body)
    assert result.tracking_number == number
    return result


def activity(type_, code, when="20240311 101500", gmt=None, description="scan", **extra):
    date, time = when.split()
    item = {
        "status": {"type": type_, "statusCode": code, "code": "XX", "description": description},
        "date": date, "time": time,
        "location": {"address": {"city": "ATLANTA", "stateProvince": "GA", "countryCode": "US"}},
    }
    if gmt:
        item["gmtDate"], item["gmtTime"], item["gmtOffset"] = gmt
    item.update(extra)
    return item


def payload(*activities, number=MOVING, **package):
    return {"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [
        {"trackingNumber": number, "activity": list(activities), **package}]}]}}


def token_response(rsps, token="tok-1", expires_in="14399"):
    rsps.add(responses.POST, TOKEN_URL, json={
        "token_type": "Bearer", "issued_at": "1700000000000", "client_id": "client-id",
        "access_token": token, "expires_in": expires_in, "status": "approved"})


def calls_to(rsps, url):
    return [c for c in rsps.calls if c.request.url.split("?")[0] == url]


# --- identity and number format -------------------------------------------------------------

def test_declarations():
    assert (UPS.code, UPS.name, UPS.batch_size) == ("ups", "UPS", 1)
    assert UPS.default_base_url == BASE and UPS.uses_oauth
    assert UPS.required_settings == ("client_id", "client_secret")
    assert UPS.rate_limit.per_second and UPS.rate_limit.per_second > 0


def test_tables_use_only_canonical_values():
    for status, substatus in [*STATUS_CODES.values(), *TYPES.values()]:
        assert status in STATUSES
        assert substatus is None or substatus in SUBSTATUSES
    assert "I" not in TYPES and "U" not in TYPES  # too vague to claim a status alone


@pytest.mark.parametrize("number", [
    SAMPLE, "1Z5R89390357567127", "1Z999AA10123456784", "1Z12345E6605272234", MOVING,
    DELIVERED, LEAD, SECOND, UNKNOWN, "1z 999 aa1 01 2345 6784",
])
def test_recognises_valid_numbers(number):
    assert UPS.recognises(number)


@pytest.mark.parametrize("number", [
    "1Z5R89390357567128", "1Z999AA1012345678", "1Z999AA101234567844", "1Y999AA10123456784",
    "1Z999AA1012345678X", "1Z999AA10123456-84", "", "DEMOONTIME1", "123456789012",
])
def test_rejects_other_numbers(number):
    assert not UPS.recognises(number)


def test_check_digit_agrees_with_tracking_numbers_package():
    rng = random.Random(1442)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    agreed = 0
    for _ in range(300):
        # The package also insists on a known service type (positions 9-10): use one it knows.
        body = "".join(rng.choice(alphabet) for _ in range(6)) + "01" + \
            "".join(rng.choice(alphabet) for _ in range(7))
        for digit in (check_digit(body), (check_digit(body) + 1 + rng.randrange(9)) % 10):
            number = f"1Z{body}{digit}"
            try:
                found = tracking_numbers.get_tracking_number(number)
            except ValueError:
                continue
            theirs = bool(found and found.courier.code == "ups" and found.valid)
            assert UPS.recognises(number) == theirs, number
            agreed += 1
    assert agreed > 500


# --- requests -------------------------------------------------------------------------------

def test_build_requests_one_get_per_number(ups):
    built = ups.build_requests([MOVING, "1z 5r8 939 0357567127"])
    assert [r.numbers for r in built] == [(MOVING,), ("1z 5r8 939 0357567127",)]
    assert [r.url for r in built] == [track_url(MOVING), track_url("1Z5R89390357567127")]
    for request in built:
        assert request.method == "GET" and request.params == PARAMS
        assert PARAMS == {"locale": "en_US", "returnSignature": "false",
                          "returnMilestones": "false", "returnPOD": "false"}
        assert request.headers["transactionSrc"] == "tracking-pages"
        assert re.fullmatch(r"[0-9a-f]{32}", request.headers["transId"])
        assert "Authorization" not in request.headers  # the transport adds the bearer token
    assert built[0].headers["transId"] != built[1].headers["transId"]


def test_number_cannot_escape_the_path(ups):
    [request] = ups.build_requests(["../../security/x?y=1#z"])
    assert request.url == track_url("..%2F..%2FSECURITY%2FX%3FY%3D1%23Z")


def test_token_request(ups):
    request = ups.token_request()
    assert (request.method, request.url) == ("POST", TOKEN_URL)
    assert request.data == {"grant_type": "client_credentials"}
    scheme, _, encoded = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == "client-id:s3cret:with colon"


def test_base_url_setting_replaces_the_host():
    ups = UPS({**SETTINGS, "base_url": "https://wwwcie.ups.com/"})
    assert ups.token_request().url == "https://wwwcie.ups.com/security/v1/oauth/token"
    assert ups.build_requests([MOVING])[0].url == track_url(MOVING, "https://wwwcie.ups.com")


# --- parsing the shared sample and the traps ------------------------------------------------

def test_shared_sample(ups):
    result = parse(ups, SAMPLE, fixture("track-v1.json"))
    assert result.outcome == Outcome.OK
    assert [(e.status, e.substatus, e.carrier_status_code) for e in result.events] == [
        ("info_received", "label_created", "M/003/MP"), ("delivered", None, "D/011/F4")]
    label, delivered = result.events
    assert delivered.occurred_at_local == datetime(2022, 1, 26, 16, 30)
    assert delivered.utc_offset_minutes is None  # no GMT stamp: never guessed as UTC
    assert delivered.description == "DELIVERED"
    assert (delivered.location.city, delivered.location.region, delivered.location.postal_code,
            delivered.location.country) == ("PARAMUS", "NJ", "07652", "US")
    assert label.location.city is None and label.location.country == "US"
    # The DEL date has no offset either: left to the timeline, which reads the delivered scan.
    assert result.delivered_at is None
    assert result.signed_by is None  # "163000" is the spec's placeholder, not a name
    assert result.service is None  # empty description
    assert result.estimated_delivery_earliest is None
    assert result.raw["trackingNumber"] == SAMPLE  # a warning beside a package is not "not found"


def test_in_transit_with_window_offsets_and_untidy_text(ups):
    result = parse(ups, MOVING, fixture("in-transit-newest-first.json"))
    assert [(e.status, e.substatus) for e in result.events] == [
        ("info_received", "label_created"), ("in_transit", "picked_up"), ("in_transit", None),
        ("in_transit", None), ("out_for_delivery", None)]
    label, pickup, departed, arrived, out = result.events
    assert (label.utc_offset_minutes, pickup.utc_offset_minutes) == (None, None)  # no GMT stamp
    assert departed.occurred_at_local == datetime(2024, 3, 10, 23, 30)
    assert departed.utc_offset_minutes == -240  # gmtTime "33000" is 03:30 on the next day
    assert arrived.utc_offset_minutes == -240 and out.utc_offset_minutes == -240
    assert label.description == "Shipper created a label, UPS has not received the package yet."
    assert arrived.description == "Arrived at Facility on time & moving"
    assert out.location.city == "ATLANTA" and out.location.postal_code == "30318"
    assert out.carrier_status_code == "I/006/OT"
    assert result.service == "UPS Ground"
    # SDD 2024-03-11, 12:00-16:00 local, at the newest scan's offset (-04:00).
    assert result.estimated_delivery_earliest == datetime(2024, 3, 11, 16, tzinfo=timezone.utc)
    assert result.estimated_delivery_latest == datetime(2024, 3, 11, 20, tzinfo=timezone.utc)
    assert result.delivered_at is None and result.signed_by is None


def test_newest_first_and_oldest_first_give_the_same_result(ups):
    newest = parse(ups, MOVING, fixture("in-transit-newest-first.json"))
    oldest = parse(ups, MOVING, fixture("in-transit-oldest-first.json"))
    assert newest.events == oldest.events
    assert (newest.estimated_delivery_earliest, newest.estimated_delivery_latest) == (
        oldest.estimated_delivery_earliest, oldest.estimated_delivery_latest)


def test_delivered_with_signer(ups):
    result = parse(ups, DELIVERED, fixture("delivered.json"))
    assert [e.status for e in result.events] == ["out_for_delivery", "delivered"]
    assert result.delivered_at == datetime(2024, 1, 22, 22, 32, tzinfo=timezone.utc)
    assert result.signed_by == "JOHNSON"
    assert result.service == "UPS Next Day Air ®"
    assert result.estimated_delivery_earliest is None  # a DEL time is not a promise


def test_delivered_at_from_del_date_when_the_scan_lacks_an_offset(ups):
    body = payload(
        activity("D", "011", "20240122 143200"),
        activity("I", "006", "20240122 075100", gmt=("20240122", "15:51:00", "-08:00")),
        deliveryDate=[{"type": "DEL", "date": "20240122"}],
        deliveryTime={"type": "DEL", "startTime": "143200", "endTime": "143200"})
    result = parse(ups, MOVING, body)
    assert result.delivered_at == datetime(2024, 1, 22, 22, 32, tzinfo=timezone.utc)


def test_unknown_number_tw0001(ups):
    result = parse(ups, UNKNOWN, fixture("not-found.json"))
    assert result.outcome == Outcome.NOT_FOUND
    assert "TW0001" in result.detail and result.events == []


def test_not_found_as_an_error_body(ups):
    error = {"code": "TW0001", "message": "Tracking Information Not Found"}
    body = {"response": {"errors": [error]}}
    assert parse(ups, UNKNOWN, body, status=404).outcome == Outcome.NOT_FOUND


def test_invalid_number_tv1002(ups):
    result = parse(ups, "1Z123", fixture("invalid-number.json"), status=400)
    assert result.outcome == Outcome.INVALID_NUMBER
    assert "TV1002" in result.detail


def test_throttled_body(ups):
    result = parse(ups, MOVING, fixture("throttled.json"), status=200)
    assert result.outcome == Outcome.THROTTLED and result.retry_after is None


def test_unknown_error_code_is_a_bad_response(ups):
    body = {"response": {"errors": [{"code": "XX999", "message": "Something else"}]}}
    result = parse(ups, MOVING, body, status=400)
    assert result.outcome == Outcome.BAD_RESPONSE and "XX999" in result.detail


@pytest.mark.parametrize("number, statuses, eta_day", [
    (SECOND, ["out_for_delivery", "failed_attempt"], 6),  # the inquired package, RDD over SDD
    (LEAD, ["delivered"], None),
])
def test_several_packages_pick_the_asked_one(ups, number, statuses, eta_day):
    result = parse(ups, number, fixture("several-packages.json"))
    assert result.raw["trackingNumber"] == number
    assert [e.status for e in result.events] == statuses
    if eta_day:
        # A date without times: the whole local day (-07:00).
        day = datetime(2024, 3, eta_day, 7, tzinfo=timezone.utc)
        assert result.estimated_delivery_earliest == day
        assert result.estimated_delivery_latest == day + timedelta(hours=23, minutes=59, seconds=59)
    else:
        assert result.delivered_at == datetime(2024, 3, 5, 21, 5, tzinfo=timezone.utc)


def test_several_packages_none_matching_falls_back_to_the_first(ups):
    assert parse(ups, UNKNOWN, fixture("several-packages.json")).raw["trackingNumber"] == LEAD


def test_unknown_status_code_is_logged_and_claims_nothing_new(ups, caplog):
    with caplog.at_level(logging.WARNING, logger="tracking.carriers.ups"):
        result = parse(ups, MOVING, fixture("unknown-status.json"))
    label, unknown = result.events
    assert unknown.carrier_status_code == "I/999/ZZ"
    assert unknown.status == "info_received" and unknown.substatus is None
    assert unknown.description == "Your package is being processed"
    assert any("999" in r.getMessage() and r.name == "tracking.carriers.ups"
               for r in caplog.records)


def test_unknown_first_scan_of_vague_type_is_not_in_transit(ups, caplog):
    with caplog.at_level(logging.WARNING, logger="tracking.carriers.ups"):
        [event] = parse(ups, MOVING, payload(activity("U", "777"))).events
    assert event.status == "info_received"
    assert "777" in caplog.text


def test_unknown_code_with_a_clear_type_uses_the_type(ups, caplog):
    with caplog.at_level(logging.WARNING, logger="tracking.carriers.ups"):
        [event] = parse(ups, MOVING, payload(activity("D", "888"))).events
    assert (event.status, event.carrier_status_code) == ("delivered", "D/888/XX")
    assert "888" in caplog.text


@pytest.mark.parametrize("type_, code, status, substatus", [
    ("I", "006", "out_for_delivery", None),
    ("I", "021", "out_for_delivery", None),
    ("I", "005", "in_transit", None),
    ("I", "012", "in_transit", "customs"),
    ("I", "046", "in_transit", "delayed"),
    ("X", "048", "in_transit", "delayed"),
    ("M", "003", "info_received", "label_created"),
    ("MV", "003", "exception", "cancelled"),
    ("P", "038", "in_transit", "picked_up"),
    ("D", "011", "delivered", None),
    ("D", "161", "delivered", "delivered_to_pickup_point"),
    ("X", "017", "available_for_pickup", "held"),
    ("D", "040", "available_for_pickup", None),
    ("X", "022", "failed_attempt", None),
    ("X", "024", "failed_attempt", None),
    ("X", "013", "exception", None),
    ("X", "064", "exception", "refused"),
    ("U", "034", "exception", "returned_to_sender"),
])
def test_status_table(ups, type_, code, status, substatus):
    [event] = parse(ups, MOVING, payload(activity(type_, code))).events
    assert (event.status, event.substatus) == (status, substatus)


@pytest.mark.parametrize("gmt_time", ["14:15:00", "141500", "14:15"])
@pytest.mark.parametrize("gmt_date", ["20240311", "2024-03-11"])
def test_gmt_stamp_gives_the_offset(ups, gmt_time, gmt_date):
    item = activity("I", "005", "20240311 101500", gmt=(gmt_date, gmt_time, None))
    [event] = parse(ups, MOVING, payload(item)).events
    assert event.utc_offset_minutes == -240


@pytest.mark.parametrize("local, gmt_date, gmt_time, offset", [
    ("20240311 181300", "20240311", "9:13:00", 540),  # dropped leading zero, with colons
    ("20240311 181300", "20240311", "91300", 540),  # dropped leading zero, digits only
    ("20240311 144300", "20240311", "09:13:00", 330),  # India: half hours survive
    ("20240311 150300", "20240311", "09:13:10", 345),  # Nepal, seconds of drift rounded off
    ("20240310 230000", "20240311", "40000", -300),  # across midnight
    ("20240311 101500", None, "14:15:00", -240),  # no gmtDate: same day assumed
    ("20240311 011500", None, "18:15:00", 420),  # no gmtDate, a day apart
])
def test_gmt_stamp_variants(ups, local, gmt_date, gmt_time, offset):
    item = activity("I", "005", local)
    item.update({"gmtTime": gmt_time, **({"gmtDate": gmt_date} if gmt_date else {})})
    [event] = parse(ups, MOVING, payload(item)).events
    assert event.utc_offset_minutes == offset


def test_gmt_offset_alone_is_used(ups):
    [event] = parse(ups, MOVING, payload(activity("I", "005", gmtOffset="+01:00"))).events
    assert event.utc_offset_minutes == 60


def test_eta_without_any_offset_keeps_the_day_at_noon_utc(ups):
    result = parse(ups, MOVING, fixture("label-created-no-offsets.json"))
    noon = datetime(2024, 3, 18, 12, tzinfo=timezone.utc)
    assert (result.estimated_delivery_earliest, result.estimated_delivery_latest) == (noon, noon)
    assert result.events[0].utc_offset_minutes is None


def test_eta_commit_time_only(ups):
    body = payload(activity("I", "005", gmt=("20240311", "14:15:00", "-04:00")),
                   deliveryDate=[{"type": "SDD", "date": "20240312"}],
                   deliveryTime={"type": "CMT", "startTime": "", "endTime": "103000"})
    result = parse(ups, MOVING, body)
    assert result.estimated_delivery_earliest == datetime(2024, 3, 12, 4, tzinfo=timezone.utc)
    assert result.estimated_delivery_latest == datetime(2024, 3, 12, 14, 30, tzinfo=timezone.utc)


def test_unreadable_dates_outside_the_scans_do_not_sink_the_result(ups):
    body = payload(activity("D", "011"), deliveryDate=[{"type": "SDD", "date": "TBD"},
                                                       {"type": "DEL", "date": ""}],
                   deliveryTime={"type": "DEL", "endTime": "1430"})
    result = parse(ups, MOVING, body)
    assert result.outcome == Outcome.OK and len(result.events) == 1
    assert result.estimated_delivery_earliest is None and result.delivered_at is None


def test_package_without_activity_is_ok_and_empty(ups):
    result = parse(ups, MOVING, payload())
    assert result.outcome == Outcome.OK and result.events == []


def test_activity_without_date_is_skipped(ups, caplog):
    body = payload(activity("I", "005"), {"status": {"type": "I", "statusCode": "005"}})
    assert len(parse(ups, MOVING, body).events) == 1


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"{}", b'{"trackResponse": {}}', b"[]"])
def test_garbage_raises_a_parse_error(ups, body):
    with pytest.raises((ValueError, KeyError, TypeError, IndexError, AttributeError)):
        ups.parse(HttpRequest("GET", track_url(MOVING), (MOVING,)), 200, body)


# --- end to end through the transport -------------------------------------------------------

def test_track_end_to_end_and_token_reuse(ups, no_outbound_network):
    rsps = no_outbound_network
    token_response(rsps)
    rsps.add(responses.GET, track_url(MOVING), body=fixture("in-transit-newest-first.json"))
    first = ups.track([TrackRequest(MOVING)])
    second = ups.track([TrackRequest(MOVING)])
    assert [r.outcome for r in first + second] == [Outcome.OK, Outcome.OK]
    assert first[0].events[-1].status == "out_for_delivery"

    [token_call] = calls_to(rsps, TOKEN_URL)
    assert token_call.request.method == "POST"
    assert token_call.request.body == "grant_type=client_credentials"
    assert token_call.request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"client-id:s3cret:with colon").decode()
    assert token_call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"

    track_calls = calls_to(rsps, track_url(MOVING))
    assert len(track_calls) == 2
    for call in track_calls:
        assert call.request.method == "GET"
        assert call.request.headers["Authorization"] == "Bearer tok-1"
        assert call.request.headers["transactionSrc"] == "tracking-pages"
        assert re.fullmatch(r"[0-9a-f]{32}", call.request.headers["transId"])
        query = {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}
        assert query == PARAMS
    assert track_calls[0].request.headers["transId"] != track_calls[1].request.headers["transId"]


def test_token_renewed_near_expiry(ups, no_outbound_network, monkeypatch):
    rsps = no_outbound_network
    clock = [1000.0]
    monkeypatch.setattr(http.time, "monotonic", lambda: clock[0])
    token_response(rsps, "tok-1", "3600")
    token_response(rsps, "tok-2", "3600")
    rsps.add(responses.GET, track_url(MOVING), body=fixture("in-transit-newest-first.json"))
    ups.track([TrackRequest(MOVING)])
    clock[0] += 3600 - http.TOKEN_MARGIN_SECONDS - 1  # still fresh enough
    ups.track([TrackRequest(MOVING)])
    clock[0] += 2  # inside the renewal margin
    ups.track([TrackRequest(MOVING)])
    assert len(calls_to(rsps, TOKEN_URL)) == 2
    bearers = [c.request.headers["Authorization"] for c in calls_to(rsps, track_url(MOVING))]
    assert bearers == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_token_renewed_once_after_401(ups, no_outbound_network):
    rsps = no_outbound_network
    token_response(rsps, "stale")
    token_response(rsps, "fresh")
    error = {"code": "250002", "message": "Invalid Authentication Information."}
    rsps.add(responses.GET, track_url(MOVING), status=401, json={"response": {"errors": [error]}})
    rsps.add(responses.GET, track_url(MOVING), body=fixture("in-transit-newest-first.json"))
    [result] = ups.track([TrackRequest(MOVING)])
    assert result.outcome == Outcome.OK
    bearers = [c.request.headers["Authorization"] for c in calls_to(rsps, track_url(MOVING))]
    assert bearers == ["Bearer stale", "Bearer fresh"]


def test_credentials_refused(ups, no_outbound_network):
    no_outbound_network.add(responses.POST, TOKEN_URL, status=401, json={
        "response": {"errors": [{"code": "10401", "message": "ClientId is Invalid"}]}})
    [result] = ups.track([TrackRequest(MOVING)])
    assert result.outcome == Outcome.AUTH_FAILED
    assert not calls_to(no_outbound_network, track_url(MOVING))


def test_missing_settings_make_no_call(no_outbound_network):
    [result] = UPS({"client_id": "x"}).track([TrackRequest(MOVING)])
    assert result.outcome == Outcome.NOT_CONFIGURED and "client_secret" in result.detail
    assert not no_outbound_network.calls


@pytest.mark.parametrize("headers, retry_after", [({}, None), ({"Retry-After": "30"}, 30.0)])
def test_throttled_429(ups, no_outbound_network, headers, retry_after):
    token_response(no_outbound_network)
    no_outbound_network.add(responses.GET, track_url(MOVING), status=429, headers=headers,
                            body=fixture("throttled.json"))
    [result] = ups.track([TrackRequest(MOVING)])
    assert result.outcome == Outcome.THROTTLED and result.retry_after == retry_after


@pytest.mark.parametrize("status, body, outcome", [
    (200, "not-found.json", Outcome.NOT_FOUND),
    (400, "invalid-number.json", Outcome.INVALID_NUMBER),
    (500, "throttled.json", Outcome.SERVER_ERROR),
    (503, None, Outcome.SERVER_ERROR),
    (200, None, Outcome.BAD_RESPONSE),
    (404, None, Outcome.BAD_RESPONSE),
])
def test_outcomes_end_to_end(ups, no_outbound_network, status, body, outcome):
    token_response(no_outbound_network)
    content = fixture(body) if body else b"<html><body>Service Unavailable</body></html>"
    no_outbound_network.add(responses.GET, track_url(MOVING), status=status, body=content)
    [result] = ups.track([TrackRequest(MOVING)])
    assert result.outcome == outcome and result.tracking_number == MOVING


@pytest.mark.parametrize("error, outcome", [
    (requests.Timeout("read timed out"), Outcome.TIMEOUT),
    (requests.ConnectionError("refused"), Outcome.NETWORK_ERROR),
])
def test_transport_failures(ups, no_outbound_network, error, outcome):
    token_response(no_outbound_network)
    no_outbound_network.add(responses.GET, track_url(MOVING), body=error)
    [result] = ups.track([TrackRequest(MOVING)])
    assert result.outcome == outcome
