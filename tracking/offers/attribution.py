"""Order attribution: a new order credited to the same customer's last offer click in the window."""
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import OfferAttribution, OfferClick, Order
from ..models.types import utcnow
from .clicks import customer_key


def revenue_of(order: Order) -> tuple[Decimal | None, str | None]:
    """(sum of price x quantity, currency) of the order's items; (None, None) when the items
    carry no price, or prices in more than one currency (no rate to add them up with)."""
    priced = [i for i in order.items if i.price is not None]
    currencies = {(i.currency or "").upper() or None for i in priced}
    if not priced or len(currencies) != 1:
        return None, None
    total = sum((Decimal(i.price) * (i.quantity or 1) for i in priced), Decimal("0"))
    return total.quantize(Decimal("0.01")), currencies.pop()


def attribute(order: Order) -> OfferAttribution | None:
    """Credit `order` to its customer's last click within OFFER_ATTRIBUTION_DAYS before it
    (last click wins); adds the row to the session, the caller commits. None when no click."""
    key = customer_key(order.customer_email)
    if key is None:
        return None
    now = utcnow()
    arrived = min(order.placed_at or now, now)
    window = timedelta(days=current_app.config["OFFER_ATTRIBUTION_DAYS"])
    with db.session.no_autoflush:  # the order itself is not flushed yet; nothing else need be
        click = db.session.scalar(
            select(OfferClick).where(
                OfferClick.merchant_id == order.merchant_id, OfferClick.customer_key == key,
                OfferClick.clicked_at <= arrived, OfferClick.clicked_at >= arrived - window)
            .order_by(OfferClick.clicked_at.desc(), OfferClick.id.desc()).limit(1))
    if click is None:
        return None
    revenue, currency = revenue_of(order)
    attribution = OfferAttribution(merchant_id=order.merchant_id, click_id=click.id,
                                   offer_id=click.offer_id, variant_id=click.variant_id,
                                   order=order, revenue=revenue, currency=currency)
    db.session.add(attribution)
    return attribution


def on_order_created(order: Order, **_) -> None:
    """Receiver of signals.order_created."""
    attribute(order)
