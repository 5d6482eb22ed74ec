"""Tests of timeline.merge: dedupe, ordering by real instant, derived status, milestones, summary."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tracking import timeline
from tracking.carriers.base import CarrierEvent, Location, TrackResult
from tracking.extensions import db
from tracking.models import Shipment, TrackingEvent

NUMBER = "1Z999AA10123456784"
PORTLAND = Location("Portland", "OR", "97218", "US")
MEMPHIS = Location("Memphis", "TN", "38118", "US")
# Portland as a scan that names no state or country: its place tells no zone (same fingerprint).
UNPLACED = Location("Portland", None, "97218", None)


def ev(local: str, offset: int | None, status: str, description: str, *, code: str | None = None,
       substatus: str | None = None, location: Location = PORTLAND) -> CarrierEvent:
    """A carrier scan at a naive wall time `local` ("2024-11-22T10:00") with an offset in minutes."""
    return CarrierEvent(
        occurred_at_local=datetime.fromisoformat(local), utc_offset_minutes=offset, status=status,
        description=description, carrier_status_code=code, substatus=substatus, location=location,
    )


def result(*events: CarrierEvent, **summary) -> TrackResult:
    return TrackResult(NUMBER, events=list(events), **summary)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


JOURNEY = (
    ev("2024-11-20T08:00", -300, "info_received", "Label created", code="MP"),
    ev("2024-11-20T17:30", -300, "in_transit", "Picked up", code="PU", substatus="picked_up"),
    ev("2024-11-21T02:15", -360, "in_transit", "Arrived at hub", code="AR",
       substatus="arrived_at_facility", location=MEMPHIS),
    ev("2024-11-21T05:40", -360, "in_transit", "Departed hub", code="DP",
       substatus="departed_facility", location=MEMPHIS),
    ev("2024-11-22T07:05", -480, "out_for_delivery", "Out for delivery", code="OD"),
    ev("2024-11-22T13:58", -480, "delivered", "Delivered, front door", code="DL"),
)


@pytest.fixture
def shipment(merchant, make_shipment):
    """A fresh shipment of a merchant in America/New_York, to a destination that tells no zone
    (a country of several, no state or ZIP code): scans without a place are read in New York."""
    return make_shipment(merchant, number=NUMBER, destination={"country": "US"})


def stored(shipment: Shipment) -> list[TrackingEvent]:
    """The shipment's events as the database holds them, newest first."""
    db.session.expire_all()
    return timeline.newest_first(db.session.get(Shipment, shipment.id).events)


def count_events(shipment: Shipment) -> int:
    return db.session.scalar(
        select(func.count()).select_from(TrackingEvent).filter_by(shipment_id=shipment.id)
    )


def merge(shipment: Shipment, res: TrackResult) -> timeline.MergeResult:
    merged = timeline.merge(shipment, res)
    db.session.commit()
    return merged


# --- idempotence and duplicates -------------------------------------------------------------

def test_same_payload_fifty_times_stores_each_event_once(shipment):
    payload = result(*JOURNEY)
    first = merge(shipment, payload)
    assert (first.added, first.previous_status, first.status) == (6, "pending", "delivered")
    assert first.status_changed
    snapshot = [(e.fingerprint, e.occurred_at, e.status) for e in stored(shipment)]
    for _ in range(49):
        again = merge(shipment, result(*JOURNEY))
        assert again.added == 0
        assert not again.status_changed
        assert again.status == "delivered"
    assert count_events(shipment) == 6
    assert [(e.fingerprint, e.occurred_at, e.status) for e in stored(shipment)] == snapshot
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.status, fresh.progress) == ("delivered", 4)


def test_merge_again_in_a_new_session_adds_nothing(shipment):
    merge(shipment, result(*JOURNEY))
    shipment_id = shipment.id
    db.session.remove()
    again = db.session.get(Shipment, shipment_id)
    assert merge(again, result(*JOURNEY)).added == 0
    assert count_events(again) == 6


def test_duplicates_within_one_payload_stored_once(shipment):
    scan = ev("2024-11-21T02:15", -360, "in_transit", "Arrived at hub", code="AR", location=MEMPHIS)
    merged = merge(shipment, result(scan, scan, JOURNEY[0], scan))
    assert merged.added == 2
    assert count_events(shipment) == 2


