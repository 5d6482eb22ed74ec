"""After a poll: the shipment's next due time, expiry, stall flag, and the claim given back."""
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from ..carriers import known_carriers
from ..extensions import db
from ..models import Shipment
from ..status import Status, is_final
from . import policy, quota
from .stall import is_stalled


def poll_state(shipment: Shipment) -> policy.PollState:
    """What the policy needs to know about a shipment."""
    return policy.PollState(
        status=shipment.status, substatus=shipment.substatus, registered_at=shipment.created_at,
        last_event_at=shipment.last_event_at, eta_earliest=shipment.estimated_delivery_earliest,
        timezone=shipment.local_zone, final_checks=shipment.final_checks or 0,
    )


def after_success(shipment: Shipment, now: datetime, was_final: bool,
                  budget: policy.Budget = policy.Budget()) -> None:
    """A poll answered: expire or flag silence, count a late check, and set the next poll.

    `budget`: the carrier's cap and the shipment's earlier polls in the last 24 h (not this one).
    """
    shipment.last_polled_at = now
    shipment.poll_failures = 0
    shipment.last_poll_error = None
    _expire_or_flag(shipment, now)
    if was_final and is_final(shipment.status, shipment.substatus):
        shipment.final_checks = (shipment.final_checks or 0) + 1
    state = replace(poll_state(shipment), budget=budget.with_poll(now))
    _release(shipment, policy.next_poll(state, now, current_app.config["POLL_POLICY"]))


def after_failure(shipment: Shipment, now: datetime, retry_after: float | None,
                  budget: policy.Budget = policy.Budget()) -> None:
    """A poll failed: wait what the carrier asked, else back off exponentially with jitter.

    A failed fetch still counts against the carrier's cap (`budget`, as for `after_success`).
    """
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
    _release(shipment, max(now + wait, budget.with_poll(now).frees_at(now)))


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
    For a carrier with a cap on polls per day, never sooner than the cap allows (`_cap_floor`).
    """
    params = current_app.config["POLL_POLICY"]
    soon = policy.bumped(next_poll_at, last_polled_at, now, params, explicit=explicit)
    if soon is None:  # most views: nothing to move, and nothing read
        return None
    floor = _cap_floor(shipment_id, now, params)
    if floor is not None:
        soon = policy.bumped(next_poll_at, last_polled_at, now, params, explicit=explicit,
                             not_before=floor)
        if soon is None:
            return None
    unpolled_since = []  # a poll after the budget was read spent what the floor counted as free
    if floor is not None:
        unpolled_since = [Shipment.last_polled_at.is_(None) if last_polled_at is None
                          else Shipment.last_polled_at == last_polled_at]
    db.session.execute(
        update(Shipment)
        .where(Shipment.id == shipment_id, *unpolled_since,
               or_(Shipment.next_poll_at > soon, Shipment.next_poll_at.is_(None)))
        .values(next_poll_at=soon, updated_at=Shipment.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return soon


def _cap_floor(shipment_id: int, now: datetime, params: dict) -> datetime | None:
    """The soonest poll the carrier's cap per day allows; None for a carrier without a cap."""
    shipment = db.session.get(Shipment, shipment_id)
    per_day = quota.max_polls_per_day(known_carriers().get(shipment.carrier)) if shipment else None
    if not per_day:
        return None
    budget = quota.budgets([shipment_id], per_day, now)[shipment_id]
    return policy.allowed_from(budget, now, poll_state(shipment).timezone, params)
