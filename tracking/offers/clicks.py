"""Offer clicks: links signed with the app's key, and one counted click per shopper's click.

Every offer link on a page is `/t/<token>/o/<signed>`, where `signed` carries the offer, the
variant, the shipment and the destination, signed with SECRET_KEY (itsdangerous). Only what we
signed is ever redirected to, so the route is no open redirect; a tampered link is a 404.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import OfferClick, Shipment
from ..useragents import is_bot
from .variants import normalise_email

SALT = "offer-click-v1"


@dataclass(frozen=True)
class Target:
    """What a verified click link says."""
    offer_id: int
    variant_id: int
    shipment_id: int
    url: str


def absolute_http(url: str | None) -> str | None:
    """An absolute http(s) URL with a host, or None: the only kind of place we redirect to."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.hostname and not any(
            c in url for c in "\r\n\t\\"):
        return url
    return None


def customer_key(email: str | None) -> str | None:
    """SHA-256 of the normalised email: clicks are matched to later orders without a copy of it."""
    email = normalise_email(email)
    return hashlib.sha256(email.encode()).hexdigest() if email else None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def click_url(shipment: Shipment, offer_id: int, variant_id: int, url: str | None) -> str | None:
    """The signed redirect link for `url` on this shipment's page; None for a non-http(s) URL."""
    url = absolute_http(url)
    if url is None:
        return None
    signed = _serializer().dumps([offer_id, variant_id, shipment.id, url])
    return url_for("offers.click", token=shipment.public_token, signed=signed)


def read(signed: str) -> Target | None:
    """The target of a click link, or None when it is not one we signed (or is malformed)."""
    try:
        payload = _serializer().loads(signed)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) for v in payload[:3])
            and isinstance(payload[3], str) and absolute_http(payload[3])):
        return None
    return Target(*payload[:3], absolute_http(payload[3]))


def record(shipment: Shipment, target: Target, user_agent: str | None, now: datetime) -> OfferClick | None:
    """Count the click (the caller commits); None for bots and for a repeat within
    OFFER_CLICK_DEDUPE_SECONDS of the same link on the same page (a double-click or a
    browser firing twice counts once). Two truly simultaneous requests may both count."""
    if is_bot(user_agent):
        return None
    window = timedelta(seconds=current_app.config["OFFER_CLICK_DEDUPE_SECONDS"])
    repeat = db.session.scalar(select(OfferClick.id).where(
        OfferClick.shipment_id == shipment.id, OfferClick.variant_id == target.variant_id,
        OfferClick.target_url == target.url[:500], OfferClick.clicked_at > now - window).limit(1))
    if repeat is not None:
        return None
    click = OfferClick(merchant_id=shipment.merchant_id, offer_id=target.offer_id,
                       variant_id=target.variant_id, shipment_id=shipment.id,
                       customer_key=customer_key(shipment.order.customer_email),
                       target_url=target.url[:500], clicked_at=now)
    db.session.add(click)
    return click