def test_same_scan_differing_only_in_seconds_case_spacing_and_markup_is_one_event(shipment):
    a = ev("2024-11-21T02:15:07", -360, "in_transit", "Arrived at hub", code="AR", location=MEMPHIS)
    b = ev("2024-11-21T02:15:44", -360, "in_transit", "  ARRIVED   at <b>hub</b> ", code="AR",
           location=Location(" memphis ", "TN", "38118", "US"))
    assert merge(shipment, result(a, b)).added == 1


def test_distinct_scans_at_same_minute_are_kept(shipment):
    arrived = ev("2024-11-21T02:15", -360, "in_transit", "Arrived at hub", code="AR", location=MEMPHIS)
    departed = ev("2024-11-21T02:15", -360, "in_transit", "Departed hub", code="DP", location=MEMPHIS)
    elsewhere = ev("2024-11-21T02:15", -360, "in_transit", "Arrived at hub", code="AR")
    assert merge(shipment, result(arrived, departed, elsewhere)).added == 3


@pytest.mark.parametrize("first_with_offset", [False, True])
def test_with_and_without_offset_is_one_event_and_the_offset_is_learnt(shipment, first_with_offset):
    bare = ev("2024-11-22T07:05", None, "out_for_delivery", "Out for delivery", code="OD")
    full = ev("2024-11-22T07:05", -480, "out_for_delivery", "Out for delivery", code="OD")
    first, second = (full, bare) if first_with_offset else (bare, full)
    assert merge(shipment, result(first)).added == 1
    assert merge(shipment, result(second)).added == 0
    [row] = stored(shipment)
    assert row.utc_offset_minutes == -480
    assert row.occurred_at == utc("2024-11-22T15:05")
    assert row.occurred_at_local == datetime(2024, 11, 22, 7, 5)
    assert db.session.get(Shipment, shipment.id).last_event_at == utc("2024-11-22T15:05")


def test_both_forms_in_one_payload_is_one_event_with_offset(shipment):
    bare = ev("2024-11-22T07:05", None, "out_for_delivery", "Out for delivery", code="OD")
    full = ev("2024-11-22T07:05", -480, "out_for_delivery", "Out for delivery", code="OD")
    assert merge(shipment, result(bare, full)).added == 1
    [row] = stored(shipment)
    assert (row.utc_offset_minutes, row.occurred_at) == (-480, utc("2024-11-22T15:05"))


def test_learnt_offset_reorders_the_timeline(shipment):
    # Without offset or state, 07:05 is read in New York (12:05Z), before the 14:00Z scan;
    # with the carrier's -08:00 it is 15:05Z, after it.
    bare = ev("2024-11-22T07:05", None, "out_for_delivery", "Out for delivery", code="OD",
              location=UNPLACED)
    other = ev("2024-11-22T14:00", 0, "in_transit", "Arrived at delivery station", code="AR")
    merge(shipment, result(bare, other))
    assert [e.carrier_status_code for e in stored(shipment)] == ["AR", "OD"]
    assert db.session.get(Shipment, shipment.id).status == "in_transit"
    merge(shipment, result(ev("2024-11-22T07:05", -480, "out_for_delivery", "Out for delivery",
                              code="OD"), other))
    assert [e.carrier_status_code for e in stored(shipment)] == ["OD", "AR"]
    fresh = db.session.get(Shipment, shipment.id)
    assert fresh.status == "out_for_delivery"
    assert fresh.last_event_at == utc("2024-11-22T15:05")


# --- ordering by real instant -----------------------------------------------------------------

def test_orders_by_real_instant_across_offsets(shipment):
    # 09:00-08:00 is 17:00Z; 10:00-05:00 is 15:00Z: the later wall time is the earlier scan.
    east = ev("2024-11-22T10:00", -300, "in_transit", "Departed facility", code="DP")
    west = ev("2024-11-22T09:00", -480, "out_for_delivery", "Out for delivery", code="OD")
    merge(shipment, result(west, east))
    events = stored(shipment)
    assert [e.carrier_status_code for e in events] == ["OD", "DP"]
    assert [e.occurred_at for e in events] == [utc("2024-11-22T17:00"), utc("2024-11-22T15:00")]
    assert db.session.get(Shipment, shipment.id).status == "out_for_delivery"


