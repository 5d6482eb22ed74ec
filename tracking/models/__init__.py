"""The data model, one module per aggregate."""
from .audit import AuditEntry, ShipmentNote
from .carrier_account import CarrierAccount
from .catalogue import Product, ProductRecommendation, RecommendationRun
from .domain import CustomDomain
from .merchant import ApiKey, Merchant
from .message_template import MessageTemplate
from .offer import Offer, OfferAttribution, OfferClick, OfferImpressionDay, OfferVariant
from .order import LineItem, Order
from .page_view import PageViewDay
from .outbound import OutboundAttempt, OutboundDelivery, WebhookEndpoint, WebhookMessage
from .polling import CarrierCircuit, PollRecord
from .shipment import Shipment, TrackingEvent
from .user import User
from .webhook import WebhookDelivery, WebhookSecret

__all__ = [
    "ApiKey", "AuditEntry", "ShipmentNote", "CarrierAccount", "Product", "ProductRecommendation", "RecommendationRun", "CustomDomain", "CarrierCircuit", "LineItem", "PollRecord", "Merchant", "MessageTemplate", "Offer", "OfferAttribution", "OfferClick", "OfferImpressionDay", "OfferVariant", "Order", "Shipment", "TrackingEvent", "WebhookDelivery",
    "WebhookSecret", "User", "OutboundAttempt", "PageViewDay", "OutboundDelivery", "WebhookEndpoint", "WebhookMessage",
]
