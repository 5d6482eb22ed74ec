"""Carrier rate limits shared by all workers (the `limits` library: memory or Redis storage)."""
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from flask import current_app
from limits import RateLimitItemPerDay, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from sqlalchemy import select

from ..carriers.base import CarrierAdapter
from ..extensions import db
from ..models import PollRecord
from .policy import DAY, Budget


_setup_lock = threading.Lock()


def _limiters():
    """(per-second limiter, per-day limiter) on this app's storage, made once per app.

    Made under a lock: the poller's threads reach here together on the first round, and two
    memory storages made side by side would each count only part of the requests.
    """
    ext = current_app.extensions
    with _setup_lock:
        if "carrier_quota" not in ext:
            storage = storage_from_string(current_app.config["CARRIER_RATE_LIMIT_STORAGE_URI"])
            ext["carrier_quota"] = (MovingWindowRateLimiter(storage),
                                    FixedWindowRateLimiter(storage))
        return ext["carrier_quota"]


def limits_for(adapter: CarrierAdapter) -> tuple[float | None, int | None]:
    """(requests per second, requests per day): configuration overrides the adapter's own."""
    override = current_app.config["CARRIER_RATE_LIMITS"].get(adapter.code, {})
    per_second = override.get("per_second", adapter.rate_limit.per_second)
    per_day = override.get("per_day", adapter.rate_limit.per_day)
    return per_second, per_day


def max_polls_per_day(adapter: CarrierAdapter | type[CarrierAdapter] | None) -> int | None:
    """A carrier's cap on polls per shipment in any 24 h; configuration overrides the adapter."""
    if adapter is None:
        return None
    override = current_app.config["CARRIER_RATE_LIMITS"].get(adapter.code, {})
    return override.get("max_polls_per_day", adapter.max_polls_per_day)


def budgets(shipment_ids: Iterable[int], per_day: int | None, now: datetime) -> dict[int, Budget]:
    """Each shipment's budget under a cap of `per_day` polls in any 24 h, in one query for all.

    Poll records are the count (every fetch has one, answered or failed); none is read when
    the carrier sets no cap.
    """
    ids = list(shipment_ids)
    polls = defaultdict(list)
    if per_day and ids:
        rows = db.session.execute(select(PollRecord.shipment_id, PollRecord.polled_at).where(
            PollRecord.shipment_id.in_(ids), PollRecord.polled_at > now - DAY))
        for shipment_id, polled_at in rows:
            polls[shipment_id].append(polled_at)
    return {i: Budget(per_day, tuple(polls[i])) for i in ids}


def acquire(adapter: CarrierAdapter, key: str) -> datetime | None:
    """Take one request from the carrier account's quota; None when granted, else when to retry.

    A busy per-second window is waited out (up to CARRIER_RATE_LIMIT_MAX_WAIT seconds); a spent
    daily quota defers to the moment its window resets. A daily unit is only taken once the
    per-second slot is ours, so requests that end up deferred never spend the day's quota.
    """
    per_second, per_day = limits_for(adapter)
    second_limiter, day_limiter = _limiters()
    day = RateLimitItemPerDay(per_day) if per_day else None
    if day and not day_limiter.test(day, "carrier-day", key):
        return _day_reset(day_limiter, day, key)
    if per_second:
        item = RateLimitItemPerSecond(max(1, int(per_second)))
        deadline = time.monotonic() + current_app.config["CARRIER_RATE_LIMIT_MAX_WAIT"]
        while not second_limiter.hit(item, "carrier", key):
            if time.monotonic() >= deadline:
                return datetime.now(timezone.utc) + timedelta(seconds=1)
            time.sleep(min(0.05, 1 / max(1, per_second)))
    if day and not day_limiter.hit(day, "carrier-day", key):  # another worker took the last one
        return _day_reset(day_limiter, day, key)
    return None


def _day_reset(day_limiter, day, key: str) -> datetime:
    reset_at, _ = day_limiter.get_window_stats(day, "carrier-day", key)
    return datetime.fromtimestamp(reset_at, timezone.utc)