def test_wall_time_and_offset_are_kept_as_the_carrier_gave_them(shipment):
    merge(shipment, result(ev("2024-11-22T09:00", -480, "in_transit", "Scan", code="X")))
    [row] = stored(shipment)
    assert (row.occurred_at_local, row.utc_offset_minutes) == (datetime(2024, 11, 22, 9, 0), -480)


@pytest.mark.parametrize("local, expected_utc", [
    ("2024-01-15T09:00", "2024-01-15T14:00"),  # EST, -05:00
    ("2024-07-15T09:00", "2024-07-15T13:00"),  # EDT, -04:00
])
def test_missing_offset_is_estimated_in_the_merchants_timezone(shipment, local, expected_utc):
    assert shipment.merchant.timezone == "America/New_York"
    merge(shipment, result(ev(local, None, "in_transit", "Scan", code="X", location=UNPLACED)))
    [row] = stored(shipment)
    assert row.utc_offset_minutes is None
    assert row.occurred_at == utc(expected_utc)
    assert row.occurred_at_local == datetime.fromisoformat(local)


def test_missing_offset_uses_each_merchants_own_timezone(make_merchant, make_shipment):
    tokyo = make_merchant("tokyo-shop", timezone="Asia/Tokyo")
    shipment = make_shipment(tokyo, number=NUMBER, destination={"country": "US"})
    merge(shipment, result(ev("2024-01-15T09:00", None, "in_transit", "Scan", code="X",
                              location=UNPLACED)))
    [row] = stored(shipment)
    assert row.occurred_at == datetime(2024, 1, 15, 9, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_mixed_offsets_and_estimates_order_by_instant(shipment):
    # Merchant in New York: a bare 08:00 is 13:00Z, between 12:30Z and 13:30Z.
    merge(shipment, result(
        ev("2024-01-15T04:30", -480, "in_transit", "Departed", code="DP"),
        ev("2024-01-15T08:00", None, "in_transit", "Arrived", code="AR", location=UNPLACED),
        ev("2024-01-15T14:30", 60, "in_transit", "Customs", code="CC"),
    ))
    assert [e.carrier_status_code for e in stored(shipment)] == ["CC", "AR", "DP"]


@pytest.mark.parametrize("order", ["newest_first", "oldest_first", "shuffled"])
def test_payload_order_does_not_matter(shipment, make_shipment, merchant, order):
    events = list(JOURNEY[:5])
    reference = make_shipment(merchant, number="REF" + NUMBER, order_number="2002")
    merge(reference, TrackResult(reference.tracking_number, events=list(events)))
    arranged = {
        "newest_first": list(reversed(events)),
        "oldest_first": list(events),
        "shuffled": [events[i] for i in (3, 0, 4, 2, 1)],
    }[order]
    merge(shipment, result(*arranged))

    def view(s):
        fresh = db.session.get(Shipment, s.id)
        return (fresh.status, fresh.substatus, fresh.progress, fresh.last_event_at,
                [(e.fingerprint, e.occurred_at, e.status) for e in stored(fresh)])

    assert view(shipment) == view(reference)
    assert view(shipment)[0] == "out_for_delivery"


def test_payloads_arriving_in_any_order_converge(shipment, make_shipment, merchant):
    other = make_shipment(merchant, number="OTHER" + NUMBER, order_number="2003")
    for s, chunks in ((shipment, [JOURNEY[:2], JOURNEY[2:4], JOURNEY[4:]]),
                      (other, [JOURNEY[4:], JOURNEY[2:4], JOURNEY[:2]])):
        for chunk in chunks:
            merge(s, TrackResult(s.tracking_number, events=list(chunk)))
    a, b = db.session.get(Shipment, shipment.id), db.session.get(Shipment, other.id)
    assert (a.status, a.substatus, a.progress, a.delivered_at) == (
        b.status, b.substatus, b.progress, b.delivered_at)
    assert [e.fingerprint for e in stored(a)] == [e.fingerprint for e in stored(b)]
    assert a.status == "delivered"


def test_ties_at_the_same_instant_do_not_depend_on_payload_order(shipment, make_shipment, merchant):
    arrived = ev("2024-11-21T02:15", -360, "in_transit", "Arrived at hub", code="AR",
                 substatus="arrived_at_facility", location=MEMPHIS)
    departed = ev("2024-11-21T02:15", -360, "in_transit", "Departed hub", code="DP",
                  substatus="departed_facility", location=MEMPHIS)
    other = make_shipment(merchant, number="OTHER" + NUMBER, order_number="2004")
    merge(shipment, result(arrived, departed))
    merge(other, TrackResult(other.tracking_number, events=[departed, arrived]))
    a, b = db.session.get(Shipment, shipment.id), db.session.get(Shipment, other.id)
    assert (a.status, a.substatus) == (b.status, b.substatus)
    assert [e.fingerprint for e in stored(a)] == [e.fingerprint for e in stored(b)]


def test_unknown_merchant_timezone_falls_back_to_utc(make_merchant, make_shipment):
    odd = make_merchant("odd-shop", timezone="Mars/Olympus_Mons")
    shipment = make_shipment(odd, number=NUMBER, destination={"country": "US"})
    merge(shipment, result(ev("2024-01-15T09:00", None, "in_transit", "Scan", code="X",
                              location=UNPLACED)))
    [row] = stored(shipment)
    assert row.occurred_at == utc("2024-01-15T09:00")


# --- where a scan without an offset is read: its place, the destination, the merchant ----------

LOS_ANGELES = Location("Los Angeles", "CA", "90052", "US")
TO_LOS_ANGELES = {"city": "Los Angeles", "region": "CA", "postal_code": "90001", "country": "US"}
TO_HONOLULU = {"city": "Honolulu", "region": "HI", "postal_code": "96813", "country": "US"}


def test_bare_scan_in_los_angeles_orders_after_an_earlier_offset_scan(shipment):
    # A New York shop. 09:00 in Los Angeles is 17:00Z, after 11:30-05:00 (16:30Z, 08:30 PT);
    # read in the shop's zone it would be 14:00Z and come first.
    arrived = ev("2024-11-22T11:30", -300, "in_transit", "Arrived at delivery station", code="AR")
    out = ev("2024-11-22T09:00", None, "out_for_delivery", "Out for delivery", code="OD",
             location=LOS_ANGELES)
    assert timeline.instant_of(out, "America/New_York") < timeline.instant_of(arrived, "UTC")
    merge(shipment, result(out, arrived))
    events = stored(shipment)
    assert [e.carrier_status_code for e in events] == ["OD", "AR"]
    assert [e.occurred_at for e in events] == [utc("2024-11-22T17:00"), utc("2024-11-22T16:30")]
    assert (events[0].occurred_at_local, events[0].utc_offset_minutes) == (
        datetime(2024, 11, 22, 9, 0), None)  # shown as the carrier gave it
    assert db.session.get(Shipment, shipment.id).status == "out_for_delivery"


@pytest.mark.parametrize("place, destination, zone", [
    (LOS_ANGELES, None, "America/Los_Angeles"),  # its own place
    (LOS_ANGELES, TO_HONOLULU, "America/Los_Angeles"),  # its own place over the destination
    (Location("Leipzig", None, "04109", "DEU"), None, "Europe/Berlin"),  # alpha-3, one-zone
    (Location(), TO_LOS_ANGELES, "America/Los_Angeles"),  # no place: the destination
    (Location("Reno", None, None, "US"), TO_HONOLULU, "Pacific/Honolulu"),  # no state: destination
    (Location(), {"country": "US", "region": "California"}, "America/Los_Angeles"),
    (Location(), {"country": "US"}, "America/New_York"),  # neither tells: the merchant
    (Location("Reno", None, None, "US"), None, "America/New_York"),
    (Location(), {"postal_code": "97205", "country": "US"}, "America/Los_Angeles"),  # ZIP for state
    (Location("Reno", None, "89501", "US"), TO_HONOLULU, "America/Los_Angeles"),  # its own ZIP
])
def test_bare_scan_is_read_in_its_place_else_destination_else_merchant(
        merchant, make_shipment, place, destination, zone):
    shipment = make_shipment(merchant, number=NUMBER, destination=destination or {"country": "US"})
    merge(shipment, result(ev("2024-01-15T09:00", None, "in_transit", "Scan", code="X",
                              location=place)))
    [row] = stored(shipment)
    assert row.occurred_at == datetime(2024, 1, 15, 9, tzinfo=ZoneInfo(zone))


def test_alpha3_country_is_stored_as_alpha2(shipment):
    merge(shipment, result(ev("2024-01-15T09:00", 60, "in_transit", "Scan", code="X",
                              location=Location("Wien", None, "1010", "AUT"))))
    assert stored(shipment)[0].country == "AT"


def test_placed_bare_scans_merge_idempotently(merchant, make_shipment):
    shipment = make_shipment(merchant, number=NUMBER, destination=TO_HONOLULU)
    scans = [
        ev("2024-11-22T09:00", None, "out_for_delivery", "Out for delivery", code="OD",
           location=LOS_ANGELES),
        ev("2024-11-22T11:30", -300, "in_transit", "Arrived at delivery station", code="AR"),
        ev("2024-11-21T18:00", None, "in_transit", "In transit", code="IT", location=Location()),
        ev("2024-11-21T20:00", None, "in_transit", "Departed", code="DP", location=UNPLACED),
    ]
    assert merge(shipment, result(*scans)).added == 4
    snapshot = [(e.fingerprint, e.occurred_at, e.status) for e in stored(shipment)]
    assert [fp for fp, _, _ in snapshot] == [
        timeline.fingerprint(scans[i]) for i in (0, 1, 3, 2)]  # IT 04:00Z, DP 06:00Z (Honolulu)
    for again in (scans, list(reversed(scans))):
        merged = merge(shipment, result(*again))
        assert (merged.added, merged.status_changed) == (0, False)
        assert [(e.fingerprint, e.occurred_at, e.status) for e in stored(shipment)] == snapshot
    assert count_events(shipment) == 4


# --- derived status -----------------------------------------------------------------------------

def test_late_older_event_does_not_move_status_back(shipment):
    merge(shipment, result(*JOURNEY[:2], JOURNEY[4]))
    assert db.session.get(Shipment, shipment.id).status == "out_for_delivery"
    late = ev("2024-11-21T20:00", -360, "in_transit", "Departed hub, late scan", code="DP",
              location=MEMPHIS)
    merged = merge(shipment, result(late))
    assert merged.added == 1
    assert merged.status == "out_for_delivery"
    assert not merged.status_changed
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.status, fresh.progress) == ("out_for_delivery", 3)
    assert fresh.last_event_at == utc("2024-11-22T15:05")
    # and it takes its place in the timeline by instant
    assert [e.carrier_status_code for e in stored(shipment)] == ["OD", "DP", "PU", "MP"]


