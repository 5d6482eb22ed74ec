"""EasyPost pushes: `tracker.updated` events, signed with X-Hmac-Signature."""
import hmac
import logging
import unicodedata

from ..status import from_easypost
from .push import (
    BadPayload, Push, body_hash, collect, country_code, event, hmac_sha256, items, our_carrier,
    place, require, short_id, tracking_number,
)

NAME = "easypost"
log = logging.getLogger("tracking.webhooks.easypost")
SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
# tracker.created carries a Tracker as well; other event types (batches, reports) are not ours.
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})


def verify(secret: str, body: bytes, headers, args, now: float) -> bool:
    """`hmac-sha256-hex=<hex>` of the raw body, keyed with the NFKD form of the secret.

    EasyPost's own client libraries normalise the secret that way before signing checks.
    """
    given = headers.get(SIGNATURE_HEADER, "")
    key = unicodedata.normalize("NFKD", secret)
    expected = SIGNATURE_PREFIX + hmac_sha256(key, body).hex()
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def delivery_id(payload: dict, body: bytes) -> str:
    """The Event id (`evt_...`), which EasyPost keeps across retries."""
    return short_id(payload.get("id")) or body_hash(body)


def parse(payload: dict) -> Push | None:
    """The Tracker of a tracker event; None for event types that are not about trackers."""
    if not isinstance(payload, dict):
        raise BadPayload("the body is not a JSON object")
    if require(payload, "description", str) not in TRACKER_EVENTS:
        return None
    tracker = require(payload, "result")
    events, skipped = collect(items(tracker, "tracking_details"), _event)
    return Push(
        tracking_number=tracking_number(tracker.get("tracking_code")),
        carrier=our_carrier(tracker.get("carrier")),
        events=events,
        eta=tracker.get("est_delivery_date"),
        signed_by=tracker.get("signed_by") if isinstance(tracker.get("signed_by"), str) else None,
        skipped=skipped,
    )


def _event(detail: dict):
    status, status_detail = detail.get("status"), detail.get("status_detail")
    where = detail.get("tracking_location")
    where = where if isinstance(where, dict) else {}
    return event(
        log,
        detail.get("datetime"),
        from_easypost(status, status_detail) if isinstance(status, str) else None,
        (status, status_detail),
        detail.get("message"),
        place(where.get("city"), where.get("state"), where.get("zip"),
              country_code(where.get("country"))),
    )
