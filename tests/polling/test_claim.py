"""Claiming under concurrency: workers racing for the same due shipments each get disjoint sets."""
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import Order, Shipment
from tracking.models.types import utcnow
from tracking.polling.claim import claim_due, new_claim_token

THREADS = 4
SHIPMENTS = 200


@pytest.fixture
def due_shipments(app, merchant):
    """200 shipments due a minute ago."""
    now = utcnow()
    order = Order(merchant_id=merchant.id, number="BULK-1")
    db.session.add(order)
    db.session.add_all(
        Shipment(merchant_id=merchant.id, order=order, carrier="demo",
                 tracking_number=f"DEMOONTIME{i:04d}", created_at=now,
                 next_poll_at=now - timedelta(minutes=1))
        for i in range(SHIPMENTS)
    )
    db.session.commit()
    return now


def race(app, now, claim_once) -> list[list[int]]:
    """Run `claim_once(now) -> ids` in THREADS threads, each with its own app context and session,
    released together; return the ids each thread claimed."""
    barrier = threading.Barrier(THREADS)
    claimed: list[list[int]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                claimed[slot] = claim_once(now)
            except BaseException as exc:  # reported in the main thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(slot,), daemon=True) for slot in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a claiming thread hung"
    assert not errors, errors
    return claimed


def until_empty(now, limit: int = 7) -> list[tuple[int, str]]:
    """What a worker does: claim small batches, each with a fresh token, until nothing is due."""
    claimed: list[tuple[int, str]] = []
    while len(claimed) <= SHIPMENTS:  # more than all of them: a shipment came back twice, stop
        token = new_claim_token()
        batch = claim_due(token, limit, 300, now)
        if not batch:
            break
        claimed.extend((s.id, token) for s in batch)
    return claimed


def once(now) -> list[tuple[int, str]]:
    token = new_claim_token()
    return [(s.id, token) for s in claim_due(token, SHIPMENTS, 300, now)]


@pytest.mark.parametrize("claim_once", [until_empty, once], ids=["small-batches", "all-at-once"])
def test_concurrent_claims_take_each_shipment_exactly_once(app, due_shipments, claim_once):
    claimed = race(app, due_shipments, claim_once)
    counts = Counter(i for pairs in claimed for i, _ in pairs)
    assert {i: n for i, n in counts.items() if n > 1} == {}
    assert len(counts) == SHIPMENTS
    # the database agrees with what each thread was told
    db.session.expire_all()
    owners = dict(db.session.execute(select(Shipment.id, Shipment.claimed_by)).all())
    assert owners == {i: token for pairs in claimed for i, token in pairs}


def test_claim_returns_only_this_rounds_shipments(app, due_shipments):
    first = claim_due(new_claim_token(), 10, 300, due_shipments)
    second = claim_due(new_claim_token(), 10, 300, due_shipments)
    assert len(first) == len(second) == 10
    assert not {s.id for s in first} & {s.id for s in second}
