"""A carrier's cap on polls per shipment per 24 h: the policy, the worker, bumps, config."""
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from polling_helpers import FakeCarrier, due_at, reload
from tracking.carriers.dhl import DHL
from tracking.carriers.ups import UPS
from tracking.extensions import db
from tracking.models import PollRecord
from tracking.models.types import utcnow
from tracking.polling import quota
from tracking.polling.now import poll_now
from tracking.polling.policy import (
    DAY, DEFAULTS, Budget, PollState, allowed_from, bumped, next_poll,
)
from tracking.polling.poller import drain
from tracking.polling.schedule import bring_forward

UTC = timezone.utc
NY = "America/New_York"
DAY_BEFORE = datetime(2024, 6, 11, 11, 0, tzinfo=UTC)  # 07:00 in New York, the day before the ETA
ETA = datetime(2024, 6, 12, 16, 0, tzinfo=UTC)
OUT_FOR_DELIVERY_AT = datetime(2024, 6, 13, 11, 0, tzinfo=UTC)  # a day late, and never delivered
EXPRESS = "1234567891"
URL = "https://api-eu.dhl.com/track/shipments"


def out_for_delivery(at: datetime) -> dict:
    """DHL Unified's answer for a parcel out for delivery since `at`: polled hourly uncapped."""
    scan = {"timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "statusCode": "transit",
            "status": "transit", "description": "With delivery courier",
            "location": {"address": {"addressLocality": "BONN, DE"}}}
    return {"shipments": [{"id": EXPRESS, "service": "express", "status": scan, "events": [scan]}]}


def most_in_a_day(polls: list[datetime]) -> int:
    """The most polls in any 24 h window (each window ending at a poll)."""
    return max(sum(end - DAY < t <= end for t in polls) for end in polls)


def simulate_days(per_day: int | None, view_every=timedelta(minutes=7)) -> list[datetime]:
    """Three days (in transit, ETA day, out for delivery all day) polled by the policy with its
    default jitter and night, and a page view every `view_every` bringing polls forward."""
    rng = random.Random(7)
    now, end = DAY_BEFORE, DAY_BEFORE + 3 * DAY
    polls: list[datetime] = []
    next_at, next_view = now, now
    while now < end:
        budget = Budget(per_day, tuple(t for t in polls if t > now - DAY))
        if now >= next_view:
            next_view += view_every
            soon = bumped(next_at, polls[-1] if polls else None, now, DEFAULTS,
                          not_before=allowed_from(budget, now, NY, DEFAULTS))
            next_at = soon or next_at
        if now >= next_at:
            polls.append(now)
            status = "out_for_delivery" if now >= OUT_FOR_DELIVERY_AT else "in_transit"
            state = PollState(status, None, DAY_BEFORE - DAY, now - timedelta(minutes=30), ETA, NY,
                              budget=budget.with_poll(now))
            next_at = next_poll(state, now, DEFAULTS, rng)
        now += timedelta(minutes=1)
    return polls


# --- the policy, pure ----------------------------------------------------------------------------

def test_capped_policy_never_polls_more_than_the_cap_in_any_24_hours():
    uncapped, capped = simulate_days(None), simulate_days(10)
    assert most_in_a_day(uncapped) > 10  # the page views and hourly polls the cap is for
    assert most_in_a_day(capped) == 10
    # paced over the day, not spent by noon: the out-for-delivery day is watched into the evening
    ofd_day = [t.astimezone(ZoneInfo(NY)).hour for t in capped
               if t.date() == OUT_FOR_DELIVERY_AT.date()]
    assert max(ofd_day) >= 18


def test_budget_frees_when_the_oldest_poll_in_the_window_leaves_it():
    polls = tuple(DAY_BEFORE + timedelta(hours=h) for h in range(10))  # hourly, 10 so far
    now = DAY_BEFORE + timedelta(hours=10)
    assert Budget(None, polls).frees_at(now) == now
    assert Budget(11, polls).frees_at(now) == now
    assert Budget(10, polls).frees_at(now) == DAY_BEFORE + DAY  # the first leaves the window
    assert Budget(3, polls).frees_at(now) == DAY_BEFORE + timedelta(hours=31)  # the 8th leaves


def test_remaining_budget_is_spread_up_to_the_night():
    now = datetime(2024, 6, 12, 15, 0, tzinfo=UTC)  # 11:00 in New York; night from 21:00
    state = PollState("out_for_delivery", None, now - DAY, now, None, NY,
                      budget=Budget(10, (now - timedelta(hours=2), now - timedelta(hours=1), now)))
    wait = next_poll(state, now, {**DEFAULTS, "jitter": 0}) - now
    assert wait == (timedelta(hours=10) - timedelta(minutes=1)) / 7  # 7 polls left for 9 h 59 min


