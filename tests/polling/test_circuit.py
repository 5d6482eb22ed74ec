"""Circuit breakers: failed batches in a row pause a carrier, in the database for every worker."""
import threading
import time
from datetime import timedelta

import pytest

from polling_helpers import FakeCarrier, reload, retry_wait
from tracking.carriers.base import Outcome, TrackResult
from tracking.extensions import db
from tracking.models import CarrierCircuit, PollRecord
from tracking.models.types import utcnow
from tracking.polling import circuit
from tracking.polling.poller import drain

OPEN = 60


@pytest.fixture(autouse=True)
def circuit_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "CIRCUIT_FAILURES", 3)
    monkeypatch.setitem(app.config, "CIRCUIT_OPEN_SECONDS", OPEN)
    monkeypatch.setitem(app.config, "CIRCUIT_MAX_OPEN_SECONDS", 200)


def answer_with(outcome, **fields):
    return lambda req: TrackResult(req.tracking_number, outcome, **fields)


def row(key="flaky") -> CarrierCircuit | None:
    db.session.expire_all()
    return db.session.get(CarrierCircuit, key)


@pytest.fixture
def flaky(install):
    """A carrier answering HTTP 503 for every number, one number per request."""
    return install(FakeCarrier("flaky", batch_size=1,
                               answer=answer_with(Outcome.SERVER_ERROR, detail="HTTP 503")))


def make_flaky(make_shipment, merchant, count, prefix="FLAKY"):
    return [make_shipment(merchant, number=f"{prefix}{i}", order_number=f"{prefix}-{i}",
                          carrier="flaky") for i in range(count)]


def test_failed_batches_in_a_row_open_the_circuit(app, merchant, make_shipment, install, flaky):
    healthy = install(FakeCarrier("fake"))
    failing = make_flaky(make_shipment, merchant, 5)
    others = [make_shipment(merchant, number=f"FAKE{i}", order_number=f"B{i}", carrier="fake")
              for i in range(2)]
    now = utcnow()
    summary = drain(now)

    # three failed batches open it; the two batches after that are not sent
    assert len(flaky.calls) == 3
    c = row()
    assert (c.consecutive_failures, c.times_opened) == (3, 1)
    assert c.open_until == now + timedelta(seconds=OPEN)
    assert "HTTP 503" in c.last_error
    assert summary.by_outcome["server_error"] == 3 and summary.by_outcome["circuit_open"] == 2
    called = {n for call in flaky.calls for n in call}
    for s in failing:
        s = reload(s)
        assert s.claimed_by is None
        if s.tracking_number in called:  # failed: backs off as usual
            assert (s.poll_failures, s.next_poll_at) == (1, now + retry_wait(1))
        else:  # deferred: not a failure of the shipment, due again when the circuit closes
            assert (s.poll_failures, s.last_polled_at, s.next_poll_at) == (0, None, c.open_until)
            assert db.session.query(PollRecord).filter_by(shipment_id=s.id).count() == 0
    # another carrier is not affected
    assert sorted(healthy.polled) == ["FAKE0", "FAKE1"]
    assert all(reload(s).status == "in_transit" for s in others)
    assert row("fake").open_until is None


def test_while_open_the_carrier_is_not_called(app, merchant, make_shipment, flaky):
    make_flaky(make_shipment, merchant, 3)
    now = utcnow()
    drain(now)
    open_until = row().open_until
    calls = len(flaky.calls)

    # another worker, later in the open window: a newly due shipment waits without a call
    late = make_shipment(merchant, number="FLAKYLATE", order_number="L", carrier="flaky")
    summary = drain(now + timedelta(seconds=30))
    assert summary.by_outcome == {"circuit_open": 1}
    assert len(flaky.calls) == calls
    s = reload(late)
    assert (s.next_poll_at, s.claimed_by, s.poll_failures, s.last_polled_at) == \
        (open_until, None, 0, None)


def test_after_open_until_a_successful_trial_closes_it(app, merchant, make_shipment, flaky):
    deferred = make_flaky(make_shipment, merchant, 5)
    now = utcnow()
    drain(now)
    open_until = row().open_until
    flaky.answer = None  # the carrier is back: a scan for every number
    calls = len(flaky.calls)

    summary = drain(open_until)
    assert summary.polled == 2  # the two deferred shipments: a trial batch, then normal polling
    assert len(flaky.calls) == calls + 2
    c = row()
    assert (c.consecutive_failures, c.times_opened, c.open_until) == (0, 0, None)
    assert {reload(s).status for s in deferred if reload(s).last_polled_at == open_until} \
        == {"in_transit"}


