"""After a poll: stall flag, expiry, the one late check after a final state, poll records, pruning."""
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from polling_helpers import FakeCarrier, policy_next, reload, retry_wait, scan
from tracking.carriers.base import Outcome, TrackResult
from tracking.extensions import db
from tracking.models import PollRecord
from tracking.models.types import utcnow
from tracking.polling import policy, schedule, stall
from tracking.polling.poller import drain, prune_records


class Scripted(FakeCarrier):
    """Answers every number with `self.result(number)`; swap `result` between rounds."""

    def __init__(self, result):
        super().__init__("fake", answer=lambda req: self.result(req.tracking_number))
        self.result = result


def scans(*items):
    """A result builder: (when, status[, substatus]) items as the scans of every number."""
    def build(number):
        events = [replace(scan(when, status, description=f"{status} scan"),
                          substatus=sub[0] if sub else None)
                  for when, status, *sub in items]
        return TrackResult(number, events=events)
    return build


def failing(outcome=Outcome.SERVER_ERROR):
    return lambda number: TrackResult(number, outcome, detail="HTTP 503")


@pytest.fixture
def parcel(app, merchant, make_shipment):
    return make_shipment(merchant, number="FAKE1", carrier="fake", registered_hours_ago=24 * 10)


# --- stalled: quieter than normal for the carrier and status -----------------------------------

def test_in_transit_silent_longer_than_normal_is_stalled(app, install, parcel):
    now = utcnow()
    carrier = install(Scripted(scans((now - timedelta(hours=100), "in_transit"))))
    drain(now)
    assert reload(parcel).stalled is True  # in_transit: 96 hours by default
    carrier.result = scans((now - timedelta(hours=100), "in_transit"),
                           (now - timedelta(hours=1), "in_transit"))
    later = reload(parcel).next_poll_at
    drain(later)
    assert reload(parcel).stalled is False  # news clears it


def test_recent_news_is_not_stalled(app, install, parcel):
    now = utcnow()
    install(Scripted(scans((now - timedelta(hours=10), "in_transit"))))
    drain(now)
    assert reload(parcel).stalled is False


def test_stall_threshold_per_status_and_per_carrier(app, install, parcel, monkeypatch):
    now = utcnow()
    install(Scripted(scans((now - timedelta(hours=30), "out_for_delivery"))))
    drain(now)
    assert reload(parcel).stalled is True  # out for delivery: 24 hours is already too long
    table = {**app.config["STALL_AFTER_HOURS"], "fake": {"out_for_delivery": 48}}
    monkeypatch.setitem(app.config, "STALL_AFTER_HOURS", table)
    drain(reload(parcel).next_poll_at)
    assert reload(parcel).stalled is False


def test_pending_and_final_shipments_are_never_stalled(app, install, merchant, make_shipment):
    old_label = make_shipment(merchant, number="FAKE1", order_number="O1", carrier="fake",
                              registered_hours_ago=24 * 20)
    delivered = make_shipment(merchant, number="FAKE2", order_number="O2", carrier="fake",
                              registered_hours_ago=24 * 20)
    now = utcnow()
    results = {"FAKE1": lambda n: TrackResult(n, Outcome.NOT_FOUND),
               "FAKE2": scans((now - timedelta(days=15), "in_transit"),
                              (now - timedelta(days=14), "delivered"))}
    install(Scripted(lambda number: results[number](number)))
    drain(now)
    assert (reload(old_label).status, reload(old_label).stalled) == ("pending", False)
    assert (reload(delivered).status, reload(delivered).stalled) == ("delivered", False)


def test_a_failed_poll_also_flags_a_stall(app, install, parcel):
    now = utcnow()
    carrier = install(Scripted(scans((now - timedelta(hours=50), "in_transit"))))
    drain(now)
    assert reload(parcel).stalled is False
    carrier.result = failing()
    later = now + timedelta(hours=60)
    parcel.next_poll_at = later
    db.session.commit()
    drain(later)
    s = reload(parcel)
    assert (s.stalled, s.poll_failures, s.status) == (True, 1, "in_transit")


def test_stall_hours_lookup(app, monkeypatch):
    monkeypatch.setitem(app.config, "STALL_AFTER_HOURS",
                        {"in_transit": 96, "ups": {"in_transit": 120}, "dhl": 5})
    assert stall.stall_hours("fedex", "in_transit") == 96
    assert stall.stall_hours("ups", "in_transit") == 120
    assert stall.stall_hours("dhl", "in_transit") == 96  # a non-table carrier entry is ignored
    assert stall.stall_hours("fedex", "exception") is None  # not configured: never stalled