@pytest.mark.parametrize("status, eta", [("pending", None), ("in_transit", ETA),
                                         ("out_for_delivery", None), ("delivered", None)])
def test_carriers_without_a_cap_are_polled_as_before(status, eta):
    now = datetime(2024, 6, 12, 15, 0, tzinfo=UTC)
    plain = PollState(status, None, now - DAY, now, eta, NY)
    polls = tuple(now - timedelta(minutes=m) for m in range(0, 600, 20))
    no_cap = PollState(status, None, now - DAY, now, eta, NY, budget=Budget(None, polls))
    params = {**DEFAULTS, "jitter": 0}
    assert next_poll(plain, now, params) == next_poll(no_cap, now, params)
    assert allowed_from(Budget(None, polls), now, NY, params) == now


# --- the worker, with the DHL adapter over HTTP --------------------------------------------------

@pytest.fixture
def dhl(app, monkeypatch, no_outbound_network):
    monkeypatch.setitem(app.config, "CARRIERS", {"dhl": {"api_key": "key-1"}})
    # no real second to wait between requests in a test; DHL's cap per shipment is its own
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS", {"dhl": {"per_second": None}})
    monkeypatch.setitem(app.config, "POLL_POLICY", {"jitter": 0, "night_start_hour": 0,
                                                    "night_end_hour": 0})
    no_outbound_network.get(URL, json=out_for_delivery(utcnow() - timedelta(hours=1)))
    return no_outbound_network


@pytest.fixture
def parcel(dhl, merchant, make_shipment):
    return make_shipment(merchant, number=EXPRESS, carrier="dhl")


def refresh_every_half_hour(parcel, start: datetime, hours: int, force=False) -> list[datetime]:
    """An API refresh every 30 minutes for `hours`, each followed by a polling round; `force`
    makes the shipment due regardless (as an agent's re-poll does), to test the worker's guard."""
    for step in range(hours * 2):
        now = start + timedelta(minutes=30 * step)
        s = reload(parcel)
        if force:
            due_at(s, now)
        else:
            bring_forward(s.id, s.next_poll_at, s.last_polled_at, now, explicit=True)
        drain(now)
    db.session.expire_all()
    records = db.session.query(PollRecord).filter_by(shipment_id=parcel.id)
    return sorted(r.polled_at for r in records)


def test_worker_keeps_dhl_within_its_cap_despite_refreshes(app, parcel, dhl):
    start = utcnow()
    polls = refresh_every_half_hour(parcel, start, 36)
    assert len(dhl.calls) == len(polls)  # one HTTP fetch per poll record
    assert reload(parcel).status == "out_for_delivery"
    assert most_in_a_day(polls) <= 10
    # refreshes still bring polls forward, as far as the paced budget allows: hourly polls
    # with no night (this test's policy) would be 24 a day, the cap spreads 10 over it
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    assert len(polls) >= 12 and max(gaps) < timedelta(hours=4)


def test_worker_holds_back_a_shipment_due_over_the_cap(app, parcel, dhl):
    start = utcnow()
    polls = refresh_every_half_hour(parcel, start, 12, force=True)
    assert len(polls) == 10 and most_in_a_day(polls) == 10
    assert reload(parcel).next_poll_at == polls[0] + DAY


def test_agent_repoll_over_the_cap_is_handed_back(app, parcel, dhl):
    start = utcnow()
    polls = refresh_every_half_hour(parcel, start, 12, force=True)
    now = start + timedelta(hours=12)
    result = poll_now(parcel.id, now=now)
    assert result.outcome == "rate_limited" and result.record is None
    assert result.due_again_at == polls[0] + DAY
    assert len(dhl.calls) == 10


def test_configuration_overrides_the_adapters_cap(app, parcel, dhl, monkeypatch):
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS",
                        {"dhl": {"per_second": None, "max_polls_per_day": 3}})
    assert most_in_a_day(refresh_every_half_hour(parcel, utcnow(), 12, force=True)) == 3


def test_configuration_can_lift_the_cap(app, parcel, dhl, monkeypatch):
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS",
                        {"dhl": {"per_second": None, "max_polls_per_day": None}})
    assert len(refresh_every_half_hour(parcel, utcnow(), 12, force=True)) == 24


def test_caps_come_from_the_adapters(app, monkeypatch):
    assert (quota.max_polls_per_day(DHL), quota.max_polls_per_day(UPS)) == (10, None)
    assert quota.max_polls_per_day(None) is None
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS", {"ups": {"max_polls_per_day": 24}})
    assert quota.max_polls_per_day(UPS({})) == 24


def test_carrier_without_a_cap_is_polled_at_every_refresh(app, merchant, make_shipment, install):
    carrier = install(FakeCarrier())
    parcel = make_shipment(merchant, number="FAKE1", carrier="fake")
    assert len(refresh_every_half_hour(parcel, utcnow(), 12)) == 24
    assert len(carrier.polled) == 24
