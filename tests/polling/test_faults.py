"""A misbehaving carrier, through the real FedEx adapter and HTTP transport (mocked with responses):
timeouts, 5xx, 429 with and without Retry-After, malformed bodies. The worker stays up, stores no
event twice and none that was not there, backs off, and the circuit breaker opens and closes."""
import json
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from polling_helpers import reload, retry_wait
from tests.e2e.fake_carrier_server import fedex_body
from tracking.carriers import http
from tracking.extensions import db
from tracking.models import CarrierCircuit, PollRecord, TrackingEvent
from tracking.models.types import utcnow
from tracking.polling.poller import drain

BASE = "https://fedex.test"
TRACK_URL = f"{BASE}/track/v1/trackingnumbers"
NUMBERS = ["700000000000001", "700000000000002", "700000000000003"]


class FedExScript:
    """Answers track requests one behaviour per request, in order; the last one repeats."""

    def __init__(self, mock, *behaviours):
        self.behaviours = list(behaviours)
        self.requests: list[list[str]] = []
        self.base = utcnow()
        mock.add(mock.POST, f"{BASE}/oauth/token",
                 json={"access_token": "token", "token_type": "bearer", "expires_in": 3600})
        mock.add_callback(mock.POST, TRACK_URL, callback=self)

    def __call__(self, request):
        numbers = [i["trackingNumberInfo"]["trackingNumber"]
                   for i in json.loads(request.body)["trackingInfo"]]
        self.requests.append(numbers)
        behaviour = self.behaviours[min(len(self.requests), len(self.behaviours)) - 1]
        if behaviour == "ok":
            return 200, {}, json.dumps(fedex_body(numbers, self.base))
        if behaviour == "timeout":
            raise requests.exceptions.ReadTimeout("read timed out (15 s)")
        if behaviour == "refused":
            raise requests.exceptions.ConnectionError("connection refused")
        if behaviour == "503":
            return 503, {}, "Service Unavailable"
        if behaviour == "500":
            return 500, {}, json.dumps({"errors": [{"code": "INTERNAL.SERVER.ERROR"}]})
        if behaviour == "429":
            return 429, {"Retry-After": "120"}, json.dumps({"errors": [{"code": "RATE.LIMIT"}]})
        if behaviour == "429-bare":
            return 429, {}, ""
        if behaviour == "html":
            return 200, {"Content-Type": "text/html"}, "<html><body>Maintenance</body></html>"
        if behaviour == "truncated":
            return 200, {}, json.dumps(fedex_body(numbers, self.base))[:300]
        if behaviour == "wrong-shape":
            return 200, {}, json.dumps({"output": {"results": []}})
        raise AssertionError(f"unknown behaviour {behaviour!r}")

    @property
    def sent(self) -> int:
        return len(self.requests)


@pytest.fixture
def fedex(app, monkeypatch):
    monkeypatch.setitem(app.config, "CARRIERS", {"fedex": {
        "client_id": "cid", "client_secret": "secret", "base_url": BASE}})
    monkeypatch.setitem(app.config, "CIRCUIT_FAILURES", 3)
    monkeypatch.setitem(app.config, "CIRCUIT_OPEN_SECONDS", 3600)  # longer than the backoff
    monkeypatch.setitem(app.config, "CIRCUIT_MAX_OPEN_SECONDS", 7200)
    http.tokens.clear()
    yield
    http.tokens.clear()


@pytest.fixture
def parcels(fedex, merchant, make_shipment):
    return [make_shipment(merchant, number=n, order_number=f"O{i}", carrier="fedex")
            for i, n in enumerate(NUMBERS)]


def events_per_shipment() -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(TrackingEvent.shipment_id, func.count())
                                   .group_by(TrackingEvent.shipment_id)).all())


def records(outcome=None) -> list[PollRecord]:
    query = db.session.query(PollRecord)
    return query.filter_by(outcome=outcome).all() if outcome else query.all()


@pytest.mark.parametrize("behaviour, outcome, http_status", [
    ("timeout", "timeout", None),
    ("refused", "network_error", None),
    ("503", "server_error", 503),
    ("500", "server_error", 500),
    ("429-bare", "throttled", 429),
    ("html", "bad_response", 200),
    ("truncated", "bad_response", 200),
    ("wrong-shape", "bad_response", 200),
])
def test_a_fault_fails_the_poll_and_backs_off(app, no_outbound_network, parcels, behaviour,
                                              outcome, http_status):
    script = FedExScript(no_outbound_network, behaviour, "ok")
    now = utcnow()
    summary = drain(now)
    assert script.sent == 1  # one batch of three
    assert (summary.claimed, summary.polled, summary.errors) == (3, 0, 3)
    assert dict(summary.by_outcome) == {outcome: 3}
    for parcel in parcels:
        s = reload(parcel)
        assert (s.status, s.events, s.poll_failures, s.claimed_by) == ("pending", [], 1, None)
        assert s.last_poll_error.startswith(outcome)
        assert s.next_poll_at == now + retry_wait(1)
    assert [(r.outcome, r.http_status, r.new_events) for r in records()] == \
        [(outcome, http_status, 0)] * 3

    # the carrier recovers: the scans arrive once, and stay once on the next poll
    later = now + retry_wait(1)
    assert drain(later).polled == 3
    assert events_per_shipment() == {p.id: 2 for p in parcels}
    assert all(reload(p).poll_failures == 0 for p in parcels)
    drain(reload(parcels[0]).next_poll_at)
    assert events_per_shipment() == {p.id: 2 for p in parcels}


