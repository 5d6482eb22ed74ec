"""Carrier quotas: a per-second limit is waited out (bounded) or deferred, a daily one defers to
its reset; configuration overrides the adapter's limits; Redis storage shares them between apps."""
import os
import time
import uuid
from datetime import timedelta

import pytest
from limits import RateLimitItemPerDay

from polling_helpers import FakeCarrier, reload
from tracking import create_app
from tracking.carriers.base import RateLimit
from tracking.extensions import db
from tracking.models import PollRecord
from tracking.models.types import utcnow
from tracking.polling import quota
from tracking.polling.poller import drain, poll_due

REDIS_URL = os.environ.get("TRACKING_TEST_REDIS_URL", "redis://127.0.0.1:6379")


class TimedCarrier(FakeCarrier):
    """A fake carrier with published limits that notes when each request was sent."""

    def __init__(self, code="fake", batch_size=1, per_second=None, per_day=None):
        super().__init__(code, batch_size)
        self.rate_limit = RateLimit(per_second, per_day)
        self.sent_at: list[float] = []

    def track(self, requests, now=None):
        self.sent_at.append(time.monotonic())
        return super().track(requests, now)


def make_many(make_shipment, merchant, count, carrier="fake", prefix="Q"):
    return [make_shipment(merchant, number=f"{prefix}{i}", order_number=f"{prefix}-{i}",
                          carrier=carrier) for i in range(count)]


def assert_deferred_untouched(shipment):
    """Handed back by the quota: not polled, not a failure, no record, claim released."""
    s = reload(shipment)
    assert (s.last_polled_at, s.poll_failures, s.claimed_by) == (None, 0, None)
    assert db.session.query(PollRecord).filter_by(shipment_id=s.id).count() == 0


def test_per_second_limit_makes_the_worker_wait(app, merchant, make_shipment, install, monkeypatch):
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMIT_MAX_WAIT", 3.0)
    carrier = install(TimedCarrier(per_second=4))
    make_many(make_shipment, merchant, 6)
    started = time.monotonic()
    summary = drain(utcnow())
    elapsed = time.monotonic() - started
    assert summary.polled == 6 and "rate_limited" not in summary.by_outcome
    sent = carrier.sent_at
    # never more than 4 requests in any one-second window: the 5th waited for the first to age out
    assert all(sent[i + 4] - sent[i] >= 0.95 for i in range(len(sent) - 4)), sent
    assert elapsed >= 0.95  # it waited (no upper bound: a busy machine is slower, not wrong)


def test_per_second_wait_is_bounded_then_deferred(app, merchant, make_shipment, install,
                                                  monkeypatch):
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMIT_MAX_WAIT", 0.1)
    carrier = install(TimedCarrier(per_second=2))
    made = make_many(make_shipment, merchant, 4)
    before = utcnow()
    summary = drain(before)
    assert (summary.polled, summary.by_outcome["rate_limited"]) == (2, 2)
    assert len(carrier.calls) == 2
    called = set(carrier.polled)
    for s in made:
        if s.tracking_number not in called:
            assert_deferred_untouched(s)
            assert before < reload(s).next_poll_at <= utcnow() + timedelta(seconds=1)
    # a second later the window has room again: the next round polls them
    time.sleep(1.05)
    assert drain(utcnow()).polled == 2
    assert sorted(carrier.polled) == sorted(s.tracking_number for s in made)


def test_daily_quota_defers_the_rest_to_the_window_reset(app, merchant, make_shipment, install,
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS", {"fake": {"per_day": 2}})
    carrier = install(TimedCarrier(batch_size=2))
    made = make_many(make_shipment, merchant, 6)
    first_request = utcnow()
    summary = drain(first_request)
    assert len(carrier.calls) == 2 and summary.polled == 4
    assert summary.by_outcome["rate_limited"] == 2  # the third batch, both of its shipments
    reset = first_request + timedelta(days=1)
    deferred = [s for s in made if s.tracking_number not in set(carrier.polled)]
    assert len(deferred) == 2
    for s in deferred:
        assert_deferred_untouched(s)
        assert abs(reload(s).next_poll_at - reset) < timedelta(seconds=30)

    # a later round, another batch: deferred to the same reset without a call
    late = make_shipment(merchant, number="QLATE", order_number="L", carrier="fake")
    summary = drain(utcnow())
    assert summary.by_outcome == {"rate_limited": 1}
    assert len(carrier.calls) == 2
    assert abs(reload(late).next_poll_at - reset) < timedelta(seconds=30)


def test_configuration_overrides_the_adapters_limits(app, monkeypatch):
    adapter = TimedCarrier(per_second=10, per_day=100)
    assert quota.limits_for(adapter) == (10, 100)
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS", {"fake": {"per_day": 5}})
    assert quota.limits_for(adapter) == (10, 5)
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS",
                        {"fake": {"per_second": 50, "per_day": None}, "other": {"per_day": 1}})
    assert quota.limits_for(adapter) == (50, None)


