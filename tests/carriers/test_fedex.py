"""Tests of the FedEx Track API v1 adapter: pure build/parse on stored payloads, then HTTP."""
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import responses
import tracking_numbers
from responses import matchers

from tracking.carriers import http
from tracking.carriers.base import Outcome, TrackRequest
from tracking.carriers.fedex import FedEx

FIXTURES = Path(__file__).parent.parent / "fixtures" / "fedex"
SETTINGS = {"client_id": "cid", "client_secret": "secret"}
BASE = "https://apis.fedex.com"
TRACK_URL = f"{BASE}/track/v1/trackingnumbers"
TOKEN_URL = f"{BASE}/oauth/token"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(numbers, name, status=200):
    adapter = FedEx(SETTINGS)
    [request] = adapter.build_requests(list(numbers))
    return {r.tracking_number: r for r in adapter.parse(request, status, fixture(name))}


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fresh_tokens():
    http.tokens.clear()
    yield
    http.tokens.clear()


# --- declarations and number formats ---

def test_declarations():
    adapter = FedEx(SETTINGS)
    assert (adapter.code, adapter.name, adapter.batch_size) == ("fedex", "FedEx", 30)
    assert adapter.base_url == BASE and adapter.uses_oauth
    assert adapter.required_settings == ("client_id", "client_secret")
    assert adapter.rate_limit.per_second == 140 and adapter.rate_limit.per_day == 100_000
    sandbox = FedEx({**SETTINGS, "base_url": "https://apis-sandbox.fedex.com/"})
    assert sandbox.build_requests(["1"])[0].url == \
        "https://apis-sandbox.fedex.com/track/v1/trackingnumbers"


# FedEx's published sandbox numbers and the spec's examples.
EXPRESS = ["568838414941", "797806677146", "797615467620", "581190049992", "123456789012",
           "128667043726", "794843185271"]


@pytest.mark.parametrize("number", EXPRESS + [
    "449044304137821", "122816215025810", "9612019059803563050071",
    "1001901781990001000300617767839437", "7948 4318 5271",
])
def test_recognises_fedex_formats(number):
    assert FedEx.recognises(number)


@pytest.mark.parametrize("number", [
    "794843185272", "111111111111", "1Z999AA10123456784", "12345678901", "1234567890123",
    "9212019059803563050071", "", "７９４８４３１８５２７１",
])
def test_rejects_other_numbers(number):
    assert not FedEx.recognises(number)


def test_express_check_digit_agrees_with_tracking_numbers_library():
    """Weights 3,1,7 run from the LEFT over the first 11 digits (1,3,7 from the right)."""
    for number in EXPRESS:
        for check in "0123456789":
            candidate = number[:11] + check
            try:
                found = tracking_numbers.get_tracking_number(candidate)
            except ValueError:
                found = None
            library = bool(found and found.courier.code == "fedex" and found.valid)
            assert FedEx.recognises(candidate) == library, candidate


# --- pure request building ---

def test_45_numbers_make_two_requests_of_30_and_15():
    numbers = [f"{i:012d}" for i in range(45)]
    first, second = FedEx(SETTINGS).build_requests(numbers)
    for request, chunk in ((first, numbers[:30]), (second, numbers[30:])):
        assert (request.method, request.url) == ("POST", TRACK_URL)
        assert request.numbers == tuple(chunk)
        assert request.headers["Content-Type"] == "application/json"
        assert request.json == {"includeDetailedScans": True, "trackingInfo": [
            {"trackingNumberInfo": {"trackingNumber": n}} for n in chunk
        ]}


def test_token_request_is_a_client_credentials_form():
    request = FedEx(SETTINGS).token_request()
    assert (request.method, request.url) == ("POST", TOKEN_URL)
    assert request.data == {"grant_type": "client_credentials", "client_id": "cid",
                            "client_secret": "secret"}


# --- pure parsing ---