def test_retry_after_is_obeyed_and_is_not_a_carrier_failure(app, no_outbound_network, parcels):
    script = FedExScript(no_outbound_network, "429", "429", "429", "429", "ok")
    now = utcnow()
    for _ in range(4):
        drain(now)
        s = reload(parcels[0])
        assert s.next_poll_at == now + timedelta(seconds=120)  # as told, not the backoff
        now = s.next_poll_at
    assert script.sent == 4  # throttling never opens the circuit
    circuit = db.session.get(CarrierCircuit, "fedex")  # throttling is neither health nor failure
    assert circuit is None or (circuit.consecutive_failures, circuit.open_until) == (0, None)
    assert reload(parcels[0]).poll_failures == 4
    assert drain(now).polled == 3


def test_faults_in_a_row_back_off_open_the_circuit_and_a_trial_closes_it(
        app, no_outbound_network, parcels, caplog):
    script = FedExScript(no_outbound_network, "503", "timeout", "html", "ok")
    now, gaps = utcnow(), []
    for _ in range(3):
        drain(now)
        nxt = reload(parcels[0]).next_poll_at
        gaps.append(nxt - now)
        now = nxt
    assert gaps == [retry_wait(1), retry_wait(2), retry_wait(3)]  # exponential backoff
    assert script.sent == 3

    # three failed batches: the circuit is open, in the database for every worker
    db.session.expire_all()
    circuit = db.session.get(CarrierCircuit, "fedex")
    opened_at = now - retry_wait(3)
    assert (circuit.consecutive_failures, circuit.times_opened) == (3, 1)
    assert circuit.open_until == opened_at + timedelta(seconds=3600)
    assert "circuit fedex opened" in caplog.text

    # while it is open, due shipments wait without a request
    summary = drain(now)
    assert script.sent == 3 and summary.by_outcome == {"circuit_open": 3}
    assert all(reload(p).next_poll_at == circuit.open_until for p in parcels)
    assert all(reload(p).poll_failures == 3 for p in parcels)  # waiting is not failing

    # at open_until the trial batch succeeds: the circuit closes and the scans land once
    summary = drain(circuit.open_until)
    assert script.sent == 4 and summary.polled == 3
    db.session.expire_all()
    circuit = db.session.get(CarrierCircuit, "fedex")
    assert (circuit.consecutive_failures, circuit.times_opened, circuit.open_until) == (0, 0, None)
    assert events_per_shipment() == {p.id: 2 for p in parcels}
    # every request is on record: 3 failures and a success for each parcel, none for the wait
    assert sorted(r.outcome for r in records() if r.shipment_id == parcels[0].id) == \
        ["bad_response", "ok", "server_error", "timeout"]


def test_one_unreadable_number_in_a_batch_fails_alone(app, no_outbound_network, parcels):
    class Script(FedExScript):
        def __call__(self, request):
            status, headers, body = super().__call__(request)
            data = json.loads(body)
            data["output"]["completeTrackResults"][1]["trackResults"][0]["scanEvents"][0]["date"] \
                = "not a date"
            return status, headers, json.dumps(data)

    Script(no_outbound_network, "ok")
    summary = drain(utcnow())
    assert (summary.polled, summary.errors) == (2, 1)
    assert events_per_shipment() == {parcels[0].id: 2, parcels[2].id: 2}
    assert reload(parcels[1]).last_poll_error.startswith("bad_response")
    assert db.session.get(CarrierCircuit, "fedex").consecutive_failures == 0


def test_metrics_time_each_request_once_and_count_each_number(app, no_outbound_network,
                                                              parcels):
    from prometheus_client import REGISTRY

    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0

    before_requests = sample("tracking_carrier_request_seconds_count", carrier="fedex")
    before_ok = sample("tracking_polls_total", carrier="fedex", outcome="ok")
    FedExScript(no_outbound_network, "ok")
    drain(utcnow())
    # one HTTP round trip carried three numbers: one latency sample, three polls counted
    assert sample("tracking_carrier_request_seconds_count", carrier="fedex") == before_requests + 1
    assert sample("tracking_polls_total", carrier="fedex", outcome="ok") == before_ok + 3
