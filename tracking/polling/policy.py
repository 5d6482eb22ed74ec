"""When to poll a shipment next: often when news is likely, rarely when it is not, never once final.

Pure and small on purpose: the worker, the page-view bump and the benchmark's simulator all
call `next_poll` with the same parameters (config key POLL_POLICY), so what is measured is
what runs.
"""
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..status import Status, is_final

DEFAULTS = {
    "pending_first_hours": 6,  # a new label: look often at first...
    "pending_early_minutes": 60,
    "pending_minutes": 360,  # ...then rarely: most labels wait a day for pickup
    "info_received_minutes": 960,  # a label waiting for pickup
    "in_transit_minutes": 600,  # between hubs little changes that a shopper acts on
    "eta_day_minutes": 60,  # on the expected delivery day, out-for-delivery is near
    "out_for_delivery_minutes": 60,
    "failed_attempt_minutes": 90,  # the retry is usually the next working day
    "available_for_pickup_minutes": 480,
    "exception_minutes": 240,
    "quiet_after_hours": 72,  # no news for this long: a stuck parcel, look rarely
    "quiet_minutes": 720,
    "night_start_hour": 21,  # carriers scan little at night at the destination
    "night_end_hour": 7,
    "late_check_hours": 48,  # one look after a final state: returns, re-deliveries
    "jitter": 0.1,  # +-10% so shipments registered together do not poll together
    "morning_spread_minutes": 30,  # polls held over the night spread over the first half hour
    "view_bump_seconds": 60,  # a page view or an agent's refresh polls this soon...
    "view_bump_min_interval_seconds": 900,  # ...unless polled this recently
    "refresh_min_interval_seconds": 60,  # an explicit refresh (API, agent) polls at once, unless
                                         # polled within this
    "time_scale": 1,  # divide every wait by this (the demo plays an hour in seconds)
}

DAY = timedelta(days=1)  # a carrier's cap counts polls in any 24 h, in real time (never time_scale'd)

_BY_STATUS = {
    Status.INFO_RECEIVED: "info_received_minutes",
    Status.IN_TRANSIT: "in_transit_minutes",
    Status.OUT_FOR_DELIVERY: "out_for_delivery_minutes",
    Status.FAILED_ATTEMPT: "failed_attempt_minutes",
    Status.AVAILABLE_FOR_PICKUP: "available_for_pickup_minutes",
    Status.EXCEPTION: "exception_minutes",
}


@dataclass(frozen=True)
class Budget:
    """A carrier's cap on polls of one shipment in any 24 h, and the polls made in the last 24 h."""

    per_day: int | None = None  # None: the carrier sets no cap
    polls: tuple[datetime, ...] = ()  # every fetch counts, answered or failed

    def with_poll(self, at: datetime) -> "Budget":
        """The budget once one more poll has been made at `at`."""
        return replace(self, polls=(*self.polls, at))

    def frees_at(self, now: datetime) -> datetime:
        """The soonest instant from `now` at which one more poll keeps every 24 h within the cap."""
        recent = sorted(t for t in self.polls if t > now - DAY)
        if not self.per_day or len(recent) < self.per_day:
            return now
        return recent[-self.per_day] + DAY  # when the poll that fills the window leaves it


@dataclass(frozen=True)
class PollState:
    """What the policy looks at; the worker builds it from a Shipment, the simulator from its own."""

    status: str
    substatus: str | None
    registered_at: datetime
    last_event_at: datetime | None
    eta_earliest: datetime | None
    timezone: str  # where the parcel is going (the merchant's when its destination tells no zone)
    final_checks: int = 0  # late checks already made after a final state
    budget: Budget = field(default_factory=Budget)  # the poll just made included


def interval(state: PollState, now: datetime, p: dict) -> timedelta | None:
    """The wait before the next poll, before night and jitter; None means never again."""
    if is_final(state.status, state.substatus) or state.status == Status.EXPIRED:
        return None if state.final_checks else timedelta(hours=p["late_check_hours"])
    if state.status == Status.PENDING:
        young = now - state.registered_at < timedelta(hours=p["pending_first_hours"])
        return timedelta(minutes=p["pending_early_minutes" if young else "pending_minutes"])
    if state.last_event_at and now - state.last_event_at > timedelta(hours=p["quiet_after_hours"]):
        return timedelta(minutes=p["quiet_minutes"])
    minutes = p[_BY_STATUS.get(state.status, "in_transit_minutes")]
    if state.status == Status.IN_TRANSIT and _is_eta_day(state, now):
        minutes = min(minutes, p["eta_day_minutes"])
    return timedelta(minutes=minutes)


