"""The polling policy, rule by rule, on a frozen clock: pure functions, no app, no database."""
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tracking.polling import policy
from tracking.polling.policy import DEFAULTS, PollState, after_night, bumped, next_poll

UTC = timezone.utc
NY = "America/New_York"
# 11:00 in New York (EDT), a weekday: far from the night window, so rules can be read directly.
NOW = datetime(2024, 6, 12, 15, 0, tzinfo=UTC)
# The parameters these tests reason with, passed explicitly so that tuning DEFAULTS (the
# simulator's job) does not break them; test_each_rule_reads_its_default checks the wiring.
PINNED = {
    "pending_first_hours": 6, "pending_early_minutes": 30, "pending_minutes": 360,
    "info_received_minutes": 360, "in_transit_minutes": 480, "eta_day_minutes": 60,
    "out_for_delivery_minutes": 45, "failed_attempt_minutes": 180,
    "available_for_pickup_minutes": 480, "exception_minutes": 240, "quiet_after_hours": 72,
    "quiet_minutes": 720, "night_start_hour": 21, "night_end_hour": 7, "late_check_hours": 48,
    "jitter": 0, "view_bump_seconds": 60, "view_bump_min_interval_seconds": 900,
    "time_scale": 1,
}
NO_NIGHT = {**PINNED, "night_start_hour": 0, "night_end_hour": 0}


def state(status="in_transit", substatus=None, *, registered=NOW - timedelta(days=1),
          last_event=NOW - timedelta(hours=1), eta=None, tz=NY, final_checks=0) -> PollState:
    return PollState(status=status, substatus=substatus, registered_at=registered,
                     last_event_at=last_event, eta_earliest=eta, timezone=tz,
                     final_checks=final_checks)


def wait(s: PollState, now: datetime = NOW, **params) -> timedelta | None:
    """The wait the policy picks for `s` at `now` (no jitter, no night unless `params` say so)."""
    nxt = next_poll(s, now, {**NO_NIGHT, **params})
    return None if nxt is None else nxt - now


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def local(moment: datetime, tz: str = NY) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


# --- one rule per status ------------------------------------------------------------------------

def test_young_pending_label_is_polled_often():
    young = state("pending", registered=NOW - timedelta(hours=1), last_event=None)
    assert wait(young) == minutes(PINNED["pending_early_minutes"]) == minutes(30)


def test_old_pending_label_is_polled_rarely():
    old = state("pending", registered=NOW - timedelta(hours=7), last_event=None)
    assert wait(old) == minutes(PINNED["pending_minutes"]) == minutes(360)
    # the boundary: exactly pending_first_hours old is no longer young
    edge = state("pending", registered=NOW - timedelta(hours=6), last_event=None)
    assert wait(edge) == minutes(360)
    assert wait(edge, pending_first_hours=7) == minutes(30)


def test_pending_is_never_quiet():
    # a pending label has no scan at all; "quiet" is about scans that stopped
    s = state("pending", registered=NOW - timedelta(days=10), last_event=None)
    assert wait(s) == minutes(360)


def test_info_received():
    assert wait(state("info_received")) == minutes(360)


def test_in_transit():
    assert wait(state("in_transit", "departed_facility")) == minutes(480)


def test_eta_day_shortens_in_transit():
    eta = datetime(2024, 6, 12, 20, 0, tzinfo=UTC)  # later today in New York
    assert wait(state("in_transit", eta=eta)) == minutes(PINNED["eta_day_minutes"]) == minutes(60)
    # after the ETA day (a late parcel) it stays short
    assert wait(state("in_transit", eta=eta - timedelta(days=2))) == minutes(60)
    # the day before: the normal in-transit wait
    assert wait(state("in_transit", eta=eta + timedelta(days=1))) == minutes(480)
    # never longer than the status's own interval
    assert wait(state("in_transit", eta=eta), in_transit_minutes=30) == minutes(30)


def test_eta_day_is_the_destinations_calendar_day():
    # 02:00 UTC on the 12th is still the evening of the 11th in New York, already the 12th in UTC
    now = datetime(2024, 6, 12, 2, 0, tzinfo=UTC)
    eta = datetime(2024, 6, 12, 14, 0, tzinfo=UTC)  # the 12th everywhere in the Americas and Europe
    assert wait(state("in_transit", eta=eta, tz=NY), now) == minutes(480)
    assert wait(state("in_transit", eta=eta, tz="UTC"), now) == minutes(60)
    assert wait(state("in_transit", eta=eta, tz="Europe/Berlin"), now) == minutes(60)


def test_eta_day_only_shortens_in_transit():
    eta = NOW + timedelta(hours=2)
    assert wait(state("info_received", eta=eta)) == minutes(360)
    assert wait(state("out_for_delivery", eta=eta)) == minutes(45)


