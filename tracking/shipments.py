"""Registering shipments: the one path used by the API, the demo seed and the consoles."""
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context
from sqlalchemy import select

from .extensions import db
from .models import CustomDomain, LineItem, Merchant, Order, Shipment
from .models.types import utcnow
from .signals import order_created


def find_existing(merchant: Merchant, carrier: str, tracking_number: str) -> Shipment | None:
    """The merchant's shipment with this carrier and number, if registered already."""
    return db.session.scalar(
        select(Shipment).filter_by(
            merchant_id=merchant.id, carrier=carrier, tracking_number=tracking_number
        )
    )


def register(merchant: Merchant, data: dict) -> tuple[Shipment, bool]:
    """Create a shipment (and its order on first sight) from validated API-shaped data.

    Returns (shipment, created). The same carrier and number again returns the existing one.
    The caller commits.
    """
    existing = find_existing(merchant, data["carrier"], data["tracking_number"])
    if existing is not None:
        return existing, False
    order = _order_for(merchant, data["order"], data.get("locale"))
    destination = data.get("destination") or {}
    shipment = Shipment(
        merchant_id=merchant.id,
        order=order,
        carrier=data["carrier"],
        tracking_number=data["tracking_number"],
        locale=data.get("locale"),
        destination_city=destination.get("city"),
        destination_region=destination.get("region"),
        destination_postal_code=destination.get("postal_code"),
        destination_country=destination.get("country"),
        created_at=data.get("registered_at") or utcnow(),
        next_poll_at=utcnow(),
    )
    db.session.add(shipment)
    return shipment, True


def _order_for(merchant: Merchant, data: dict, locale: str | None) -> Order:
    """The merchant's order with this number, created with its items when new."""
    order = db.session.scalar(select(Order).filter_by(merchant_id=merchant.id, number=data["number"]))
    if order is not None:
        return order
    customer = data.get("customer") or {}
    order = Order(
        merchant_id=merchant.id,
        number=data["number"],
        placed_at=data.get("placed_at"),
        customer_email=(customer.get("email") or None),
        customer_phone=customer.get("phone"),
        customer_name=customer.get("name"),
        locale=locale,
        items=[LineItem(**item) for item in data.get("items", [])],
    )
    db.session.add(order)
    order_created.send(order, merchant=merchant)
    return order


def tracking_url(shipment: Shipment) -> str:
    """The public link for SMS and email: on the merchant's custom domain once "check now" has
    found it pointing here, else on PUBLIC_BASE_URL (with its scheme either way)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    host = link_host(getattr(shipment, "merchant_id", None))
    if host:
        base = f"{urlsplit(base).scheme or 'https'}://{host}"
    return f"{base}/t/{shipment.public_token}"


def link_host(merchant_id: int | None) -> str | None:
    """The merchant's first verified custom domain (looked up once per request: an API page
    lists many shipments of one merchant)."""
    if merchant_id is None:
        return None
    known = g.setdefault("link_hosts", {}) if has_request_context() else {}
    if merchant_id not in known:
        known[merchant_id] = db.session.scalar(
            select(CustomDomain.hostname)
            .where(CustomDomain.merchant_id == merchant_id, CustomDomain.verified_at.is_not(None))
            .order_by(CustomDomain.created_at, CustomDomain.id).limit(1))
    return known[merchant_id]