def test_progress_never_decreases(shipment):
    seen = []
    for event in (JOURNEY[4], JOURNEY[1], JOURNEY[0], JOURNEY[3],
                  ev("2024-11-22T09:00", -480, "in_transit", "Returned to station", code="RS")):
        merge(shipment, result(event))
        seen.append(db.session.get(Shipment, shipment.id).progress)
    assert seen == [3, 3, 3, 3, 3]
    # a newer in_transit scan after out_for_delivery is taken as the status, progress stays
    assert db.session.get(Shipment, shipment.id).status == "in_transit"


def test_progress_already_reached_is_kept(shipment):
    shipment.progress = 3  # e.g. reached on events since pruned, or set by another source
    db.session.commit()
    merge(shipment, result(JOURNEY[0]))
    assert db.session.get(Shipment, shipment.id).progress == 3


def test_delivered_is_sticky_against_later_non_exception_events(shipment):
    merge(shipment, result(*JOURNEY))
    later = [
        ev("2024-11-22T18:00", -480, "in_transit", "Departed facility", code="DP"),
        ev("2024-11-22T19:00", -480, "out_for_delivery", "Out for delivery", code="OD2"),
        ev("2024-11-22T20:00", -480, "failed_attempt", "Attempted", code="DE"),
        ev("2024-11-22T21:00", -480, "info_received", "Label", code="MP2"),
    ]
    for event in later:
        merged = merge(shipment, result(event))
        assert merged.status == "delivered"
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.status, fresh.progress) == ("delivered", 4)
    assert fresh.delivered_at == utc("2024-11-22T21:58")


