"""The data model, one module per aggregate."""
from .merchant import ApiKey, Merchant
from .order import LineItem, Order
from .polling import CarrierCircuit, PollRecord
from .shipment import Shipment, TrackingEvent
from .webhook import WebhookDelivery, WebhookSecret

__all__ = [
    "ApiKey", "CarrierCircuit", "LineItem", "PollRecord", "Merchant", "Order", "Shipment", "TrackingEvent", "WebhookDelivery",
    "WebhookSecret",
]
