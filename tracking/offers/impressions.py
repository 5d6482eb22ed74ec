"""Offer impressions: one count per variant rendered to a shopper, per merchant-local day; bots excluded."""
from datetime import datetime

from flask import Flask, current_app

from ..counters import BufferedCounter, local_day
from ..models import OfferImpressionDay
from ..useragents import is_shopper_request


def init_app(app: Flask) -> None:
    """Give the app its impression counter (batched like page views, on the same interval)."""
    app.extensions["offer_impressions"] = BufferedCounter(
        app, OfferImpressionDay, fields=("variant_id", "day", "offer_id", "merchant_id"),
        conflict=("variant_id", "day"), column="impressions", flush_setting="PAGE_VIEW_FLUSH_SECONDS")


def record(merchant_id: int, timezone: str | None, shown: list[tuple[int, int]], now: datetime) -> int:
    """Add one impression for each (variant_id, offer_id) shown to a shopper (not to a bot or
    signed-in staff); returns how many were counted."""
    if not shown or not is_shopper_request():
        return 0
    counter = current_app.extensions["offer_impressions"]
    day = local_day(now, timezone)
    for variant_id, offer_id in shown:
        counter.add((variant_id, day, offer_id, merchant_id))
    return len(shown)