def test_exception_after_delivery_is_taken(shipment):
    merge(shipment, result(*JOURNEY))
    returning = ev("2024-11-23T10:00", -480, "exception", "Returning to sender", code="RS",
                   substatus="returning_to_sender")
    merged = merge(shipment, result(*JOURNEY, returning))
    assert (merged.previous_status, merged.status) == ("delivered", "exception")
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.status, fresh.substatus) == ("exception", "returning_to_sender")
    assert fresh.progress == 4  # the parcel did reach the door once


def test_older_exception_does_not_undo_delivery(shipment):
    merge(shipment, result(*JOURNEY))
    earlier = ev("2024-11-21T09:00", -360, "exception", "Delayed - weather", code="WX",
                 substatus="delayed", location=MEMPHIS)
    assert merge(shipment, result(earlier)).status == "delivered"


@pytest.mark.parametrize("reverse", [False, True])
def test_same_instant_delivered_beats_out_for_delivery(shipment, reverse):
    events = [ev("2024-11-22T13:58", -480, "delivered", "Delivered", code="DL"),
              ev("2024-11-22T13:58", -480, "out_for_delivery", "Out for delivery", code="OD")]
    merge(shipment, result(*(reversed(events) if reverse else events)))
    assert db.session.get(Shipment, shipment.id).status == "delivered"
    assert [e.carrier_status_code for e in stored(shipment)] == ["DL", "OD"]