def test_spec_example_parses_and_unknown_number_is_not_found():
    results = parse(["123456789012", "39936862321"], "track-v1.json")
    ok, missing = results["123456789012"], results["39936862321"]
    assert ok.outcome == Outcome.OK
    [event] = ok.events
    assert (event.status, event.carrier_status_code) == ("in_transit", "PU")
    assert event.occurred_at_local == datetime(2018, 2, 2, 12, 1)
    assert event.utc_offset_minutes == -420
    assert event.location.city == "SEATTLE" and event.location.country == "US"
    assert ok.service == "FedEx Freight Economy."
    assert ok.delivered_at is None  # ACTUAL_DELIVERY without offset: not guessed as UTC
    assert ok.estimated_delivery_latest == utc(2021, 10, 15, 6)
    assert ok.raw["trackingNumberInfo"]["trackingNumber"] == "128667043726"
    assert missing.outcome == Outcome.NOT_FOUND
    assert "NOTFOUND" in missing.detail


def test_batch_with_one_not_found_one_invalid_and_one_delivered():
    results = parse(["794843185271", "568838414941", "12345"], "batch-mixed.json")
    assert results["568838414941"].outcome == Outcome.NOT_FOUND
    assert results["12345"].outcome == Outcome.INVALID_NUMBER
    ok = results["794843185271"]
    assert ok.outcome == Outcome.OK
    assert [e.carrier_status_code for e in ok.events] == ["OC", "PU", "DP", "OD", "DL"]
    assert [e.status for e in ok.events] == [
        "info_received", "in_transit", "in_transit", "out_for_delivery", "delivered"]
    assert ok.events[-1].substatus == "signed"
    assert ok.events[3].description == "On FedEx vehicle for delivery & more"
    assert ok.events[-1].description == "Delivered"
    assert ok.events[-1].location.city == "PORTLAND"
    assert ok.events[0].location.city is None
    assert all(e.utc_offset_minutes is not None for e in ok.events)
    assert ok.delivered_at == utc(2024, 11, 22, 18, 14)
    assert ok.signed_by == "J.SMITH"
    assert ok.service == "FedEx Priority Overnight"
    assert isinstance(ok.raw, dict) and ok.raw["latestStatusDetail"]["code"] == "DL"


def test_reused_number_takes_the_newest_shipment():
    [result] = parse(["797615467620"], "reused-number.json").values()
    assert result.outcome == Outcome.OK
    assert [(e.status, e.substatus) for e in result.events] == [("info_received", "label_created")]
    assert result.service == "FedEx 2Day"
    assert result.delivered_at is None and result.signed_by is None


def test_events_without_offset_and_unknown_codes(caplog):
    caplog.set_level(logging.WARNING, logger="tracking.carriers.fedex")
    [result] = parse(["449044304137821"], "no-offset-oldest-first.json").values()
    events = result.events
    assert [e.carrier_status_code for e in events] == [
        "OC", "ZZ", "PU", "XX", "YY", "CD", "CC", "AR"]
    assert events[0].utc_offset_minutes is None
    assert events[0].occurred_at_local == datetime(2024, 11, 28, 8, 0)
    assert events[-1].utc_offset_minutes is None
    assert events[2].utc_offset_minutes == -300
    assert events[0].location.country == "CA"
    # unknown eventType: the coarse derivedStatusCode when readable, else the previous status
    assert (events[1].status, events[1].substatus) == ("info_received", None)
    assert (events[3].status, events[3].substatus) == ("in_transit", None)
    assert (events[4].status, events[4].substatus) == ("in_transit", None)
    assert "'ZZ'" in caplog.text and "'YY'" in caplog.text
    assert (events[5].status, events[5].substatus) == ("exception", "customs")
    assert events[5].description == "Clearance delay: Import documentation required"
    assert (events[6].status, events[6].substatus) == ("in_transit", "customs_cleared")
    # latestStatusDetail.derivedCode RL: the newest scan is marked delayed
    assert (events[-1].status, events[-1].substatus) == ("in_transit", "delayed")
    assert result.service == "FedEx International Ground®"
    # window start has no offset: it borrows the end's (same place), never UTC
    assert result.estimated_delivery_earliest == utc(2024, 12, 3, 14)
    assert result.estimated_delivery_latest == utc(2024, 12, 3, 18)
    assert result.signed_by is None and result.delivered_at is None


