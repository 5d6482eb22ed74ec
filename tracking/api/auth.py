"""Bearer API keys: each request acts for the one merchant that owns the key."""
from datetime import timedelta

from flask import g, request

from ..extensions import db
from ..models import ApiKey, Merchant
from ..models.types import utcnow
from .problems import Problem

# Writing last_used_at on every request would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def bearer_token() -> str | None:
    """The token from `Authorization: Bearer ...`, if one was sent."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def active_key() -> ApiKey | None:
    """The live key this request's bearer token names, if any (an indexed lookup)."""
    token = bearer_token()
    return ApiKey.find_active(token) if token else None


def authenticate() -> None:
    """Set g.merchant from the API key or answer 401; runs before every API view."""
    key = active_key()
    if key is None:
        raise Problem(
            401, "Unauthorized", "Send a valid API key as `Authorization: Bearer <key>`.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        db.session.commit()
    g.api_key = key
    g.merchant = db.session.get(Merchant, key.merchant_id)


def rate_limit_key() -> str:
    """Limit per API key when a valid one is sent, per client address otherwise.

    Made-up tokens count against the address: a new one per request must not evade the limit.
    """
    key = active_key()
    return f"key:{key.id}" if key is not None else "ip:" + (request.remote_addr or "?")