def test_a_raised_limit_lets_every_batch_through(app, merchant, make_shipment, install,
                                                 monkeypatch):
    carrier = install(TimedCarrier(per_day=1))  # the adapter's published (say, sandbox) quota
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMITS", {"fake": {"per_day": 1000}})
    make_many(make_shipment, merchant, 3)
    summary = drain(utcnow())
    assert summary.polled == 3 and len(carrier.calls) == 3


def test_an_adapter_without_limits_is_not_limited(app, merchant, make_shipment, install):
    carrier = install(TimedCarrier())
    make_many(make_shipment, merchant, 5)
    assert drain(utcnow()).polled == 5 and len(carrier.calls) == 5


@pytest.fixture
def redis_url():
    """Redis for shared quotas: skipped when unreachable, unless REQUIRE_POSTGRES=1 (CI has it)."""
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but Redis at {REDIS_URL} is unreachable: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_redis_storage_shares_the_quota_between_app_instances(app, merchant, make_shipment,
                                                              monkeypatch, redis_url):
    """Two workers (two apps, one database) with Redis storage draw on one daily quota."""
    code = f"q{uuid.uuid4().hex[:10]}"  # keys of their own in a Redis other runs share
    carrier = TimedCarrier(code, per_day=3)
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMIT_STORAGE_URI", redis_url)
    monkeypatch.setitem(app.extensions.setdefault("carrier_adapters", {}), code, carrier)
    other = create_app({
        "TESTING": True, "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "POLL_POLICY": {"jitter": 0}, "POLL_THREADS": 1,
        "CARRIER_RATE_LIMIT_STORAGE_URI": redis_url,
    })
    other.extensions["carrier_adapters"] = {code: carrier}
    made = make_many(make_shipment, merchant, 5, carrier=code)
    db.session.rollback()
    try:
        assert poll_due(utcnow(), limit=2).polled == 2  # the first worker takes two
        with other.app_context():
            summary = drain(utcnow())  # the second has one left of the three
            db.engine.dispose()
        assert (summary.polled, summary.by_outcome["rate_limited"]) == (1, 2)
        assert len(carrier.calls) == 3
        assert sum(reload(s).last_polled_at is None for s in made) == 2
        # and the first worker finds the quota spent too
        assert drain(utcnow()).polled == 0 and len(carrier.calls) == 3
    finally:
        quota._limiters()[1].clear(RateLimitItemPerDay(3), "carrier-day", code)


def test_memory_storage_is_per_app(app, monkeypatch):
    """Without Redis each app (each worker process) counts alone: what the Redis test rules out."""
    carrier = TimedCarrier("solo", per_day=1)
    other = create_app({"TESTING": True, "SECRET_KEY": "test",
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert quota.acquire(carrier, "solo") is None
    assert quota.acquire(carrier, "solo") is not None
    with other.app_context():
        assert quota.acquire(carrier, "solo") is None
        db.engine.dispose()


def test_threads_share_one_storage_from_the_first_round(app, monkeypatch):
    """The poller's threads all reach the quota at once on a worker's first round."""
    import threading
    made, real = [], quota.storage_from_string

    def slow_storage(uri):
        time.sleep(0.05)  # widen the window in which a second thread could make its own
        made.append(real(uri))
        return made[-1]

    monkeypatch.setattr(quota, "storage_from_string", slow_storage)
    got, barrier = [], threading.Barrier(6, timeout=10)

    def run():
        with app.app_context():
            barrier.wait()
            got.append(quota._limiters())

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(made) == 1 and len(got) == 6
    assert all(pair is got[0] for pair in got)


def test_a_request_deferred_by_the_second_limit_spends_no_daily_quota(app, monkeypatch):
    """Threads (or workers) racing for one per-second slot: the losers keep the day's quota."""
    import threading
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMIT_MAX_WAIT", 0)
    carrier = TimedCarrier("racer", per_second=1, per_day=100)
    answers, barrier = [], threading.Barrier(8, timeout=10)

    def run():
        with app.app_context():
            barrier.wait()
            answers.append(quota.acquire(carrier, "racer"))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers.count(None) == 1 and len(answers) == 8
    _, day_limiter = quota._limiters()
    assert day_limiter.get_window_stats(RateLimitItemPerDay(100), "carrier-day",
                                        "racer").remaining == 99


def test_losing_the_second_slot_between_check_and_take_spends_no_daily_quota(app, monkeypatch):
    """Another worker takes the per-second slot right after this one saw it free: whatever
    acquire answers, a daily unit is spent exactly when the request is granted."""
    monkeypatch.setitem(app.config, "CARRIER_RATE_LIMIT_MAX_WAIT", 0)
    carrier = TimedCarrier("racer", per_second=1, per_day=100)
    second_limiter, day_limiter = quota._limiters()
    real_test = second_limiter.test

    def seen_free_then_taken(item, *identifiers):
        free = real_test(item, *identifiers)
        second_limiter.hit(item, *identifiers)  # the other worker, in between
        return free

    monkeypatch.setattr(second_limiter, "test", seen_free_then_taken)
    answer = quota.acquire(carrier, "racer")
    spent = 100 - day_limiter.get_window_stats(RateLimitItemPerDay(100), "carrier-day",
                                               "racer").remaining
    assert spent == (1 if answer is None else 0)
