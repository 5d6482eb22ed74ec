"""The delivery log the console shows, and its pruning."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Merchant, OutboundAttempt, OutboundDelivery, WebhookMessage
from ..models.types import utcnow

STATUSES = ("pending", "succeeded", "failed", "dead")


def delivery_log(merchant: Merchant, *, endpoint_id: int | None = None, status: str | None = None,
                 shipment_id: int | None = None, event_type: str | None = None,
                 before_id: int | None = None, limit: int = 50) -> list[OutboundDelivery]:
    """The merchant's deliveries, newest first, with message, endpoint and attempts loaded.

    Page on with `before_id=<id of the last row shown>`.
    """
    query = (
        select(OutboundDelivery).join(OutboundDelivery.message)
        .where(OutboundDelivery.merchant_id == merchant.id)
        .options(joinedload(OutboundDelivery.message), joinedload(OutboundDelivery.endpoint),
                 selectinload(OutboundDelivery.attempt_log))
        .order_by(OutboundDelivery.id.desc()).limit(limit)
    )
    if endpoint_id is not None:
        query = query.where(OutboundDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(OutboundDelivery.status == status)
    if shipment_id is not None:
        query = query.where(WebhookMessage.shipment_id == shipment_id)
    if event_type is not None:
        query = query.where(WebhookMessage.event_type == event_type)
    if before_id is not None:
        query = query.where(OutboundDelivery.id < before_id)
    return list(db.session.scalars(query).unique())


def get_delivery(merchant: Merchant, delivery_id: int) -> OutboundDelivery | None:
    """The merchant's delivery with this id; None when missing or another merchant's."""
    delivery = db.session.get(OutboundDelivery, delivery_id)
    return delivery if delivery is not None and delivery.merchant_id == merchant.id else None


def prune(now: datetime | None = None) -> int:
    """Delete messages older than OUTBOUND_WEBHOOKS_RETENTION_DAYS, with their log; how many.

    A message with a delivery still queued is kept until that ends.
    """
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["OUTBOUND_WEBHOOKS_RETENTION_DAYS"])
    queued = exists().where(OutboundDelivery.message_id == WebhookMessage.id,
                            OutboundDelivery.status.in_(("pending", "failed")))
    old = select(WebhookMessage.id).where(WebhookMessage.created_at < cutoff, ~queued)
    ids = list(db.session.scalars(old))
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        chains = select(OutboundDelivery.id).where(OutboundDelivery.message_id.in_(batch))
        for statement in (
            delete(OutboundAttempt).where(OutboundAttempt.delivery_id.in_(chains)),
            delete(OutboundDelivery).where(OutboundDelivery.message_id.in_(batch)),
            delete(WebhookMessage).where(WebhookMessage.id.in_(batch)),
        ):
            db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()
    return len(ids)