def test_same_instant_across_offsets_delivered_beats_out_for_delivery(shipment):
    # 13:58-08:00 and 16:58-05:00 are the same instant
    merge(shipment, result(ev("2024-11-22T13:58", -480, "delivered", "Delivered", code="DL")))
    merge(shipment, result(ev("2024-11-22T16:58", -300, "out_for_delivery", "OFD", code="OD")))
    assert db.session.get(Shipment, shipment.id).status == "delivered"


@pytest.mark.parametrize("status, substatus, progress", [
    ("info_received", None, 0),
    ("in_transit", "picked_up", 1),
    ("in_transit", None, 2),
    ("in_transit", "arrived_at_facility", 2),
    ("out_for_delivery", None, 3),
    ("failed_attempt", "recipient_unavailable", 3),
    ("available_for_pickup", None, 3),
    ("delivered", None, 4),
    ("delivered", "signed", 4),
])
def test_milestones(shipment, status, substatus, progress):
    merge(shipment, result(ev("2024-11-22T10:00", -300, status, "Scan", substatus=substatus)))
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.status, fresh.substatus, fresh.progress) == (status, substatus, progress)
    assert timeline.MILESTONES[progress] in ("ordered", "shipped", "in_transit",
                                             "out_for_delivery", "delivered")


def test_milestones_along_a_journey(shipment):
    progress = []
    for event in JOURNEY:
        merge(shipment, result(event))
        progress.append(db.session.get(Shipment, shipment.id).progress)
    assert progress == [0, 1, 2, 2, 3, 4]


# --- summary: ETA, delivery time, service --------------------------------------------------------

def test_eta_window_is_kept_when_a_later_result_has_none(shipment):
    earliest, latest = utc("2024-11-22T16:00"), utc("2024-11-22T20:00")
    merge(shipment, result(*JOURNEY[:2], estimated_delivery_earliest=earliest,
                           estimated_delivery_latest=latest, service="Ground"))
    merge(shipment, result(*JOURNEY[:4]))
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.estimated_delivery_earliest, fresh.estimated_delivery_latest) == (earliest, latest)
    assert fresh.service == "Ground"


def test_revised_eta_replaces_the_old_one(shipment):
    merge(shipment, result(JOURNEY[0], estimated_delivery_earliest=utc("2024-11-22T16:00"),
                           estimated_delivery_latest=utc("2024-11-22T20:00")))
    merge(shipment, result(JOURNEY[0], estimated_delivery_earliest=utc("2024-11-23T16:00")))
    fresh = db.session.get(Shipment, shipment.id)
    assert fresh.estimated_delivery_earliest == utc("2024-11-23T16:00")
    assert fresh.estimated_delivery_latest == utc("2024-11-23T16:00")