def test_eta_falls_back_to_estimated_delivery_date():
    payload = json.loads(fixture("no-offset-oldest-first.json"))
    track = payload["output"]["completeTrackResults"][0]["trackResults"][0]
    track["estimatedDeliveryTimeWindow"]["window"] = {"begins": "2024-12-03T09:00:00"}
    adapter = FedEx(SETTINGS)
    [request] = adapter.build_requests(["449044304137821"])
    [result] = adapter.parse(request, 200, json.dumps(payload).encode())
    assert result.estimated_delivery_earliest == utc(2024, 12, 2, 5)


def test_number_missing_from_the_response_is_bad_response():
    results = parse(["122816215025810", "449044304137821"], "missing-number.json")
    ok = results["122816215025810"]
    assert ok.outcome == Outcome.OK
    assert (ok.events[0].status, ok.events[0].utc_offset_minutes) == ("available_for_pickup", 60)
    missing = results["449044304137821"]
    assert missing.outcome == Outcome.BAD_RESPONSE and "missing" in missing.detail


def test_400_invalid_number_for_one_number_and_for_a_batch():
    [single] = parse(["12345"], "invalid-400.json", status=400).values()
    assert single.outcome == Outcome.INVALID_NUMBER
    assert "please check" in single.detail and "<i>" not in single.detail
    batch = parse(["12345", "794843185271"], "invalid-400.json", status=400)
    assert {r.outcome for r in batch.values()} == {Outcome.BAD_RESPONSE}


def test_one_unreadable_result_does_not_spoil_the_batch():
    payload = json.loads(fixture("batch-mixed.json"))
    payload["output"]["completeTrackResults"][0]["trackResults"][0]["scanEvents"][0]["date"] = "x"
    adapter = FedEx(SETTINGS)
    [request] = adapter.build_requests(["794843185271", "568838414941"])
    bad, not_found = adapter.parse(request, 200, json.dumps(payload).encode())
    assert bad.outcome == Outcome.BAD_RESPONSE
    assert not_found.outcome == Outcome.NOT_FOUND


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"{}", b'{"output": {}}', b"[]"])
def test_garbage_raises_a_parse_error(body):
    adapter = FedEx(SETTINGS)
    [request] = adapter.build_requests(["794843185271"])
    with pytest.raises(http.PARSE_ERRORS):
        adapter.parse(request, 200, body)


# --- over HTTP (mocked) ---

def add_token(rsps, token="tok-1", expires_in=3599, status=200):
    return rsps.add(responses.POST, TOKEN_URL, status=status, json={
        "access_token": token, "token_type": "bearer", "expires_in": expires_in, "scope": "CXS"},
        match=[matchers.urlencoded_params_matcher(
            {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "secret"})])


def add_track(rsps, name="batch-mixed.json", token="tok-1", status=200, **kwargs):
    return rsps.add(responses.POST, TRACK_URL, status=status, body=fixture(name),
                    match=[matchers.header_matcher({"Authorization": f"Bearer {token}"})], **kwargs)


def track(numbers, settings=SETTINGS):
    return FedEx(settings).track([TrackRequest(n) for n in numbers])


def test_token_fetched_once_and_reused(no_outbound_network):
    rsps = no_outbound_network
    token = add_token(rsps)
    tracked = add_track(rsps)
    for _ in range(2):
        results = track(["794843185271", "568838414941"])
        assert [r.outcome for r in results] == [Outcome.OK, Outcome.NOT_FOUND]
    assert token.call_count == 1 and tracked.call_count == 2
    sent = json.loads(rsps.calls[1].request.body)
    assert sent == {"includeDetailedScans": True, "trackingInfo": [
        {"trackingNumberInfo": {"trackingNumber": "794843185271"}},
        {"trackingNumberInfo": {"trackingNumber": "568838414941"}}]}
    assert rsps.calls[1].request.headers["Content-Type"] == "application/json"