@pytest.mark.parametrize("status, substatus, expected", [
    ("out_for_delivery", None, 45),
    ("failed_attempt", "recipient_unavailable", 180),
    ("available_for_pickup", None, 480),
    ("exception", "damaged", 240),  # not final: keep looking
    ("exception", "customs", 240),
])
def test_status_intervals(status, substatus, expected):
    assert wait(state(status, substatus)) == minutes(expected)


def test_each_status_interval_follows_its_parameter():
    assert wait(state("out_for_delivery"), out_for_delivery_minutes=20) == minutes(20)
    assert wait(state("failed_attempt"), failed_attempt_minutes=90) == minutes(90)
    assert wait(state("available_for_pickup"), available_for_pickup_minutes=600) == minutes(600)
    assert wait(state("exception"), exception_minutes=100) == minutes(100)
    assert wait(state("info_received"), info_received_minutes=120) == minutes(120)


def test_quiet_after_n_hours_without_news():
    quiet_hours = PINNED["quiet_after_hours"]
    loud = state("in_transit", last_event=NOW - timedelta(hours=quiet_hours - 1))
    quiet = state("in_transit", last_event=NOW - timedelta(hours=quiet_hours + 1))
    assert wait(loud) == minutes(480)
    assert wait(quiet) == minutes(PINNED["quiet_minutes"]) == minutes(720)
    # quiet beats the short statuses and the ETA day too: a stuck parcel is looked at rarely
    assert wait(state("out_for_delivery", last_event=NOW - timedelta(days=4))) == minutes(720)
    assert wait(state("in_transit", last_event=NOW - timedelta(days=4), eta=NOW)) == minutes(720)
    assert wait(quiet, quiet_after_hours=200) == minutes(480)


@pytest.mark.parametrize("status, substatus, key", [
    ("info_received", None, "info_received_minutes"),
    ("in_transit", None, "in_transit_minutes"),
    ("out_for_delivery", None, "out_for_delivery_minutes"),
    ("failed_attempt", None, "failed_attempt_minutes"),
    ("available_for_pickup", None, "available_for_pickup_minutes"),
    ("exception", "damaged", "exception_minutes"),
])
def test_each_rule_reads_its_default(status, substatus, key):
    """Without overrides a status waits DEFAULTS[key], whatever the tuning has made it."""
    nxt = next_poll(state(status, substatus), NOW, {"jitter": 0, "night_start_hour": 0,
                                                    "night_end_hour": 0})
    assert nxt - NOW == minutes(DEFAULTS[key])
    young = state("pending", registered=NOW, last_event=None)
    assert next_poll(young, NOW, {"jitter": 0, "night_start_hour": 0, "night_end_hour": 0}) \
        - NOW == minutes(DEFAULTS["pending_early_minutes"])


# --- final states and expiry: one late check, then never ---------------------------------------

@pytest.mark.parametrize("status, substatus", [
    ("delivered", "signed"),
    ("delivered", None),
    ("exception", "returned_to_sender"),
    ("exception", "cancelled"),
    ("expired", None),
])
def test_final_gets_one_late_check_then_none(status, substatus):
    first = state(status, substatus, final_checks=0)
    assert wait(first) == timedelta(hours=PINNED["late_check_hours"]) == timedelta(hours=48)
    assert wait(first, late_check_hours=12) == timedelta(hours=12)
    assert wait(state(status, substatus, final_checks=1)) is None
    assert wait(state(status, substatus, final_checks=2)) is None
    assert next_poll(state(status, substatus, final_checks=1), NOW) is None  # DEFAULTS too


def test_final_checks_do_not_matter_before_a_final_state():
    assert wait(state("in_transit", final_checks=1)) == minutes(480)


# --- night at the destination -------------------------------------------------------------------

NIGHT = PINNED  # night from 21:00 to 07:00 at the destination


def test_poll_landing_in_the_night_moves_to_the_next_morning_across_midnight():
    now = datetime(2024, 6, 12, 23, 0, tzinfo=UTC)  # 19:00 EDT
    nxt = next_poll(state("in_transit"), now, NIGHT)  # +8 h = 03:00 EDT on the 13th
    assert local(nxt) == datetime(2024, 6, 13, 7, 0, tzinfo=ZoneInfo(NY))
    assert nxt == datetime(2024, 6, 13, 11, 0, tzinfo=UTC)
    assert nxt.tzinfo == UTC  # handed back in the caller's zone


def test_poll_landing_before_midnight_moves_to_the_next_morning():
    now = datetime(2024, 6, 12, 22, 0, tzinfo=UTC)  # 18:00 EDT
    nxt = next_poll(state("failed_attempt"), now, NIGHT)  # +3 h = 21:00 EDT: night starts
    assert local(nxt) == datetime(2024, 6, 13, 7, 0, tzinfo=ZoneInfo(NY))


