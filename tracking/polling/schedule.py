"""After a poll: the shipment's next due time, expiry, stall flag, and the claim given back."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from ..extensions import db
from ..models import Shipment
from ..status import Status, is_final
from . import policy
from .stall import is_stalled


def poll_state(shipment: Shipment) -> policy.PollState:
    """What the policy needs to know about a shipment."""
    merchant_tz = shipment.merchant.timezone if shipment.merchant else "UTC"
    return policy.PollState(
        status=shipment.status, substatus=shipment.substatus, registered_at=shipment.created_at,
        last_event_at=shipment.last_event_at, eta_earliest=shipment.estimated_delivery_earliest,
        timezone=merchant_tz or "UTC", final_checks=shipment.final_checks or 0,
    )


def after_success(shipment: Shipment, now: datetime, was_final: bool) -> None:
    """A poll answered: expire or flag silence, count a late check, and set the next poll."""
    shipment.last_polled_at = now
    shipment.poll_failures = 0
    shipment.last_poll_error = None
    _expire_or_flag(shipment, now)
    if was_final and is_final(shipment.status, shipment.substatus):
        shipment.final_checks = (shipment.final_checks or 0) + 1
    _release(shipment, policy.next_poll(poll_state(shipment), now,
                                        current_app.config["POLL_POLICY"]))


def after_failure(shipment: Shipment, now: datetime, retry_after: float | None) -> None:
    """A poll failed: wait what the carrier asked, else back off exponentially with jitter."""
    shipment.last_polled_at = now
    shipment.poll_failures = (shipment.poll_failures or 0) + 1
    _expire_or_flag(shipment, now)
    if retry_after:
        wait = timedelta(seconds=retry_after)
    else:
        base = current_app.config["POLL_RETRY_SECONDS"]
        wait = timedelta(seconds=min(base * 2 ** (shipment.poll_failures - 1), 86400))
        jitter = {**policy.DEFAULTS, **current_app.config["POLL_POLICY"]}["jitter"]
        wait = policy.jittered(wait, jitter)
    _release(shipment, now + wait)


def defer(shipment: Shipment, until: datetime) -> None:
    """Give the claim back unpolled, due again at `until`."""
    _release(shipment, until)


def _expire_or_flag(shipment: Shipment, now: datetime) -> None:
    """No news for EXPIRE_AFTER_DAYS: expired. Quieter than normal for its carrier: stalled."""
    last_news = shipment.last_event_at or shipment.created_at
    if not is_final(shipment.status, shipment.substatus) and \
            now - last_news > timedelta(days=current_app.config["EXPIRE_AFTER_DAYS"]):
        shipment.status, shipment.substatus = Status.EXPIRED.value, None
    shipment.stalled = is_stalled(shipment.carrier, shipment.status, shipment.substatus,
                                  last_news, now)


def _release(shipment: Shipment, next_poll_at: datetime | None) -> None:
    shipment.claimed_by = None
    shipment.claim_expires_at = None
    shipment.next_poll_at = next_poll_at


def bring_forward(shipment_id: int, next_poll_at: datetime | None, last_polled_at: datetime | None,
                  now: datetime, explicit: bool = False) -> datetime | None:
    """Move a shipment up the queue after a view or refresh, within the policy's bounds.

    One conditional UPDATE (no read-modify-write), leaving updated_at alone so cached pages
    stay valid. Returns the new due time, or None when the schedule was left as it was.
    """
    soon = policy.bumped(next_poll_at, last_polled_at, now, current_app.config["POLL_POLICY"],
                         explicit=explicit)
    if soon is None:
        return None
    db.session.execute(
        update(Shipment)
        .where(Shipment.id == shipment_id,
               or_(Shipment.next_poll_at > soon, Shipment.next_poll_at.is_(None)))
        .values(next_poll_at=soon, updated_at=Shipment.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return soon
