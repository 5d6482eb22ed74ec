"""Several workers deliver the same queue at once: each message reaches its receiver once."""
import threading
from collections import Counter

from outbound_helpers import HOOK, change_status, deliveries, sent
from tracking.extensions import db
from tracking.models.types import utcnow
from tracking.outbound import deliver_due

WORKERS = 4
SHIPMENTS = 30


def test_concurrent_workers_deliver_each_message_exactly_once(
        app, merchant, make_endpoint, make_shipment, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_WEBHOOKS_THREADS", 2)
    make_endpoint(merchant)  # all three types: delivered adds a second message per shipment
    make_endpoint(merchant, url=HOOK + "/second", events=["shipment.delivered"])
    for n in range(SHIPMENTS):
        shipment = make_shipment(merchant, number=f"DEMOONTIME{n:03d}", order_number=f"C{n}")
        change_status(shipment, "delivered" if n % 2 else "in_transit")
    db.session.commit()
    expected = len(deliveries())
    assert expected == SHIPMENTS + 2 * (SHIPMENTS // 2)
    receiver.post(HOOK, status=200)
    receiver.post(HOOK + "/second", status=200)
    db.session.rollback()

    now = utcnow()
    barrier = threading.Barrier(WORKERS)
    claimed, errors = [0] * WORKERS, []

    def work(slot: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                while (summary := deliver_due(now, limit=3)).claimed:
                    claimed[slot] += summary.claimed
            except BaseException as exc:  # reported in the main thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not errors, errors

    ids = Counter(headers["webhook-id"] for _, headers, _ in sent(receiver))
    assert len(ids) == expected and set(ids.values()) == {1}
    assert sum(claimed) == expected
    assert sum(1 for c in claimed if c) > 1, "one worker did everything: no race was run"
    assert {(d.status, d.attempts) for d in deliveries()} == {("succeeded", 1)}