def test_poll_landing_in_the_day_is_untouched():
    now = datetime(2024, 6, 12, 23, 0, tzinfo=UTC)  # 19:00 EDT
    nxt = next_poll(state("out_for_delivery"), now, NIGHT)  # 19:45 EDT
    assert nxt == now + minutes(45)


def test_night_boundaries():
    tz = ZoneInfo(NY)
    p = PINNED
    at = lambda h, m=0: datetime(2024, 6, 12, h, m, tzinfo=tz).astimezone(UTC)  # noqa: E731
    morning_13 = datetime(2024, 6, 13, 7, 0, tzinfo=tz)
    assert after_night(at(20, 59), NY, p) == at(20, 59)
    assert after_night(at(21, 0), NY, p) == morning_13
    assert after_night(at(23, 59), NY, p) == morning_13
    assert after_night(at(0, 0), NY, p) == at(7, 0)
    assert after_night(at(6, 59), NY, p) == at(7, 0)
    assert after_night(at(7, 0), NY, p) == at(7, 0)


def test_a_long_wait_does_not_sleep_past_the_eta_morning():
    now = datetime(2024, 6, 12, 22, 0, tzinfo=UTC)  # 18:00 EDT; the parcel is due tomorrow
    eta = datetime(2024, 6, 13, 18, 0, tzinfo=UTC)  # 14:00 EDT on the 13th
    p = {**PINNED, "in_transit_minutes": 1200}  # +20 h would be 14:00 EDT on the 13th
    without = next_poll(state("in_transit", last_event=now), now, p)
    assert without == datetime(2024, 6, 13, 18, 0, tzinfo=UTC)
    capped = next_poll(state("in_transit", last_event=now, eta=eta), now, p)
    assert local(capped) == datetime(2024, 6, 13, 7, 0, tzinfo=ZoneInfo(NY))  # its morning


