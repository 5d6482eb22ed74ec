"""Turning a shipment's status change into messages for the merchant's subscribed endpoints."""
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ..api.schemas import ShipmentSummary
from ..api.serialize import shipment_dict
from ..extensions import db
from ..models import OutboundDelivery, Shipment, WebhookEndpoint, WebhookMessage
from ..models.types import utcnow
from ..status import Status

STATUS_CHANGED = "shipment.status_changed"
DELIVERED = "shipment.delivered"
EXCEPTION = "shipment.exception"
EVENT_TYPES = (STATUS_CHANGED, DELIVERED, EXCEPTION)
# What the console shows next to each choice.
EVENT_DESCRIPTIONS = {
    STATUS_CHANGED: "Any change of a shipment's status",
    DELIVERED: "A shipment was delivered",
    EXCEPTION: "A shipment has a problem (held, damaged, lost, refused, returning...)",
}
_EXTRA_EVENT = {Status.DELIVERED.value: DELIVERED, Status.EXCEPTION.value: EXCEPTION}


def event_types_for(status: str) -> list[str]:
    """The event types a change to `status` raises: always status_changed, and its own if any."""
    extra = _EXTRA_EVENT.get(str(status))
    return [STATUS_CHANGED, extra] if extra else [STATUS_CHANGED]


def shipment_data(shipment: Shipment, previous: str) -> dict:
    """The shipment as `GET /api/v1/shipments` lists it (no events), plus its previous status."""
    data = ShipmentSummary().dump(shipment_dict(shipment, with_events=False))
    data["previous_status"] = previous
    return data


def on_status_changed(shipment: Shipment, previous: str, status: str, **_) -> list[WebhookMessage]:
    """Receiver of `signals.shipment_status_changed`: queue a message per subscribed endpoint.

    Adds rows to the shipment's session and never commits: the messages are stored with the
    status change or not at all (a transactional outbox). Returns the messages added.
    """
    session = object_session(shipment)
    if session is None or shipment.merchant_id is None:
        return []
    with session.no_autoflush:  # the caller is mid-merge: write nothing early
        endpoints = session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.merchant_id == shipment.merchant_id, WebhookEndpoint.active)
            .order_by(WebhookEndpoint.id)
        ).all()
        wanted = [(endpoint, event_type) for event_type in event_types_for(status)
                  for endpoint in endpoints if endpoint.subscribes(event_type)]
        if not wanted:
            return []
        data = shipment_data(shipment, previous)
    return [enqueue(session, endpoint, event_type, data, shipment.id)
            for endpoint, event_type in wanted]


def enqueue(session: Session | None, endpoint: WebhookEndpoint, event_type: str, data: dict,
            shipment_id: int | None = None) -> WebhookMessage:
    """Add a message of `event_type` for `endpoint` and its first delivery, due now (no commit)."""
    session = session or db.session
    now = utcnow()
    body = json.dumps({"type": event_type, "timestamp": now.isoformat(), "data": data},
                      separators=(",", ":"), ensure_ascii=False)
    message = WebhookMessage(merchant_id=endpoint.merchant_id, endpoint_id=endpoint.id,
                             event_type=event_type, shipment_id=shipment_id, payload=body,
                             created_at=now)
    session.add(message)
    session.add(OutboundDelivery(message=message, merchant_id=endpoint.merchant_id,
                                 endpoint_id=endpoint.id, status="pending", next_attempt_at=now,
                                 created_at=now))
    return message
