"""Shopper pages: the tracking page, its live partial, and the order lookup."""
from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db, htmx, limiter
from ..models import Merchant, Shipment
from . import lookup
from .forms import NumberLookupForm, OrderLookupForm
from .view import shipment_view

bp = Blueprint("pages", __name__)


def _use_merchant(merchant: Merchant, order_locale: str | None = None) -> None:
    """Make the merchant's brand and language fallbacks available to templates and Babel."""
    g.merchant = merchant
    g.merchant_locale = merchant.default_locale
    g.merchant_timezone = merchant.timezone
    g.order_locale = order_locale


def _shipment_or_404(token: str) -> Shipment:
    shipment = db.session.scalar(select(Shipment).filter_by(public_token=token))
    if shipment is None:
        abort(404)
    _use_merchant(shipment.merchant, shipment.locale or shipment.order.locale)
    return shipment


def _fresh(response):
    """Pages change as scans arrive: revalidate every time, cheaply with an ETag."""
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("HX-Request")
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/t/<token>")
def track(token: str):
    """The branded tracking page; for htmx, only its live partial."""
    shipment = _shipment_or_404(token)
    template = "pages/_live.html" if htmx else "pages/track.html"
    return _fresh(make_response(render_template(template, **shipment_view(shipment))))


@bp.get("/t/<token>/status")
def status(token: str):
    """The live partial alone: headline, ETA, progress, timeline."""
    shipment = _shipment_or_404(token)
    return _fresh(make_response(render_template("pages/_live.html", **shipment_view(shipment))))


@bp.route("/<slug>/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"], methods=["POST"])
def lookup_page(slug: str):
    """Find an order (number + email or postal code) or a parcel (tracking number alone)."""
    merchant = db.session.scalar(select(Merchant).filter_by(slug=slug))
    if merchant is None:
        abort(404)
    _use_merchant(merchant)
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
