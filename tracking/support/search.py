"""Finding a shipment by tracking number, order number, customer email, phone or name, as you type."""
import re
from dataclasses import dataclass

from flask import make_response, redirect, render_template, request, url_for
from sqlalchemy import case, func, or_, select

from ..carriers.detect import normalise as normalise_number
from ..extensions import db, htmx
from ..models import Order, Shipment, TrackingEvent
from ..console.access import login_required_role, scoped
from ..console.overview import STATUS_NAMES

LIMIT = 25  # results shown; a longer list means the query should be narrower
MAX_QUERY = 100
MIN_PHONE_DIGITS = 4  # fewer digits would match half the customers


@dataclass(frozen=True)
class Query:
    """The agent's input in each key's normal form."""

    text: str  # trimmed, as typed
    number: str  # tracking/order number: alphanumerics, upper case
    email: str  # lower case
    digits: str  # phone: digits only

    @classmethod
    def parse(cls, raw: str | None) -> "Query":
        text = " ".join((raw or "").split())[:MAX_QUERY]
        return cls(text=text, number=normalise_number(text), email=text.lower(),
                   digits=re.sub(r"\D", "", text))


def _digits_only(column):
    """The column with the usual phone punctuation removed, in SQL (SQLite and PostgreSQL)."""
    for char in " -().+/":
        column = func.replace(column, char, "")
    return column


def _last_scan():
    """The newest event's description, as a column of the search query."""
    return (select(TrackingEvent.description).where(TrackingEvent.shipment_id == Shipment.id)
            .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc()).limit(1)
            .correlate(Shipment).scalar_subquery())


def search(raw: str | None, limit: int = LIMIT) -> list:
    """The signed-in merchant's shipments matching `raw` on any key, exact tracking numbers
    first, then the newest; rows of (Shipment, Order, last scan description)."""
    q = Query.parse(raw)
    if not q.text:
        return []
    keys = [func.lower(Order.customer_email).contains(q.email, autoescape=True),
            func.lower(Order.customer_name).contains(q.email, autoescape=True),
            func.lower(Order.number).contains(q.email, autoescape=True)]
    if q.number:
        keys.append(Shipment.tracking_number.contains(q.number, autoescape=True))
        keys.append(func.upper(Order.number).contains(q.number, autoescape=True))
    if len(q.digits) >= MIN_PHONE_DIGITS and len(q.digits) * 2 >= len(q.number or "x"):
        keys.append(_digits_only(Order.customer_phone).contains(q.digits, autoescape=True))
    exact = case((Shipment.tracking_number == q.number, 0), (Order.number == q.text, 0), else_=1)
    stmt = (select(Shipment, Order, _last_scan().label("last_scan"))
            .join(Order, Order.id == Shipment.order_id).where(or_(*keys))
            .order_by(exact, Shipment.created_at.desc(), Shipment.id.desc()).limit(limit))
    return db.session.execute(scoped(stmt, Shipment, Order)).all()


@login_required_role()
def index():
    """The support console opens on its search."""
    return redirect(url_for("support.search"))


@login_required_role()
def search_page():
    """The search page; for htmx (typing in the box), only the results partial."""
    q = Query.parse(request.args.get("q"))
    rows = search(q.text)
    context = {"q": q.text, "rows": rows, "limit": LIMIT, "status_names": STATUS_NAMES}
    template = "support/_results.html" if htmx and htmx.target == "results" else "support/search.html"
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response
