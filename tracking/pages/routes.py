"""Shopper pages: the tracking page, its live partial, and the order lookup."""
from flask import (Blueprint, abort, current_app, g, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import get_locale
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from ..extensions import db, htmx, limiter
from ..models import Merchant, Order, Shipment
from ..models.types import utcnow
from . import lookup, page_views
from .branding import offered_locales
from .forms import NumberLookupForm, OrderLookupForm
from .render_cache import RenderCache
from ..polling.schedule import bring_forward
from .view import is_late, shipment_view

page_cache = RenderCache()

bp = Blueprint("pages", __name__)


def use_merchant(merchant: Merchant, order_locale: str | None = None) -> None:
    """Make the merchant's brand and language fallbacks available to templates and Babel."""
    g.merchant = merchant
    g.merchant_locale = merchant.default_locale
    g.merchant_timezone = merchant.timezone
    g.offered_locales = offered_locales(merchant, current_app.config["LANGUAGES"])
    g.order_locale = order_locale


def _page_state_query():
    """Built once: composing a statement costs more than running it on an indexed token."""
    sibling = aliased(Shipment)
    order_version = (
        select(func.max(sibling.updated_at)).where(sibling.order_id == Shipment.order_id)
        .correlate(Shipment).scalar_subquery()
    )
    return (
        select(Shipment.id, Shipment.status, Shipment.substatus, Shipment.stalled,
               Shipment.estimated_delivery_latest, Shipment.locale, Order.locale,
               Merchant.default_locale, Merchant.timezone, order_version.label("order_version"),
               Shipment.next_poll_at, Shipment.last_polled_at,
               Merchant.updated_at.label("merchant_version"),
               Shipment.merchant_id, Merchant.locales_offered)
        .join(Order, Order.id == Shipment.order_id).join(Merchant, Merchant.id == Shipment.merchant_id)
        .where(Shipment.public_token == bindparam("token"))
    )


PAGE_STATE = _page_state_query()


def page_state(token: str):
    """One light query: what picks the language and what says whether a cached page is current."""
    row = db.session.execute(PAGE_STATE, {"token": token}).one_or_none()
    if row is None:
        abort(404)
    g.merchant_locale, g.merchant_timezone = row[7], row[8]
    g.order_locale = row[5] or row[6]
    g.offered_locales = offered_locales(row.locales_offered, current_app.config["LANGUAGES"])
    g.page_state = row
    return row


def render_key(state, now, *parts) -> tuple:
    """What a cached rendering of a shipment's page (or of a partial of it) depends on: `parts`,
    the language, the versions of the order's shipments and of the merchant (branding, offers,
    catalogue), and lateness and stall, which move with the clock rather than with a write."""
    return (*parts, str(get_locale()), request.args.get("lang"), state.order_version,
            is_late(state.estimated_delivery_latest, state.status, state.substatus, now),
            state.stalled, state.merchant_version)


def _render_page(token: str, template: str):
    """The page or partial, from the render cache when nothing it shows has changed."""
    state = page_state(token)
    now = utcnow()
    bring_forward(state.id, state.next_poll_at, state.last_polled_at, now)  # someone is looking
    body = page_cache.get(key := render_key(state, now, template, token))
    if body is None:
        shipment = db.session.get(Shipment, state.id)
        use_merchant(shipment.merchant, g.order_locale)
        body = render_template(template, **shipment_view(shipment)).encode()
        page_cache.put(key, body)
    response = make_response(body)
    response.mimetype = "text/html"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(("HX-Request", "Accept-Language"))
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/t/<token>")
def track(token: str):
    """The branded tracking page; for htmx, only its live partial."""
    if htmx:
        return _render_page(token, "pages/_live.html")
    response = _render_page(token, "pages/track.html")
    state = g.page_state
    page_views.record_view(state.merchant_id, state.id, state.timezone, utcnow())
    return response


@bp.get("/t/<token>/status")
def status(token: str):
    """The live partial alone: headline, ETA, progress, timeline."""
    return _render_page(token, "pages/_live.html")


@bp.route("/<slug>/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"], methods=["POST"])
def lookup_page(slug: str):
    """Find an order (number + email or postal code) or a parcel (tracking number alone)."""
    merchant = db.session.scalar(select(Merchant).filter_by(slug=slug))
    if merchant is None:
        abort(404)
    return _lookup(merchant)


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"], methods=["POST"])
def domain_lookup_page():
    """The lookup page of the merchant whose custom domain this is (pages.hosts sets it)."""
    merchant = g.get("domain_merchant")
    if merchant is None:
        abort(404)
    return _lookup(merchant)


def _lookup(merchant: Merchant):
    use_merchant(merchant)
    order_form, number_form = OrderLookupForm(prefix="order"), NumberLookupForm(prefix="number")
    found, not_found = None, False
    if request.method == "POST":
        if "order-order_number" in request.form and order_form.validate_on_submit():
            shipment = lookup.find_order_shipment(
                merchant, order_form.order_number.data, order_form.contact.data
            )
            if shipment is not None:
                return redirect(url_for("pages.track", token=shipment.public_token, **_lang_arg()))
            not_found = True
        elif "number-tracking_number" in request.form and number_form.validate_on_submit():
            found = lookup.find_by_number(merchant, number_form.tracking_number.data)
            not_found = found is None
    context = {"order_form": order_form, "number_form": number_form, "not_found": not_found}
    if found is not None:
        context.update(shipment_view(found), limited=True)
    response = make_response(render_template("pages/lookup.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def _lang_arg() -> dict:
    lang = request.args.get("lang")
    return {"lang": lang} if lang else {}
