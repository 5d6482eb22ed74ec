"""The console's API: registering and editing endpoints, the delivery log, pruning."""
import base64
from datetime import timedelta

import pytest

from outbound_helpers import HOOK, change_status, count, deliveries
from tracking import outbound
from tracking.extensions import db
from tracking.models import OutboundAttempt, OutboundDelivery, WebhookMessage
from tracking.models.types import utcnow
from tracking.outbound import (delivery_log, deliver_due, endpoints_of, get_delivery, get_endpoint,
                               register_endpoint, update_endpoint)
from tracking.outbound.endpoints import MAX_ENDPOINTS_PER_MERCHANT


def test_register_gives_a_standard_webhooks_secret(app, merchant):
    endpoint = register_endpoint(merchant, f"  {HOOK}  ", "shipment.delivered, shipment.exception",
                                 description="  Our <b>ERP</b>\n")
    db.session.commit()
    assert endpoint.id and endpoint.active and endpoint.url == HOOK
    assert endpoint.events == "shipment.delivered,shipment.exception"
    assert endpoint.event_types == ["shipment.delivered", "shipment.exception"]
    assert endpoint.description == "Our ERP"
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 32
    other = register_endpoint(merchant, HOOK + "/2", ["shipment.delivered"])
    assert other.secret != endpoint.secret


@pytest.mark.parametrize("events, message", [
    ([], "at least one"), ("", "at least one"), (" , ", "at least one"),
    (["shipment.created"], "Unknown event type 'shipment.created'"),
    ("shipment.delivered,tracking.updated", "Unknown event type 'tracking.updated'"),
])
def test_events_must_be_known(app, merchant, events, message):
    with pytest.raises(ValueError, match=message):
        register_endpoint(merchant, HOOK, events)


def test_events_are_stored_once_in_canonical_order(app, merchant):
    endpoint = register_endpoint(merchant, HOOK, ["shipment.exception", "shipment.status_changed",
                                                  "shipment.exception"])
    assert endpoint.events == "shipment.status_changed,shipment.exception"


def test_a_url_is_registered_once_per_merchant(app, merchant, make_merchant, make_endpoint):
    first = make_endpoint(merchant)
    with pytest.raises(ValueError, match="registered already"):
        register_endpoint(merchant, HOOK, "shipment.delivered")
    outbound.disable(first)
    with pytest.raises(ValueError, match="enable it instead"):
        register_endpoint(merchant, HOOK, "shipment.delivered")
    register_endpoint(make_merchant("rival"), HOOK, "shipment.delivered")  # another merchant may


def test_endpoints_per_merchant_are_capped(app, merchant):
    for n in range(MAX_ENDPOINTS_PER_MERCHANT):
        register_endpoint(merchant, f"{HOOK}/{n}", "shipment.delivered")
    with pytest.raises(ValueError, match="at most"):
        register_endpoint(merchant, f"{HOOK}/more", "shipment.delivered")


def test_update_validates_what_changes(app, merchant, make_endpoint):
    endpoint = make_endpoint(merchant)
    make_endpoint(merchant, url=HOOK + "/taken")
    update_endpoint(endpoint, url="https://other.example.com/new", events=["shipment.delivered"],
                    description="new")
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        "https://other.example.com/new", "shipment.delivered", "new")
    with pytest.raises(outbound.RefusedURL):
        update_endpoint(endpoint, url="https://10.0.0.1/")
    with pytest.raises(ValueError, match="registered already"):
        update_endpoint(endpoint, url=HOOK + "/taken")
    with pytest.raises(ValueError, match="Unknown"):
        update_endpoint(endpoint, events="nope")
    assert endpoint.url == "https://other.example.com/new"


def test_disable_and_enable(app, merchant, make_endpoint, shipment):
    endpoint = make_endpoint(merchant)
    outbound.disable(endpoint)
    change_status(shipment, "in_transit")
    db.session.commit()
    assert count(WebhookMessage) == 0  # a disabled endpoint gets no new messages
    outbound.enable(endpoint)
    change_status(shipment, "out_for_delivery")
    db.session.commit()
    assert count(WebhookMessage) == 1


def test_lookups_are_scoped_to_the_merchant(app, merchant, make_merchant, make_endpoint, shipment,
                                            receiver):
    rival = make_merchant("rival")
    mine = make_endpoint(merchant)
    theirs = make_endpoint(rival, url="https://other.example.com/hook")
    change_status(shipment, "in_transit")
    db.session.commit()
    [delivery] = deliveries()
    assert [e.id for e in endpoints_of(merchant)] == [mine.id]
    assert get_endpoint(merchant, mine.id) is mine and get_endpoint(merchant, theirs.id) is None
    assert get_delivery(merchant, delivery.id).id == delivery.id
    assert get_delivery(rival, delivery.id) is None and delivery_log(rival) == []


def test_the_delivery_log_filters_and_pages(app, merchant, make_endpoint, make_shipment, receiver):
    main = make_endpoint(merchant)
    side = make_endpoint(merchant, url=HOOK + "/side", events=["shipment.delivered"])
    first = make_shipment(merchant, number="DEMOONTIME1", order_number="L1")
    second = make_shipment(merchant, number="DEMOONTIME2", order_number="L2")
    change_status(first, "in_transit")
    change_status(second, "delivered")
    db.session.commit()
    receiver.post(HOOK, status=200)
    receiver.post(HOOK + "/side", status=500)
    deliver_due()

    log = delivery_log(merchant)
    assert len(log) == 4 and [d.id for d in log] == sorted((d.id for d in log), reverse=True)
    assert {(d.endpoint.url, d.message.event_type, d.status) for d in log} == {
        (HOOK, "shipment.status_changed", "succeeded"), (HOOK, "shipment.delivered", "succeeded"),
        (HOOK + "/side", "shipment.delivered", "failed")}
    assert [a.status_code for a in delivery_log(merchant, endpoint_id=side.id)[0].attempt_log] == [500]
    assert len(delivery_log(merchant, endpoint_id=main.id)) == 3
    assert len(delivery_log(merchant, status="failed")) == 1
    assert len(delivery_log(merchant, shipment_id=first.id)) == 1
    assert len(delivery_log(merchant, event_type="shipment.delivered")) == 2
    page = delivery_log(merchant, limit=3)
    assert len(page) == 3 and len(delivery_log(merchant, before_id=page[-1].id)) == 1


def test_prune_drops_old_messages_and_their_log_but_not_queued_ones(
        app, merchant, make_endpoint, make_shipment, receiver):
    make_endpoint(merchant, events=["shipment.status_changed"])
    done = make_shipment(merchant, number="DEMOONTIME1", order_number="P1")
    waiting = make_shipment(merchant, number="DEMOONTIME2", order_number="P2")
    change_status(done, "in_transit")
    db.session.commit()
    receiver.post(HOOK, status=200)
    deliver_due()
    outbound.replay(deliveries()[0])  # a replay chain too
    db.session.commit()
    deliver_due()
    change_status(waiting, "in_transit")
    db.session.commit()

    assert outbound.prune(utcnow() + timedelta(days=29)) == 0
    assert outbound.prune(utcnow() + timedelta(days=31)) == 1
    assert count(WebhookMessage) == 1 and count(OutboundDelivery) == 1
    assert count(OutboundAttempt) == 0
    assert deliveries()[0].status == "pending"
