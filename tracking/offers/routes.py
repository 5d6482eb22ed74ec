"""Shopper URLs of the offers: the lazy offers partial and the signed click redirect.

The tracking page itself never computes offers: it holds a placeholder that htmx fills from
`/t/<token>/offers` once it scrolls into view (`hx-trigger="revealed"`), so offers never delay
the status. Without JavaScript the placeholder's <noscript> holds an <iframe> of the same URL
with `?embed=1` (a small standalone document, links opening in the top window): offers still
render, still lazily (`loading="lazy"`), and the page itself stays free of offer work. Both are
scoped by the shipment's unguessable public token, like the page.
"""
from flask import Blueprint, abort, make_response, redirect, render_template, request
from flask_babel import get_locale

from ..extensions import db
from ..models.types import utcnow
from ..pages.routes import use_merchant
from . import clicks, impressions
from .select import choose_slots, shipment_for_token

bp = Blueprint("offers", __name__)


@bp.get("/t/<token>/offers")
def slots(token: str):
    """The offers of a tracking page: an htmx partial, or with ?embed=1 a page for the iframe."""
    shipment = shipment_for_token(token)
    if shipment is None:
        abort(404)
    use_merchant(shipment.merchant, shipment.locale or shipment.order.locale)
    now = utcnow()
    chosen = choose_slots(shipment, str(get_locale()), now)
    embed = request.args.get("embed") == "1"
    template = "offers/embed.html" if embed else "offers/_slots.html"
    body = render_template(template, slots=chosen, shipment=shipment)
    impressions.record(shipment.merchant, chosen, request.user_agent.string, now)
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"  # every view is counted, and shoppers differ
    response.vary.update(("HX-Request", "Accept-Language"))
    if embed:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/t/<token>/o/<signed>")
def click(token: str, signed: str):
    """Count a click on an offer link and send the shopper on; 404 for anything we did not sign."""
    target = clicks.read(signed)
    if target is None:
        abort(404)
    shipment = shipment_for_token(token)
    if shipment is None or shipment.id != target.shipment_id:
        abort(404)
    if clicks.record(shipment, target, request.user_agent.string, utcnow()) is not None:
        db.session.commit()
    response = redirect(target.url, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "strict-origin"  # the merchant sees our site, not the token
    return response
