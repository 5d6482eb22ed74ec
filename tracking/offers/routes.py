"""Shopper URLs of the offers: the lazy offers partial and the signed click redirect.

The tracking page itself never computes offers: it holds a placeholder that htmx fills from
`/t/<token>/offers` once it scrolls into view (`hx-trigger="revealed"`), so offers never delay
the status. Without JavaScript the placeholder's <noscript> holds an <iframe> of the same URL
with `?embed=1` (a small standalone document, links opening in the top window): offers still
render, still lazily (`loading="lazy"`), and the page itself stays free of offer work. Both are
scoped by the shipment's unguessable public token, like the page.
"""
from flask import Blueprint, abort, g, make_response, redirect, render_template, request
from flask_babel import get_locale

from ..extensions import db
from ..models.types import utcnow
from ..pages.render_cache import RenderCache
from ..pages.routes import page_state, render_key, use_merchant
from ..useragents import is_shopper_request
from . import clicks, impressions
from .select import choose_slots, shipment_for_token

bp = Blueprint("offers", __name__)
offers_cache = RenderCache()


@bp.get("/t/<token>/offers")
def slots(token: str):
    """The offers of a tracking page: an htmx partial, or with ?embed=1 a page for the iframe.

    Cached like the page (one light query when nothing changed): the key holds the shipment's
    and the merchant's versions (offer edits move the latter), lateness and the day; the
    cache's TTL bounds what it cannot see (stock, recomputed recommendations, schedules).
    Impressions are counted on every view, cached or not.
    """
    state = page_state(token)
    now = utcnow()
    embed = request.args.get("embed") == "1"
    key = render_key(state, now, token, embed, now.date())  # the day: days since delivery
    cached = offers_cache.get(key)
    if cached is None:
        shipment = shipment_for_token(token)
        use_merchant(shipment.merchant, g.order_locale)
        chosen = choose_slots(shipment, str(get_locale()), now)
        template = "offers/embed.html" if embed else "offers/_slots.html"
        body = render_template(template, slots=chosen, shipment=shipment).encode()
        cached = (body, [(slot.variant_id, slot.offer_id) for slot in chosen])
        offers_cache.put(key, cached)
    body, shown = cached
    impressions.record(state.merchant_id, state.timezone, shown, now)
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
    if is_shopper_request() and clicks.record(shipment, target, request.user_agent.string, utcnow()):
        db.session.commit()
    response = redirect(target.url, code=302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "strict-origin"  # the merchant sees our site, not the token
    return response
