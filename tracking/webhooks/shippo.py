"""Shippo pushes: `track_updated` events, authenticated by HMAC header or by a token in the URL."""
import hmac
import logging

from ..status import from_shippo
from .push import (
    BadPayload, Push, body_hash, collect, country_code, event, hmac_sha256, items, our_carrier,
    place, require, tracking_number,
)

NAME = "shippo"
log = logging.getLogger("tracking.webhooks.shippo")
SIGNATURE_HEADER = "Shippo-Auth-Signature"
TOKEN_PARAM = "token"
# Seconds a signed timestamp may differ from our clock: a replayed request is refused after it.
TOLERANCE_SECONDS = 300
TRACK_EVENTS = frozenset({"track_updated"})


def verify(secret: str, body: bytes, headers, args, now: float) -> bool:
    """Shippo's two documented schemes, with the merchant's one secret.

    - HMAC (provisioned by Shippo on request): header `Shippo-Auth-Signature: t=<unix>,v1=<hex>`,
      the hex HMAC-SHA256 of `<t>.<raw body>`, with `t` within TOLERANCE_SECONDS of now.
    - Self-generated token: the webhook URL ends in `&token=<secret>`, compared in constant time.

    A request carrying the header is judged by the header alone.
    """
    header = headers.get(SIGNATURE_HEADER)
    if header is not None:
        return _verify_hmac(secret, body, header, now)
    token = args.get(TOKEN_PARAM, "")
    return hmac.compare_digest(token.encode(), secret.encode())


def _verify_hmac(secret: str, body: bytes, header: str, now: float) -> bool:
    fields = dict(part.strip().partition("=")[::2] for part in header.split(","))
    stamp, given = fields.get("t", ""), fields.get("v1", "")
    if not (stamp.isascii() and stamp.isdigit()) or abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac_sha256(secret, stamp.encode() + b"." + body).hex()
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def delivery_id(payload: dict, body: bytes) -> str:
    """Shippo sends no delivery id: the raw body's hash stands in."""
    return body_hash(body)


def parse(payload: dict) -> Push | None:
    """The Track of a track_updated event; None for other event types."""
    if not isinstance(payload, dict):
        raise BadPayload("the body is not a JSON object")
    if require(payload, "event", str) not in TRACK_EVENTS:
        return None
    track = require(payload, "data")
    history = items(track, "tracking_history")
    current = track.get("tracking_status")
    if isinstance(current, dict):
        if current not in history:  # it usually repeats the newest entry of the history
            history = [*history, current]
    elif current is not None:
        raise BadPayload("`tracking_status` is not an object")
    events, skipped = collect(history, _event)
    return Push(
        tracking_number=tracking_number(track.get("tracking_number")),
        carrier=our_carrier(track.get("carrier")),
        events=events,
        eta=track.get("eta"),
        skipped=skipped,
    )


def _event(status: dict):
    code = status.get("status")
    sub = status.get("substatus")
    sub_code = sub.get("code") if isinstance(sub, dict) else None
    sub_code = sub_code if isinstance(sub_code, str) else None
    where = status.get("location")
    where = where if isinstance(where, dict) else {}
    return event(
        log,
        status.get("status_date"),
        from_shippo(code, sub_code) if isinstance(code, str) else None,
        (code, sub_code),
        status.get("status_details"),
        place(where.get("city"), where.get("state"), where.get("zip"),
              country_code(where.get("country"))),
    )