# --- expiry --------------------------------------------------------------------------------------

def test_failed_polls_expire_a_silent_shipment_and_the_late_check_follows(app, install, parcel,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "EXPIRE_AFTER_DAYS", 5)
    now = utcnow()
    old_scan = now - timedelta(days=4)
    carrier = install(Scripted(scans((old_scan, "in_transit"))))
    drain(now)
    assert reload(parcel).status == "in_transit"

    carrier.result = failing()
    later = now + timedelta(days=2)  # six days after the last scan
    parcel.next_poll_at = later
    db.session.commit()
    drain(later)
    s = reload(parcel)
    assert (s.status, s.poll_failures) == ("expired", 1)
    assert s.next_poll_at == later + retry_wait(1)  # the carrier failed: retry as usual

    # the carrier answers again with nothing new: that answer is the late check, then never again
    carrier.result = scans((old_scan, "in_transit"))
    retry = s.next_poll_at
    drain(retry)
    s = reload(parcel)
    assert (s.status, s.final_checks, s.next_poll_at, s.poll_failures) == ("expired", 1, None, 0)


def test_expired_shipment_revives_on_news_at_its_late_check(app, install, parcel, monkeypatch):
    monkeypatch.setitem(app.config, "EXPIRE_AFTER_DAYS", 5)
    now = utcnow()
    carrier = install(Scripted(scans((now - timedelta(days=6), "in_transit"))))
    drain(now)
    s = reload(parcel)
    assert (s.status, s.next_poll_at) == ("expired", policy_next(s, now))
    late = s.next_poll_at
    carrier.result = scans((now - timedelta(days=6), "in_transit"),
                           (late - timedelta(hours=1), "out_for_delivery"))
    drain(late)
    s = reload(parcel)
    assert (s.status, s.final_checks) == ("out_for_delivery", 0)
    assert s.next_poll_at == policy_next(s, late) and s.next_poll_at is not None


# --- the one late check after a final state ------------------------------------------------------

def test_delivered_gets_one_late_check(app, install, parcel):
    now = utcnow()
    carrier = install(Scripted(scans((now - timedelta(hours=5), "in_transit"),
                                     (now - timedelta(hours=1), "delivered"))))
    drain(now)
    s = reload(parcel)
    assert (s.status, s.final_checks) == ("delivered", 0)
    late = s.next_poll_at
    assert late == policy_next(s, now) and late >= now + timedelta(hours=48)
    assert drain(late - timedelta(seconds=1)).claimed == 0
    drain(late)
    s = reload(parcel)
    assert (s.status, s.final_checks, s.next_poll_at, s.last_polled_at) == \
        ("delivered", 1, None, late)
    assert len(carrier.calls) == 2
    assert drain(late + timedelta(days=365)).claimed == 0


def test_a_failed_late_check_is_retried_and_not_counted(app, install, parcel):
    now = utcnow()
    delivered = scans((now - timedelta(hours=1), "delivered"))
    carrier = install(Scripted(delivered))
    drain(now)
    late = reload(parcel).next_poll_at
    carrier.result = failing(Outcome.TIMEOUT)
    drain(late)
    s = reload(parcel)
    assert (s.final_checks, s.next_poll_at) == (0, late + retry_wait(1))
    carrier.result = delivered
    drain(s.next_poll_at)
    assert (reload(parcel).final_checks, reload(parcel).next_poll_at) == (1, None)


def test_late_check_that_finds_a_return_records_it(app, install, parcel):
    now = utcnow()
    carrier = install(Scripted(scans((now - timedelta(hours=1), "delivered"))))
    drain(now)
    late = reload(parcel).next_poll_at
    carrier.result = scans((now - timedelta(hours=1), "delivered"),
                           (late - timedelta(hours=2), "exception", "returned_to_sender"))
    drain(late)
    s = reload(parcel)
    assert (s.status, s.substatus, s.final_checks, s.next_poll_at) == \
        ("exception", "returned_to_sender", 1, None)
    assert len(s.events) == 2


# --- poll records ----------------------------------------------------------------------------------

