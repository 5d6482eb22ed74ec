"""Tests of the simulated Demo Express carrier."""
from datetime import datetime, timedelta, timezone

import pytest

from tracking.carriers.base import TrackRequest
from tracking.carriers.demo import SCENARIO_NAMES, SCENARIOS, DemoCarrier, scenario_for

START = datetime(2024, 1, 15, 9, 30, tzinfo=timezone.utc)
FINAL = {
    "ontime": ("delivered", "signed"),
    "delayed": ("delivered", "delivered_to_neighbour"),
    "attempt": ("delivered", None),
    "exception": ("exception", "damaged"),
    "pickup": ("delivered", None),
    "return": ("exception", "returned_to_sender"),
}


@pytest.fixture
def carrier():
    return DemoCarrier({"seconds_per_hour": 1})


def track_one(carrier, number, hours, start=START):
    now = start + timedelta(seconds=hours * carrier.seconds_per_hour)
    [result] = carrier.track([TrackRequest(number, start)], now=now)
    return result


def test_adapter_identity():
    carrier = DemoCarrier()
    assert (carrier.code, carrier.name, carrier.batch_size) == ("demo", "Demo Express", 50)
    assert carrier.seconds_per_hour == 60


@pytest.mark.parametrize("number, name", [
    ("DX-ONTIME-1", "ontime"), ("dx-delayed-2", "delayed"), ("Attempt42", "attempt"),
    ("1Zexception", "exception"), ("PICKUP", "pickup"), ("xreturnx", "return"),
])
def test_scenario_word_selects_scenario(carrier, number, name):
    assert scenario_for(number) == name
    steps = SCENARIOS[name].steps
    assert [e.description for e in track_one(carrier, number, 500).events] == [
        s.description for s in steps
    ]


def test_hash_selection_is_stable_and_spread():
    numbers = [f"DX{i:08d}" for i in range(40)]
    first = [scenario_for(n) for n in numbers]
    assert first == [scenario_for(n) for n in numbers]
    assert set(first) <= set(SCENARIO_NAMES)
    assert len(set(first)) > 1
    assert scenario_for("dx00000001") == scenario_for("DX00000001")


def test_steps_are_chronological():
    for scenario in SCENARIOS.values():
        hours = [step.hours for step in scenario.steps]
        assert hours == sorted(hours)
        assert 0 < hours[0] < 1


def test_not_found_before_first_event(carrier):
    assert track_one(carrier, "ONTIME1", 0).outcome == "not_found"
    assert track_one(carrier, "ONTIME1", 0.01).outcome == "not_found"
    result = track_one(carrier, "ONTIME1", 0.05)
    assert result.outcome == "ok"
    assert [e.status for e in result.events] == ["info_received"]


def test_unregistered_number_is_fresh(carrier):
    [result] = carrier.track([TrackRequest("ONTIME1")], now=START)
    assert result.outcome == "not_found" and not result.events


def test_events_appear_progressively(carrier):
    counts = [len(track_one(carrier, "ONTIME1", h).events) for h in range(0, 70, 2)]
    assert counts == sorted(counts)
    assert counts[0] == 0 and counts[-1] == len(SCENARIOS["ontime"].steps)
    assert len(set(counts)) > 5
    earlier = track_one(carrier, "ONTIME1", 20).events
    assert track_one(carrier, "ONTIME1", 40).events[:len(earlier)] == earlier


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_full_scenario(carrier, name):
    result = track_one(carrier, f"DX-{name}-7", 1000)
    assert result.outcome == "ok"
    statuses = [e.status for e in result.events]
    assert statuses[0] == "info_received"
    assert result.events[1].substatus == "picked_up"
    assert (result.events[-1].status, result.events[-1].substatus) == FINAL[name]
    if FINAL[name][0] == "delivered":
        last_hours = SCENARIOS[name].steps[-1].hours
        assert result.delivered_at == START + timedelta(hours=last_hours / 3600)
        assert result.service == "Demo Ground"
    else:
        assert result.delivered_at is None
        assert result.estimated_delivery_earliest is None


