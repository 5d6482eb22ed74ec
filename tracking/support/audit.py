"""The audit log: writing one entry per support action, and the merchant's paginated log page."""
from datetime import date, datetime

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AuditEntry, Shipment
from ..console.access import current_merchant_id, login_required_role, scoped

PER_PAGE = 50
ACTION_NAMES = {
    "repoll": _l("Re-polled"), "carrier_corrected": _l("Carrier corrected"),
    "override": _l("Status or ETA overridden"), "note_added": _l("Note added"),
    "link_resent": _l("Tracking link resent"),
}


def _plain(value):
    """A JSON-safe form of a changed value (instants as ISO 8601 in UTC)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def changed(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value differs between `before` and `after`."""
    return {key: [_plain(before.get(key)), _plain(value)] for key, value in after.items()
            if _plain(before.get(key)) != _plain(value)}


def record(shipment: Shipment | None, action: str, changes: dict, reason: str | None = None) -> AuditEntry:
    """Add an audit entry for the signed-in user's action to the session; the caller commits it
    together with the change itself."""
    entry = AuditEntry(merchant_id=current_merchant_id(), user_id=current_user.id,
                       shipment_id=shipment.id if shipment is not None else None,
                       action=action, changes=changes, reason=reason or None)
    db.session.add(entry)
    return entry


def entries_for(shipment: Shipment) -> list[AuditEntry]:
    """The shipment's audit trail, newest first."""
    stmt = (select(AuditEntry).where(AuditEntry.shipment_id == shipment.id)
            .options(selectinload(AuditEntry.user)).order_by(AuditEntry.id.desc()))
    return db.session.scalars(scoped(stmt)).all()


@login_required_role()
def audit_page():
    """Every support action on the merchant's shipments, newest first, PER_PAGE at a time."""
    page = request.args.get("page", 1, type=int)
    page = max(1, min(page, 100_000))
    stmt = (select(AuditEntry).options(selectinload(AuditEntry.user), selectinload(AuditEntry.shipment))
            .order_by(AuditEntry.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1))
    rows = db.session.scalars(scoped(stmt)).all()
    return render_template("support/audit.html", entries=rows[:PER_PAGE], page=page,
                           has_next=len(rows) > PER_PAGE, action_names=ACTION_NAMES)
