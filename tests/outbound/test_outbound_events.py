"""Status changes become messages for the merchant's subscribed endpoints, in the same commit."""
import threading

from outbound_helpers import body_of, change_status, count, deliveries, messages
from tracking.api.schemas import ShipmentSummary
from tracking.api.serialize import shipment_dict
from tracking.extensions import db
from tracking.models import OutboundDelivery, WebhookMessage
from tracking.outbound import disable
from tracking.models.types import utcnow
from tracking.polling.poller import poll_due


def test_a_status_change_queues_a_message_per_subscribed_endpoint(
        app, merchant, make_merchant, make_shipment, make_endpoint, shipment):
    everything = make_endpoint(merchant)
    changes = make_endpoint(merchant, url="https://hooks.example.com/changes",
                            events=["shipment.status_changed"])
    make_endpoint(merchant, url="https://hooks.example.com/delivered", events="shipment.delivered")
    gone = make_endpoint(merchant, url="https://hooks.example.com/off")
    disable(gone)
    rival = make_merchant("rival")
    make_endpoint(rival, url="https://other.example.com/hook")
    make_shipment(rival, number="DEMOONTIME1", order_number="R1")
    db.session.commit()

    merged = change_status(shipment, "in_transit")
    db.session.commit()

    assert merged.status_changed
    stored = messages()
    assert sorted((m.endpoint_id, m.event_type) for m in stored) == sorted([
        (everything.id, "shipment.status_changed"), (changes.id, "shipment.status_changed")])
    assert {m.merchant_id for m in stored} == {merchant.id}
    assert all(m.shipment_id == shipment.id and m.id.startswith("msg_") for m in stored)
    queued = deliveries()
    assert sorted(d.message_id for d in queued) == sorted(m.id for m in stored)
    assert all((d.status, d.attempts, d.endpoint_id) == ("pending", 0, d.message.endpoint_id)
               and d.next_attempt_at <= utcnow() for d in queued)


def test_delivered_and_exception_add_their_own_event(app, merchant, make_endpoint, shipment):
    make_endpoint(merchant)
    change_status(shipment, "delivered")
    db.session.commit()
    assert sorted(m.event_type for m in messages()) == ["shipment.delivered",
                                                       "shipment.status_changed"]
    change_status(shipment, "exception", substatus="damaged")
    db.session.commit()
    assert sorted(m.event_type for m in messages()) == [
        "shipment.delivered", "shipment.exception", "shipment.status_changed",
        "shipment.status_changed"]


def test_payload_is_the_shipment_as_the_api_lists_it_plus_previous_status(
        app, merchant, make_endpoint, shipment):
    make_endpoint(merchant, events=["shipment.delivered"])
    change_status(shipment, "delivered")
    db.session.commit()

    [message] = messages()
    payload = body_of(message)
    assert payload["type"] == "shipment.delivered"
    assert payload["timestamp"] == message.created_at.isoformat()
    expected = ShipmentSummary().dump(shipment_dict(shipment, with_events=False))
    assert payload["data"] == {**expected, "previous_status": "pending"}
    assert payload["data"]["status"] == "delivered" and payload["data"]["delivered_at"]
    assert payload["data"]["tracking_url"].startswith("https://track.test/t/")
    assert "events" not in payload["data"]


def test_no_change_no_message(app, merchant, make_endpoint, shipment):
    make_endpoint(merchant)
    change_status(shipment, "in_transit")
    db.session.commit()
    change_status(shipment, "in_transit")  # a newer scan, same status
    db.session.commit()
    assert len(messages()) == 1


def test_a_merchant_without_endpoints_costs_nothing(app, merchant, shipment):
    change_status(shipment, "in_transit")
    db.session.commit()
    assert count(WebhookMessage) == 0


def test_rolled_back_change_leaves_no_message(app, merchant, make_endpoint, shipment):
    """The messages are part of the status change's transaction: rollback drops both."""
    make_endpoint(merchant)
    change_status(shipment, "in_transit")
    db.session.rollback()
    assert count(WebhookMessage) == 0 and count(OutboundDelivery) == 0
    db.session.expire_all()
    assert shipment.status == "pending"


def test_messages_are_invisible_to_workers_until_the_commit(app, merchant, make_endpoint, shipment):
    make_endpoint(merchant)
    change_status(shipment, "in_transit")
    db.session.flush()  # written, not committed

    seen = []

    def look():
        with app.app_context():
            try:
                seen.append(count(OutboundDelivery))
            finally:
                db.session.remove()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(30)
    assert seen == [0]
    db.session.commit()
    assert count(OutboundDelivery) == 1


def test_a_polling_round_commits_the_messages_with_the_status(
        app, merchant, make_shipment, make_endpoint):
    make_endpoint(merchant)
    polled = make_shipment(merchant, number="DEMOONTIME9", order_number="P1",
                           registered_hours_ago=200)
    db.session.rollback()

    summary = poll_due()

    assert summary.status_changes == 1
    types = sorted(m.event_type for m in messages(shipment_id=polled.id))
    assert types == ["shipment.delivered", "shipment.status_changed"]
    assert body_of(messages(event_type="shipment.delivered")[0])["data"]["previous_status"] == "pending"
