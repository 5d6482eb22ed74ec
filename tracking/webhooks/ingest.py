"""The path every provider shares: whose push, which shipment, once only, into the timeline."""
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import timeline
from ..carriers.base import TrackResult
from ..extensions import db
from ..models import Merchant, Shipment, WebhookDelivery, WebhookSecret
from .push import Push, eta_window

log = logging.getLogger("tracking.webhooks")
# Verified against when the merchant or its secret is unknown, so that case costs the same work.
_DECOY = secrets.token_hex(32)


def secret_for(slug: str | None, provider: str) -> tuple[Merchant | None, str]:
    """The merchant named by `?merchant=` and its secret for `provider`.

    Without either, (None, a random decoy): the caller verifies against it all the same and
    fails, so the answer does not tell which part was missing.
    """
    if not slug or len(slug) > 63 or not slug.isprintable():  # PostgreSQL refuses NUL in text
        return None, _DECOY
    row = db.session.execute(
        select(Merchant, WebhookSecret.secret)
        .join(WebhookSecret, WebhookSecret.merchant_id == Merchant.id)
        .where(Merchant.slug == slug, WebhookSecret.provider == provider)
    ).first()
    if row is None or not row.secret:
        return None, _DECOY
    return row.Merchant, row.secret


def already_merged(merchant: Merchant, provider: str, delivery_id: str) -> bool:
    return db.session.scalar(
        select(WebhookDelivery.id).filter_by(
            merchant_id=merchant.id, provider=provider, delivery_id=delivery_id)
    ) is not None


def find_shipment(merchant: Merchant, push: Push) -> Shipment | None:
    """The merchant's shipment with the pushed number, locked for the merge.

    With a carrier we know, only a shipment of that carrier matches; otherwise the number alone
    must name exactly one of the merchant's shipments.
    """
    query = select(Shipment).where(
        Shipment.merchant_id == merchant.id, Shipment.tracking_number == push.tracking_number)
    if push.carrier:
        query = query.where(Shipment.carrier == push.carrier)
    found = db.session.scalars(
        query.order_by(Shipment.id).limit(2).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if len(found) > 1:
        log.warning("merchant %s has several shipments numbered %s: push ignored",
                    merchant.slug, push.tracking_number)
    return found[0] if len(found) == 1 else None


def ingest(provider: str, merchant: Merchant, push: Push, delivery_id: str) -> tuple[dict, int]:
    """Merge a verified push; returns the JSON answer and its status. Commits.

    A concurrent merge of the same scans (another delivery, or the poller) can collide on the
    unique constraints: the loser rolls back and tries once more, finding them stored.
    """
    try:
        return _ingest_once(provider, merchant, push, delivery_id)
    except IntegrityError:
        db.session.rollback()
    return _ingest_once(provider, merchant, push, delivery_id)


def _ingest_once(provider: str, merchant: Merchant, push: Push, delivery_id: str):
    if already_merged(merchant, provider, delivery_id):
        return {"status": "duplicate"}, 200
    shipment = find_shipment(merchant, push)
    if shipment is None:
        log.info("%s push for unknown number %s (merchant %s) ignored",
                 provider, push.tracking_number, merchant.slug)
        db.session.rollback()  # release the lock; nothing was written
        return {"status": "ignored"}, 202
    delivery = WebhookDelivery(merchant_id=merchant.id, provider=provider, delivery_id=delivery_id,
                               shipment_id=shipment.id)
    db.session.add(delivery)
    db.session.flush()  # a concurrent redelivery stops here, on the unique constraint
    earliest, latest = eta_window(push.eta, shipment.local_zone)
    result = TrackResult(
        push.tracking_number, events=push.events, estimated_delivery_earliest=earliest,
        estimated_delivery_latest=latest, signed_by=push.signed_by,
    )
    merged = timeline.merge(shipment, result, source=f"webhook:{provider}")
    delivery.events_added = merged.added
    db.session.commit()
    return {"status": "processed", "events_added": merged.added,
            "events_skipped": push.skipped}, 200
