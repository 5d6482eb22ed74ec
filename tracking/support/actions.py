"""Support actions that leave the shipment's identity alone: re-poll now, add a note, resend the link."""
import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..console.access import login_required_role, own_or_404
from ..console.forms import PostForm
from ..console.overview import STATUS_NAMES
from ..extensions import db, htmx
from ..models import Shipment, ShipmentNote
from ..polling.now import PollNow, poll_now
from . import audit
from .detail import OUTCOME_NAMES, render_detail
from .forms import NoteForm, ResendForm

log = logging.getLogger(__name__)


def repoll_and_record(shipment: Shipment, token: str | None = None, action: str = "repoll") -> PollNow:
    """Poll the shipment now and, unless a worker held it, log what the poll changed."""
    before = {"status": shipment.status, "substatus": shipment.substatus}
    shipment_id = shipment.id
    result = poll_now(shipment_id, token=token)
    if not result.busy and action:
        shipment = db.session.get(Shipment, shipment_id)
        changes = audit.changed(before, {"status": shipment.status, "substatus": shipment.substatus})
        changes.update(outcome=[None, result.outcome], new_events=[None, len(result.new_events)])
        audit.record(shipment, action, changes)
        db.session.commit()
    return result


@login_required_role()
def repoll(shipment_id: int):
    """Ask the carrier now; htmx gets the result partial in place, others the whole page."""
    shipment = own_or_404(Shipment, shipment_id)
    if not PostForm().validate_on_submit():
        abort(400)
    result = repoll_and_record(shipment)
    shipment = db.session.get(Shipment, shipment_id)
    if htmx:
        return render_template("support/_repoll_result.html", result=result, shipment=shipment,
                               status_names=STATUS_NAMES, outcome_names=OUTCOME_NAMES)
    return render_detail(shipment, repoll_result=result)


@login_required_role()
def add_note(shipment_id: int):
    """Keep an internal note on the shipment."""
    shipment = own_or_404(Shipment, shipment_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_detail(shipment, 422, note_form=form)
    note = ShipmentNote(merchant_id=shipment.merchant_id, shipment_id=shipment.id,
                        user_id=current_user.id, body=form.body.data)
    db.session.add(note)
    audit.record(shipment, "note_added", {"note": [None, form.body.data]})
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for("support.shipment", shipment_id=shipment.id, _anchor="notes"))


def _sender():
    """tracking.messages.send_tracking_link, or None when messaging is not installed."""
    try:
        from ..messages import send_tracking_link
    except ImportError:
        return None
    return send_tracking_link


@login_required_role()
def resend(shipment_id: int):
    """Send the tracking link to the customer again, through the merchant's message templates."""
    shipment = own_or_404(Shipment, shipment_id)
    form = ResendForm()
    if not form.validate_on_submit():
        return render_detail(shipment, 422, resend_form=form)
    send = _sender()
    if send is None:
        flash(_("Messages cannot be sent from this server yet."), "error")
        return redirect(url_for("support.shipment", shipment_id=shipment.id, _anchor="actions"))
    channel = form.channel.data
    try:
        result = send(shipment, channel)
    except Exception:  # a mail or SMS gateway failure must not lose the agent's page
        log.exception("resending the tracking link of shipment %s failed", shipment.id)
        db.session.rollback()
        flash(_("The message could not be sent. Please try again later."), "error")
        return redirect(url_for("support.shipment", shipment_id=shipment.id, _anchor="actions"))
    audit.record(shipment, "link_resent", {
        "channel": [None, channel], "recipient": [None, result.recipient],
        "sent": [None, bool(result.ok)]}, reason=None if result.ok else result.error)
    db.session.commit()
    if result.ok:
        flash(_("The tracking link was sent to %(recipient)s.", recipient=result.recipient), "success")
    else:
        flash(_("The tracking link was not sent: %(error)s", error=result.error or _("unknown error")),
              "error")
    return redirect(url_for("support.shipment", shipment_id=shipment.id, _anchor="actions"))
