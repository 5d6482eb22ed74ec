"""Helpers for the outbound webhook tests: status changes, reading rows back, receivers' view."""
import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tracking import timeline
from tracking.carriers.base import CarrierEvent, TrackResult
from tracking.extensions import db
from tracking.models import OutboundDelivery, Shipment, WebhookMessage

HOOK = "https://hooks.example.com/tracking"
PUBLIC_IP = "93.184.216.34"


def change_status(shipment: Shipment, status: str, substatus: str | None = None):
    """Merge one new scan of `status` (newer than any before) into the shipment; no commit."""
    start = datetime(2024, 11, 20, 8, 0) + timedelta(hours=len(shipment.events))
    event = CarrierEvent(start, 0, status, f"{status} scan {len(shipment.events)}",
                         carrier_status_code=status[:8].upper(), substatus=substatus)
    return timeline.merge(shipment, TrackResult(shipment.tracking_number, events=[event]))


def messages(**filters) -> list[WebhookMessage]:
    """Stored messages, oldest first, as a fresh read from the database sees them."""
    db.session.expire_all()
    query = select(WebhookMessage).filter_by(**filters).order_by(WebhookMessage.created_at,
                                                                 WebhookMessage.event_type)
    return list(db.session.scalars(query))


def deliveries(**filters) -> list[OutboundDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(OutboundDelivery).filter_by(**filters).order_by(OutboundDelivery.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sent(mock) -> list[tuple[str, dict, str]]:
    """What the mocked receivers got: (url, headers, body) per request, in order."""
    out = []
    for call in mock.calls:
        body = call.request.body
        out.append((call.request.url, dict(call.request.headers),
                    body.decode() if isinstance(body, bytes) else body))
    return out


def body_of(message: WebhookMessage) -> dict:
    return json.loads(message.payload)
