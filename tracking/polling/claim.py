"""Claiming due shipments so that each is polled by one worker at a time."""
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Shipment
from ..models.types import utcnow


def new_claim_token() -> str:
    """Identifies one polling round of one worker process."""
    return uuid.uuid4().hex


def claim_due(token: str, limit: int, lease_seconds: int, now: datetime) -> list[Shipment]:
    """Atomically mark up to `limit` due, unclaimed shipments as ours and return them.

    One UPDATE statement does it: SQLite serialises it, and on PostgreSQL the inner
    SELECT skips rows another worker has locked. A claim whose lease ran out (its worker
    died) is due again.
    """
    due = (
        select(Shipment.id)
        .where(
            Shipment.next_poll_at <= now,
            or_(Shipment.claim_expires_at.is_(None), Shipment.claim_expires_at < now),
        )
        .order_by(Shipment.next_poll_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # `now` decides what is due and may be held fixed for a whole drain; the lease is measured
    # on the real clock, or a long drain would hand out claims that have already run out.
    expires = max(now, utcnow()) + timedelta(seconds=lease_seconds)
    # RETURNING hands back the ids, so no second scan for our token (claimed_by has no index);
    # updated_at is kept, as a claim changes nothing a page shows.
    ids = list(db.session.scalars(
        update(Shipment)
        .where(Shipment.id.in_(due.scalar_subquery()))
        .values(claimed_by=token, claim_expires_at=expires, updated_at=Shipment.updated_at)
        .returning(Shipment.id)
        .execution_options(synchronize_session=False)
    ))
    db.session.commit()
    if not ids:
        return []
    return list(db.session.scalars(select(Shipment).where(Shipment.id.in_(ids)).order_by(Shipment.id)))


def lock_if_still_ours(shipment_id: int, token: str) -> Shipment | None:
    """The shipment, row-locked until commit, if our claim on it still holds.

    A worker slower than its lease may find the shipment taken over: it must not write.
    """
    return db.session.scalar(
        select(Shipment).where(Shipment.id == shipment_id, Shipment.claimed_by == token)
        .with_for_update()
    )


def lock_all_still_ours(shipment_ids, token: str) -> list[Shipment]:
    """The job's shipments we still hold, row-locked until commit, with what merging reads."""
    return list(db.session.scalars(
        select(Shipment)
        .where(Shipment.id.in_(shipment_ids), Shipment.claimed_by == token)
        .options(selectinload(Shipment.events), joinedload(Shipment.merchant))
        .with_for_update(of=Shipment)
    ).unique())