def next_poll(state: PollState, now: datetime, params: dict | None = None,
              rng: random.Random | None = None) -> datetime | None:
    """The next poll time: the interval, with jitter, moved out of the destination's night."""
    p = {**DEFAULTS, **(params or {})}
    wait = interval(state, now, p)
    if wait is None:
        return None
    wanted = now + jittered(wait / p["time_scale"], p["jitter"], rng)
    moment = after_night(wanted, state.timezone, p)
    if moment != wanted and p["jitter"]:  # held over the night: do not all wake at 07:00 sharp
        moment += timedelta(minutes=p["morning_spread_minutes"] * (rng or random).random())
    moment = min(moment, _eta_morning(state, now, p) or moment)
    floor = allowed_from(state.budget, now, state.timezone, p)
    return moment if moment >= floor else after_night(floor, state.timezone, p)


def allowed_from(budget: Budget, now: datetime, tz: str, p: dict) -> datetime:
    """The soonest next poll a carrier's cap allows: `now` when the carrier sets none.

    Never over the cap in any 24 h, and paced: what is left of the budget is spread evenly up
    to the destination's night. Hourly polls on the delivery day would otherwise spend a cap of
    10 by noon and leave the afternoon, when many parcels arrive, blind until the window frees
    a poll; evenly spaced polls see a delivery soonest whenever in the day it comes.
    """
    p = {**DEFAULTS, **p}
    if not budget.per_day or not budget.polls:
        return now
    last = max(budget.polls)
    day_end = _night_start(last, tz, p) - timedelta(minutes=1)  # the last poll still sees the day
    # Polls made before day_end - DAY will have left the window by then: they do not count.
    left = budget.per_day - sum(t > day_end - DAY for t in budget.polls)
    paced = last + (day_end - last) / left if left > 0 else last
    return max(now, paced, budget.frees_at(now))


def _night_start(moment: datetime, tz: str, p: dict) -> datetime:
    """The start of the destination's next night after `moment` (a day later if it has none)."""
    if p["night_start_hour"] == p["night_end_hour"]:
        return moment + DAY
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    night = datetime.combine(local.date(), time(p["night_start_hour"]), zone)
    if night <= moment:
        night = datetime.combine(local.date() + timedelta(days=1), time(p["night_start_hour"]), zone)
    return night.astimezone(moment.tzinfo)


def jittered(wait: timedelta, jitter: float, rng: random.Random | None = None) -> timedelta:
    """`wait` stretched or shrunk by up to `jitter` (a fraction), at random."""
    return wait * (1 + jitter * (2 * (rng or random).random() - 1))


def after_night(moment: datetime, tz: str, p: dict) -> datetime:
    """`moment`, or the end of the destination's night if it falls inside it."""
    start, end = p["night_start_hour"], p["night_end_hour"]
    if start == end:  # no night
        return moment
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    if start > end and local.hour >= start:  # a night across midnight, evening part
        morning = datetime.combine(local.date() + timedelta(days=1), time(end), zone)
    elif local.hour < end and (start > end or local.hour >= start):
        morning = datetime.combine(local.date(), time(end), zone)
    else:
        return moment
    return morning.astimezone(moment.tzinfo)


def _eta_morning(state: PollState, now: datetime, p: dict) -> datetime | None:
    """The start of the expected delivery day, if it lies ahead: no long wait sleeps past it."""
    if state.eta_earliest is None or state.status != Status.IN_TRANSIT or \
            p["night_start_hour"] == p["night_end_hour"]:
        return None
    zone = ZoneInfo(state.timezone)
    morning = datetime.combine(state.eta_earliest.astimezone(zone).date(),
                               time(p["night_end_hour"]), zone)
    return morning if morning > now else None


def _is_eta_day(state: PollState, now: datetime) -> bool:
    if state.eta_earliest is None:
        return False
    zone = ZoneInfo(state.timezone)
    return now.astimezone(zone).date() >= state.eta_earliest.astimezone(zone).date()


def bumped(next_poll_at: datetime | None, last_polled_at: datetime | None, now: datetime,
           params: dict | None = None, explicit: bool = False,
           not_before: datetime | None = None) -> datetime | None:
    """An earlier poll time after a page view (or an explicit refresh), or None to leave it be.

    Bounded: a view polls no sooner than `view_bump_seconds` and not at all for a shipment
    polled within `view_bump_min_interval_seconds`; a refresh polls now unless polled within
    `refresh_min_interval_seconds`. So a reload loop cannot hammer a carrier. A view leaves a
    shipment that is done being polled (None) alone; a refresh polls it once more.
    `not_before` (`allowed_from` for a carrier with a cap) holds either back within the cap.
    """
    p = {**DEFAULTS, **(params or {})}
    if next_poll_at is None and not explicit:
        return None
    prefix = "refresh" if explicit else "view_bump"
    min_interval = timedelta(seconds=p[f"{prefix}_min_interval_seconds"] / p["time_scale"])
    if last_polled_at and now - last_polled_at < min_interval:
        return None
    soon = now if explicit else now + timedelta(seconds=p["view_bump_seconds"] / p["time_scale"])
    soon = max(soon, not_before or soon)
    return soon if next_poll_at is None or next_poll_at > soon else None
