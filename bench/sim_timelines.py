"""Seedable synthetic scan timelines for the polling simulator (bench/polling_sim.py).

Not a benchmark itself. One shipment is a registration instant, a destination timezone, the
carrier's scans in order (instant, canonical status, substatus) and the carrier's ETA as it was
known over time (instant known, delivery day). Instants are POSIX seconds (floats, UTC); local
times are computed in the destination's timezone, which the model also uses for the origin and
the hubs (the policy only knows the destination's).

The model (each knob is a constant below):
- registered uniformly over REGISTRATION_DAYS from START, at any hour;
- label created (info_received/label_created): half already visible at registration (up to 2 h
  before), half visible up to 4 h after it (the carrier's API lags the label);
- pickup (in_transit/picked_up) 2-30 h after the label, moved to 07:00-10:00 if it falls at
  night; LATE_PICKUP of labels wait 3-8 days instead;
- 2-6 hub scans, each 3-20 h after the previous one; NIGHT_HUB_SHARE of them fall at night
  (21:00-07:00 local: sorting centres run overnight), the rest in the day;
- delivery day: the day of the last hub scan if it was before 06:00 local, else the next day;
  no deliveries on Sundays;
- the ETA is known from pickup on; it is the delivery day, except for WRONG_ETA of shipments where
  it is a day early or a day late (and stays so);
- out_for_delivery between 06:30 and 10:00 local on the delivery day, delivered 1-9 h later
  (before 21:00);
- FAILED_ATTEMPT of shipments: failed_attempt 1-9 h after out_for_delivery (the ETA moves to the
  next delivery day), then out_for_delivery again the next delivery day and delivered;
- EXCEPTION of shipments: after one hub scan (not the last), exception/delayed 2-12 h later, then
  nothing for 24-48 h; the ETA the carrier gave was the day it would have been, and is revised at
  the exception scan (half) or when scanning resumes (half).
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

START = datetime(2026, 4, 6, tzinfo=timezone.utc)  # a Monday, clear of 2026's DST changes
REGISTRATION_DAYS = 3
TIMEZONES = {  # destination: weight
    "America/New_York": 25, "America/Chicago": 15, "America/Denver": 5, "America/Los_Angeles": 15,
    "Europe/London": 15, "Europe/Berlin": 15, "Europe/Paris": 10,
}
LATE_PICKUP = 0.03
NIGHT_HUB_SHARE = 0.30
WRONG_ETA = 0.10
FAILED_ATTEMPT = 0.05
EXCEPTION = 0.05

HOUR = 3600.0
DAY = 86400.0

# Canonical values (tracking.status.Status), spelled out so this module needs nothing else.
INFO_RECEIVED, IN_TRANSIT, OUT_FOR_DELIVERY = "info_received", "in_transit", "out_for_delivery"
FAILED, DELIVERED, EXCEPTION_STATUS = "failed_attempt", "delivered", "exception"


@dataclass
class Timeline:
    registered: float
    tz: str
    scans: list = field(default_factory=list)  # (instant, status, substatus), in order
    etas: list = field(default_factory=list)  # (known from instant, local midnight of the ETA day)
    kind: set = field(default_factory=set)  # late_pickup, wrong_eta, failed_attempt, exception

    @property
    def delivered_at(self) -> float | None:
        last = self.scans[-1] if self.scans else None
        return last[0] if last and last[1] == DELIVERED else None


def _local(t: float, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(t, zone)


def _at(day: date, hours: float, zone: ZoneInfo) -> float:
    """The instant of `hours` after local midnight of `day` (wall clock, DST-correct)."""
    wall = datetime.combine(day, time(0), zone) + timedelta(hours=hours)  # wall-clock addition
    return wall.timestamp()


def _is_night(local: datetime) -> bool:
    return local.hour >= 21 or local.hour < 7


def _next_morning(t: float, zone: ZoneInfo, rng: random.Random, spread_h: float) -> float:
    """07:00 + U(0, spread_h) on the morning that ends the night `t` falls in."""
    local = _local(t, zone)
    day = local.date() + timedelta(days=1) if local.hour >= 21 else local.date()
    return _at(day, 7 + rng.uniform(0, spread_h), zone)


def _place_hub(t: float, night: bool, zone: ZoneInfo, rng: random.Random) -> float:
    """Move a candidate hub scan to the night (21:00-07:00) or the day, whichever was drawn."""
    local = _local(t, zone)
    if night and not _is_night(local):
        return _at(local.date(), 21 + rng.uniform(0, 10), zone)  # tonight, 21:00-07:00
    if not night and _is_night(local):
        return _next_morning(t, zone, rng, 3)
    return t


def _delivery_day(day: date, step: int = 1) -> date:
    while day.weekday() == 6:  # no deliveries on Sundays
        day += timedelta(days=step)
    return day


def _midnight(day: date, zone: ZoneInfo) -> float:
    return datetime.combine(day, time(0), zone).timestamp()


def _last_mile(day: date, zone: ZoneInfo, rng: random.Random, scans: list, fail: bool) -> float:
    """out_for_delivery 06:30-10:00 on `day`, then delivered (or failed) 1-9 h later, before 21:00."""
    ofd = _at(day, rng.uniform(6.5, 10.0), zone)
    scans.append((ofd, OUT_FOR_DELIVERY, None))
    end = ofd + rng.uniform(1, 9) * HOUR
    latest = _at(day, 20 + 59 / 60, zone)
    if end > latest:
        end = rng.uniform(ofd + HOUR, latest)
    if fail:
        scans.append((end, FAILED, "recipient_unavailable"))
    else:
        scans.append((end, DELIVERED, None))
    return end


def timeline(rng: random.Random) -> Timeline:
    registered = START.timestamp() + rng.uniform(0, REGISTRATION_DAYS * DAY)
    tz = rng.choices(list(TIMEZONES), weights=list(TIMEZONES.values()))[0]
    zone = ZoneInfo(tz)
    tl = Timeline(registered, tz)
    scans = tl.scans

    label = registered - rng.uniform(0, 2) * HOUR if rng.random() < 0.5 else registered + rng.uniform(0, 4) * HOUR
    scans.append((label, INFO_RECEIVED, "label_created"))

    if rng.random() < LATE_PICKUP:
        tl.kind.add("late_pickup")
        pickup = label + rng.uniform(3, 8) * DAY
    else:
        pickup = label + rng.uniform(2, 30) * HOUR
    if _is_night(_local(pickup, zone)):
        pickup = _next_morning(pickup, zone, rng, 3)
    scans.append((pickup, IN_TRANSIT, "picked_up"))

    hubs = rng.randint(2, 6)
    exception_after = rng.randrange(hubs - 1) if rng.random() < EXCEPTION else None
    revise_at_exception = rng.random() < 0.5
    t, quiet, exception_at, resumed_at, delay_days = pickup, 0.0, None, None, 0
    for i in range(hubs):
        if quiet:
            t = exception_at + quiet  # scanning resumes after the quiet period, in the day
            if _is_night(_local(t, zone)):
                t = _next_morning(t, zone, rng, 3)
            resumed_at, quiet = t, 0.0
        else:
            t = _place_hub(t + rng.uniform(3, 20) * HOUR, rng.random() < NIGHT_HUB_SHARE, zone, rng)
        scans.append((t, IN_TRANSIT, "arrived_at_facility" if i % 2 == 0 else "departed_facility"))
        if i == exception_after:
            tl.kind.add("exception")
            exception_at = t + rng.uniform(2, 12) * HOUR
            scans.append((exception_at, EXCEPTION_STATUS, "delayed"))
            quiet = rng.uniform(24, 48) * HOUR
            delay_days = 1 if quiet < 36 * HOUR else 2

    last_hub = _local(t, zone)
    day = _delivery_day(last_hub.date() + timedelta(days=0 if last_hub.hour < 6 else 1))

    # The ETA the carrier states from pickup on.
    if exception_at is not None:
        promised = _delivery_day(day - timedelta(days=delay_days), step=-1)
        tl.etas.append((pickup, _midnight(promised, zone)))
        tl.etas.append((exception_at if revise_at_exception else resumed_at, _midnight(day, zone)))
    elif rng.random() < WRONG_ETA:
        tl.kind.add("wrong_eta")
        step = rng.choice((-1, 1))
        tl.etas.append((pickup, _midnight(_delivery_day(day + timedelta(days=step), step), zone)))
    else:
        tl.etas.append((pickup, _midnight(day, zone)))

    if rng.random() < FAILED_ATTEMPT:
        tl.kind.add("failed_attempt")
        failed_at = _last_mile(day, zone, rng, scans, fail=True)
        day = _delivery_day(day + timedelta(days=1))
        tl.etas.append((failed_at, _midnight(day, zone)))
    _last_mile(day, zone, rng, scans, fail=False)
    assert all(a[0] <= b[0] for a, b in zip(scans, scans[1:])), "scans out of order"
    return tl


def fleet(n: int, seed: int) -> list[Timeline]:
    rng = random.Random(seed)
    return [timeline(rng) for _ in range(n)]


def describe(ships: list[Timeline]) -> dict:
    """Figures that show what the generated fleet looks like."""
    n = len(ships)
    hub_scans = night = 0
    for tl in ships:
        zone = ZoneInfo(tl.tz)
        for t, status, sub in tl.scans:
            if status == IN_TRANSIT and sub != "picked_up":
                hub_scans += 1
                night += _is_night(_local(t, zone))
    transit = sorted((tl.delivered_at - tl.registered) / DAY for tl in ships if tl.delivered_at)
    kinds = {k: sum(k in tl.kind for tl in ships) / n for k in ("late_pickup", "wrong_eta", "failed_attempt", "exception")}
    tzs = {}
    for tl in ships:
        tzs[tl.tz] = tzs.get(tl.tz, 0) + 1
    return {
        "scans_per_shipment": sum(len(tl.scans) for tl in ships) / n,
        "hub_night_share": night / hub_scans if hub_scans else 0.0,
        "transit_days_p50": transit[len(transit) // 2],
        "transit_days_p95": transit[min(len(transit) - 1, int(0.95 * len(transit)))],
        "delivered_share": len(transit) / n,
        "kinds": kinds,
        "timezones": {tz: c / n for tz, c in sorted(tzs.items(), key=lambda kv: -kv[1])},
    }