def test_night_is_the_destinations_night():
    now = datetime(2024, 6, 12, 14, 0, tzinfo=UTC)  # 10:00 in New York, 23:00 in Tokyo
    s_ny, s_tokyo = state("out_for_delivery", tz=NY), state("out_for_delivery", tz="Asia/Tokyo")
    assert next_poll(s_ny, now, NIGHT) == now + minutes(45)
    tokyo = next_poll(s_tokyo, now, NIGHT)
    assert local(tokyo, "Asia/Tokyo") == datetime(2024, 6, 13, 7, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_night_across_spring_forward():
    # New York: 2024-03-10 02:00 EST jumps to 03:00 EDT. Morning is 07:00 EDT = 11:00 UTC.
    now = datetime(2024, 3, 10, 1, 0, tzinfo=UTC)  # 20:00 EST on the 9th
    nxt = next_poll(state("in_transit", last_event=now), now, NIGHT)  # 09:00 UTC = 05:00 EDT
    assert nxt == datetime(2024, 3, 10, 11, 0, tzinfo=UTC)
    assert local(nxt).hour == 7 and local(nxt).utcoffset() == timedelta(hours=-4)


def test_night_across_fall_back():
    # New York: 2024-11-03 02:00 EDT falls back to 01:00 EST. Morning is 07:00 EST = 12:00 UTC.
    now = datetime(2024, 11, 3, 1, 0, tzinfo=UTC)  # 21:00 EDT on the 2nd
    nxt = next_poll(state("in_transit", last_event=now), now, NIGHT)  # 09:00 UTC = 04:00 EST
    assert nxt == datetime(2024, 11, 3, 12, 0, tzinfo=UTC)
    assert local(nxt).hour == 7 and local(nxt).utcoffset() == timedelta(hours=-5)


def test_night_window_that_does_not_cross_midnight():
    tz = ZoneInfo(NY)
    p = {**PINNED, "night_start_hour": 1, "night_end_hour": 5}
    at = lambda h: datetime(2024, 6, 12, h, 30, tzinfo=tz).astimezone(UTC)  # noqa: E731
    assert after_night(at(0), NY, p) == at(0)
    assert after_night(at(3), NY, p) == datetime(2024, 6, 12, 5, 0, tzinfo=tz)
    assert after_night(at(12), NY, p) == at(12)
    assert after_night(at(23), NY, p) == at(23)


def test_no_night_when_start_equals_end():
    tz = ZoneInfo(NY)
    for hour in (0, 3, 7, 21, 23):
        moment = datetime(2024, 6, 12, hour, 30, tzinfo=tz)
        for h in (0, 7, 21):
            assert after_night(moment, NY, {**PINNED, "night_start_hour": h,
                                          "night_end_hour": h}) == moment


def test_late_check_also_avoids_the_night():
    now = datetime(2024, 6, 13, 3, 0, tzinfo=UTC)  # 23:00 EDT: +48 h lands at night too
    nxt = next_poll(state("delivered", final_checks=0), now, NIGHT)
    assert local(nxt) == datetime(2024, 6, 15, 7, 0, tzinfo=ZoneInfo(NY))


# --- jitter, time scale --------------------------------------------------------------------------

def test_jitter_stays_within_its_bounds_and_varies():
    rng = random.Random(1234)
    base = minutes(480)
    waits = [next_poll(state(), NOW, {**NO_NIGHT, "jitter": 0.1},
                       rng) - NOW for _ in range(500)]
    assert all(base * 0.9 <= w <= base * 1.1 for w in waits)
    assert len(set(waits)) > 400  # spread, not a constant
    assert min(waits) < base * 0.93 and max(waits) > base * 1.07  # uses the whole range
    # the same seed gives the same schedule (the simulator relies on it)
    again = random.Random(1234)
    assert waits[:20] == [next_poll(state(), NOW, {**NO_NIGHT, "jitter": 0.1}, again) - NOW
                          for _ in range(20)]


def test_default_jitter_bounds():
    rng = random.Random(7)
    spread = DEFAULTS["jitter"]
    assert 0 < spread < 0.5
    waits = [next_poll(state("out_for_delivery"), NOW, {**NO_NIGHT, "jitter": spread}, rng) - NOW
             for _ in range(50)]
    assert all(minutes(45) * (1 - spread) <= w <= minutes(45) * (1 + spread) for w in waits)
    assert policy.jittered(minutes(10), 0.5, rng) != minutes(10)
    assert policy.jittered(minutes(10), 0, rng) == minutes(10)


def test_time_scale_divides_every_wait():
    scale = 3600 / 0.25  # the demo's clock: an hour in a quarter second
    assert wait(state("in_transit"), time_scale=scale) == minutes(480) / scale
    assert wait(state("pending", registered=NOW, last_event=None), time_scale=60) == minutes(30) / 60
    assert wait(state("delivered"), time_scale=60) == timedelta(hours=48) / 60
    assert wait(state("delivered", final_checks=1), time_scale=60) is None


def test_time_scale_keeps_jitter_proportional():
    rng = random.Random(3)
    waits = [next_poll(state(), NOW, {**NO_NIGHT, "jitter": 0.1, "time_scale": 60}, rng) - NOW
             for _ in range(100)]
    assert all(minutes(8) * 0.9 <= w <= minutes(8) * 1.1 for w in waits)


# --- view and refresh bump ------------------------------------------------------------------------

def test_bump_brings_a_far_poll_forward():
    far = NOW + timedelta(hours=6)
    assert bumped(far, NOW - timedelta(hours=1), NOW, PINNED) == NOW + timedelta(seconds=60)
    assert bumped(far, None, NOW, PINNED) == NOW + timedelta(seconds=60)  # never polled yet


def test_no_bump_when_polled_recently():
    far = NOW + timedelta(hours=6)
    assert bumped(far, NOW - timedelta(seconds=899), NOW, PINNED) is None
    assert bumped(far, NOW - timedelta(seconds=900), NOW, PINNED) == NOW + timedelta(seconds=60)
    assert bumped(far, NOW - timedelta(seconds=100), NOW,
                  {**PINNED, "view_bump_min_interval_seconds": 60}) == NOW + timedelta(seconds=60)


def test_bump_is_never_sooner_than_view_bump_seconds():
    assert bumped(NOW + timedelta(seconds=30), None, NOW, PINNED) is None  # already sooner: leave it
    assert bumped(NOW + timedelta(seconds=60), None, NOW, PINNED) is None
    assert bumped(NOW - timedelta(minutes=5), None, NOW, PINNED) is None  # overdue: the worker has it
    assert bumped(NOW + timedelta(hours=1), None, NOW, {**PINNED, "view_bump_seconds": 300}) \
        == NOW + timedelta(seconds=300)


def test_no_bump_when_never_polled_again():
    assert bumped(None, None, NOW, PINNED) is None
    assert bumped(None, NOW - timedelta(days=1), NOW, PINNED) is None


def test_bump_follows_the_time_scale():
    p = {**PINNED, "time_scale": 60}
    far = NOW + timedelta(hours=1)
    assert bumped(far, None, NOW, p) == NOW + timedelta(seconds=1)
    assert bumped(far, NOW - timedelta(seconds=14), NOW, p) is None  # 900 s / 60 = 15 s
    assert bumped(far, NOW - timedelta(seconds=15), NOW, p) == NOW + timedelta(seconds=1)
