"""AfterShip pushes: `tracking_update` events, signed with aftership-hmac-sha256."""
import base64
import hmac
import logging

from ..status import from_aftership
from .push import (
    BadPayload, Push, body_hash, collect, country_code, event, hmac_sha256, items, our_carrier,
    place, require, short_id, tracking_number,
)

NAME = "aftership"
log = logging.getLogger("tracking.webhooks.aftership")
SIGNATURE_HEADER = "aftership-hmac-sha256"
TRACKING_EVENTS = frozenset({"tracking_update"})


def verify(secret: str, body: bytes, headers, args, now: float) -> bool:
    """Base64 HMAC-SHA256 of the raw body, keyed with the account's webhook secret."""
    given = headers.get(SIGNATURE_HEADER, "")
    expected = base64.b64encode(hmac_sha256(secret, body)).decode()
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def delivery_id(payload: dict, body: bytes) -> str:
    """AfterShip's event_id; the body's hash if it is missing."""
    return short_id(payload.get("event_id")) or body_hash(body)


def parse(payload: dict) -> Push | None:
    """The Tracking of a tracking_update; None for other event types."""
    if not isinstance(payload, dict):
        raise BadPayload("the body is not a JSON object")
    if require(payload, "event", str) not in TRACKING_EVENTS:
        return None
    tracking = require(payload, "msg")
    events, skipped = collect(items(tracking, "checkpoints"), _event)
    signed_by = tracking.get("signed_by")
    return Push(
        tracking_number=tracking_number(tracking.get("tracking_number")),
        carrier=our_carrier(tracking.get("slug")),
        events=events,
        eta=tracking.get("expected_delivery"),
        signed_by=signed_by if isinstance(signed_by, str) else None,
        skipped=skipped,
    )


def _event(checkpoint: dict):
    tag, subtag = checkpoint.get("tag"), checkpoint.get("subtag")
    readable = isinstance(tag, str) or isinstance(subtag, str)
    return event(
        log,
        checkpoint.get("checkpoint_time"),
        from_aftership(tag, subtag) if readable else None,
        (subtag or tag,),
        checkpoint.get("message"),
        place(checkpoint.get("city"), checkpoint.get("state"), checkpoint.get("zip"),
              country_code(checkpoint.get("country_iso3"))),
    )
