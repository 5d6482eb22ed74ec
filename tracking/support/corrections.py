"""Support corrections: put a shipment on the right carrier, or override its status or ETA."""
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..carriers.detect import candidates, detect
from ..console.access import current_merchant, login_required_role, own_or_404
from ..extensions import db
from ..models import Shipment
from ..models.types import utcnow
from ..polling.now import claim, release
from ..shipments import find_existing
from ..signals import shipment_status_changed
from ..status import Status
from . import audit
from .actions import repoll_and_record
from .detail import carrier_name, render_detail
from .forms import CarrierForm, OverrideForm, to_utc

WATCHED = ("status", "substatus", "estimated_delivery_earliest", "estimated_delivery_latest")
# What a new carrier starts from: nothing learnt from the wrong one survives.
FRESH = {"status": Status.PENDING.value, "substatus": None, "progress": 0, "last_event_at": None,
         "estimated_delivery_earliest": None, "estimated_delivery_latest": None,
         "delivered_at": None, "signed_by": None, "service": None, "stalled": False,
         "poll_failures": 0, "final_checks": 0, "last_poll_error": None,
         "override_status": None, "override_substatus": None, "override_eta_earliest": None,
         "override_eta_latest": None, "override_reason": None, "override_at": None,
         "override_by_id": None}


def _snapshot(shipment: Shipment, names) -> dict:
    return {name: getattr(shipment, name) for name in names}


def _locked(shipment_id: int) -> Shipment:
    """The merchant's shipment, row-locked until commit so a worker's merge cannot interleave."""
    shipment = own_or_404(Shipment, shipment_id)
    db.session.refresh(shipment, with_for_update=True)
    return shipment


def _carrier_problem(shipment: Shipment, code: str | None) -> str | None:
    """Why the shipment cannot move to carrier `code`, or None."""
    number = shipment.tracking_number
    if not code:
        return _("No single carrier could be told from this number: choose one.")
    if code == shipment.carrier:
        return _("This shipment is on %(carrier)s already.", carrier=carrier_name(code))
    if code not in {c.carrier for c in candidates(number)}:
        return _("%(number)s is not a valid %(carrier)s tracking number.", number=number,
                 carrier=carrier_name(code))
    if find_existing(current_merchant(), code, number) is not None:
        return _("Your shop already has %(carrier)s shipment %(number)s.", number=number,
                 carrier=carrier_name(code))
    return None


def _refuse(shipment: Shipment, form, message: str, status: int = 422):
    form.carrier.errors = [message]
    return render_detail(shipment, status, carrier_form=form)


@login_required_role()
def correct_carrier(shipment_id: int):
    """Move the shipment to the carrier the agent picked (or detection finds), then poll it."""
    shipment = own_or_404(Shipment, shipment_id)
    form = CarrierForm()
    if not form.validate_on_submit():
        return render_detail(shipment, 422, carrier_form=form)
    code = form.carrier.data or detect(shipment.tracking_number)
    if problem := _carrier_problem(shipment, code):
        return _refuse(shipment, form, problem)
    token = claim(shipment.id)  # no worker may merge the old carrier's answer into the new one
    if token is None:
        return _refuse(shipment, form, _("The shipment is being polled right now: try again in a "
                                         "moment."), 409)
    shipment = _locked(shipment_id)
    removed = len(shipment.events)
    before = _snapshot(shipment, ["carrier", *FRESH])
    shipment.events.clear()
    shipment.carrier = code
    for name, value in FRESH.items():
        setattr(shipment, name, value)
    shipment.next_poll_at = utcnow()
    changes = audit.changed(before, _snapshot(shipment, ["carrier", *FRESH]))
    changes["events_removed"] = [removed, 0]
    audit.record(shipment, "carrier_corrected", changes)
    try:
        db.session.commit()
    except IntegrityError:  # another agent or the API registered it meanwhile
        db.session.rollback()
        release(shipment_id, token)
        return _refuse(own_or_404(Shipment, shipment_id), CarrierForm(),
                       _("Your shop already has %(carrier)s shipment %(number)s.",
                         number=shipment.tracking_number, carrier=carrier_name(code)))
    result = repoll_and_record(shipment, token=token, action=None)  # part of this correction
    flash(_("The shipment is now on %(carrier)s; it was polled at once (%(outcome)s).",
            carrier=carrier_name(code), outcome=result.outcome), "success")
    return redirect(url_for("support.shipment", shipment_id=shipment_id))


@login_required_role()
def override(shipment_id: int):
    """Override the status and/or the delivery window, with a mandatory reason."""
    shipment = own_or_404(Shipment, shipment_id)
    form = OverrideForm()
    if not form.validate_on_submit():
        return render_detail(shipment, 422, override_form=form)
    shipment = _locked(shipment_id)
    zone = shipment.merchant.timezone
    earliest, latest = to_utc(form.eta_earliest.data, zone), to_utc(form.eta_latest.data, zone)
    before, now = _snapshot(shipment, WATCHED), utcnow()
    if form.status.data:
        shipment.override_status = shipment.status = form.status.data
        shipment.override_substatus = shipment.substatus = form.substatus.data or None
        if shipment.status == Status.DELIVERED and shipment.delivered_at is None:
            shipment.delivered_at = now
    if earliest or latest:
        shipment.override_eta_earliest = shipment.estimated_delivery_earliest = earliest or latest
        shipment.override_eta_latest = shipment.estimated_delivery_latest = latest or earliest
    changes = audit.changed(before, _snapshot(shipment, WATCHED))
    if not changes:
        db.session.rollback()
        form.status.errors = [_("The shipment shows exactly this already.")]
        return render_detail(own_or_404(Shipment, shipment_id), 422, override_form=form)
    shipment.override_at, shipment.override_by_id = now, current_user.id
    shipment.override_reason = form.reason.data
    audit.record(shipment, "override", changes, reason=form.reason.data)
    if shipment.status != before["status"]:  # outbound webhooks and the like follow the change
        shipment_status_changed.send(shipment, previous=before["status"], status=shipment.status)
    db.session.commit()
    flash(_("Override saved. It stands until the carrier reports a newer scan."), "success")
    return redirect(url_for("support.shipment", shipment_id=shipment_id))
