"""The exceptions queue: shipments in trouble, stalled or overdue, oldest news first; CSV export."""
import csv
import io

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import and_, func, not_, or_, select

from ..console.access import login_required_role, scoped
from ..console.overview import ATTENTION_STATUSES, STATUS_NAMES
from ..extensions import db
from ..models import Order, Shipment
from ..models.types import utcnow
from ..shipments import tracking_url
from ..status import FINAL_EXCEPTIONS, STATUSES, Status
from .detail import carrier_name

PER_PAGE = 50
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _final():
    """SQL for status.is_final."""
    return or_(Shipment.status.in_((Status.DELIVERED.value, Status.EXPIRED.value)),
               and_(Shipment.status == Status.EXCEPTION.value,
                    Shipment.substatus.in_(sorted(FINAL_EXCEPTIONS))))


def _overdue(now):
    latest = func.coalesce(Shipment.override_eta_latest, Shipment.estimated_delivery_latest)
    return and_(latest.is_not(None), latest < now, not_(_final()))


def filters() -> dict:
    """The queue's filters from the query string, unknown values dropped."""
    carrier, status = request.args.get("carrier", ""), request.args.get("status", "")
    return {"carrier": carrier[:40] or None, "status": status if status in STATUSES else None}


def queue_query(carrier: str | None = None, status: str | None = None, now=None):
    """The merchant's shipments needing attention, oldest news first, with their orders."""
    now = now or utcnow()
    since = func.coalesce(Shipment.last_event_at, Shipment.created_at)
    stmt = (select(Shipment, Order, _overdue(now).label("overdue"))
            .join(Order, Order.id == Shipment.order_id)
            .where(or_(Shipment.status.in_(ATTENTION_STATUSES), Shipment.stalled.is_(True),
                       _overdue(now)))
            .order_by(since, Shipment.id))
    if carrier:
        stmt = stmt.where(Shipment.carrier == carrier)
    if status:
        stmt = stmt.where(Shipment.status == status)
    return scoped(stmt, Shipment, Order)


def reasons(shipment: Shipment, overdue: bool) -> list[str]:
    """Why a shipment is in the queue, in words."""
    found = []
    if shipment.status in ATTENTION_STATUSES:
        found.append(str(STATUS_NAMES[shipment.status]))
    if shipment.stalled:
        found.append(_("Stalled"))
    if overdue:
        found.append(_("Overdue"))
    return found


def _carriers_in_use() -> list[str]:
    return db.session.scalars(scoped(select(Shipment.carrier).distinct().order_by(Shipment.carrier),
                                     Shipment)).all()


@login_required_role()
def queue_page():
    """The queue, PER_PAGE at a time, filtered by carrier and status."""
    chosen = filters()
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    rows = db.session.execute(queue_query(**chosen).offset((page - 1) * PER_PAGE)
                              .limit(PER_PAGE + 1)).all()
    return render_template("support/queue.html", rows=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE,
                           page=page, chosen=chosen, carriers=_carriers_in_use(),
                           statuses=STATUSES, status_names=STATUS_NAMES, reasons=reasons,
                           carrier_name=carrier_name)


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with an apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


@login_required_role()
def queue_csv():
    """The whole filtered queue as CSV, streamed row by row."""
    stmt = queue_query(**filters()).execution_options(yield_per=200)
    header = ["tracking_number", "carrier", "status", "substatus", "reasons", "last_news_at",
              "estimated_delivery_latest", "order_number", "customer_name", "customer_email",
              "tracking_url"]

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for shipment, order, overdue in db.session.execute(stmt):
            writer.writerow([safe_cell(v) for v in (
                shipment.tracking_number, shipment.carrier, shipment.status, shipment.substatus,
                "; ".join(reasons(shipment, overdue)),
                _iso(shipment.last_event_at or shipment.created_at),
                _iso(shipment.estimated_delivery_latest), order.number, order.customer_name,
                order.customer_email, tracking_url(shipment))])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = Response(stream_with_context(lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="exceptions.csv"'
    return response
