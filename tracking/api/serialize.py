"""Shipments and events as the API shows them."""
from datetime import timedelta, timezone

from ..models import Shipment, TrackingEvent
from ..shipments import tracking_url
from ..timeline import newest_first


def local_isoformat(event: TrackingEvent) -> str:
    """The carrier's wall time, with its UTC offset only when the carrier gave one."""
    if event.utc_offset_minutes is None:
        return event.occurred_at_local.isoformat()
    offset = timezone(timedelta(minutes=event.utc_offset_minutes))
    return event.occurred_at_local.replace(tzinfo=offset).isoformat()


def event_dict(event: TrackingEvent) -> dict:
    return {
        "occurred_at": local_isoformat(event),
        "status": event.status,
        "substatus": event.substatus,
        "description": event.description,
        "location": {"city": event.city, "region": event.region,
                     "postal_code": event.postal_code, "country": event.country},
        "carrier_status_code": event.carrier_status_code,
    }


def shipment_dict(shipment: Shipment, with_events: bool = True) -> dict:
    earliest, latest = shipment.estimated_delivery_earliest, shipment.estimated_delivery_latest
    data = {
        "id": shipment.id,
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "status": shipment.status,
        "substatus": shipment.substatus,
        "estimated_delivery": {"earliest": earliest, "latest": latest} if earliest or latest else None,
        "delivered_at": shipment.delivered_at,
        "tracking_url": tracking_url(shipment),
        "order_number": shipment.order.number,
    }
    if with_events:
        data["events"] = [event_dict(e) for e in newest_first(shipment.events)]
    return data
