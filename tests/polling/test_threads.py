"""The poller's thread pool: batches in flight together, each shipment stored once, by its claimant."""
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from polling_helpers import FakeCarrier, reload
from tracking.extensions import db
from tracking.models import PollRecord, Shipment
from tracking.models.types import utcnow
from tracking.polling.poller import drain, poll_due

BATCHES, PER_BATCH, SLEEP = 8, 3, 0.2


class SlowCarrier(FakeCarrier):
    """Takes SLEEP seconds per request, like a carrier across the internet; counts overlap.

    With `meet=n`, each of the first n requests waits until n are in flight together: that
    only happens if the poller really runs n at once (run one after another, it times out).
    """

    def __init__(self, *args, meet: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.barrier = threading.Barrier(meet, timeout=10) if meet else None
        self.met = False

    def track(self, requests, now=None):
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            waits = self.barrier is not None and not self.met
        try:
            if waits:
                self.barrier.wait()
                self.met = True
            time.sleep(SLEEP)
            return super().track(requests, now)
        finally:
            with self._lock:
                self.in_flight -= 1


def test_batches_are_polled_concurrently_and_each_shipment_once(app, merchant, make_shipment,
                                                                 install, monkeypatch):
    monkeypatch.setitem(app.config, "POLL_THREADS", 4)
    carrier = install(SlowCarrier(batch_size=PER_BATCH, meet=4))
    numbers = [f"FAKE{i:03d}" for i in range(BATCHES * PER_BATCH)]
    for i, number in enumerate(numbers):
        make_shipment(merchant, number=number, order_number=f"O{i}", carrier="fake")
    db.session.rollback()

    summary = drain(utcnow())

    # four requests met in flight (a barrier, not a stopwatch: no flake on a busy machine)
    assert carrier.met and carrier.most_in_flight == 4
    assert len(carrier.calls) == BATCHES
    assert (summary.claimed, summary.polled, summary.errors) == (len(numbers), len(numbers), 0)
    # nothing lost, nothing doubled: one call, one record, one set of events per shipment
    assert sorted(carrier.polled) == numbers
    db.session.expire_all()
    per_shipment = dict(db.session.execute(
        select(PollRecord.shipment_id, func.count()).group_by(PollRecord.shipment_id)).all())
    ids = list(db.session.scalars(select(Shipment.id)))
    assert sorted(per_shipment) == sorted(ids) and set(per_shipment.values()) == {1}
    rows = db.session.scalars(select(Shipment)).all()
    assert all(s.status == "in_transit" and len(s.events) == 1 and s.claimed_by is None
               and s.last_polled_at is not None for s in rows)


def test_threads_each_use_their_own_session(app, merchant, make_shipment, install, monkeypatch):
    """Results stored by pool threads are committed: a fresh session sees them all."""
    monkeypatch.setitem(app.config, "POLL_THREADS", 3)
    install(SlowCarrier(batch_size=1))
    made = [make_shipment(merchant, number=f"FAKE{i}", order_number=f"O{i}", carrier="fake")
            for i in range(3)]
    db.session.rollback()
    poll_due(utcnow())
    db.session.remove()
    with db.engine.connect() as conn:
        polled = conn.execute(select(func.count()).select_from(Shipment)
                              .where(Shipment.last_polled_at.is_not(None))).scalar()
    assert polled == len(made)


@pytest.mark.parametrize("threads", [1, 4])
def test_a_claim_taken_over_mid_request_is_not_written(app, merchant, make_shipment, install,
                                                       monkeypatch, caplog, threads):
    """The lease ran out while the carrier was slow and another worker claimed the shipment:
    the late worker's result for it is dropped, its batch-mates are stored."""
    monkeypatch.setitem(app.config, "POLL_THREADS", threads)
    other_until = utcnow() + timedelta(minutes=5)

    class TakenOver(FakeCarrier):
        def track(self, requests, now=None):
            # another worker, through its own connection, while this request is in flight
            with db.engine.begin() as conn:
                conn.execute(update(Shipment).where(Shipment.tracking_number == "FAKE2")
                             .values(claimed_by="other-worker", claim_expires_at=other_until))
            return super().track(requests, now)

    carrier = install(TakenOver(batch_size=3 if threads == 1 else 1))  # 1 batch, or 3 in flight
    made = [make_shipment(merchant, number=f"FAKE{i}", order_number=f"O{i}", carrier="fake")
            for i in (1, 2, 3)]
    due_before = reload(made[1]).next_poll_at
    db.session.rollback()
    summary = drain(utcnow())

    assert sorted(carrier.polled) == ["FAKE1", "FAKE2", "FAKE3"]
    assert summary.polled == 2
    one, two, three = (reload(s) for s in made)
    assert one.status == three.status == "in_transit"
    assert one.claimed_by is None and three.claimed_by is None
    # the taken-over shipment: exactly as the other worker left it
    assert (two.claimed_by, two.claim_expires_at) == ("other-worker", other_until)
    assert (two.status, two.events, two.last_polled_at, two.poll_failures) == \
        ("pending", [], None, 0)
    assert two.next_poll_at == due_before
    counts = Counter(r.shipment_id for r in db.session.query(PollRecord))
    assert counts == {one.id: 1, three.id: 1}
    assert "taken over" in caplog.text
