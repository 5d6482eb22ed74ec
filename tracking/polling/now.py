"""Polling one shipment now, on an agent's request, through the worker's own code path."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..models import PollRecord, Shipment, TrackingEvent
from ..models.types import utcnow
from .claim import new_claim_token
from .poller import PollSummary, plan_jobs, run_job

BUSY = "claimed_elsewhere"  # a worker (or another agent) holds the claim right now
DEFERRED = ("circuit_open", "rate_limited")  # handed back unpolled, due again later


@dataclass
class PollNow:
    """What polling one shipment came to: the outcome (an Outcome value, `circuit_open`,
    `rate_limited` or BUSY), the carrier's detail, the events it added, and its poll record."""

    outcome: str
    detail: str | None = None
    new_events: list[TrackingEvent] = field(default_factory=list)
    record: PollRecord | None = None
    due_again_at: datetime | None = None

    @property
    def busy(self) -> bool:
        return self.outcome == BUSY


def claim(shipment_id: int, now: datetime | None = None) -> str | None:
    """Claim one shipment, due or not, with the workers' lease; the token, or None if held."""
    now = now or utcnow()
    token = new_claim_token()
    expires = now + timedelta(seconds=current_app.config["POLL_CLAIM_SECONDS"])
    taken = db.session.scalar(
        update(Shipment)
        .where(Shipment.id == shipment_id,
               or_(Shipment.claim_expires_at.is_(None), Shipment.claim_expires_at < now))
        .values(claimed_by=token, claim_expires_at=expires, updated_at=Shipment.updated_at)
        .returning(Shipment.id)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return token if taken is not None else None


def release(shipment_id: int, token: str) -> None:
    """Give back a claim taken with `claim` without polling (the schedule is left as it was)."""
    db.session.execute(
        update(Shipment).where(Shipment.id == shipment_id, Shipment.claimed_by == token)
        .values(claimed_by=None, claim_expires_at=None, updated_at=Shipment.updated_at)
        .execution_options(synchronize_session=False))
    db.session.commit()


def poll_now(shipment_id: int, token: str | None = None, now: datetime | None = None) -> PollNow:
    """Poll the shipment at once, as a worker would: same claim, circuit breaker, quota, merge,
    schedule and poll record. Pass the `token` of a claim already held, or one is taken here.

    The carrier's HTTP timeouts bound the wait. Commits.
    """
    now = now or utcnow()
    token = token or claim(shipment_id, now)
    if token is None:
        return PollNow(BUSY)
    known = set(db.session.scalars(select(TrackingEvent.id).filter_by(shipment_id=shipment_id)))
    last_record = db.session.scalar(select(func.max(PollRecord.id))) or 0
    shipment = db.session.get(Shipment, shipment_id)
    summary = PollSummary()
    jobs = plan_jobs([shipment], now, summary)  # an uninstalled carrier is failed and recorded here
    db.session.commit()
    for job in jobs:
        summary.add(run_job(job, token, now))
    db.session.expire_all()
    shipment = db.session.get(Shipment, shipment_id)
    record = db.session.scalar(select(PollRecord).filter_by(shipment_id=shipment_id)
                               .where(PollRecord.id > last_record).order_by(PollRecord.id.desc()))
    outcome = next(iter(summary.by_outcome), None) or (record.outcome if record else "unknown")
    added = [e for e in shipment.events if e.id not in known]
    if record is not None:
        detail = record.detail
    else:  # not polled: deferred (nothing new to say) or not configured (said on the shipment)
        detail = None if outcome in DEFERRED else shipment.last_poll_error
    if shipment.claimed_by == token:  # nothing stored it (the carrier raised mid-store): hand it back
        release(shipment_id, token)
    return PollNow(outcome=outcome, detail=detail, new_events=added, record=record,
                   due_again_at=shipment.next_poll_at)
