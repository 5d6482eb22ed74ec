"""Delivering queued webhook messages: claim due deliveries, POST them signed, retry with backoff."""
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import OutboundAttempt, OutboundDelivery, WebhookMessage
from ..models.types import utcnow
from .sender import Outcome, send
from .signing import signing_secrets

log = logging.getLogger(__name__)

QUEUED = ("pending", "failed")


@dataclass
class DeliverySummary:
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    dead: int = 0

    def add(self, other: "DeliverySummary") -> None:
        """Fold another round's counts into this one."""
        for name in ("claimed", "succeeded", "failed", "dead"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return (f"claimed={self.claimed} succeeded={self.succeeded} failed={self.failed} "
                f"dead={self.dead}")


@dataclass(frozen=True)
class Job:
    """One claimed delivery as plain data a thread can carry."""

    delivery_id: int
    message_id: str
    url: str
    body: str
    secrets: tuple[str, ...]


def deliver_all_due(now: datetime | None = None,
                    stopping: threading.Event | None = None) -> DeliverySummary:
    """Deliver batches until nothing is due at `now` (a failure is due again only later), or
    until `stopping` is set (checked between batches)."""
    now = now or utcnow()
    total = DeliverySummary()
    while stopping is None or not stopping.is_set():
        summary = deliver_due(now)
        total.add(summary)
        if summary.claimed < current_app.config["OUTBOUND_WEBHOOKS_BATCH_SIZE"]:
            break
    return total


def deliver_due(now: datetime | None = None, limit: int | None = None) -> DeliverySummary:
    """Claim up to `limit` deliveries due at `now`, try each once, record how it went."""
    cfg = current_app.config
    now = now or utcnow()
    token = uuid.uuid4().hex
    claimed = claim_due(token, limit or cfg["OUTBOUND_WEBHOOKS_BATCH_SIZE"],
                        cfg["OUTBOUND_WEBHOOKS_CLAIM_SECONDS"], now)
    summary = DeliverySummary(claimed=len(claimed))
    jobs = []
    for delivery in claimed:
        if not delivery.endpoint.active:
            _finish(delivery, "dead", error="endpoint disabled", summary=summary)
            continue
        jobs.append(Job(delivery.id, delivery.message_id, delivery.endpoint.url,
                        delivery.message.payload, tuple(signing_secrets(delivery.endpoint, now))))
    db.session.commit()  # no transaction stays open while receivers answer
    app = current_app._get_current_object()
    threads = min(cfg["OUTBOUND_WEBHOOKS_THREADS"], len(jobs))
    if threads <= 1:
        parts = [run_job(job, token, now) for job in jobs]
    else:
        with ThreadPoolExecutor(threads, thread_name_prefix="outbound") as pool:
            parts = list(pool.map(lambda job: _in_context(app, job, token, now), jobs))
    for part in parts:
        summary.add(part)
    return summary


def claim_due(token: str, limit: int, lease_seconds: int, now: datetime) -> list[OutboundDelivery]:
    """Atomically mark up to `limit` due, unclaimed deliveries as ours (as polling.claim does)."""
    due = (
        select(OutboundDelivery.id)
        .where(
            OutboundDelivery.next_attempt_at <= now,
            OutboundDelivery.status.in_(QUEUED),
            or_(OutboundDelivery.claim_expires_at.is_(None),
                OutboundDelivery.claim_expires_at < now),
        )
        .order_by(OutboundDelivery.next_attempt_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    expires = max(now, utcnow()) + timedelta(seconds=lease_seconds)
    db.session.execute(
        update(OutboundDelivery)
        .where(OutboundDelivery.id.in_(due.scalar_subquery()))
        .values(claimed_by=token, claim_expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(
        select(OutboundDelivery).where(OutboundDelivery.claimed_by == token)
        .options(joinedload(OutboundDelivery.message), joinedload(OutboundDelivery.endpoint))
        .order_by(OutboundDelivery.id)
    ))


def _in_context(app: Flask, job: Job, token: str, now: datetime) -> DeliverySummary:
    with app.app_context():
        try:
            return run_job(job, token, now)
        finally:
            db.session.remove()


def run_job(job: Job, token: str, now: datetime) -> DeliverySummary:
    """Send one delivery and store the outcome, if our claim on it still holds."""
    summary = DeliverySummary()
    outcome = send(job.url, job.message_id, job.body, list(job.secrets))
    try:
        delivery = db.session.scalar(
            select(OutboundDelivery)
            .where(OutboundDelivery.id == job.delivery_id, OutboundDelivery.claimed_by == token)
            .with_for_update())
        if delivery is None:
            log.warning("claim on outbound delivery %s was taken over; outcome dropped",
                        job.delivery_id)
            db.session.rollback()
            return summary
        _record(delivery, outcome, now, summary)
        db.session.commit()
    except Exception:
        log.exception("could not record outbound delivery %s", job.delivery_id)
        db.session.rollback()  # the claim runs out and the delivery is tried again
    return summary


def _record(delivery: OutboundDelivery, outcome: Outcome, now: datetime,
            summary: DeliverySummary) -> None:
    """Log the try and move the chain on: succeeded, failed with a retry due, or dead."""
    at = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = at
    delivery.last_status_code = outcome.status_code
    delivery.last_response_excerpt = outcome.excerpt
    db.session.add(OutboundAttempt(delivery_id=delivery.id, attempted_at=at,
                                   status_code=outcome.status_code, error=outcome.error,
                                   response_excerpt=outcome.excerpt,
                                   duration_ms=outcome.duration_ms))
    schedule = current_app.config["OUTBOUND_WEBHOOKS_RETRY_SCHEDULE"]
    if outcome.ok:
        _finish(delivery, "succeeded", None, summary)
        delivery.delivered_at = at
    elif delivery.attempts > len(schedule):
        _finish(delivery, "dead", outcome.error, summary)
    else:
        delivery.status, delivery.last_error = "failed", outcome.error
        delivery.next_attempt_at = max(now, at) + timedelta(seconds=schedule[delivery.attempts - 1])
        delivery.claimed_by = delivery.claim_expires_at = None
        summary.failed += 1


def _finish(delivery: OutboundDelivery, status: str, error: str | None,
            summary: DeliverySummary) -> None:
    """Close a chain: nothing more is due on it."""
    delivery.status, delivery.last_error = status, error
    delivery.next_attempt_at = delivery.claimed_by = delivery.claim_expires_at = None
    setattr(summary, status, getattr(summary, status) + 1)


def replay(target: OutboundDelivery | WebhookMessage | int | str, merchant=None,
           now: datetime | None = None) -> OutboundDelivery:
    """Send a message again: a new delivery chain, due now, with the same `webhook-id`.

    `target` is a delivery, a message, a delivery id (int) or a message id ("msg_..."). With
    `merchant`, a target of another merchant raises LookupError, as a missing one does. While a
    chain of the message is still queued, that one is brought forward instead of adding another.
    Raises ValueError when the endpoint is disabled. The caller commits.
    """
    now = now or utcnow()
    message = _message_of(target)
    if message is None or (merchant is not None and message.merchant_id != merchant.id):
        raise LookupError(_("No such webhook message."))
    if not message.endpoint.active:
        raise ValueError(_("This endpoint is disabled: enable it before sending messages again."))
    for chain in message.deliveries:
        if chain.status in QUEUED:
            chain.next_attempt_at = now
            return chain
    latest = message.deliveries[-1] if message.deliveries else None
    chain = OutboundDelivery(message=message, merchant_id=message.merchant_id,
                             endpoint_id=message.endpoint_id, status="pending",
                             next_attempt_at=now, created_at=now,
                             replay_of_id=latest.id if latest else None)
    db.session.add(chain)
    return chain


def _message_of(target) -> WebhookMessage | None:
    if isinstance(target, WebhookMessage):
        return target
    if isinstance(target, OutboundDelivery):
        return target.message
    if isinstance(target, int):
        delivery = db.session.get(OutboundDelivery, target)
        return delivery.message if delivery else None
    return db.session.get(WebhookMessage, str(target))
