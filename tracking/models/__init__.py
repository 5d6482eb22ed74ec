"""The data model, one module per aggregate."""
from .merchant import ApiKey, Merchant
from .order import LineItem, Order
from .shipment import Shipment, TrackingEvent
from .webhook import WebhookDelivery, WebhookSecret

__all__ = [
    "ApiKey", "LineItem", "Merchant", "Order", "Shipment", "TrackingEvent", "WebhookDelivery",
    "WebhookSecret",
]