def test_scenario_sequences(carrier):
    def statuses(name):
        return [e.status for e in track_one(carrier, name, 1000).events]

    assert statuses("ONTIME")[-2:] == ["out_for_delivery", "delivered"]
    assert "delayed" in [e.substatus for e in track_one(carrier, "DELAYED", 1000).events]
    assert statuses("ATTEMPT")[-4:] == [
        "out_for_delivery", "failed_attempt", "out_for_delivery", "delivered"]
    assert "delivered" not in statuses("EXCEPTION")
    assert statuses("PICKUP")[-2:] == ["available_for_pickup", "delivered"]
    returned = track_one(carrier, "RETURN", 1000).events
    assert [e.status for e in returned].count("failed_attempt") == 2
    assert "returning_to_sender" in [e.substatus for e in returned]
    assert "delivered" not in [e.status for e in returned]


def test_signed_by(carrier):
    assert track_one(carrier, "ONTIME", 1000).signed_by == "J. DOE"
    assert track_one(carrier, "ATTEMPT", 1000).signed_by is None
    assert track_one(carrier, "ONTIME", 30).delivered_at is None


def test_deterministic():
    a, b = DemoCarrier({"seconds_per_hour": 3600}), DemoCarrier({"seconds_per_hour": 3600})
    requests = [TrackRequest(n, START) for n in ("DX1", "DX2", "DELAYED9")]
    now = START + timedelta(hours=40)
    assert a.track(requests, now=now) == b.track(requests, now=now)
    assert a.track(requests, now=now) == a.track(requests, now=now)


def test_local_times_carry_offset():
    carrier = DemoCarrier({"seconds_per_hour": 3600})
    result = track_one(carrier, "RETURN", 1000)
    offsets = {e.utc_offset_minutes for e in result.events}
    assert {-300, -360, -420, -480} <= offsets
    for event, step in zip(result.events, SCENARIOS["return"].steps):
        instant = START + timedelta(hours=step.hours)
        utc = event.occurred_at_local - timedelta(minutes=event.utc_offset_minutes)
        assert event.occurred_at_local.tzinfo is None
        assert utc.replace(tzinfo=timezone.utc) == instant
    assert result.events[0].location.city == "Louisville"
    assert result.events[0].occurred_at_local == datetime(2024, 1, 15, 4, 33)


def test_ontime_eta_is_stable_and_met(carrier):
    windows = {
        (r.estimated_delivery_earliest, r.estimated_delivery_latest)
        for r in (track_one(carrier, "ONTIME", h) for h in (1, 20, 57, 100))
    }
    assert len(windows) == 1
    [(earliest, latest)] = windows
    assert latest - earliest == timedelta(seconds=4)
    delivered_at = track_one(carrier, "ONTIME", 100).delivered_at
    assert earliest <= delivered_at <= latest


def test_delayed_eta_moves_later(carrier):
    before = track_one(carrier, "DELAYED", 32)
    after = track_one(carrier, "DELAYED", 33)
    assert before.events[-1].substatus != "delayed"
    assert after.events[-1].substatus == "delayed"
    pushed = before.estimated_delivery_earliest + timedelta(seconds=24)
    assert after.estimated_delivery_earliest == pushed
    final = track_one(carrier, "DELAYED", 1000)
    assert final.delivered_at > before.estimated_delivery_latest
    window = (final.estimated_delivery_earliest, final.estimated_delivery_latest)
    assert window[0] <= final.delivered_at <= window[1]


def test_naive_registered_at_is_utc(carrier):
    naive = START.replace(tzinfo=None)
    [result] = carrier.track([TrackRequest("ONTIME", naive)], now=START + timedelta(seconds=10))
    assert result == track_one(carrier, "ONTIME", 10)


def test_batch_keeps_order(carrier):
    numbers = ["PICKUP1", "fresh-ONTIME", "RETURN3", "DX00000005", "EXCEPTION"]
    starts = [START, START + timedelta(hours=1), START, START, START]
    requests = [TrackRequest(n, s) for n, s in zip(numbers, starts)]
    results = carrier.track(requests, now=START + timedelta(seconds=40))
    assert [r.tracking_number for r in results] == numbers
    assert results[1].outcome == "not_found"
    assert results[0].events[-1].status == "available_for_pickup"
    assert all(r.outcome == "ok" for i, r in enumerate(results) if i != 1)
