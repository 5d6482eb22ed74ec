"""Bearer API keys: each request acts for the one merchant that owns the key."""
from datetime import timedelta

from flask import g, request

from ..extensions import db
from ..models import ApiKey, Merchant
from ..models.merchant import hash_api_key
from ..models.types import utcnow
from .problems import Problem

# Writing last_used_at on every request would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def bearer_token() -> str | None:
    """The token from `Authorization: Bearer ...`, if one was sent."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def authenticate() -> None:
    """Set g.merchant from the API key or answer 401; runs before every API view."""
    token = bearer_token()
    key = ApiKey.find_active(token) if token else None
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
    """Limit per API key when one is sent, per client address otherwise."""
    token = bearer_token()
    return "key:" + hash_api_key(token)[:16] if token else "ip:" + (request.remote_addr or "?")
