"""Offers on the tracking page: catalogue, slots, targeting, recommendations, click tracking.

The flow: the page holds a lazy placeholder (`templates/offers/_placeholder.html`); htmx loads
`/t/<token>/offers` (`routes.slots`), which picks at most one offer per placement
(`select.choose_slots`: `rules.allowed` for targeting, `variants.choose` for A/B), renders it
with signed links (`clicks.click_url`) and counts impressions (`impressions.record`). A click goes
through `/t/<token>/o/<signed>` (`routes.click`); a later order of the same customer is credited
to it (`attribution`, on `signals.order_created`). `reports` sums it all up for the console.
"""
from flask import Flask, has_request_context, request

from ..models.types import utcnow
from ..signals import order_created
from .attribution import on_order_created


def offers_placeholder_wanted(merchant) -> bool:
    """Template helper: does the merchant have any offer that could show (cached per request)?"""
    from .select import has_live_offers
    if not has_request_context():
        return has_live_offers(merchant, utcnow())
    cache = request.environ.setdefault("tracking.offers_wanted", {})
    key = getattr(merchant, "id", None)
    if key not in cache:
        cache[key] = has_live_offers(merchant, utcnow())
    return cache[key]


def register(app: Flask) -> None:
    """Mount the shopper URLs, attribute new orders to clicks, add the template helper."""
    from . import impressions
    from .routes import bp
    app.register_blueprint(bp)
    impressions.init_app(app)
    order_created.connect(on_order_created)  # connecting twice is a no-op
    app.add_template_global(offers_placeholder_wanted)
