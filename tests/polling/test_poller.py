"""Polling rounds: claiming, the demo carrier in simulated time, failures, batching, expiry.

Next-poll times come from the policy (tracking.polling.policy, POLL_POLICY: no jitter in tests)
after a successful poll, and from POLL_RETRY_SECONDS doubling per failure after a failed one.
"""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from polling_helpers import FakeCarrier, due_at, hours, policy_next, reload, retry_wait, scan
from tracking.carriers.base import TrackResult
from tracking.extensions import db
from tracking.models import Shipment
from tracking.models.types import utcnow
from tracking.polling import policy, poller
from tracking.polling.claim import claim_due, new_claim_token
from tracking.polling.poller import drain, poll_due

# The policy on the demo's clock (1 scenario hour per real second in tests), with no night.
DEMO_CLOCK = {"jitter": 0, "time_scale": 3600, "night_start_hour": 0, "night_end_hour": 0}


def late_check(shipment, now):
    """Poll a final shipment at its one late check; afterwards it is never due again."""
    s = reload(shipment)
    assert s.final_checks == 0 and s.next_poll_at is not None
    when = s.next_poll_at
    assert drain(when).polled >= 1
    s = reload(shipment)
    assert (s.final_checks, s.next_poll_at, s.last_polled_at) == (1, None, when)
    return when


# --- the demo carrier in simulated time -------------------------------------------------------

def test_demo_status_progresses_as_now_advances(app, merchant, make_shipment, monkeypatch):
    monkeypatch.setitem(app.config, "POLL_POLICY", DEMO_CLOCK)
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    due_at(shipment, shipment.created_at)
    expected = [  # scenario hour, status, substatus, progress
        (0.02, "pending", None, 0),
        (1.5, "info_received", None, 0),
        (3, "in_transit", "picked_up", 1),
        (20, "in_transit", "departed_facility", 2),
        (57, "out_for_delivery", None, 3),
    ]
    seen_events = 0
    for hour, status, substatus, progress in expected:
        now = hours(shipment, hour)
        due_at(shipment, now)  # as a page view would: the policy's own times are checked below
        summary = drain(now)
        assert (summary.claimed, summary.polled, summary.errors) == (1, 1, 0)
        s = reload(shipment)
        assert (s.status, s.substatus, s.progress) == (status, substatus, progress), hour
        assert s.next_poll_at == policy_next(s, now)
        if status == "pending":  # a young label, on the demo's clock: minutes / 3600
            young = timedelta(minutes=policy.DEFAULTS["pending_early_minutes"])
            assert s.next_poll_at == now + young / 3600
        assert s.last_polled_at == now
        assert (s.claimed_by, s.claim_expires_at) == (None, None)
        assert len(s.events) >= seen_events
        seen_events = len(s.events)
    assert dict(summary.by_outcome) == {"ok": 1}

    now = hours(shipment, 61)
    summary = drain(now)
    assert summary.status_changes == 1
    s = reload(shipment)
    assert (s.status, s.substatus, s.progress) == ("delivered", "signed", 4)
    assert s.delivered_at == hours(shipment, 59.5)
    assert s.signed_by == "J. DOE"
    assert len(s.events) == 11
    # one late check after delivery (48 scenario hours later), then never again
    assert s.next_poll_at == now + timedelta(hours=48) / 3600
    late_check(shipment, now)
    assert len(reload(shipment).events) == 11
    assert drain(now + timedelta(days=3650)).claimed == 0