def test_every_poll_leaves_a_record(app, install, merchant, make_shipment):
    payload = {"trackResults": [{"scanEvents": [{"eventType": "AR"}]}], "when": utcnow()}

    def answer(number):
        if number == "FAKE1":
            result = scans((now - timedelta(hours=2), "in_transit"),
                           (now - timedelta(hours=1), "in_transit", "departed_facility"))(number)
            result.raw, result.http_status, result.duration_ms = payload, 200, 123
            return result
        if number == "FAKE2":
            return TrackResult(number, Outcome.SERVER_ERROR, detail="HTTP 502: bad gateway",
                               http_status=502, duration_ms=45)
        return TrackResult(number, Outcome.NOT_FOUND)

    install(Scripted(answer))
    ok, bad, unknown = (make_shipment(merchant, number=f"FAKE{i}", order_number=f"O{i}",
                                      carrier="fake") for i in (1, 2, 3))
    now = utcnow()
    drain(now)

    def records(shipment):
        return db.session.query(PollRecord).filter_by(shipment_id=shipment.id).all()

    [r] = records(ok)
    assert (r.carrier, r.outcome, r.http_status, r.duration_ms, r.new_events, r.detail) == \
        ("fake", "ok", 200, 123, 2, None)
    assert r.polled_at == now
    raw = json.loads(r.raw)
    assert raw["trackResults"] == payload["trackResults"] and raw["when"].startswith(str(now.year))
    [r] = records(bad)
    assert (r.outcome, r.http_status, r.duration_ms, r.new_events, r.raw) == \
        ("server_error", 502, 45, 0, None)
    assert r.detail == "HTTP 502: bad gateway"
    [r] = records(unknown)
    assert (r.outcome, r.http_status, r.duration_ms, r.raw) == ("not_found", None, None, None)

    # the next poll adds a record; a repeat of known scans counts no new events
    drain(reload(ok).next_poll_at)
    assert [r.new_events for r in sorted(records(ok), key=lambda r: r.id)] == [2, 0]


def test_a_payload_json_cannot_write_is_kept_as_text(app, install, parcel):
    def answer(number):
        return TrackResult(number, raw={"codes": {"AR"}, "at": datetime(2024, 1, 2, 3, 4)})

    install(Scripted(answer))
    drain(utcnow())
    [r] = db.session.query(PollRecord).all()
    assert json.loads(r.raw) == {"codes": "{'AR'}", "at": "2024-01-02 03:04:00"}


def test_prune_records_keeps_the_retention_window(app, parcel, monkeypatch):
    monkeypatch.setitem(app.config, "POLL_RECORD_DAYS", 7)
    now = utcnow()
    for days in (0, 6, 7.5, 30):
        db.session.add(PollRecord(shipment_id=parcel.id, carrier="fake", outcome="ok",
                                  polled_at=now - timedelta(days=days)))
    db.session.commit()
    assert prune_records(now) == 2
    db.session.expire_all()
    left = sorted(now - r.polled_at for r in db.session.query(PollRecord))
    assert left == [timedelta(0), timedelta(days=6)]
    assert prune_records(now) == 0
    assert prune_records(now + timedelta(days=10)) == 2


def test_records_go_with_their_shipment(app, install, parcel):
    install(Scripted(scans((utcnow(), "in_transit"))))
    drain(utcnow())
    assert db.session.query(PollRecord).count() == 1
    shipment = reload(parcel)
    for event in list(shipment.events):
        db.session.delete(event)
    db.session.delete(shipment)
    db.session.commit()
    assert db.session.query(PollRecord).count() == 0


# --- the destination's clock --------------------------------------------------------------------

def test_night_at_the_destination_holds_a_poll_the_merchants_zone_would_not(app, merchant,
                                                                           make_shipment):
    # 14:00Z: 10:00 in New York (the shop), 04:00 in Honolulu (the parcel).
    now = datetime(2024, 6, 12, 14, 0, tzinfo=timezone.utc)
    parcel = make_shipment(merchant, number="FAKE2", carrier="fake",
                           destination={"city": "Honolulu", "region": "HI", "country": "US"})
    parcel.status = "out_for_delivery"
    db.session.commit()
    state = schedule.poll_state(reload(parcel))
    assert state.timezone == "Pacific/Honolulu"
    in_merchant_zone = replace(state, timezone=merchant.timezone)
    assert policy.next_poll(in_merchant_zone, now, app.config["POLL_POLICY"]) == \
        now + timedelta(hours=1)
    # 05:00 in Honolulu is night there: held to 07:00 HST, 17:00Z.
    assert policy_next(parcel, now) == datetime(2024, 6, 12, 17, 0, tzinfo=timezone.utc)


def test_a_destination_without_a_zone_keeps_the_merchants(app, merchant, parcel, make_shipment):
    assert (parcel.destination_country, parcel.destination_region, parcel.destination_postal_code) == \
        ("US", None, "97205")
    assert schedule.poll_state(parcel).timezone == "America/Los_Angeles"  # the ZIP tells Oregon
    vague = make_shipment(merchant, number="FAKE2", carrier="fake", destination={"country": "US"})
    assert schedule.poll_state(vague).timezone == "America/New_York"  # nothing tells: the shop's