def test_45_numbers_go_out_as_two_calls(no_outbound_network):
    rsps = no_outbound_network
    add_token(rsps)
    tracked = add_track(rsps, "missing-number.json")
    numbers = [f"{i:012d}" for i in range(45)]
    results = track(numbers)
    assert tracked.call_count == 2
    sizes = [len(json.loads(c.request.body)["trackingInfo"]) for c in rsps.calls[1:]]
    assert sizes == [30, 15]
    assert [r.tracking_number for r in results] == numbers
    assert {r.outcome for r in results} == {Outcome.BAD_RESPONSE}


def test_token_refreshed_after_expiry(no_outbound_network, monkeypatch):
    rsps = no_outbound_network
    clock = [1000.0]
    monkeypatch.setattr("tracking.carriers.http.time.monotonic", lambda: clock[0])
    first = add_token(rsps, "tok-1")
    add_track(rsps, token="tok-1")
    assert track(["794843185271"])[0].outcome == Outcome.OK
    clock[0] += 3599 - http.TOKEN_MARGIN_SECONDS - 1
    assert track(["794843185271"])[0].outcome == Outcome.OK
    assert first.call_count == 1
    rsps.replace(responses.POST, TOKEN_URL, json={"access_token": "tok-2", "expires_in": 3599})
    add_track(rsps, token="tok-2")
    clock[0] += 2
    assert track(["794843185271"])[0].outcome == Outcome.OK
    assert rsps.calls[-1].request.headers["Authorization"] == "Bearer tok-2"


def test_401_renews_the_token_and_retries(no_outbound_network):
    rsps = no_outbound_network
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "tok-1", "expires_in": 3599})
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "tok-2", "expires_in": 3599})
    rejected = rsps.add(responses.POST, TRACK_URL, status=401, json={"errors": []},
                        match=[matchers.header_matcher({"Authorization": "Bearer tok-1"})])
    accepted = add_track(rsps, token="tok-2")
    assert [r.outcome for r in track(["794843185271"])] == [Outcome.OK]
    assert rejected.call_count == 1 and accepted.call_count == 1
    assert track(["794843185271"])[0].outcome == Outcome.OK
    assert len([c for c in rsps.calls if c.request.url == TOKEN_URL]) == 2


def test_daily_quota_429_throttles_all_30_numbers(no_outbound_network):
    rsps = no_outbound_network
    add_token(rsps)
    add_track(rsps, "quota-429.json", status=429)
    numbers = [f"{i:012d}" for i in range(30)]
    results = track(numbers)
    assert len(results) == 30
    assert {r.outcome for r in results} == {Outcome.THROTTLED}
    assert all(r.retry_after is None for r in results)
    assert "Daily transaction quota exceeded" in results[0].detail


def test_429_with_retry_after(no_outbound_network):
    rsps = no_outbound_network
    add_token(rsps)
    add_track(rsps, "quota-429.json", status=429, headers={"Retry-After": "7"})
    [result] = track(["794843185271"])
    assert (result.outcome, result.retry_after) == (Outcome.THROTTLED, 7.0)


def test_server_error_timeout_and_unreadable_body(no_outbound_network):
    rsps = no_outbound_network
    add_token(rsps)
    rsps.add(responses.POST, TRACK_URL, status=503, body="down")
    assert track(["794843185271"])[0].outcome == Outcome.SERVER_ERROR
    rsps.replace(responses.POST, TRACK_URL, body=requests.Timeout("read timed out"))
    assert track(["794843185271"])[0].outcome == Outcome.TIMEOUT
    rsps.replace(responses.POST, TRACK_URL, status=200, body="<html>maintenance</html>")
    [result] = track(["794843185271"])
    assert result.outcome == Outcome.BAD_RESPONSE


def test_refused_credentials_and_missing_settings(no_outbound_network):
    rsps = no_outbound_network
    add_token(rsps, status=401)
    assert track(["794843185271"])[0].outcome == Outcome.AUTH_FAILED
    [result] = track(["794843185271"], settings={"client_id": "cid"})
    assert result.outcome == Outcome.NOT_CONFIGURED and "client_secret" in result.detail
    assert len(rsps.calls) == 1
