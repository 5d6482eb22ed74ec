"""Finding a shipment from what a shopper knows, without telling a wrong guess anything."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import Merchant, Order, Shipment


def normalise_order_number(value: str) -> str:
    return value.strip().lstrip("#").strip()


def normalise_code(value: str) -> str:
    """Tracking numbers and postal codes compare without spaces or case."""
    return "".join(value.split()).upper()


def find_order_shipment(merchant: Merchant, order_number: str, contact: str) -> Shipment | None:
    """The order's first shipment when the email or a destination postal code matches, else None."""
    order = db.session.scalar(
        select(Order).where(
            Order.merchant_id == merchant.id,
            func.lower(Order.number) == normalise_order_number(order_number).lower(),
        )
    )
    if order is None or not order.shipments:
        return None
    contact = contact.strip()
    if "@" in contact:
        matches = bool(order.customer_email) and order.customer_email.casefold() == contact.casefold()
    else:
        code = normalise_code(contact)
        matches = any(
            s.destination_postal_code and normalise_code(s.destination_postal_code) == code
            for s in order.shipments
        )
    return order.shipments[0] if matches else None


def find_by_number(merchant: Merchant, tracking_number: str) -> Shipment | None:
    """The merchant's most recent shipment with this tracking number."""
    return db.session.scalar(
        select(Shipment)
        .where(Shipment.merchant_id == merchant.id,
               Shipment.tracking_number == normalise_code(tracking_number))
        .order_by(Shipment.id.desc())
        .limit(1)
    )
