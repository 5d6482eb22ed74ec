"""Merchants' webhook endpoints: register, edit, rotate the secret, disable and enable.

Every function raises ValueError (ssrf.RefusedURL for the URL) with a message fit for the
console, adds to the session and leaves the commit to the caller.
"""
from datetime import datetime, timedelta
from typing import Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Merchant, WebhookEndpoint
from ..models.outbound import new_endpoint_secret
from ..models.types import utcnow
from ..text import plain_text
from . import ssrf
from .events import EVENT_TYPES

MAX_ENDPOINTS_PER_MERCHANT = 20
DESCRIPTION_CHARS = 200
# How long the replaced secret keeps signing after a rotation, so receivers can switch over.
PREVIOUS_SECRET_HOURS = 24


def validate_url(url: str) -> str:
    """The URL, stripped, if this instance may deliver to it; RefusedURL says why not."""
    cfg = current_app.config
    url = (url or "").strip()
    ssrf.check_url(url, allow_http=cfg["OUTBOUND_WEBHOOKS_ALLOW_HTTP"],
                   allow_private=cfg["OUTBOUND_WEBHOOKS_ALLOW_PRIVATE"])
    return url


def validate_events(events: str | Iterable[str]) -> str:
    """Event types as stored (comma-separated, in canonical order) from a string or a list."""
    if isinstance(events, str):
        events = events.split(",")
    chosen = {e.strip() for e in (events or []) if e and e.strip()}
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown:
        raise ValueError(_("Unknown event type %(event)s: choose from %(choices)s.",
                           event=repr(unknown[0]), choices=", ".join(EVENT_TYPES)))
    if not chosen:
        raise ValueError(_("Choose at least one event type."))
    return ",".join(e for e in EVENT_TYPES if e in chosen)


def register_endpoint(merchant: Merchant, url: str, events: str | Iterable[str],
                      description: str = "") -> WebhookEndpoint:
    """A new active endpoint for `merchant` with a fresh signing secret (`endpoint.secret`)."""
    url, events = validate_url(url), validate_events(events)
    existing = endpoints_of(merchant)
    if len(existing) >= MAX_ENDPOINTS_PER_MERCHANT:
        raise ValueError(_("A merchant can have at most %(num)d endpoints.", num=MAX_ENDPOINTS_PER_MERCHANT))
    _refuse_duplicate(existing, url)
    endpoint = WebhookEndpoint(merchant_id=merchant.id, url=url, events=events,
                               description=plain_text(description, DESCRIPTION_CHARS),
                               secret=new_endpoint_secret(), active=True)
    db.session.add(endpoint)
    db.session.flush()  # the console shows its id at once
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, *, url: str | None = None,
                    events: str | Iterable[str] | None = None,
                    description: str | None = None) -> WebhookEndpoint:
    """Change what is given; messages already queued go to the new URL."""
    if url is not None:
        url = validate_url(url)
        if url != endpoint.url:
            others = [e for e in endpoints_of(endpoint.merchant_id) if e.id != endpoint.id]
            _refuse_duplicate(others, url)
            endpoint.url = url
    if events is not None:
        endpoint.events = validate_events(events)
    if description is not None:
        endpoint.description = plain_text(description, DESCRIPTION_CHARS)
    return endpoint


def _refuse_duplicate(endpoints: list[WebhookEndpoint], url: str) -> None:
    for other in endpoints:
        if other.url == url:
            if other.active:
                raise ValueError(_("This URL is registered already."))
            raise ValueError(_("This URL is registered already (disabled: enable it instead)."))


def rotate_secret(endpoint: WebhookEndpoint, now: datetime | None = None,
                  keep_previous_hours: float = PREVIOUS_SECRET_HOURS) -> str:
    """Give the endpoint a new secret and return it; the old one also signs for a while."""
    now = now or utcnow()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + timedelta(hours=keep_previous_hours)
    endpoint.secret = new_endpoint_secret()
    return endpoint.secret


def disable(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending: no new messages, and queued ones end as `dead` ("endpoint disabled")."""
    endpoint.active = False
    return endpoint


def enable(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send again, once the URL passes today's checks (the instance's settings may have changed)."""
    validate_url(endpoint.url)
    endpoint.active = True
    return endpoint


def endpoints_of(merchant: Merchant | int) -> list[WebhookEndpoint]:
    """A merchant's endpoints, active or not, oldest first."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.id
    return list(db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id)
        .order_by(WebhookEndpoint.id)))


def get_endpoint(merchant: Merchant, endpoint_id: int) -> WebhookEndpoint | None:
    """The merchant's endpoint with this id; None when missing or another merchant's."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.merchant_id == merchant.id else None