def test_first_poll_before_any_scan_is_not_found_and_pending(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMODELAYED1")
    due_at(shipment, shipment.created_at)
    summary = drain(hours(shipment, 0.01))
    assert dict(summary.by_outcome) == {"not_found": 1}
    s = reload(shipment)
    assert (s.status, s.events, s.poll_failures) == ("pending", [], 0)
    assert s.next_poll_at == policy_next(s, hours(shipment, 0.01))
    assert s.next_poll_at > hours(shipment, 0.01)


def test_registered_hours_ago_maps_to_scenario_hours(app, merchant, make_shipment):
    # registered_hours_ago is real time; at 1 s per scenario hour, one real hour is 3600 of them.
    shipment = make_shipment(merchant, number="DEMOPICKUP1", registered_hours_ago=1)
    now = utcnow()
    drain(now)
    s = reload(shipment)
    assert (s.status, s.final_checks) == ("delivered", 0)
    assert s.next_poll_at == policy_next(s, now)  # the late check


def test_next_poll_is_the_policys_and_not_before(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMODELAYED2")
    now = hours(shipment, 10)
    assert drain(now).polled == 1
    nxt = reload(shipment).next_poll_at
    assert nxt == policy_next(shipment, now) and nxt > now
    assert drain(now).claimed == 0
    assert drain(nxt - timedelta(seconds=1)).claimed == 0
    assert drain(nxt).claimed == 1


@pytest.mark.parametrize("number, hour, status, substatus", [
    ("DEMOONTIME1", 100, "delivered", "signed"),
    ("DEMOPICKUP1", 100, "delivered", None),
    ("DEMORETURN1", 200, "exception", "returned_to_sender"),
])
def test_final_shipments_are_never_claimed_again(app, merchant, make_shipment, number, hour,
                                                 status, substatus):
    shipment = make_shipment(merchant, number=number)
    drain(hours(shipment, hour))
    s = reload(shipment)
    assert (s.status, s.substatus) == (status, substatus)
    assert s.next_poll_at == policy_next(s, hours(shipment, hour))  # one late check...
    checked = late_check(shipment, hours(shipment, hour))
    s = reload(shipment)
    assert (s.status, s.substatus, s.next_poll_at) == (status, substatus, None)  # ...then never
    far = checked + timedelta(days=3650)
    assert drain(far).claimed == 0
    assert claim_due(new_claim_token(), 100, 300, far) == []
    assert reload(shipment).last_polled_at == checked


def test_non_final_exception_keeps_being_polled(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMOEXCEPTION1")
    now = hours(shipment, 40)
    drain(now)
    s = reload(shipment)
    assert (s.status, s.substatus) == ("exception", "damaged")
    assert s.next_poll_at == policy_next(s, now) and s.next_poll_at > now


# --- claiming within rounds ---------------------------------------------------------------------

def test_each_due_shipment_is_claimed_once_per_round(app, merchant, make_shipment):
    shipments = [make_shipment(merchant, number=f"DEMOONTIME{i}", order_number=f"O{i}")
                 for i in range(5)]
    now = hours(shipments[-1], 5)
    first = claim_due(new_claim_token(), 100, 300, now)
    assert sorted(s.id for s in first) == sorted(s.id for s in shipments)
    assert claim_due(new_claim_token(), 100, 300, now) == []


def test_drain_polls_each_due_shipment_once_across_batches(app, merchant, make_shipment, install,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "POLL_BATCH_SIZE", 2)
    fake = install(FakeCarrier())
    numbers = [f"FAKE{i}" for i in range(5)]
    for i, number in enumerate(numbers):
        make_shipment(merchant, number=number, order_number=f"O{i}", carrier="fake")
    now = utcnow()
    summary = drain(now)
    assert (summary.claimed, summary.polled) == (5, 5)
    assert sorted(fake.polled) == numbers
    assert len(fake.calls) == 3  # rounds of 2, 2 and 1
    assert drain(now).claimed == 0
    assert sorted(fake.polled) == numbers


def test_poll_due_respects_limit(app, merchant, make_shipment, install):
    install(FakeCarrier())
    for i in range(4):
        make_shipment(merchant, number=f"FAKE{i}", order_number=f"O{i}", carrier="fake")
    assert poll_due(utcnow(), limit=3).claimed == 3
    assert poll_due(utcnow(), limit=3).claimed == 1


def test_expired_claim_is_taken_over(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    now = hours(shipment, 10)
    shipment.claimed_by, shipment.claim_expires_at = "dead-worker", now - timedelta(seconds=1)
    db.session.commit()
    token = new_claim_token()
    assert [s.id for s in claim_due(token, 100, 300, now)] == [shipment.id]
    s = reload(shipment)
    assert s.claimed_by == token
    assert s.claim_expires_at >= now + timedelta(seconds=300)


def test_expired_claim_is_polled_by_the_next_round(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    now = hours(shipment, 10)
    shipment.claimed_by, shipment.claim_expires_at = "dead-worker", now - timedelta(seconds=1)
    db.session.commit()
    assert drain(now).polled == 1
    s = reload(shipment)
    assert (s.status, s.claimed_by, s.next_poll_at) == ("in_transit", None, policy_next(s, now))


def test_claim_still_held_is_not_taken(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    now = hours(shipment, 10)
    held_until = now + timedelta(seconds=60)
    shipment.claimed_by, shipment.claim_expires_at = "live-worker", held_until
    db.session.commit()
    assert claim_due(new_claim_token(), 100, 300, now) == []
    assert drain(now).claimed == 0
    s = reload(shipment)
    assert (s.claimed_by, s.claim_expires_at, s.status) == ("live-worker", held_until, "pending")
    # once the lease has run out it is due again
    assert drain(held_until + timedelta(seconds=1)).polled == 1


def test_claim_takes_the_most_overdue_first(app, merchant, make_shipment):
    now = utcnow()
    made = []
    for i, overdue_minutes in enumerate([5, 50, 1, 30]):
        s = make_shipment(merchant, number=f"DEMOONTIME{i}", order_number=f"O{i}")
        made.append(due_at(s, now - timedelta(minutes=overdue_minutes)))
    claimed = claim_due(new_claim_token(), 2, 300, now)
    assert sorted(s.id for s in claimed) == sorted([made[1].id, made[3].id])


def test_lease_is_measured_on_the_real_clock(app, merchant, make_shipment):
    # a drain holds `now` fixed; a batch claimed late in it must still get a full lease
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    stale_now = utcnow() - timedelta(minutes=10)
    due_at(shipment, stale_now - timedelta(minutes=1))
    before = utcnow()
    [claimed] = claim_due(new_claim_token(), 100, 300, stale_now)
    assert claimed.claim_expires_at >= before + timedelta(seconds=300)


# --- failures -----------------------------------------------------------------------------------

def test_raising_adapter_is_recorded_and_backs_off(app, merchant, make_shipment, install):
    flaky = install(FakeCarrier("flaky", error=RuntimeError("carrier is down")))
    bad = make_shipment(merchant, number="FLAKY1", order_number="O1", carrier="flaky")
    good = make_shipment(merchant, number="DEMOONTIME1", order_number="O2")
    now = hours(good, 10)

    summary = drain(now)
    assert (summary.claimed, summary.polled, summary.errors) == (2, 1, 1)
    assert summary.by_outcome["bad_response"] == 1
    b, g = reload(bad), reload(good)
    assert g.status == "in_transit" and g.poll_failures == 0
    assert b.status == "pending"
    assert b.poll_failures == 1
    assert "RuntimeError" in b.last_poll_error and "carrier is down" in b.last_poll_error
    assert (b.claimed_by, b.claim_expires_at, b.last_polled_at) == (None, None, now)

    gaps = [b.next_poll_at - now]
    for _ in range(3):
        now = reload(bad).next_poll_at
        assert drain(now).errors == 1
        gaps.append(reload(bad).next_poll_at - now)
    assert gaps == [retry_wait(1), retry_wait(2), retry_wait(3), retry_wait(4)]
    assert retry_wait(2) == 2 * timedelta(seconds=app.config["POLL_RETRY_SECONDS"])
    assert reload(bad).poll_failures == 4
    assert len(flaky.calls) == 4

    # the carrier recovers: failures reset, the policy's interval again
    flaky.error = None
    now = reload(bad).next_poll_at
    drain(now)  # the good shipment may be due again too
    b = reload(bad)
    assert b.last_polled_at == now
    assert (b.poll_failures, b.last_poll_error, b.status) == (0, None, "in_transit")
    assert b.next_poll_at == policy_next(b, now)


def test_backoff_is_capped_at_a_day(app, merchant, make_shipment, install):
    install(FakeCarrier("flaky", error=TimeoutError("slow")))
    bad = make_shipment(merchant, number="FLAKY1", carrier="flaky")
    bad.poll_failures = 40
    db.session.commit()
    now = utcnow()
    drain(now)
    assert reload(bad).next_poll_at == now + timedelta(days=1)


def test_uninstalled_carrier_is_recorded_without_crashing(app, merchant, make_shipment):
    orphan = make_shipment(merchant, number="X1", order_number="O1", carrier="nosuchcarrier")
    good = make_shipment(merchant, number="DEMOONTIME1", order_number="O2")
    now = hours(good, 10)
    summary = drain(now)
    assert (summary.polled, summary.errors) == (1, 1)
    o = reload(orphan)
    assert "not installed" in o.last_poll_error and "nosuchcarrier" in o.last_poll_error
    assert (o.poll_failures, o.next_poll_at, o.claimed_by) == (1, now + retry_wait(1), None)
    assert reload(good).status == "in_transit"


def test_adapter_that_cannot_be_set_up_is_recorded(app, merchant, make_shipment, monkeypatch):
    real = poller.get_adapter

    def get_adapter(code):
        if code == "broken":
            raise ValueError("client_id missing")
        return real(code)

    monkeypatch.setattr(poller, "get_adapter", get_adapter)
    broken = make_shipment(merchant, number="B1", order_number="O1", carrier="broken")
    good = make_shipment(merchant, number="DEMOONTIME1", order_number="O2")
    summary = drain(hours(good, 10))
    assert (summary.polled, summary.errors) == (1, 1)
    assert "client_id missing" in reload(broken).last_poll_error
    assert reload(good).status == "in_transit"


def test_missing_result_for_a_number_is_an_error(app, merchant, make_shipment, install):
    install(FakeCarrier(answer=lambda req: None if req.tracking_number == "FAKE2" else
                        TrackResult(req.tracking_number, events=[scan(utcnow())])))
    one = make_shipment(merchant, number="FAKE1", order_number="O1", carrier="fake")
    two = make_shipment(merchant, number="FAKE2", order_number="O2", carrier="fake")
    summary = drain(utcnow())
    assert (summary.polled, summary.errors) == (1, 1)
    assert reload(one).status == "in_transit"
    assert reload(two).poll_failures == 1 and "no result" in reload(two).last_poll_error
    assert reload(two).claimed_by is None


@pytest.mark.parametrize("outcome", ["throttled", "auth_failed", "server_error"])
def test_failed_outcome_counts_as_a_failure_not_a_poll(app, merchant, make_shipment, install,
                                                       outcome):
    install(FakeCarrier(answer=lambda req: TrackResult(req.tracking_number, outcome=outcome,
                                                       detail="try later")))
    shipment = make_shipment(merchant, number="FAKE1", carrier="fake")
    shipment.poll_failures = 2
    db.session.commit()
    now = utcnow()
    summary = drain(now)
    assert (summary.polled, summary.errors) == (0, 1)
    s = reload(shipment)
    assert s.poll_failures == 3  # not reset as by a successful poll
    assert s.last_poll_error == f"{outcome}: try later"
    assert s.next_poll_at == now + retry_wait(3) == now + 4 * retry_wait(1)
    assert (s.status, s.claimed_by) == ("pending", None)


def test_unstorable_result_fails_only_its_shipment(app, merchant, make_shipment, install):
    def answer(req):
        result = TrackResult(req.tracking_number, events=[scan(utcnow())])
        if req.tracking_number == "FAKE2":  # an adapter bug: a naive ETA
            result.estimated_delivery_earliest = datetime(2024, 11, 22, 10, 0)
        return result

    install(FakeCarrier(answer=answer))
    made = [make_shipment(merchant, number=f"FAKE{i}", order_number=f"O{i}", carrier="fake")
            for i in (1, 2, 3)]
    summary = drain(utcnow())
    assert (summary.claimed, summary.polled, summary.errors) == (3, 2, 1)
    one, two, three = (reload(s) for s in made)
    assert one.status == three.status == "in_transit"
    assert len(one.events) == len(three.events) == 1
    assert (two.status, two.events, two.poll_failures) == ("pending", [], 1)
    assert "naive" in two.last_poll_error
    assert all(s.claimed_by is None and s.next_poll_at is not None for s in (one, two, three))


def test_one_carrier_failing_does_not_stop_other_carriers(app, merchant, make_shipment, install):
    install(FakeCarrier("flaky", error=ConnectionError("reset")))
    healthy = install(FakeCarrier("fake"))
    for i in range(3):
        make_shipment(merchant, number=f"FLAKY{i}", order_number=f"A{i}", carrier="flaky")
        make_shipment(merchant, number=f"FAKE{i}", order_number=f"B{i}", carrier="fake")
    summary = drain(utcnow())
    assert (summary.claimed, summary.polled, summary.errors) == (6, 3, 3)
    assert sorted(healthy.polled) == ["FAKE0", "FAKE1", "FAKE2"]
    left_claimed = db.session.scalars(select(Shipment).where(Shipment.claimed_by.is_not(None)))
    assert list(left_claimed) == []


# --- batching -----------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size, count, expected", [
    (3, 7, [3, 3, 1]),
    (1, 3, [1, 1, 1]),
    (50, 7, [7]),
])
def test_batches_respect_adapter_batch_size(app, merchant, make_shipment, install, batch_size,
                                            count, expected):
    fake = install(FakeCarrier(batch_size=batch_size))
    for i in range(count):
        make_shipment(merchant, number=f"FAKE{i:02d}", order_number=f"O{i}", carrier="fake")
    summary = drain(utcnow())
    assert summary.polled == count
    assert [len(call) for call in fake.calls] == expected
    assert sorted(fake.polled) == [f"FAKE{i:02d}" for i in range(count)]


def test_demo_batches_of_fifty(app, merchant, make_shipment, install):
    from tracking.carriers.demo import DemoCarrier

    calls = []

    class CountingDemo(DemoCarrier):
        def track(self, requests, now=None):
            calls.append(len(requests))
            return super().track(requests, now=now)

    install(CountingDemo({"seconds_per_hour": 1}))
    for i in range(60):
        make_shipment(merchant, number=f"DEMOONTIME{i}", order_number=f"O{i}")
    summary = drain(utcnow() + timedelta(seconds=5))
    assert summary.polled == 60
    assert calls == [50, 10]


# --- expiry -------------------------------------------------------------------------------------

def not_found(req):
    return TrackResult(req.tracking_number, outcome="not_found")


def test_no_news_for_expire_after_days_expires(app, merchant, make_shipment, install):
    install(FakeCarrier(answer=not_found))
    old = make_shipment(merchant, number="FAKE1", order_number="O1", carrier="fake",
                        registered_hours_ago=31 * 24)
    young = make_shipment(merchant, number="FAKE2", order_number="O2", carrier="fake",
                          registered_hours_ago=29 * 24)
    now = utcnow()
    drain(now)
    o, y = reload(old), reload(young)
    assert (o.status, o.claimed_by) == ("expired", None)
    assert o.next_poll_at == policy_next(o, now) == now + timedelta(hours=48)  # one late check
    assert (y.status, y.next_poll_at) == ("pending", policy_next(y, now))
    checked = late_check(old, now)
    assert reload(old).status == "expired"
    assert reload(young).status == "expired"  # 31 days old by then: its late check remains
    assert drain(now + timedelta(days=3650)).claimed == 1
    assert reload(old).last_polled_at == checked


def test_expiry_counts_from_the_last_event(app, merchant, make_shipment, install):
    recent = make_shipment(merchant, number="FAKE1", order_number="O1", carrier="fake",
                           registered_hours_ago=40 * 24)
    stale = make_shipment(merchant, number="FAKE2", order_number="O2", carrier="fake",
                          registered_hours_ago=40 * 24)
    now = utcnow()
    last_scan = {"FAKE1": now - timedelta(days=10), "FAKE2": now - timedelta(days=31)}
    install(FakeCarrier(answer=lambda req: TrackResult(
        req.tracking_number, events=[scan(last_scan[req.tracking_number])])))
    drain(now)
    assert (reload(recent).status, reload(recent).next_poll_at) == \
        ("in_transit", policy_next(recent, now))
    assert (reload(stale).status, reload(stale).final_checks) == ("expired", 0)
    assert reload(stale).next_poll_at == now + timedelta(hours=48)


def test_expiry_follows_the_configured_days_and_the_rounds_now(app, merchant, make_shipment,
                                                               install, monkeypatch):
    monkeypatch.setitem(app.config, "EXPIRE_AFTER_DAYS", 2)
    install(FakeCarrier(answer=not_found))
    shipment = make_shipment(merchant, number="FAKE1", carrier="fake")
    drain(shipment.created_at + timedelta(days=1))
    assert reload(shipment).status == "pending"
    now = shipment.created_at + timedelta(days=2, seconds=1)
    drain(now)
    assert (reload(shipment).status, reload(shipment).next_poll_at) == \
        ("expired", now + timedelta(hours=48))


def test_delivered_shipment_does_not_expire(app, merchant, make_shipment):
    shipment = make_shipment(merchant, number="DEMOONTIME1")
    drain(hours(shipment, 0) + timedelta(days=60))
    assert reload(shipment).status == "delivered"


def test_drain_stops_between_batches_once_told(app, merchant, make_shipment, monkeypatch):
    import threading
    monkeypatch.setitem(app.config, "POLL_BATCH_SIZE", 1)
    for i in range(3):
        make_shipment(merchant, number=f"DEMOONTIME{i}", order_number=f"S{i}")
    stopping = threading.Event()
    stopping.set()
    assert drain(utcnow(), stopping=stopping).claimed == 0