def test_delivered_at_from_the_result(shipment):
    when = utc("2024-11-22T21:59")
    merge(shipment, result(*JOURNEY, delivered_at=when, signed_by="J. DOE"))
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.delivered_at, fresh.signed_by) == (when, "J. DOE")


def test_delivered_at_from_the_delivered_event(shipment):
    merge(shipment, result(*JOURNEY))
    assert db.session.get(Shipment, shipment.id).delivered_at == utc("2024-11-22T21:58")


def test_no_delivered_at_before_delivery(shipment):
    merge(shipment, result(*JOURNEY[:5]))
    assert db.session.get(Shipment, shipment.id).delivered_at is None


# --- hostile text -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, clean", [
    ("UPS<SUP>&#153;</SUP> Access Point", "UPS ™ Access Point"),
    ("Delivered <script>alert(1)</script>", "Delivered alert(1)"),
    ("Arrived at facility    ", "Arrived at facility"),
    ("Out\x00 for\x07 delivery\x1b", "Out for delivery"),
    ("Line one\r\nline\ttwo", "Line one line two"),
    ("&lt;b&gt;Bold&lt;/b&gt; &amp; co", "<b>Bold</b> & co"),
])
def test_hostile_descriptions_are_stored_as_plain_text(shipment, raw, clean):
    merge(shipment, result(ev("2024-11-22T10:00", -300, "in_transit", raw, code="X")))
    [row] = stored(shipment)
    assert row.description == clean
    assert "\x00" not in row.description and "<SUP>" not in row.description


def test_hostile_location_and_summary_text_is_cleaned(shipment):
    place = Location("<i>Portland</i>  ", " OR\x00", " 97218 ", "us")
    merge(shipment, result(ev("2024-11-22T10:00", -300, "in_transit", "Scan", code="X",
                              location=place), service="<b>Ground</b>", signed_by="DOE\x00 "))
    [row] = stored(shipment)
    assert (row.city, row.region, row.postal_code, row.country) == ("Portland", "OR", "97218", "US")
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.service, fresh.signed_by) == ("Ground", "DOE")


def test_hostile_text_repeated_is_still_one_event(shipment):
    raw = ev("2024-11-22T10:00", -300, "in_transit", "UPS<SUP>&#153;</SUP>  Access\x00 Point", code="X")
    merge(shipment, result(raw))
    assert merge(shipment, result(raw)).added == 0


# --- nothing yet --------------------------------------------------------------------------------

def test_not_found_without_events_keeps_the_shipment_pending(shipment):
    merged = merge(shipment, TrackResult(NUMBER, outcome="not_found", detail="No information yet"))
    assert (merged.added, merged.status, merged.status_changed) == (0, "pending", False)
    fresh = db.session.get(Shipment, shipment.id)
    assert (fresh.status, fresh.substatus, fresh.progress) == ("pending", None, 0)
    assert fresh.last_event_at is None and fresh.delivered_at is None
    assert count_events(shipment) == 0


def test_not_found_after_events_changes_nothing(shipment):
    merge(shipment, result(*JOURNEY[:3]))
    merged = merge(shipment, TrackResult(NUMBER, outcome="not_found"))
    assert (merged.added, merged.status, merged.status_changed) == (0, "in_transit", False)
    assert count_events(shipment) == 3


# --- expired ------------------------------------------------------------------------------------

def test_expired_stays_expired_when_old_news_is_merged_again(shipment):
    merge(shipment, result(*JOURNEY[:3]))
    shipment.status, shipment.substatus = "expired", None
    db.session.commit()
    for _ in range(3):
        merged = merge(shipment, result(*JOURNEY[:3]))
        assert (merged.added, merged.status, merged.status_changed) == (0, "expired", False)
    assert db.session.get(Shipment, shipment.id).status == "expired"


def test_expired_is_lifted_by_a_new_scan(shipment):
    merge(shipment, result(*JOURNEY[:3]))
    shipment.status = "expired"
    db.session.commit()
    merged = merge(shipment, result(*JOURNEY[:4]))
    assert (merged.added, merged.previous_status, merged.status) == (1, "expired", "in_transit")
    assert db.session.get(Shipment, shipment.id).substatus == "departed_facility"
