"""Choosing the offers one tracking page shows: live offers, targeting, a variant each, content.

At most one offer per placement (the highest priority that suits the shopper), so a page never
carries more than len(PLACEMENTS) offers. Everything is read with a few indexed queries; the
recommendations themselves were precomputed by the scheduled job.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Merchant, Offer, Order, Shipment
from ..models.offer import PLACEMENTS
from ..pages.branding import http_url
from ..pages.view import is_late
from . import clicks
from .rules import Context, allowed
from .variants import choose, normalise_email, shopper_key

TEXT_FIELDS = ("headline", "body", "cta")


@dataclass
class Slot:
    """One offer as the page shows it: already localised, links already signed."""
    offer_id: int
    variant_id: int
    kind: str
    placement: str
    headline: str
    body: str = ""
    cta: str = ""
    link: str | None = None
    image: str | None = None
    code: str | None = None
    products: list[dict] = field(default_factory=list)


def live_offers(merchant_id: int, now: datetime) -> list[Offer]:
    """The merchant's enabled offers within their schedule, highest priority first."""
    return list(db.session.scalars(
        select(Offer).options(selectinload(Offer.variants))
        .where(Offer.merchant_id == merchant_id, Offer.enabled.is_(True),
               or_(Offer.starts_at.is_(None), Offer.starts_at <= now),
               or_(Offer.ends_at.is_(None), Offer.ends_at > now))
        .order_by(Offer.priority.desc(), Offer.id)))


def has_live_offers(merchant, now: datetime) -> bool:
    """Whether the page should hold an offers placeholder at all (one indexed query)."""
    if not isinstance(merchant, Merchant):  # the console's branding preview uses a stand-in
        return False
    return db.session.scalar(
        select(Offer.id).where(Offer.merchant_id == merchant.id, Offer.enabled.is_(True),
                               or_(Offer.ends_at.is_(None), Offer.ends_at > now)).limit(1)) is not None


def previous_orders(order: Order) -> int | None:
    """The merchant's orders for the same (normalised) email placed before this one."""
    email = normalise_email(order.customer_email)
    if email is None:
        return None
    return db.session.scalar(
        select(func.count(Order.id)).where(
            Order.merchant_id == order.merchant_id, Order.id != order.id,
            func.lower(func.trim(Order.customer_email)) == email,
            Order.created_at < order.created_at))


def context_for(shipment: Shipment, locale: str, now: datetime, with_history: bool) -> Context:
    """The targeting context of a shipment; the customer's history only when a rule needs it."""
    order = shipment.order
    delivered = shipment.status == "delivered" and shipment.delivered_at is not None
    return Context(
        status=shipment.status, substatus=shipment.substatus,
        late=is_late(shipment.estimated_delivery_latest, shipment.status, shipment.substatus, now),
        stalled=bool(shipment.stalled),
        days_since_delivery=(now - shipment.delivered_at).days if delivered else None,
        skus=frozenset(i.sku for i in order.items),
        categories=frozenset(i.category for i in order.items if i.category),
        previous_orders=previous_orders(order) if with_history else None,
        locale=locale, country=shipment.destination_country,
    )


def localised(content: dict, locale: str, default_locale: str | None) -> dict:
    """The variant's text in the shopper's language, else its language, else the merchant's
    default, else any language written; each field a plain string."""
    content = content if isinstance(content, dict) else {}
    language = locale.split("_")[0]
    candidates = [locale, *(k for k in content if k.split("_")[0] == language),
                  default_locale, *content]
    for key in candidates:
        text = content.get(key) if key else None
        if isinstance(text, dict) and str(text.get("headline") or "").strip():
            return {f: str(text.get(f) or "").strip() for f in TEXT_FIELDS}
    return {f: "" for f in TEXT_FIELDS}


def _recommended(shipment: Shipment, now: datetime) -> list:
    from .recommendations import for_shipment
    return for_shipment(shipment, limit=current_app.config["OFFER_RECOMMENDATIONS"], now=now)


def _replenishment(shipment: Shipment, now: datetime) -> list:
    from .recommendations import replenishment_due
    return replenishment_due(shipment, now=now)


def _products(kind: str, shipment: Shipment, now: datetime, sign) -> list[dict] | None:
    """Product cards for the product kinds (None for other kinds), links signed."""
    if kind == "recommendations":
        found = _recommended(shipment, now)
    elif kind == "replenishment":
        found = _replenishment(shipment, now)
    else:
        return None
    return [{"title": p.title, "price": p.price, "currency": p.currency,
             "image": http_url(p.image_url), "link": sign(p.url)} for p in found]


def choose_slots(shipment: Shipment, locale: str, now: datetime) -> list[Slot]:
    """The offers this shipment's page shows, in placement order."""
    offers = live_offers(shipment.merchant_id, now)
    if not offers:
        return []
    ctx = context_for(shipment, locale, now, with_history=any("customer" in (o.rules or {})
                                                              for o in offers))
    order = shipment.order
    key = shopper_key(order.customer_email, order.id)
    chosen: dict[str, Slot] = {}
    for offer in offers:
        if offer.placement in chosen or not allowed(offer.kind, offer.placement, offer.rules or {}, ctx):
            continue
        variant = choose(offer.variants, offer.id, key)
        if variant is None:
            continue
        text = localised(variant.content, locale, shipment.merchant.default_locale)
        if not text["headline"]:
            continue

        def sign(url, offer=offer, variant=variant):
            return clicks.click_url(shipment, offer.id, variant.id, url)
        products = _products(offer.kind, shipment, now, sign)
        if products is not None and not products:
            continue  # nothing to recommend or replenish: the slot would be empty
        chosen[offer.placement] = Slot(
            offer_id=offer.id, variant_id=variant.id, kind=offer.kind, placement=offer.placement,
            headline=text["headline"], body=text["body"], cta=text["cta"],
            link=sign(variant.link_url), image=http_url(variant.image_url),
            code=variant.discount_code if offer.kind == "discount_code" else None,
            products=products or [])
    return [chosen[p] for p in PLACEMENTS if p in chosen]


def shipment_for_token(token: str) -> Shipment | None:
    """The shipment of a public token with what the offers need, loaded in one round trip."""
    return db.session.scalar(
        select(Shipment).options(selectinload(Shipment.order).selectinload(Order.items),
                                 selectinload(Shipment.merchant))
        .where(Shipment.public_token == token))


__all__ = ["Slot", "choose_slots", "context_for", "has_live_offers", "live_offers", "localised",
           "previous_orders", "shipment_for_token"]
