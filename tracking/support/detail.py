"""One shipment for support: the shopper's view beside the timeline, raw polls, notes and audit."""
from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..carriers import known_carriers
from ..carriers.detect import candidates
from ..console.access import login_required_role, own_or_404, scoped
from ..console.overview import STATUS_NAMES
from ..extensions import db
from ..models import PollRecord, Shipment, ShipmentNote, User
from ..shipments import tracking_url
from ..timeline import newest_first
from .audit import ACTION_NAMES, entries_for
from .forms import CarrierForm, NoteForm, OverrideForm, ResendForm

POLLS_SHOWN = 20
OUTCOME_NAMES = {
    "ok": _l("Answered"), "not_found": _l("Number not known to the carrier (yet)"),
    "invalid_number": _l("Number refused by the carrier"), "auth_failed": _l("Credentials refused"),
    "throttled": _l("Throttled by the carrier"), "server_error": _l("Carrier server error"),
    "timeout": _l("Timed out"), "network_error": _l("Network error"),
    "bad_response": _l("Unreadable answer"), "not_configured": _l("Carrier not configured"),
}


def recent_polls(shipment: Shipment, limit: int = POLLS_SHOWN) -> list[PollRecord]:
    """The shipment's latest poll records, newest first (the shipment is the caller's own)."""
    return db.session.scalars(select(PollRecord).filter_by(shipment_id=shipment.id)
                              .order_by(PollRecord.id.desc()).limit(limit)).all()


def notes_for(shipment: Shipment) -> list[ShipmentNote]:
    """The shipment's internal notes, newest first."""
    stmt = (select(ShipmentNote).where(ShipmentNote.shipment_id == shipment.id)
            .options(selectinload(ShipmentNote.user)).order_by(ShipmentNote.id.desc()))
    return db.session.scalars(scoped(stmt)).all()


def carrier_name(code: str) -> str:
    """The carrier's display name, or its code when the adapter is not installed."""
    cls = known_carriers().get(code)
    return (cls.name if cls is not None and cls.name else code.upper())


def _override_by(shipment: Shipment) -> User | None:
    """Who set the standing override (a user of the same merchant), if still there."""
    if shipment.override_by_id is None:
        return None
    return db.session.scalar(scoped(select(User).where(User.id == shipment.override_by_id)))


def render_detail(shipment: Shipment, status: int = 200, **forms):
    """The detail page; `forms` replaces any of the blank action forms (to show their errors)."""
    context = {
        "shipment": shipment, "order": shipment.order, "override_by": _override_by(shipment), "events": newest_first(shipment.events),
        "polls": recent_polls(shipment), "notes": notes_for(shipment),
        "audit_entries": entries_for(shipment), "action_names": ACTION_NAMES,
        "outcome_names": OUTCOME_NAMES,
        "status_names": STATUS_NAMES, "carrier_name": carrier_name,
        "candidates": candidates(shipment.tracking_number),
        "tracking_url": tracking_url(shipment),
        "record_days": current_app.config["POLL_RECORD_DAYS"],
        "note_form": NoteForm(), "resend_form": ResendForm(), "carrier_form": CarrierForm(),
        "override_form": OverrideForm(), **forms,
    }
    return render_template("support/shipment.html", **context), status


@login_required_role()
def shipment_page(shipment_id: int):
    """Everything support needs about one of the merchant's shipments."""
    return render_detail(own_or_404(Shipment, shipment_id))