def test_a_failed_trial_reopens_it_for_twice_as_long_up_to_the_cap(app, merchant, make_shipment,
                                                                   flaky):
    make_flaky(make_shipment, merchant, 8)
    now = utcnow()
    drain(now)
    assert row().open_until == now + timedelta(seconds=OPEN)
    pauses = []
    for expected_opened in (2, 3, 4):
        trial_at = row().open_until
        calls = len(flaky.calls)
        summary = drain(trial_at)
        assert len(flaky.calls) == calls + 1, "only the trial batch is sent"
        assert summary.by_outcome["circuit_open"] >= 1
        c = row()
        assert c.times_opened == expected_opened
        pauses.append((c.open_until - trial_at).total_seconds())
    assert pauses == [2 * OPEN, 200, 200]  # 120 s, then 240 and 480 capped at 200


def test_throttling_does_not_count_as_a_failure(app, merchant, make_shipment, install):
    busy = install(FakeCarrier("flaky", batch_size=1, answer=answer_with(
        Outcome.THROTTLED, detail="HTTP 429")))
    made = make_flaky(make_shipment, merchant, 5)
    now = utcnow()
    summary = drain(now)
    assert len(busy.calls) == 5 and summary.by_outcome == {"throttled": 5}
    c = row()  # a 429 says nothing of the carrier's health: no row, or a clean one
    assert c is None or (c.consecutive_failures, c.times_opened, c.open_until) == (0, 0, None)
    assert all(reload(s).poll_failures == 1 for s in made)


@pytest.mark.parametrize("outcome", [Outcome.NOT_FOUND, Outcome.INVALID_NUMBER])
def test_number_level_answers_do_not_count(app, merchant, make_shipment, install, outcome):
    carrier = install(FakeCarrier("flaky", batch_size=1, answer=answer_with(outcome)))
    make_flaky(make_shipment, merchant, 4)
    drain(utcnow())
    assert len(carrier.calls) == 4
    assert row().open_until is None


def test_a_success_in_between_resets_the_count(app, merchant, make_shipment, flaky):
    make_flaky(make_shipment, merchant, 5)
    answers = iter([Outcome.SERVER_ERROR, Outcome.TIMEOUT, Outcome.OK, Outcome.SERVER_ERROR,
                    Outcome.NETWORK_ERROR])
    flaky.answer = lambda req: TrackResult(req.tracking_number, next(answers))
    drain(utcnow())
    assert len(flaky.calls) == 5
    c = row()
    assert (c.consecutive_failures, c.open_until) == (2, None)


def test_a_batch_with_any_good_answer_is_not_a_carrier_failure(app, merchant, make_shipment,
                                                               install):
    carrier = install(FakeCarrier("flaky", batch_size=2, answer=lambda req: TrackResult(
        req.tracking_number,
        Outcome.SERVER_ERROR if req.tracking_number.endswith(("0", "2", "4")) else Outcome.OK)))
    make_flaky(make_shipment, merchant, 8)
    drain(utcnow())
    assert len(carrier.calls) == 4
    assert row().consecutive_failures == 0


def test_record_and_open_until_directly(app):
    now = utcnow()
    assert circuit.open_until("x", now) is None
    for _ in range(2):
        circuit.record("x", True, "boom", now)
    assert circuit.open_until("x", now) is None
    circuit.record("x", True, "boom", now)
    assert circuit.open_until("x", now) == now + timedelta(seconds=OPEN)
    assert circuit.open_until("x", now + timedelta(seconds=OPEN)) is None  # half-open: a trial
    circuit.record("x", False, None, now)
    assert row("x").open_until is None and row("x").consecutive_failures == 0


def test_batches_already_in_flight_do_not_stack_openings(app, merchant, make_shipment, install,
                                                         monkeypatch):
    """Four failing batches sent together: the circuit opens once, for the first pause."""
    monkeypatch.setitem(app.config, "POLL_THREADS", 4)
    monkeypatch.setitem(app.config, "CIRCUIT_FAILURES", 1)
    started = threading.Barrier(4, timeout=10)

    class SlowFailing(FakeCarrier):
        def track(self, requests, now=None):
            self.calls.append([r.tracking_number for r in requests])
            started.wait()  # all four are past the circuit check before any is recorded
            time.sleep(0.05)
            return [TrackResult(r.tracking_number, Outcome.SERVER_ERROR, detail="HTTP 503")
                    for r in requests]

    carrier = install(SlowFailing("flaky", batch_size=1))
    make_flaky(make_shipment, merchant, 4)
    now = utcnow()
    drain(now)
    assert len(carrier.polled) == 4
    c = row()
    assert c.times_opened == 1
    assert c.open_until == now + timedelta(seconds=OPEN)


def test_throttling_neither_closes_an_open_circuit_nor_resets_its_count(app, merchant,
                                                                        make_shipment, install):
    from tracking.models import CarrierCircuit
    now = utcnow()
    db.session.add(CarrierCircuit(key="flaky", consecutive_failures=7, times_opened=1,
                                  open_until=now - timedelta(seconds=1), last_error="HTTP 503"))
    db.session.commit()
    install(FakeCarrier("flaky", batch_size=1, answer=answer_with(Outcome.THROTTLED)))
    make_flaky(make_shipment, merchant, 1)
    drain(now)
    c = row()
    assert (c.consecutive_failures, c.times_opened) == (7, 1)
